"""Offers: ROME codes checked and derived, dates in order, links to lots and companies."""

from __future__ import annotations

from typing import Any

import pytest
from factories import Actor, make_company, make_lot, make_offer
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.models.offers import Offer


def _body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": "OE-2026-001",
        "intitule": "Maçon H/F - CDD 6 mois",
        "code_ogr": 16250,
        "commune_insee": "61001",
        "required_licences": ["PERMIS_B"],
        "weekly_hours": 35,
        "has_early_starts": True,
        "start_date": "2026-11-02",
        "end_date": "2027-05-01",
        "contract_type": "CDD",
        "open_positions": 2,
    }
    body.update(overrides)
    return body


def test_facilitator_creates_offer_with_derived_fiche(
    client: TestClient, session: Session, facilitator: Actor, coach: Actor
) -> None:
    lot = make_lot(session)
    response = client.post("/offers", json=_body(lot_id=lot.id), headers=facilitator.headers)
    assert response.status_code == 201, response.json()
    offer = response.json()
    assert offer["code_rome"] == "F1703"
    assert offer["status"] == "open"
    assert offer["required_licences"] == ["PERMIS_B"]
    assert client.get(f"/offers/{offer['id']}", headers=coach.headers).status_code == 200


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"end_date": "2026-10-01"}, "end_date (2026-10-01) est avant start_date"),
        ({"weekly_hours": -1}, "weekly_hours"),
        ({"open_positions": 0}, "open_positions"),
        ({"code_ogr": None, "code_rome": "F9999"}, "fiche ROME inconnue"),
        ({"code_ogr": 99}, "appellation ROME inconnue"),
        ({"code_rome": "K2204"}, "relève de la fiche F1703"),
        ({"required_licences": ["CACES_R999"]}, "CACES_R999"),
        ({"commune_insee": "Nulle-Part"}, "commune inconnue"),
        ({"lot_id": 999999}, "lot_id : 999999 n'existe pas"),
        ({"contract_type": "STAGE"}, "contract_type"),
        ({"intitule": ""}, "intitule"),
    ],
)
def test_invalid_offer_is_refused_and_changes_nothing(
    client: TestClient,
    session: Session,
    facilitator: Actor,
    overrides: dict[str, Any],
    fragment: str,
) -> None:
    response = client.post("/offers", json=_body(**overrides), headers=facilitator.headers)
    assert response.status_code == 422
    assert response.json()["error"] == "InvalidInput"
    assert fragment in response.json()["detail"]
    assert session.scalar(select(func.count()).select_from(Offer)) == 0


def test_update_checks_dates_against_stored_values(
    client: TestClient, session: Session, facilitator: Actor
) -> None:
    offer = make_offer(session)
    response = client.patch(
        f"/offers/{offer.id}",
        json={"version": 1, "end_date": "2020-01-01"},
        headers=facilitator.headers,
    )
    assert response.status_code == 422
    assert "end_date" in response.json()["detail"]


def test_update_rome_and_close(client: TestClient, session: Session, facilitator: Actor) -> None:
    offer = make_offer(session)
    response = client.patch(
        f"/offers/{offer.id}",
        json={"version": 1, "code_ogr": None, "code_rome": "K2204", "status": "closed"},
        headers=facilitator.headers,
    )
    assert response.status_code == 200, response.json()
    assert (response.json()["code_ogr"], response.json()["code_rome"]) == (None, "K2204")
    assert response.json()["status"] == "closed"
    stale = client.patch(
        f"/offers/{offer.id}", json={"version": 1, "status": "open"}, headers=facilitator.headers
    )
    assert stale.status_code == 409


def test_list_filters_and_delete(client: TestClient, session: Session, facilitator: Actor) -> None:
    make_offer(session)
    closed = make_offer(session, status="closed", code_ogr=None, code_rome="K2204")
    listed = client.get("/offers?status=closed", headers=facilitator.headers).json()
    assert [o["id"] for o in listed["items"]] == [closed.id]
    assert client.get("/offers?code_rome=K2204", headers=facilitator.headers).json()["total"] == 1
    assert client.delete(f"/offers/{closed.id}", headers=facilitator.headers).status_code == 204
    assert client.get(f"/offers/{closed.id}", headers=facilitator.headers).status_code == 404


def test_offer_of_a_company(client: TestClient, session: Session, facilitator: Actor) -> None:
    company = make_company(session)
    response = client.post(
        "/offers", json=_body(company_id=company.id), headers=facilitator.headers
    )
    assert response.status_code == 201
    refused = client.delete(f"/companies/{company.id}", headers=facilitator.headers)
    assert refused.status_code == 409
