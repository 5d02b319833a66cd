"""Companies, buyers, contracts and lots."""

from __future__ import annotations

import pytest
from factories import SIRETS, Actor, make_buyer, make_company, make_contract, make_lot
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.procurement.siret import is_valid_siret


@pytest.mark.parametrize("siret", SIRETS)
def test_valid_sirets(siret: str) -> None:
    assert is_valid_siret(siret)


@pytest.mark.parametrize("siret", ["73282932000075", "7328293200007", "7328293200007A", ""])
def test_invalid_sirets(siret: str) -> None:
    assert not is_valid_siret(siret)


def test_company_siret_checked_and_unique(client: TestClient, admin: Actor) -> None:
    bad = client.post(
        "/companies", json={"siret": "73282932000075", "name": "X"}, headers=admin.headers
    )
    assert bad.status_code == 422
    assert "SIRET invalide" in bad.json()["detail"]
    ok = client.post(
        "/companies",
        json={"siret": "732 829 320 00074", "name": "Bocage BTP"},
        headers=admin.headers,
    )
    assert ok.status_code == 201
    assert ok.json()["siret"] == "73282932000074"
    again = client.post(
        "/companies", json={"siret": "73282932000074", "name": "Autre"}, headers=admin.headers
    )
    assert again.status_code == 409


def test_company_update_and_stale_version(
    client: TestClient, session: Session, facilitator: Actor
) -> None:
    company = make_company(session)
    ok = client.patch(
        f"/companies/{company.id}",
        json={"version": 1, "name": "Nouveau nom"},
        headers=facilitator.headers,
    )
    assert ok.status_code == 200
    assert ok.json()["version"] == 2
    stale = client.patch(
        f"/companies/{company.id}",
        json={"version": 1, "name": "Encore"},
        headers=facilitator.headers,
    )
    assert stale.status_code == 409
    assert client.get(f"/companies/{company.id}", headers=facilitator.headers).json()["name"] == (
        "Nouveau nom"
    )


def test_contract_dates_in_order(client: TestClient, session: Session, admin: Actor) -> None:
    buyer = make_buyer(session)
    body = {
        "buyer_id": buyer.id,
        "reference": "2026-017",
        "title": "Voirie",
        "start_date": "2026-06-01",
        "end_date": "2026-01-01",
    }
    response = client.post("/contracts", json=body, headers=admin.headers)
    assert response.status_code == 422
    assert "end_date (2026-01-01) est avant start_date (2026-06-01)" in response.json()["detail"]
    created = client.post("/contracts", json={**body, "end_date": None}, headers=admin.headers)
    assert created.status_code == 201
    patched = client.patch(
        f"/contracts/{created.json()['id']}",
        json={"version": 1, "end_date": "2025-12-31"},
        headers=admin.headers,
    )
    assert patched.status_code == 422


def test_contract_needs_an_existing_buyer(client: TestClient, admin: Actor) -> None:
    body = {"buyer_id": 999999, "reference": "R", "title": "T", "start_date": "2026-01-01"}
    response = client.post("/contracts", json=body, headers=admin.headers)
    assert response.status_code == 422
    assert "buyer_id" in response.json()["detail"]


def test_lot_hours_and_links(client: TestClient, session: Session, facilitator: Actor) -> None:
    contract = make_contract(session)
    company = make_company(session)
    body = {
        "contract_id": contract.id,
        "number": "3",
        "trade": "Menuiseries",
        "insertion_hours": 350,
        "company_id": company.id,
        "start_date": "2026-04-01",
    }
    negative = client.post(
        "/lots", json={**body, "insertion_hours": -5}, headers=facilitator.headers
    )
    assert negative.status_code == 422
    assert "insertion_hours" in negative.json()["detail"]
    created = client.post("/lots", json=body, headers=facilitator.headers)
    assert created.status_code == 201
    duplicate = client.post("/lots", json=body, headers=facilitator.headers)
    assert duplicate.status_code == 409
    listed = client.get(f"/lots?contract_id={contract.id}", headers=facilitator.headers).json()
    assert listed["total"] == 1
    # Referenced rows cannot go: the lot holds the company and the contract.
    assert client.delete(f"/companies/{company.id}", headers=facilitator.headers).status_code == 409
    assert (
        client.delete(f"/contracts/{contract.id}", headers=facilitator.headers).status_code == 409
    )


def test_delete_chain(client: TestClient, session: Session, admin: Actor) -> None:
    lot = make_lot(session)
    contract_id, lot_id = lot.contract_id, lot.id
    assert client.delete(f"/lots/{lot_id}", headers=admin.headers).status_code == 204
    assert client.delete(f"/contracts/{contract_id}", headers=admin.headers).status_code == 204
    assert client.get(f"/lots/{lot_id}", headers=admin.headers).status_code == 404


def test_buyer_unique_name(client: TestClient, session: Session, admin: Actor) -> None:
    make_buyer(session, name="Département de l'Orne")
    response = client.post("/buyers", json={"name": "Département de l'Orne"}, headers=admin.headers)
    assert response.status_code == 409
    contract = make_contract(session)
    assert client.delete(f"/buyers/{contract.buyer_id}", headers=admin.headers).status_code == 409


def test_lot_reference_defaults_from_contract(
    client: TestClient, session: Session, facilitator: Actor
) -> None:
    contract = make_contract(session, reference="2026-007")
    body = {
        "contract_id": contract.id,
        "number": "2",
        "trade": "Espaces verts",
        "code_rome": "A1203",
        "start_date": "2026-04-01",
    }
    created = client.post("/lots", json=body, headers=facilitator.headers)
    assert created.status_code == 201, created.json()
    assert created.json()["reference"] == "2026-007-LOT02"
    unknown_fiche = client.post(
        "/lots", json={**body, "number": "3", "code_rome": "A9999"}, headers=facilitator.headers
    )
    assert unknown_fiche.status_code == 422
    assert "fiche ROME inconnue" in unknown_fiche.json()["detail"]
    same_reference = client.post(
        "/lots",
        json={**body, "number": "4", "reference": "2026-007-LOT02"},
        headers=facilitator.headers,
    )
    assert same_reference.status_code == 409


def test_communes_of_the_clause_structure_are_resolved(client: TestClient, admin: Actor) -> None:
    buyer = client.post(
        "/buyers",
        json={
            "name": "Ville de Flers",
            "external_id": "ACH005",
            "kind": "commune",
            "commune_insee": "Flers (61)",
        },
        headers=admin.headers,
    )
    assert buyer.status_code == 201, buyer.json()
    assert buyer.json()["commune_insee"] == "61169"
    contract = client.post(
        "/contracts",
        json={
            "buyer_id": buyer.json()["id"],
            "reference": "2026-001",
            "title": "Voirie",
            "nature": "travaux",
            "commune_insee": "Nulle-Part",
            "start_date": "2026-01-01",
        },
        headers=admin.headers,
    )
    assert contract.status_code == 422
    assert "commune inconnue" in contract.json()["detail"]
    company = client.post(
        "/companies",
        json={"siret": SIRETS[0], "name": "Bocage BTP", "commune_insee": "61001"},
        headers=admin.headers,
    )
    assert company.json()["commune_insee"] == "61001"
    twin = client.post(
        "/buyers", json={"name": "Autre", "external_id": "ACH005"}, headers=admin.headers
    )
    assert twin.status_code == 409
