"""Outreach pages: a company's sector and contacts, an event with who came and a testimony, a
tender answer, and the final account with its downloads; French errors, nothing changed."""

from __future__ import annotations

import html
import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session
from web_factories import make_lot
from web_helpers import Login, csrf_of

from service.models.accounts import User
from service.models.outreach import CompanyContact, OutreachEvent
from service.models.procurement import Company


def _company(session: Session) -> Company:
    company = Company(siret="73282932000074", name="Charpentes de l'Orne")
    session.add(company)
    session.flush()
    return company


def test_outreach_journey(
    client: TestClient, login: Login, session: Session, facilitator: User
) -> None:
    company = _company(session)
    lot = make_lot(session)
    token = login(facilitator)
    base = f"/facilitateur/entreprises/{company.id}"
    assert client.get("/facilitateur/entreprises").status_code == 200
    bad = client.post(f"{base}/secteur", data={"csrf_token": token, "naf_code": "12345"})
    assert bad.status_code == 422 and "code NAF « 12345 » inconnu" in html.unescape(bad.text)
    ok = client.post(f"{base}/secteur", data={"csrf_token": token, "naf_code": "43.32A"})
    assert ok.status_code == 200 and "43.32A" in ok.text and "Construction" in ok.text
    bad_mail = client.post(
        f"{base}/contacts", data={"csrf_token": token, "name": "Luc Morin", "email": "luc@"}
    )
    assert bad_mail.status_code == 422 and "n'est pas une adresse valide" in html.unescape(
        bad_mail.text
    )
    assert session.scalars(select(CompanyContact)).all() == []
    added = client.post(
        f"{base}/contacts",
        data={
            "csrf_token": token,
            "name": "Luc Morin",
            "role": "Gérant",
            "phone": "02 33 12 34 56",
        },
    )
    assert added.status_code == 200 and "Luc Morin" in added.text
    contact = session.scalars(select(CompanyContact)).one()

    events = client.get("/facilitateur/sensibilisation")
    missing = client.post(
        "/facilitateur/sensibilisation",
        data={
            "csrf_token": csrf_of(events.text),
            "kind": "petit_dejeuner",
            "title": "",
            "held_on": "2026-03-03",
            "place": "Flers",
        },
    )
    assert missing.status_code == 422 and "Action non enregistrée" in missing.text
    made = client.post(
        "/facilitateur/sensibilisation",
        data={
            "csrf_token": token,
            "kind": "petit_dejeuner",
            "title": "Petit-déjeuner clauses",
            "held_on": "2026-03-03",
            "place": "Maison de l'emploi, Flers",
            "commune": "61100 Flers",
        },
    )
    assert made.status_code == 200 and "Petit-déjeuner clauses" in made.text
    event = session.scalars(select(OutreachEvent)).one()
    assert event.commune_insee == "61169"
    came = client.post(
        f"/facilitateur/sensibilisation/{event.id}/participants",
        data={
            "csrf_token": token,
            "company_id": str(company.id),
            "contact_id": str(contact.id),
            "people": "2",
        },
    )
    assert came.status_code == 200 and "Luc Morin" in came.text
    said = client.post(
        f"/facilitateur/sensibilisation/{event.id}/temoignages",
        data={
            "csrf_token": token,
            "speaker_kind": "entreprise",
            "company_id": str(company.id),
            "text": "Nous avons recruté deux personnes.",
            "may_publish": "true",
        },
    )
    assert said.status_code == 200 and "Nous avons recruté deux personnes." in said.text
    answered = client.post(
        f"{base}/reponses",
        data={
            "csrf_token": token,
            "lot_id": str(lot.id),
            "answered_on": "2026-06-01",
            "status": "won",
        },
    )
    assert answered.status_code == 200 and "a remporté" in answered.text
    assert "Aucun lot attribué." in answered.text
    lot.company_id = company.id
    session.flush()
    assert lot.reference in client.get(base).text.split("Lots avec clause attribués")[1]

    testimony = re.search(r"temoignages/(\d+)/supprimer", said.text)
    assert testimony is not None
    removed = client.post(
        f"/facilitateur/sensibilisation/temoignages/{testimony.group(1)}/supprimer",
        data={"csrf_token": token},
    )
    assert removed.status_code == 200 and "Nous avons recruté" not in removed.text
    account = client.get("/facilitateur/sensibilisation/bilan")
    assert account.status_code == 200
    assert "F — Construction" in account.text
    book = load_workbook(io.BytesIO(client.get("/facilitateur/sensibilisation/bilan.xlsx").content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][2] == "Entreprises touchées"
    assert rows[1][:7] == ("F", "Construction", 1, 2, 1, 1, 1)
    assert (
        client.get("/facilitateur/sensibilisation/bilan.csv")
        .content.decode("utf-8-sig")
        .startswith("Section NAF;")
    )
    assert client.get("/facilitateur/sensibilisation/bilan.pdf").status_code == 404


def test_a_company_reached_is_added_with_its_sector(
    client: TestClient, login: Login, session: Session, facilitator: User
) -> None:
    token = login(facilitator)
    bad = client.post(
        "/facilitateur/entreprises",
        data={"csrf_token": token, "siret": "123", "name": "Fonderie du Perche"},
    )
    assert bad.status_code == 422 and "Entreprise non enregistrée" in bad.text
    bad_naf = client.post(
        "/facilitateur/entreprises",
        data={"csrf_token": token, "siret": "44306184100047", "name": "Fonderie", "naf_code": "1"},
    )
    assert bad_naf.status_code == 422 and "code NAF" in bad_naf.text
    assert session.scalars(select(Company)).all() == []
    ok = client.post(
        "/facilitateur/entreprises",
        data={
            "csrf_token": token,
            "siret": "443 061 841 00047",
            "name": "Fonderie du Perche",
            "naf_code": "24.51Z",
            "commune": "61001",
        },
    )
    assert ok.status_code == 200 and "Fonderie du Perche" in ok.text and "24.51Z" in ok.text


def test_outreach_pages_are_the_facilitators(
    client: TestClient, login: Login, coach: User, admin: User
) -> None:
    for user in (coach, admin):
        login(user)
        assert client.get("/facilitateur/entreprises").status_code == 403
        assert client.get("/facilitateur/sensibilisation/bilan").status_code == 403
