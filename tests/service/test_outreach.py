"""Industry outreach: sectors (NAF), contacts (personal data), events with who came and the
testimonies, tender answers, and the final account that they feed (JSON = CSV = xlsx)."""

from __future__ import annotations

import csv
import io
from datetime import date

from factories import SIRETS, Actor, audit_entries, make_company, make_contract, make_lot
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session


def _event(client: TestClient, actor: Actor, held_on: str, title: str = "Petit-déjeuner") -> int:
    response = client.post(
        "/outreach/events",
        json={
            "kind": "petit_dejeuner",
            "title": title,
            "held_on": held_on,
            "place": "CCI, Alençon",
            "commune_insee": "Alençon",
        },
        headers=actor.headers,
    )
    assert response.status_code == 201, response.json()
    assert response.json()["commune_insee"] == "61001"
    return int(response.json()["id"])


def test_sector_is_a_naf_sub_class(
    client: TestClient, session: Session, facilitator: Actor
) -> None:
    company = make_company(session)
    url = f"/outreach/companies/{company.id}/sector"
    ok = client.put(url, json={"naf_code": "4399c"}, headers=facilitator.headers)
    assert ok.status_code == 200, ok.json()
    body = ok.json()
    assert (body["naf_code"], body["section"], body["section_label"]) == (
        "43.99C",
        "F",
        "Construction",
    )
    bad = client.put(url, json={"naf_code": "99.99Z"}, headers=facilitator.headers)
    assert bad.status_code == 422 and "code NAF « 99.99Z » inconnu" in bad.json()["detail"]
    session.refresh(company)
    assert company.naf_code == "43.99C"
    read = client.get(f"/companies/{company.id}", headers=facilitator.headers).json()
    assert read["naf_code"] == "43.99C"
    found = client.get("/outreach/naf", params={"q": "maçonnerie"}, headers=facilitator.headers)
    assert "43.99C" in [e["code"] for e in found.json()]


def test_contacts_are_checked_and_never_audited_by_value(
    client: TestClient, session: Session, facilitator: Actor
) -> None:
    company = make_company(session)
    url = f"/outreach/companies/{company.id}/contacts"
    bad = client.post(
        url, json={"name": "Jeanne Valette", "phone": "12"}, headers=facilitator.headers
    )
    assert bad.status_code == 422 and "n'est pas un numéro valide" in bad.json()["detail"]
    made = client.post(
        url,
        json={
            "name": "Jeanne Valette",
            "role": "Responsable RH",
            "phone": "0612345678",
            "email": "j.valette@example.fr",
        },
        headers=facilitator.headers,
    )
    assert made.status_code == 201, made.json()
    assert made.json()["phone"] == "06 12 34 56 78"
    listed = client.get(url, headers=facilitator.headers).json()
    assert [c["name"] for c in listed] == ["Jeanne Valette"]
    entries = audit_entries(session, entity_type="company_contact")
    assert {e.action for e in entries} == {"create", "list"}
    assert "Valette" not in str([e.detail for e in entries])
    assert "0612" not in str([e.detail for e in entries])


def test_final_account_counts_later_answers_and_wins(
    client: TestClient, session: Session, facilitator: Actor, admin: Actor
) -> None:
    build = make_company(session, name="Bâtiment Normand", siret=SIRETS[0])
    clean = make_company(session, name="Propreté du Bocage", siret=SIRETS[1])
    early = make_company(session, name="Déjà titulaire", siret=SIRETS[2])
    quiet = make_company(session, name="Sans secteur", siret=SIRETS[3])
    for company, code in ((build, "43.99C"), (clean, "81.21Z"), (early, "43.21A")):
        client.put(
            f"/outreach/companies/{company.id}/sector",
            json={"naf_code": code},
            headers=facilitator.headers,
        )
    first = _event(client, facilitator, "2026-03-10")
    second = _event(client, facilitator, "2026-05-20", title="Visite de chantier")
    for event, company, people in (
        (first, build, 2),
        (first, clean, 1),
        (second, build, 1),
        (first, early, 3),
        (second, quiet, 1),
    ):
        response = client.post(
            f"/outreach/events/{event}/attendees",
            json={"company_id": company.id, "people": people},
            headers=facilitator.headers,
        )
        assert response.status_code == 200, response.json()
    testimony = client.post(
        f"/outreach/events/{first}/testimonies",
        json={
            "speaker_kind": "salarie_insertion",
            "text": "J'ai été embauché en CDI.",
            "may_publish": True,
        },
        headers=facilitator.headers,
    )
    assert testimony.status_code == 201
    # Later: the builder bids for a lot and wins another; the cleaner bids after its visit; the
    # early company won its lot before it ever came (not counted).
    contract = make_contract(session, notified_on=date(2026, 9, 1))
    bid_lot = make_lot(session, contract=contract)
    won_lot = make_lot(session, contract=contract, company_id=build.id)
    old = make_contract(session, notified_on=date(2025, 6, 1))
    make_lot(session, contract=old, company_id=early.id)
    for company, lot, day, state in (
        (build, bid_lot, "2026-07-01", "bid"),
        (clean, bid_lot, "2026-07-02", "lost"),
        (early, bid_lot, "2026-01-15", "bid"),
    ):
        response = client.post(
            "/outreach/tender-answers",
            json={"company_id": company.id, "lot_id": lot.id, "answered_on": day, "status": state},
            headers=facilitator.headers,
        )
        assert response.status_code == 201, response.json()
    again = client.post(
        "/outreach/tender-answers",
        json={
            "company_id": build.id,
            "lot_id": bid_lot.id,
            "answered_on": "2026-07-01",
            "status": "bid",
        },
        headers=facilitator.headers,
    )
    assert again.status_code == 409 and "déjà enregistrée" in again.json()["detail"]
    assert won_lot.company_id == build.id

    account = client.get("/outreach/final-account", headers=admin.headers)
    assert account.status_code == 200, account.json()
    body = account.json()
    rows = {r["section"]: r for r in body["rows"]}
    assert rows["F"] == {
        "section": "F",
        "section_label": "Construction",
        "companies_reached": 2,
        "people": 6,
        "events": 2,
        "answered_after": 1,
        "won_after": 1,
    }
    assert (
        rows["N"]["companies_reached"],
        rows["N"]["answered_after"],
        rows["N"]["won_after"],
    ) == (1, 1, 0)
    assert rows[""]["section_label"] == "Secteur non renseigné"
    assert body["total"]["companies_reached"] == 4 and body["total"]["people"] == 8
    assert (body["total"]["answered_after"], body["total"]["won_after"]) == (2, 1)
    assert (body["events"], body["testimonies"]) == (2, 1)

    companies = {
        c["name"]: c for c in client.get("/outreach/companies", headers=facilitator.headers).json()
    }
    assert companies["Bâtiment Normand"]["first_contact_on"] == "2026-03-10"
    assert companies["Bâtiment Normand"]["won_after"] is True
    assert companies["Déjà titulaire"]["answered_after"] is False

    # The same figures in every format.
    table = [*body["rows"], body["total"]]
    text = client.get(
        "/outreach/final-account", params={"format": "csv"}, headers=facilitator.headers
    ).content.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert lines[0][2] == "Entreprises touchées"
    assert [int(x[2]) for x in lines[1:]] == [r["companies_reached"] for r in table]
    assert [int(x[6]) for x in lines[1:]] == [r["won_after"] for r in table]
    book = load_workbook(
        io.BytesIO(
            client.get(
                "/outreach/final-account", params={"format": "xlsx"}, headers=facilitator.headers
            ).content
        )
    )
    sheet = book.active
    assert sheet.freeze_panes == "A2"
    assert [r[2] for r in sheet.iter_rows(min_row=2, values_only=True)] == [
        r["companies_reached"] for r in table
    ]
    detail = client.get(f"/outreach/events/{first}", headers=facilitator.headers).json()
    assert detail["people"] == 6 and detail["testimony_items"][0]["may_publish"] is True
    gone = client.delete(
        f"/outreach/testimonies/{detail['testimony_items'][0]['id']}", headers=facilitator.headers
    )
    assert gone.status_code == 204
    after = client.get(f"/outreach/events/{first}", headers=facilitator.headers).json()
    assert after["testimony_items"] == []
    assert (
        client.delete("/outreach/testimonies/999999", headers=facilitator.headers).status_code
        == 404
    )


def test_bad_input_changes_nothing(
    client: TestClient, session: Session, facilitator: Actor
) -> None:
    bad_kind = client.post(
        "/outreach/events",
        json={"kind": "fete", "title": "x", "held_on": "2026-03-01", "place": "Flers"},
        headers=facilitator.headers,
    )
    assert bad_kind.status_code == 422
    event = _event(client, facilitator, "2026-04-01")
    company = make_company(session, siret=SIRETS[0])
    other = make_company(session, siret=SIRETS[1])
    contact = client.post(
        f"/outreach/companies/{other.id}/contacts",
        json={"name": "Paul Hébert"},
        headers=facilitator.headers,
    ).json()
    wrong = client.post(
        f"/outreach/events/{event}/attendees",
        json={"company_id": company.id, "contact_id": contact["id"]},
        headers=facilitator.headers,
    )
    assert (
        wrong.status_code == 422
        and "n'est pas un contact de cette entreprise" in wrong.json()["detail"]
    )
    too_many = client.post(
        f"/outreach/events/{event}/attendees",
        json={"company_id": company.id, "people": 0},
        headers=facilitator.headers,
    )
    assert too_many.status_code == 422
    assert (
        client.get(f"/outreach/events/{event}", headers=facilitator.headers).json()["attendances"]
        == []
    )
    no_lot = client.post(
        "/outreach/tender-answers",
        json={
            "company_id": company.id,
            "lot_id": 999999,
            "answered_on": "2026-01-01",
            "status": "bid",
        },
        headers=facilitator.headers,
    )
    assert no_lot.status_code == 422 and "le lot 999999 n'existe pas" in no_lot.json()["detail"]
    assert client.delete("/outreach/events/999999", headers=facilitator.headers).status_code == 404
