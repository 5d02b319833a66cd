"""Reports on a small hand-built data set: every expected number is written by hand below.

Data (report period 2026-01-01 → 2026-06-30, so the lots' elapsed share is 180/364 = 0.4945
and the risk threshold 0.4945 - 0.15 = 0.3445):

contract M-ALENCON (buyer Département, site Alençon 61001, bassin 2826), 2026-01-01 → 12-31
  lot L1 1000 h, lot L2 500 h (both 2026-01-01 → 2026-12-31)
contract M-FLERS (buyer Ville de Flers, site Flers 61169, bassin 2825), no end date
  lot L3 200 h (no end date: not assessed)

person  sex birth edu        status              disab RSA  lot mode                 hours
A       F   1990  ISCED_0_2  long_term_unemployed no   yes  L1  direct_hire          Feb100 Mar120 Apr120 May110 = 450
B       M   2000  ISCED_3_4  unemployed          no   yes  L1  mise_a_disposition   Mar-Jun 50 each = 200
C       F   1968  ISCED_0_2  inactive            yes  yes  L2  geiq                 Apr40 May40 (+Jul40 after the period)
D       M   1995  ISCED_5_8  employed            no   no   L3  direct_hire          Feb-Apr 30 each = 90
E       F   2001  ISCED_3_4  long_term_unemployed no   yes  L1  sous_traitance_siae  May60 Jun40 = 100
F       (no reporting row: RSA by default)                L2  direct_hire          Jun20

outcomes at end / six months: A durable/durable (ends 05-31), B transition/- (06-30),
D other/- (04-30), E sortie_positive/- (06-15); C and F still in post.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import openpyxl
import pandas as pd
import pytest
from factories import (
    Actor,
    make_buyer,
    make_candidate,
    make_company,
    make_contract,
    make_lot,
    make_offer,
)
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.config import Settings
from service.models.people import CandidateReporting
from service.models.workflow import Placement, PlacementHours, Proposal, ProposalEvent
from service.referentials.service import load_referentials
from service.reports.common import ReportFilter
from service.reports.participants import participants_report

PERIOD = {"from": "2026-01-01", "to": "2026-06-30"}
ALENCON_EPCI = "246100663"


def _person(session: Session, coach: Actor, reporting: dict[str, Any] | None) -> int:
    candidate = make_candidate(session, coach=coach)
    if reporting is not None:
        session.add(CandidateReporting(candidate_id=candidate.id, **reporting))
        session.flush()
    return candidate.id


def _placement(
    session: Session,
    person: int,
    lot: int,
    mode: str,
    start: date,
    end: date | None,
    hours: dict[int, float],
    *,
    at_end: str | None = None,
    six: str | None = None,
) -> None:
    placement = Placement(
        candidate_id=person,
        lot_id=lot,
        delivery_mode=mode,
        intermediary="ETTI" if mode == "mise_a_disposition" else None,
        contract_type="CDD",
        start_date=start,
        end_date=end,
        outcome_at_end=at_end,
        outcome_6_months=six,
    )
    session.add(placement)
    session.flush()
    for month, h in hours.items():
        session.add(PlacementHours(placement_id=placement.id, month=date(2026, month, 1), hours=h))
    session.flush()


@pytest.fixture
def dataset(session: Session, coach: Actor) -> dict[str, int]:
    dept = make_buyer(session, name="Département de l'Orne", commune_insee="61001")
    flers = make_buyer(session, name="Ville de Flers", commune_insee="61169")
    company = make_company(session)
    c1 = make_contract(
        session,
        buyer=dept,
        reference="M-ALENCON",
        commune_insee="61001",
        start_date=date(2026, 1, 1),
        end_date=date(2026, 12, 31),
    )
    c2 = make_contract(
        session,
        buyer=flers,
        reference="M-FLERS",
        commune_insee="61169",
        start_date=date(2026, 1, 1),
        end_date=None,
    )
    year = {"start_date": date(2026, 1, 1), "end_date": date(2026, 12, 31)}
    l1 = make_lot(
        session, contract=c1, reference="L1", insertion_hours=1000, company_id=company.id, **year
    )
    l2 = make_lot(session, contract=c1, reference="L2", insertion_hours=500, **year)
    l3 = make_lot(
        session, contract=c2, reference="L3", insertion_hours=200, start_date=date(2026, 1, 1)
    )

    def rep(sex: str, birth: int, edu: str, status: str, disab: bool, rsa: bool) -> dict[str, Any]:
        return {
            "sex": sex,
            "birth_year": birth,
            "education_level": edu,
            "labour_status": status,
            "disability_recognised": disab,
            "rsa_beneficiary": rsa,
        }

    a = _person(session, coach, rep("F", 1990, "ISCED_0_2", "long_term_unemployed", False, True))
    b = _person(session, coach, rep("M", 2000, "ISCED_3_4", "unemployed", False, True))
    c = _person(session, coach, rep("F", 1968, "ISCED_0_2", "inactive", True, True))
    d = _person(session, coach, rep("M", 1995, "ISCED_5_8", "employed", False, False))
    e = _person(session, coach, rep("F", 2001, "ISCED_3_4", "long_term_unemployed", False, True))
    f = _person(session, coach, None)
    _placement(
        session, a, l1.id, "direct_hire", date(2026, 2, 1), date(2026, 5, 31),
        {2: 100, 3: 120, 4: 120, 5: 110}, at_end="emploi_durable", six="emploi_durable",
    )  # fmt: skip
    _placement(
        session, b, l1.id, "mise_a_disposition", date(2026, 3, 1), date(2026, 6, 30),
        {3: 50, 4: 50, 5: 50, 6: 50}, at_end="emploi_transition",
    )  # fmt: skip
    _placement(session, c, l2.id, "geiq", date(2026, 4, 1), None, {4: 40, 5: 40, 7: 40})
    _placement(
        session, d, l3.id, "direct_hire", date(2026, 2, 1), date(2026, 4, 30),
        {2: 30, 3: 30, 4: 30}, at_end="other",
    )  # fmt: skip
    _placement(
        session, e, l1.id, "sous_traitance_siae", date(2026, 5, 1), date(2026, 6, 15),
        {5: 60, 6: 40}, at_end="sortie_positive",
    )  # fmt: skip
    _placement(session, f, l2.id, "direct_hire", date(2026, 6, 1), None, {6: 20})
    return {"c1": c1.id, "c2": c2.id, "dept": dept.id}


def _get(client: TestClient, actor: Actor, name: str, **params: Any) -> Any:
    response = client.get(f"/reports/{name}", params={**PERIOD, **params}, headers=actor.headers)
    assert response.status_code == 200, response.text
    return response


def _rows(table: list[dict[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    return {row[key]: row for row in table}


# --------------------------------------------------------------------------- execution


def test_execution_figures(client: TestClient, facilitator: Actor, dataset: dict[str, int]) -> None:
    body = _get(client, facilitator, "execution").json()
    lots = _rows(body["tables"]["lots"], "lot")
    assert lots["L1"]["heures_engagees"] == 1000
    assert lots["L1"]["heures_realisees"] == 750
    assert lots["L1"]["heures_direct_hire"] == 450
    assert lots["L1"]["heures_mise_a_disposition"] == 200
    assert lots["L1"]["heures_sous_traitance_siae"] == 100
    assert lots["L1"]["taux_realisation"] == 0.75
    assert lots["L1"]["part_duree_ecoulee"] == 0.4945
    assert lots["L1"]["en_retard"] is False
    assert lots["L2"]["heures_realisees"] == 100  # July's 40 h are after the report date
    assert lots["L2"]["heures_geiq"] == 80
    assert lots["L2"]["taux_realisation"] == 0.2
    assert lots["L2"]["en_retard"] is True
    assert lots["L3"]["heures_realisees"] == 90
    assert lots["L3"]["taux_realisation"] == 0.45
    assert lots["L3"]["part_duree_ecoulee"] is None
    assert lots["L3"]["en_retard"] is False
    contracts = _rows(body["tables"]["marches"], "marche")
    assert contracts["M-ALENCON"]["heures_engagees"] == 1500
    assert contracts["M-ALENCON"]["heures_realisees"] == 850
    assert contracts["M-ALENCON"]["lots_en_retard"] == 1
    assert contracts["M-ALENCON"]["taux_realisation"] == 0.5667
    assert contracts["M-FLERS"]["heures_realisees"] == 90
    modes = _rows(body["tables"]["modes"], "mode")
    assert {m: r["heures"] for m, r in modes.items()} == {
        "direct_hire": 560,
        "mise_a_disposition": 200,
        "geiq": 80,
        "sous_traitance_siae": 100,
        "co_traitance_siae": 0,
        "ea_esat": 0,
    }
    assert modes["direct_hire"]["part"] == 0.5957


def test_execution_filters(client: TestClient, facilitator: Actor, dataset: dict[str, int]) -> None:
    flers = _get(client, facilitator, "execution", bassin="2825").json()
    assert [r["lot"] for r in flers["tables"]["lots"]] == ["L3"]
    alencon = _get(client, facilitator, "execution", epci=ALENCON_EPCI).json()
    assert [r["lot"] for r in alencon["tables"]["lots"]] == ["L1", "L2"]
    buyer = _get(client, facilitator, "execution", buyer_id=dataset["dept"]).json()
    assert {r["marche"] for r in buyer["tables"]["lots"]} == {"M-ALENCON"}
    contract = _get(client, facilitator, "execution", contract_id=dataset["c2"]).json()
    assert [r["lot"] for r in contract["tables"]["lots"]] == ["L3"]
    # Hours of the period only (May-June) next to the cumulative figure.
    late = _get(client, facilitator, "execution", **{"from": "2026-05-01"}).json()
    l1 = _rows(late["tables"]["lots"], "lot")["L1"]
    assert (l1["heures_periode"], l1["heures_realisees"]) == (110 + 100 + 100, 750)


def test_execution_exports_hold_the_same_figures(
    client: TestClient, facilitator: Actor, dataset: dict[str, int]
) -> None:
    csv = _get(client, facilitator, "execution", format="csv", table="lots")
    assert csv.headers["content-type"].startswith("text/csv")
    frame = pd.read_csv(io.BytesIO(csv.content), sep=";", encoding="utf-8-sig", dtype=str)
    # French headers with units, French numbers, labels instead of codes.
    assert dict(zip(frame["Lot"], frame["Heures réalisées (h)"], strict=True)) == {
        "L1": "750",
        "L2": "100",
        "L3": "90",
    }
    assert list(frame["Taux de réalisation (%)"]) == ["75,0 %", "20,0 %", "45,0 %"]
    assert list(frame["Début"]) == ["01/01/2026"] * 3
    assert list(frame["En retard"]) == ["non", "oui", "non"]
    assert "marche_id" not in frame.columns
    assert list(frame["Durée écoulée (%)"].fillna("")) == ["49,5 %", "49,5 %", ""]
    text = csv.content.decode("utf-8-sig")
    assert "NaN" not in text and "direct_hire" not in text and "1.0" not in text
    xlsx = _get(client, facilitator, "execution", format="xlsx")
    sheets = pd.read_excel(io.BytesIO(xlsx.content), sheet_name=None)
    assert list(sheets) == ["Synthèse", "Lots", "Marchés", "Modes de réalisation", "Notes"]
    lots = sheets["Lots"]
    assert dict(zip(lots["Lot"], lots["En retard"], strict=True)) == {
        "L1": "non",
        "L2": "oui",
        "L3": "non",
    }
    assert dict(zip(lots["Lot"], lots["Heures réalisées (h)"], strict=True)) == {
        "L1": 750,
        "L2": 100,
        "L3": 90,
    }
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    contracts = book["Marchés"]
    assert contracts.max_row == 3  # header + 2 contracts
    assert contracts.freeze_panes == "A2"
    assert list(contracts.tables) == ["Tableau3"]
    assert len(contracts._charts) == 1  # native Excel chart: hours committed and done
    assert (contracts["G1"].value, contracts["G2"].value) == ("Taux de réalisation (%)", 0.5667)
    assert contracts["G2"].number_format == "0.0%"
    assert book["Lots"]["F2"].number_format == "DD/MM/YYYY"
    assert book["Lots"]["H2"].number_format == "#,##0.0"
    png = _get(client, facilitator, "execution", format="png")
    assert png.headers["content-type"] == "image/png"
    assert png.content.startswith(b"\x89PNG")


# --------------------------------------------------------------------------- FSE+


def test_fse_indicators(client: TestClient, facilitator: Actor, dataset: dict[str, int]) -> None:
    body = _get(client, facilitator, "fse").json()
    values = {r["code"]: r["valeur"] for r in body["tables"]["indicateurs"]}
    assert values == {
        "heures_rsa": 850,
        "personnes_rsa_placees": 5,
        "personnes_rsa_emploi_durable": 1,
        "sortants_situation_fin": 3,
        "part_emploi_fin": 0.6667,
        "sortants_situation_6_mois": 1,
        "part_emploi_6_mois": 1.0,
    }
    monthly = [(r["mois"], r["heures"], r["heures_rsa"]) for r in body["tables"]["heures_par_mois"]]
    assert monthly == [
        ("2026-02-01", 130, 100),
        ("2026-03-01", 200, 170),
        ("2026-04-01", 240, 210),
        ("2026-05-01", 260, 260),
        ("2026-06-01", 110, 110),
    ]
    outcomes = {
        r["situation"]: (r["a_la_fin"], r["six_mois_apres"]) for r in body["tables"]["situations"]
    }
    assert outcomes == {
        "emploi_durable": (1, 1),
        "formation_qualifiante": (0, 0),
        "emploi_transition": (1, 0),
        "sortie_positive": (1, 0),
        "other": (0, 0),
        "unknown": (0, 0),
    }
    xlsx = _get(client, facilitator, "fse", format="xlsx")
    sheet = pd.read_excel(io.BytesIO(xlsx.content), sheet_name="Indicateurs du projet")
    assert (
        dict(zip(sheet["Indicateur"], sheet["Valeur"], strict=True))[
            "Heures travaillées par des bénéficiaires du RSA sur des marchés à clause"
        ]
        == 850
    )
    people = pd.read_excel(io.BytesIO(xlsx.content), sheet_name="Participants FSE+", dtype=str)
    assert people.loc[people["Code FSE+"] == "EECO01", "Total (personnes)"].item() == "6"
    assert people.loc[people["Code FSE+"] == "EECO01", "Femmes"].item() == "<5"
    assert _get(client, facilitator, "fse", format="png").content.startswith(b"\x89PNG")


# --------------------------------------------------------------------------- participants


def test_participants_counts_by_hand(
    session: Session, settings: Settings, dataset: dict[str, int]
) -> None:
    refs = load_referentials(settings.referentials_dir)
    report = participants_report(
        session,
        refs,
        ReportFilter(date_from=date(2026, 1, 1), date_to=date(2026, 6, 30)),
        today=date(2026, 11, 1),
        mask_small_cells=False,
    )
    table = report.tables["participants"]
    got = {
        (r["code"] or r["indicateur"]): (
            r["total"],
            r["femmes"],
            r["hommes"],
            r["sexe_non_renseigne"],
        )
        for r in table.to_dict("records")
    }
    assert got == {
        "EECO01": (6, 3, 2, 1),
        "EECO02": (3, 2, 1, 0),
        "EECO03": (2, 2, 0, 0),
        "EECO04": (1, 1, 0, 0),
        "EECO05": (1, 0, 1, 0),
        "Situation sur le marché du travail non renseignée": (1, 0, 0, 1),
        "EECO06": (0, 0, 0, 0),
        "EECO07": (2, 1, 1, 0),
        "EECO08": (1, 1, 0, 0),
        "Âge non renseigné": (1, 0, 0, 1),
        "EECO09": (2, 2, 0, 0),
        "EECO10": (2, 1, 1, 0),
        "EECO11": (1, 0, 1, 0),
        "Niveau d'études non renseigné": (1, 0, 0, 1),
        "EECO12": (1, 1, 0, 0),
        "EECR04": (2, 1, 1, 0),
        "EECR05": (1, 1, 0, 0),
    }


def test_participants_mask_small_cells(
    client: TestClient, facilitator: Actor, dataset: dict[str, int]
) -> None:
    body = _get(client, facilitator, "participants").json()
    rows = _rows(body["tables"]["participants"], "indicateur")
    total = rows["Nombre total de participants"]
    assert (total["total"], total["femmes"], total["hommes"], total["sexe_non_renseigne"]) == (
        6,
        "<5",
        "<5",
        "<5",
    )
    assert rows["Moins de 18 ans"]["total"] == 0
    assert rows["55 ans et plus"]["total"] == "<5"
    csv = _get(client, facilitator, "participants", format="csv")
    frame = pd.read_csv(io.BytesIO(csv.content), sep=";", encoding="utf-8-sig", dtype=str)
    assert frame.loc[frame["Code FSE+"] == "EECO01", "Femmes"].item() == "<5"
    assert frame.loc[frame["Code FSE+"] == "EECO01", "Total (personnes)"].item() == "6"
    assert frame.loc[frame["Code FSE+"] == "EECO01", "Rubrique"].item() == "Total"
    no_chart = client.get(
        "/reports/participants", params={"format": "png"}, headers=facilitator.headers
    )
    assert no_chart.status_code == 422


# --------------------------------------------------------------------------- funnel


@pytest.fixture
def proposals(
    session: Session, coach: Actor, other_coach: Actor, facilitator: Actor
) -> Iterator[None]:
    lot = make_lot(session)
    alencon = make_offer(session, lot_id=lot.id, commune_insee="61001")
    flers = make_offer(session, lot_id=lot.id, commune_insee="61169")
    plan = [
        (coach, alencon, ["proposed", "validated", "presented", "hired"], None),
        (coach, alencon, ["proposed", "refused"], "mobility"),
        (coach, flers, ["proposed", "validated"], None),
        (coach, flers, ["proposed", "validated", "presented", "not_retained"], "company_declined"),
        (other_coach, alencon, ["proposed"], None),
        (other_coach, alencon, ["proposed", "refused"], "other"),
    ]
    for owner, offer, path, reason in plan:
        person = make_candidate(session, coach=owner)
        proposal = Proposal(
            candidate_id=person.id,
            offer_id=offer.id,
            proposed_by=owner.id,
            state=path[-1],
            state_reason=reason,
            state_changed_at=datetime.now(UTC),
        )
        session.add(proposal)
        session.flush()
        previous = None
        for state in path:
            session.add(
                ProposalEvent(
                    proposal_id=proposal.id,
                    from_state=previous,
                    to_state=state,
                    reason=reason if state in {"refused", "not_retained"} else None,
                    by=facilitator.id,
                )
            )
            previous = state
    session.flush()
    yield


def test_funnel_figures(client: TestClient, facilitator: Actor, proposals: None) -> None:
    response = client.get("/reports/funnel", headers=facilitator.headers)
    assert response.status_code == 200
    body = response.json()
    assert [(r["etape"], r["propositions"]) for r in body["tables"]["entonnoir"]] == [
        ("proposées", 6),
        ("validées", 3),
        ("présentées", 2),
        ("embauchées", 1),
    ]
    columns = (
        "proposees",
        "validees",
        "presentees",
        "embauchees",
        "refusees",
        "non_retenues",
        "en_cours",
        "taux_validation",
        "taux_embauche",
    )
    coaches = {r["coach"]: tuple(r[c] for c in columns) for r in body["tables"]["par_coach"]}
    assert coaches == {
        "coach-a": (4, 3, 2, 1, 1, 1, 1, 0.75, 0.25),
        "coach-b": (2, 0, 0, 0, 1, 0, 1, 0.0, 0.0),
    }
    bassins = {r["bassin"]: tuple(r[c] for c in columns) for r in body["tables"]["par_bassin"]}
    assert bassins == {
        "2825": (2, 2, 1, 0, 0, 1, 1, 1.0, 0.0),
        "2826": (4, 1, 1, 1, 2, 0, 1, 0.25, 0.25),
    }
    assert _rows(body["tables"]["par_bassin"], "bassin")["2826"]["libelle"] == "Alençon / Sées"
    reasons = [(r["etape"], r["motif"], r["propositions"]) for r in body["tables"]["motifs"]]
    assert reasons == [
        ("refus du facilitateur", "mobility", 1),
        ("refus du facilitateur", "other", 1),
        ("non retenu", "company_declined", 1),
    ]
    flers = client.get(
        "/reports/funnel", params={"bassin": "2825"}, headers=facilitator.headers
    ).json()
    assert [r["propositions"] for r in flers["tables"]["entonnoir"]] == [2, 2, 1, 0]
    xlsx = client.get("/reports/funnel", params={"format": "xlsx"}, headers=facilitator.headers)
    sheet = pd.read_excel(io.BytesIO(xlsx.content), sheet_name="Par coach")
    assert list(sheet["Proposées"]) == [4, 2]
    png = client.get("/reports/funnel", params={"format": "png"}, headers=facilitator.headers)
    assert png.content.startswith(b"\x89PNG")


def test_reports_refuse_a_reversed_period(client: TestClient, facilitator: Actor) -> None:
    response = client.get(
        "/reports/execution",
        params={"from": "2026-06-30", "to": "2026-01-01"},
        headers=facilitator.headers,
    )
    assert response.status_code == 422
    assert "est avant" in response.json()["detail"]
