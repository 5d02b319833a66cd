"""Pagination, error shapes, referentials, and what the logs may contain."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import Actor, make_candidate, make_offer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.db import get_session, make_engine


def test_pagination(client: TestClient, session: Session, coach: Actor) -> None:
    ids = [make_offer(session).id for _ in range(5)]
    page = client.get("/offers?limit=2&offset=1", headers=coach.headers).json()
    assert page == {**page, "total": 5, "limit": 2, "offset": 1}
    assert [o["id"] for o in page["items"]] == ids[1:3]
    default = client.get("/offers", headers=coach.headers).json()
    assert default["limit"] == 20  # the test settings' default page size
    beyond = client.get("/offers?offset=10", headers=coach.headers).json()
    assert beyond["items"] == [] and beyond["total"] == 5


@pytest.mark.parametrize("query", ["limit=101", "limit=0", "offset=-1", "limit=abc"])
def test_bad_pagination_is_422(client: TestClient, coach: Actor, query: str) -> None:
    response = client.get(f"/offers?{query}", headers=coach.headers)
    assert response.status_code == 422
    assert response.json()["error"] == "InvalidInput"


def test_unknown_route_and_method_use_the_error_shape(client: TestClient, coach: Actor) -> None:
    missing = client.get("/nowhere", headers=coach.headers)
    assert missing.status_code == 404
    assert missing.json() == {"error": "NotFound", "detail": "Not Found"}
    wrong = client.put("/offers", headers=coach.headers)
    assert wrong.status_code == 405
    assert wrong.json()["error"] == "MethodNotAllowed"


def test_malformed_json_is_422(client: TestClient, facilitator: Actor) -> None:
    response = client.post(
        "/companies",
        content=b"{not json",
        headers={**facilitator.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert set(response.json()) == {"error", "detail"}


def test_commune_autocomplete(client: TestClient, coach: Actor) -> None:
    hits = client.get("/referentials/communes", params={"q": "alen"}, headers=coach.headers).json()
    assert hits[0]["code_insee"] == "61001"
    assert hits[0]["nom"] == "Alençon"
    by_code = client.get("/referentials/communes?q=61464", headers=coach.headers).json()
    assert [h["nom"] for h in by_code] == ["Sées"]
    by_postal = client.get("/referentials/communes?q=61000", headers=coach.headers).json()
    assert "61001" in {h["code_insee"] for h in by_postal}
    limited = client.get("/referentials/communes?q=saint&limit=3", headers=coach.headers).json()
    assert len(limited) == 3
    assert all(h["departement"] == "61" for h in limited)  # Orne first


def test_appellation_and_licence_lists(client: TestClient, coach: Actor) -> None:
    hits = client.get(
        "/referentials/appellations", params={"q": "maçon"}, headers=coach.headers
    ).json()
    assert {"code_ogr": 16250, "libelle": "Maçon / Maçonne", "code_rome": "F1703"} in hits
    licences = client.get("/referentials/licences", headers=coach.headers).json()
    assert {"code": "PERMIS_B", "libelle": "permis B"} in licences


def test_logs_carry_no_personal_data(
    client: TestClient, session: Session, coach: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    person = make_candidate(session, coach=coach, external_id="SECRET-ID-42")
    client.get(f"/candidates/{person.id}", headers=coach.headers)
    client.post(
        "/candidates",
        json={"external_id": "SECRET-ID-43", "commune_insee": "Nulle-Part-Secrète"},
        headers=coach.headers,
    )
    text = caplog.text
    assert "/candidates/{candidate_id}" in text  # route templates, not ids
    assert "SECRET" not in text
    assert "Secrète" not in text
    assert coach.token not in text


def test_health_reports_an_unreachable_database(
    app: FastAPI, client: TestClient, tmp_path: Path
) -> None:
    broken = make_engine(f"sqlite:///{tmp_path / 'missing' / 'db.sqlite'}")

    def unreachable() -> Iterator[Session]:
        with Session(broken) as s:
            yield s

    app.dependency_overrides[get_session] = unreachable
    try:
        response = client.get("/health")
    finally:
        app.dependency_overrides.pop(get_session, None)
        broken.dispose()
    assert response.status_code == 503
    assert response.json() == {
        "error": "ServiceUnavailable",
        "detail": "base de données injoignable",
    }


def test_job_autocomplete_through_the_title_index(client: TestClient, coach: Actor) -> None:
    hits = client.get("/referentials/jobs", params={"q": "maç"}, headers=coach.headers).json()
    assert hits and hits[0]["code_rome_parent"] == "F1703"
    assert all(0 <= h["score"] <= 1 for h in hits)
    pl = client.get("/referentials/jobs?q=chauffeur%20PL&limit=3", headers=coach.headers).json()
    assert len(pl) <= 3 and pl[0]["code_rome_parent"] == "N4101"
    assert client.get("/referentials/jobs?q=", headers=coach.headers).status_code == 422


def test_api_answers_are_never_stored(
    client: TestClient, session: Session, coach: Actor, facilitator: Actor
) -> None:
    """Answers carry names, profiles and tokens: no browser or proxy may keep them (errors
    included); only the documentation's static assets may be cached."""
    person = make_candidate(session, coach=coach)
    answers = [
        client.get("/me", headers=coach.headers),
        client.get(f"/candidates/{person.id}", headers=coach.headers),
        client.get("/candidates", headers=facilitator.headers),
        client.get(f"/candidates/{person.id}", headers=facilitator.headers),
        client.get("/candidates"),  # 401
        client.get("/nowhere", headers=coach.headers),  # 404
    ]
    for response in answers:
        assert response.headers.get("cache-control") == "no-store", response.request.url
    assert client.get(f"/candidates/{person.id}", headers=coach.headers).status_code == 200
