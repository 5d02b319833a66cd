"""Candidates: scoping to the coach's caseload, validation, optimistic locking, reporting."""

from __future__ import annotations

from typing import Any

import pytest
from factories import Actor, make_candidate, make_user
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matching.fields import DEFAULT_RANGE_KM
from service.models.people import Candidate, CandidateReporting


def _body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "external_id": "RSA-0001",
        "commune_insee": "61001",
        "has_vehicle": True,
        "travel_mode": "voiture",
        "max_distance_km": 30,
        "readiness_stage": "en_parcours",
        "readiness_assessed_on": "2026-09-15",
        "available_from": "2026-10-01",
        "max_weekly_hours": 35,
        "licences": ["PERMIS_B", "CACES_R489_1B"],
        "skills": [100007],
        "jobs": [{"code_ogr": 16250, "experience_years": 3}, {"code_rome": "F1704"}],
    }
    body.update(overrides)
    return body


def _count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Candidate)) or 0


def test_coach_creates_in_own_caseload(client: TestClient, coach: Actor) -> None:
    response = client.post("/candidates", json=_body(), headers=coach.headers)
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["coach_id"] == coach.id
    assert body["version"] == 1
    assert body["licences"] == ["CACES_R489_1B", "PERMIS_B"]
    # The fiche is derived from the appellation; a fiche alone is kept as is.
    assert body["jobs"] == [
        {"code_ogr": 16250, "code_rome": "F1703", "experience_years": 3.0},
        {"code_ogr": None, "code_rome": "F1704", "experience_years": 0.0},
    ]


def test_commune_given_by_name_is_stored_as_insee(client: TestClient, coach: Actor) -> None:
    response = client.post("/candidates", json=_body(commune_insee="Sées"), headers=coach.headers)
    assert response.status_code == 201
    assert response.json()["commune_insee"] == "61464"


def test_coach_cannot_create_for_another_coach(
    client: TestClient, coach: Actor, other_coach: Actor
) -> None:
    response = client.post(
        "/candidates", json=_body(coach_id=other_coach.id), headers=coach.headers
    )
    assert response.status_code == 403


def test_facilitator_must_name_an_active_coach(
    client: TestClient, facilitator: Actor, coach: Actor, admin: Actor
) -> None:
    missing = client.post("/candidates", json=_body(), headers=facilitator.headers)
    assert missing.status_code == 422
    assert "coach_id" in missing.json()["detail"]
    not_a_coach = client.post(
        "/candidates", json=_body(coach_id=admin.id), headers=facilitator.headers
    )
    assert not_a_coach.status_code == 422
    ok = client.post("/candidates", json=_body(coach_id=coach.id), headers=facilitator.headers)
    assert ok.status_code == 201


def test_coach_sees_own_caseload_only(
    client: TestClient, session: Session, coach: Actor, other_coach: Actor, facilitator: Actor
) -> None:
    mine = make_candidate(session, coach=coach)
    theirs = make_candidate(session, coach=other_coach)

    assert client.get(f"/candidates/{mine.id}", headers=coach.headers).status_code == 200
    # Another coach's person answers exactly like an id that does not exist.
    hidden = client.get(f"/candidates/{theirs.id}", headers=coach.headers)
    absent = client.get("/candidates/999999", headers=coach.headers)
    assert hidden.status_code == absent.status_code == 404
    assert hidden.json()["error"] == absent.json()["error"] == "NotFound"

    listed = client.get("/candidates", headers=coach.headers).json()
    assert [c["id"] for c in listed["items"]] == [mine.id]
    assert listed["total"] == 1
    everyone = client.get("/candidates", headers=facilitator.headers).json()
    assert {c["id"] for c in everyone["items"]} == {mine.id, theirs.id}


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("PATCH", "", {"version": 1, "is_active": False}),
        ("DELETE", "", None),
        ("GET", "/reporting", None),
        ("PUT", "/reporting", {"sex": "F"}),
    ],
)
def test_coach_cannot_touch_another_caseload(
    client: TestClient,
    session: Session,
    coach: Actor,
    other_coach: Actor,
    method: str,
    suffix: str,
    body: dict[str, Any] | None,
) -> None:
    theirs = make_candidate(session, coach=other_coach)
    response = client.request(
        method, f"/candidates/{theirs.id}{suffix}", json=body, headers=coach.headers
    )
    assert response.status_code == 404
    session.expire_all()
    assert session.get(Candidate, theirs.id) is not None


def test_update_with_current_version_then_stale_version_conflicts(
    client: TestClient, session: Session, coach: Actor
) -> None:
    person = make_candidate(session, coach=coach)
    first = client.patch(
        f"/candidates/{person.id}",
        json={"version": 1, "readiness_stage": "pret_emploi", "licences": ["PERMIS_C"]},
        headers=coach.headers,
    )
    assert first.status_code == 200, first.json()
    assert first.json()["version"] == 2
    assert first.json()["licences"] == ["PERMIS_C"]

    stale = client.patch(
        f"/candidates/{person.id}", json={"version": 1, "is_active": False}, headers=coach.headers
    )
    assert stale.status_code == 409
    assert stale.json()["error"] == "Conflict"
    assert "version" in stale.json()["detail"]
    assert client.get(f"/candidates/{person.id}", headers=coach.headers).json()["is_active"]


def test_update_needs_a_version(client: TestClient, session: Session, coach: Actor) -> None:
    person = make_candidate(session, coach=coach)
    response = client.patch(
        f"/candidates/{person.id}", json={"is_active": False}, headers=coach.headers
    )
    assert response.status_code == 422
    assert "version" in response.json()["detail"]


@pytest.mark.parametrize(
    ("overrides", "fragment"),
    [
        ({"commune_insee": "99999"}, "commune inconnue"),
        ({"commune_insee": "Atlantide"}, "commune inconnue"),
        ({"commune_insee": "Saint-Martin"}, "plusieurs communes"),
        ({"jobs": [{"code_rome": "F9999"}]}, "fiche ROME inconnue"),
        ({"jobs": [{"code_rome": "ZZ"}]}, "code ROME mal formé"),
        ({"jobs": [{"code_ogr": 1}]}, "appellation ROME inconnue"),
        ({"jobs": [{"code_ogr": 16250, "code_rome": "A1101"}]}, "relève de la fiche F1703"),
        ({"jobs": [{}]}, "code_ogr"),
        ({"licences": ["PERMIS_Z"]}, "permis ou certificat inconnu : PERMIS_Z"),
        ({"skills": [1]}, "compétence ROME inconnue"),
        ({"max_weekly_hours": -4}, "max_weekly_hours"),
        ({"max_distance_km": 400}, "Distance maximale : 400 km n'est pas possible"),
        ({"max_distance_km": 0}, "plus de 0 et au plus 300 km"),
        ({"max_travel_minutes": 500}, "Temps de trajet maximal : 500 min n'est pas possible"),
        ({"travel_mode": "fusée"}, "travel_mode"),
        ({"available_from": "2026-02-30"}, "available_from"),
        ({"unexpected": 1}, "unexpected"),
    ],
)
def test_invalid_candidate_is_refused_clearly_and_changes_nothing(
    client: TestClient, session: Session, coach: Actor, overrides: dict[str, Any], fragment: str
) -> None:
    before = _count(session)
    response = client.post("/candidates", json=_body(**overrides), headers=coach.headers)
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"error", "detail"}
    assert body["error"] == "InvalidInput"
    assert fragment in body["detail"]
    assert _count(session) == before


def test_a_person_without_a_declared_range_gets_the_default_one(
    client: TestClient, coach: Actor
) -> None:
    # One rule at every door (matching.fields.travel_range): neither a distance nor a time
    # means the default distance, as in a candidate file.
    response = client.post(
        "/candidates",
        json=_body(max_distance_km=None, max_travel_minutes=None),
        headers=coach.headers,
    )
    assert response.status_code == 201, response.text
    assert response.json()["max_distance_km"] == DEFAULT_RANGE_KM
    assert response.json()["max_travel_minutes"] is None


def test_invalid_update_changes_nothing(client: TestClient, session: Session, coach: Actor) -> None:
    person = make_candidate(session, coach=coach, commune_insee="61001")
    # Fields before the bad commune are applied in memory, then the whole request rolls back.
    response = client.patch(
        f"/candidates/{person.id}",
        json={"version": 1, "is_active": False, "licences": [], "commune_insee": "00000"},
        headers=coach.headers,
    )
    assert response.status_code == 422
    after = client.get(f"/candidates/{person.id}", headers=coach.headers).json()
    assert after["is_active"] is True
    assert after["licences"] == ["PERMIS_B"]
    assert after["version"] == 1


def test_non_nullable_field_cannot_be_emptied(
    client: TestClient, session: Session, coach: Actor
) -> None:
    person = make_candidate(session, coach=coach)
    response = client.patch(
        f"/candidates/{person.id}", json={"version": 1, "travel_mode": None}, headers=coach.headers
    )
    assert response.status_code == 422
    assert "travel_mode" in response.json()["detail"]


def test_duplicate_external_id_conflicts(
    client: TestClient, session: Session, coach: Actor
) -> None:
    make_candidate(session, coach=coach, external_id="RSA-0001")
    response = client.post("/candidates", json=_body(), headers=coach.headers)
    assert response.status_code == 409


def test_facilitator_reassigns_coach(
    client: TestClient, session: Session, coach: Actor, other_coach: Actor, facilitator: Actor
) -> None:
    person = make_candidate(session, coach=coach)
    response = client.patch(
        f"/candidates/{person.id}",
        json={"version": 1, "coach_id": other_coach.id},
        headers=facilitator.headers,
    )
    assert response.status_code == 200
    assert client.get(f"/candidates/{person.id}", headers=coach.headers).status_code == 404
    assert client.get(f"/candidates/{person.id}", headers=other_coach.headers).status_code == 200


def test_delete_removes_the_record_and_its_children(
    client: TestClient, session: Session, coach: Actor
) -> None:
    person_id = make_candidate(session, coach=coach).id
    client.put(f"/candidates/{person_id}/reporting", json={"sex": "F"}, headers=coach.headers)
    assert client.delete(f"/candidates/{person_id}", headers=coach.headers).status_code == 204
    assert client.get(f"/candidates/{person_id}", headers=coach.headers).status_code == 404
    session.expunge_all()
    assert session.get(CandidateReporting, person_id) is None
    assert session.get(Candidate, person_id) is None


def test_reporting_is_separate_from_the_record(
    client: TestClient, session: Session, coach: Actor
) -> None:
    person = make_candidate(session, coach=coach)
    empty = client.get(f"/candidates/{person.id}/reporting", headers=coach.headers)
    assert empty.status_code == 200
    assert empty.json()["sex"] is None
    written = client.put(
        f"/candidates/{person.id}/reporting",
        json={"sex": "F", "birth_year": 1984, "education_level": "ISCED_3_4"},
        headers=coach.headers,
    )
    assert written.status_code == 200
    assert written.json()["birth_year"] == 1984
    record = client.get(f"/candidates/{person.id}", headers=coach.headers).json()
    assert not {"sex", "birth_year", "education_level"} & record.keys()
    bad = client.put(f"/candidates/{person.id}/reporting", json={"sex": "?"}, headers=coach.headers)
    assert bad.status_code == 422


def test_list_filters(client: TestClient, session: Session, facilitator: Actor) -> None:
    coach = make_user(session, role="coach")
    make_candidate(session, coach=coach, commune_insee="61001")
    make_candidate(session, coach=coach, commune_insee="61464", is_active=False)
    active = client.get("/candidates?is_active=true", headers=facilitator.headers).json()
    assert [c["commune_insee"] for c in active["items"]] == ["61001"]
    in_sees = client.get("/candidates?commune_insee=61464", headers=facilitator.headers).json()
    assert in_sees["total"] == 1
