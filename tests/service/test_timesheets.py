"""Hours in bulk: a company's monthly timesheet (CSV or xlsx), all or nothing, months replaced;
the month grid."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

import pytest
from factories import Actor, audit_entries, make_candidate, make_company, make_contract, make_lot
from fastapi.testclient import TestClient
from httpx import Response
from openpyxl import Workbook, load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models.procurement import Contract, Lot
from service.models.workflow import Placement, PlacementHours
from service.timesheets.reading import parse_month


@dataclass
class Site:
    contract: Contract
    lot: Lot
    other_lot: Lot
    first: Placement  # P-A on lot, March to June 2026
    second: Placement  # P-B on lot, from May 2026, open-ended


def _placement(
    session: Session, candidate_id: int, lot_id: int, start: date, end: date | None
) -> Placement:
    row = Placement(
        candidate_id=candidate_id,
        lot_id=lot_id,
        delivery_mode="direct_hire",
        contract_type="CDD",
        start_date=start,
        end_date=end,
    )
    session.add(row)
    session.flush()
    return row


@pytest.fixture
def site(session: Session, coach: Actor) -> Site:
    company = make_company(session)
    contract = make_contract(session, reference="M-TS-1")
    lot = make_lot(session, contract=contract, number="1", reference="M-TS-1-LOT01")
    lot.company_id = company.id
    other = make_lot(session, contract=contract, number="2", reference="M-TS-1-LOT02")
    a = make_candidate(session, coach=coach, external_id="P-A")
    b = make_candidate(session, coach=coach, external_id="P-B")
    first = _placement(session, a.id, lot.id, date(2026, 3, 15), date(2026, 6, 10))
    second = _placement(session, b.id, lot.id, date(2026, 5, 1), None)
    return Site(contract, lot, other, first, second)


def _post(
    client: TestClient, actor: Actor, data: bytes, name: str = "releve.csv", **params: str
) -> Response:
    response: Response = client.post(
        "/imports/hours",
        params=params,
        files={"file": (name, data, "text/csv")},
        headers=actor.headers,
    )
    return response


def _hours(session: Session) -> dict[tuple[int, date], float]:
    session.expire_all()
    rows = session.scalars(select(PlacementHours)).all()
    return {(h.placement_id, h.month): h.hours for h in rows}


GOOD = (
    "Identifiant de suivi;Nom;Lot;Mois;Heures réalisées\n"
    "P-A;Dupont;M-TS-1-LOT01;03/2026;60\n"
    "P-A;Dupont;M-TS-1-LOT01;avril 2026;151,67\n"
    "P-B;Martin;M-TS-1-LOT01;2026-05;35 h\n"
)


def test_timesheet_is_imported_and_reimport_replaces_not_adds(
    client: TestClient, session: Session, facilitator: Actor, site: Site
) -> None:
    dry = _post(client, facilitator, GOOD.encode("cp1252"), dry_run="true")
    assert dry.status_code == 200, dry.json()
    assert dry.json()["created"] == 3 and dry.json()["dry_run"] is True
    assert _hours(session) == {}

    done = _post(client, facilitator, GOOD.encode("cp1252"))
    assert done.status_code == 200, done.json()
    body = done.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (3, 0, 0)
    assert body["hours_total"] == pytest.approx(246.67)
    assert "nom" in body["warnings"][0]  # the name column is ignored, and said so
    expected = {
        (site.first.id, date(2026, 3, 1)): 60.0,
        (site.first.id, date(2026, 4, 1)): 151.67,
        (site.second.id, date(2026, 5, 1)): 35.0,
    }
    assert _hours(session) == expected

    # The same file again: nothing changes (replaced, never added).
    again = _post(client, facilitator, GOOD.encode("utf-8"))
    assert (again.json()["created"], again.json()["updated"], again.json()["unchanged"]) == (
        0,
        0,
        3,
    )
    assert _hours(session) == expected

    # A corrected figure replaces the month's hours.
    fixed = GOOD.replace("03/2026;60", "03/2026;72")
    third = _post(client, facilitator, fixed.encode())
    assert third.json()["updated"] == 1
    assert _hours(session)[(site.first.id, date(2026, 3, 1))] == 72.0
    entries = audit_entries(session, action="import", entity_type="placement_hours")
    assert len(entries) == 3
    assert "Dupont" not in str([e.detail for e in entries])


def test_contract_and_lot_number_columns(
    client: TestClient, session: Session, facilitator: Actor, site: Site
) -> None:
    data = "N° de suivi,Marché,N° de lot,Période,Nombre d'heures\nP-B,M-TS-1,01,01/06/2026,80\n"
    response = _post(client, facilitator, data.encode())
    assert response.status_code == 200, response.json()
    assert _hours(session) == {(site.second.id, date(2026, 6, 1)): 80.0}


def test_xlsx_timesheet(
    client: TestClient, session: Session, facilitator: Actor, site: Site
) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["Identifiant de suivi", "Lot", "Mois", "Heures"])
    sheet.append(["P-A", "M-TS-1-LOT01", datetime(2026, 4, 1), 120.5])
    sheet.append(["P-B", "M-TS-1-LOT01", "juin 2026", 35])
    buffer = io.BytesIO()
    book.save(buffer)
    response = _post(client, facilitator, buffer.getvalue(), name="releve.xlsx")
    assert response.status_code == 200, response.json()
    assert response.json()["format"] == "xlsx"
    assert _hours(session) == {
        (site.first.id, date(2026, 4, 1)): 120.5,
        (site.second.id, date(2026, 6, 1)): 35.0,
    }


@pytest.mark.parametrize(
    ("line", "column", "fragment"),
    [
        ("P-A;M-TS-1-LOT01;04/2026;230", "Heures", "230 h déclarées, plus que le plafond de 220 h"),
        ("P-A;M-TS-1-LOT01;07/2026;20", "Mois", "07/2026 : hors des dates du placement"),
        ("P-A;M-TS-1-LOT01;04/2026;-3", "Heures", "négatif"),
        ("P-Z;M-TS-1-LOT01;04/2026;20", "Identifiant de suivi", "Personne inconnue"),
        ("P-A;M-TS-1-LOT09;04/2026;20", "Lot", "Lot inconnu"),
        ("P-A;M-TS-1-LOT02;04/2026;20", "Identifiant de suivi", "n'a pas de placement"),
        ("P-A;M-TS-1-LOT01;13/2026;20", "Mois", "n'est pas un mois"),
        ("P-A;M-TS-1-LOT01;04/2026;beaucoup", "Heures", "n'est pas un nombre"),
        ("P-A;M-TS-1-LOT01;03/2026;20", "Mois", "déjà déclaré pour cette personne"),
    ],
)
def test_one_bad_line_refuses_the_whole_file(
    client: TestClient,
    session: Session,
    facilitator: Actor,
    site: Site,
    line: str,
    column: str,
    fragment: str,
) -> None:
    data = f"Identifiant de suivi;Lot;Mois;Heures\nP-A;M-TS-1-LOT01;03/2026;60\n{line}\n"
    response = _post(client, facilitator, data.encode())
    assert response.status_code == 422, response.json()
    body = response.json()
    assert "rien n'a été importé" in body["detail"]
    bad = [e for e in body["errors"] if e["line"] == 3]
    assert bad and bad[0]["column"] == column and fragment in bad[0]["message"], body
    assert _hours(session) == {}


def test_missing_columns_and_empty_file(client: TestClient, facilitator: Actor) -> None:
    missing = _post(client, facilitator, b"Identifiant;Heures\nP-A;3\n")
    assert missing.status_code == 422
    assert "Colonnes obligatoires absentes : lot, mois" in missing.json()["detail"]
    empty = _post(client, facilitator, b"")
    assert empty.status_code == 422 and "vide" in empty.json()["detail"]
    broken = _post(client, facilitator, b"PK\x03\x04garbage", name="x.xlsx")
    assert broken.status_code == 422 and "Classeur Excel illisible" in broken.json()["detail"]


def test_only_the_facilitator_imports(client: TestClient, coach: Actor, admin: Actor) -> None:
    for actor in (coach, admin):
        assert _post(client, actor, GOOD.encode()).status_code == 403


@pytest.mark.parametrize(
    ("text", "month"),
    [
        ("2026-03", date(2026, 3, 1)),
        ("3/2026", date(2026, 3, 1)),
        ("Mars 2026", date(2026, 3, 1)),
        ("févr.-26", date(2026, 2, 1)),
        ("15/08/2026", date(2026, 8, 1)),
        ("2026-12-31", date(2026, 12, 1)),
    ],
)
def test_months_as_companies_write_them(text: str, month: date) -> None:
    assert parse_month(text) == month


def test_month_grid(client: TestClient, session: Session, facilitator: Actor, site: Site) -> None:
    _post(client, facilitator, GOOD.encode())
    grid = client.get(
        "/hours/grid",
        params={"contract_id": site.contract.id, "from": "2026-02", "months": 6},
        headers=facilitator.headers,
    )
    assert grid.status_code == 200, grid.json()
    body = grid.json()
    assert body["months"] == ["2026-02", "2026-03", "2026-04", "2026-05", "2026-06", "2026-07"]
    rows = {r["follow_up_id"]: r for r in body["rows"]}
    assert rows["P-A"]["hours"]["2026-04"] == 151.67
    assert rows["P-A"]["editable"] == {
        "2026-02": False,
        "2026-03": True,
        "2026-04": True,
        "2026-05": True,
        "2026-06": True,
        "2026-07": False,
    }
    assert rows["P-B"]["hours"]["2026-04"] is None
    assert body["month_totals"]["2026-05"] == 35.0
    by_company = client.get(
        "/hours/grid",
        params={"company_id": site.lot.company_id, "from": "2026-03", "months": 3},
        headers=facilitator.headers,
    )
    assert {r["follow_up_id"] for r in by_company.json()["rows"]} == {"P-A", "P-B"}
    neither = client.get("/hours/grid", headers=facilitator.headers)
    assert neither.status_code == 422 and "marché" in neither.json()["detail"]
    bad_month = client.get(
        "/hours/grid",
        params={"contract_id": site.contract.id, "from": "hier"},
        headers=facilitator.headers,
    )
    assert bad_month.status_code == 422 and "n'est pas un mois" in bad_month.json()["detail"]


def test_wide_timesheet_one_column_per_month(
    client: TestClient, session: Session, facilitator: Actor, site: Site
) -> None:
    """What many companies send: a line per person, a column per month; an empty cell
    declares nothing."""
    data = (
        "Identifiant de suivi;Nom;Lot;mars 2026;avr.-26;05/2026\n"
        "P-A;Dupont;M-TS-1-LOT01;60;151,67;\n"
        "P-B;Martin;M-TS-1-LOT01;;;35\n"
    )
    response = _post(client, facilitator, data.encode())
    assert response.status_code == 200, response.json()
    assert response.json()["format"] == "csv, une colonne par mois"
    assert response.json()["warnings"] == ["Colonnes ignorées : nom."]
    assert _hours(session) == {
        (site.first.id, date(2026, 3, 1)): 60.0,
        (site.first.id, date(2026, 4, 1)): 151.67,
        (site.second.id, date(2026, 5, 1)): 35.0,
    }
    # A refused cell names its month column; nothing else is written.
    bad = "Identifiant de suivi;Lot;juin 2026;juillet 2026\nP-A;M-TS-1-LOT01;10;x\n"
    refused = _post(client, facilitator, bad.encode())
    assert refused.status_code == 422
    errors = refused.json()["errors"]
    assert [(e["line"], e["column"]) for e in errors] == [(2, "juillet 2026")]
    assert (site.first.id, date(2026, 6, 1)) not in _hours(session)


def test_the_template_a_company_fills_in_comes_back(
    client: TestClient, session: Session, facilitator: Actor, site: Site
) -> None:
    _post(client, facilitator, GOOD.encode())
    params = {"contract_id": site.contract.id, "from": "2026-03", "months": 4}
    template = client.get("/hours/template", params=params, headers=facilitator.headers)
    assert template.status_code == 200
    book = load_workbook(io.BytesIO(template.content))
    sheet = book.active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Identifiant de suivi", "Lot", "03/2026", "04/2026", "05/2026", "06/2026")
    assert rows[1] == ("P-A", "M-TS-1-LOT01", 60, 151.67, None, None)
    assert "Dupont" not in str(rows)
    # As it is: nothing changes. Filled in: the new months are declared.
    again = _post(client, facilitator, template.content, name="modele.xlsx")
    assert (again.json()["created"], again.json()["unchanged"]) == (0, 3), again.json()
    sheet.cell(2, 6).value = 80  # P-A, June 2026
    buffer = io.BytesIO()
    book.save(buffer)
    filled = _post(client, facilitator, buffer.getvalue(), name="modele.xlsx")
    assert filled.json()["created"] == 1, filled.json()
    assert _hours(session)[(site.first.id, date(2026, 6, 1))] == 80.0
