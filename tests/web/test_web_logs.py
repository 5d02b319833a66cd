"""No name, phone or e-mail in any log line: a coach's whole day through the web pages and the
API, with names taken from the demo set, while every logger records at DEBUG."""

from __future__ import annotations

import csv
import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from web_factories import make_candidate, make_offer, make_user
from web_helpers import Login

from fixtures import DEMO_DIR
from service.accounts.auth import hash_token

TOKEN = "jeton-du-coach-pour-les-journaux-0123456789"


def _demo_identities(n: int) -> list[dict[str, str]]:
    with (DEMO_DIR / "identity.csv").open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["phone"] and r["email"]]
    return rows[:n]


def test_a_coachs_day_writes_no_name_phone_or_email_to_the_logs(
    client: TestClient, session: Session, login: Login, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    coach = make_user(session, role="coach", token_hash=hash_token(TOKEN))
    api = {"Authorization": f"Bearer {TOKEN}"}
    first, second, third = _demo_identities(3)
    person = make_candidate(
        session,
        coach=coach,
        first_name=first["first_name"],
        last_name=first["last_name"],
        phone=first["phone"],
        email=first["email"],
    )
    offer = make_offer(session)
    token = login(coach)

    # the web: find by name, open, edit (identity and a new job), see the offers, propose
    client.get("/coach/suivi", params={"q": first["last_name"]})
    client.get(f"/personnes/{person.id}")
    form = {
        "csrf_token": token,
        "version": str(person.version),
        "first_name": second["first_name"],
        "last_name": second["last_name"],
        "phone": second["phone"],
        "email": second["email"],
        "commune_insee": person.commune_insee,
        "travel_mode": person.travel_mode,
        "readiness_stage": person.readiness_stage,
        "readiness_assessed_on": person.readiness_assessed_on.isoformat(),
        "available_from": person.available_from.isoformat(),
        "max_weekly_hours": "35",
        "max_distance_km": "25",
        "has_jobs": "1",
        "job-0-rome": "F1703",
        "job-0-ogr": "16250",
        "job-0-exp": "3",
        "metier": "agent d'entretien",
        "is_active": "oui",
    }
    assert client.post(f"/personnes/{person.id}/profil", data=form).status_code == 200
    bad = {**form, "phone": third["phone"] + "99", "email": third["email"] + "@"}
    assert client.post(f"/personnes/{person.id}/profil", data=bad).status_code == 422
    client.get(f"/offres/{offer.id}", params={"personne": second["last_name"]})
    client.post(
        f"/personnes/{person.id}/proposer",
        data={"csrf_token": token, "offer_id": str(offer.id), "comment": second["first_name"]},
    )
    client.get("/coach/propositions")
    client.get("/coach/resume")

    # the API: search, read, change, refuse, create
    client.get("/candidates", params={"q": second["last_name"]}, headers=api)
    client.get(f"/candidates/{person.id}", headers=api)
    client.patch(
        f"/candidates/{person.id}",
        json={"phone": "n'importe " + third["phone"], "version": 99},
        headers=api,
    )
    client.post(
        "/candidates",
        json={
            "external_id": "JOURNAL-1",
            "first_name": third["first_name"],
            "last_name": third["last_name"],
            "email": third["email"],
            "commune_insee": "61001",
            "readiness_stage": "diagnostic",
            "readiness_assessed_on": "2026-01-05",
        },
        headers=api,
    )
    client.get(f"/offers/{offer.id}/shortlist", headers=api)

    # httpx is the test's own client (it logs the URLs it calls); the service does not use it
    text = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert "/candidates/{candidate_id}" in text  # the request log is there, with templates
    for who in (first, second, third):
        for field in ("first_name", "last_name", "phone", "email"):
            assert who[field] not in text, field
    assert TOKEN not in text
