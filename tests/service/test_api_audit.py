"""Audit log: reads of a person's record and every write, who and when; admin reads it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from factories import Actor, audit_entries, make_candidate, make_offer
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session


def test_reading_a_record_is_audited(client: TestClient, session: Session, coach: Actor) -> None:
    person = make_candidate(session, coach=coach)
    before = datetime.now(UTC) - timedelta(seconds=1)
    client.get(f"/candidates/{person.id}", headers=coach.headers)
    [entry] = audit_entries(session, action="read", entity_type="candidate")
    assert (entry.user_id, entry.role, entry.entity_id) == (coach.id, "coach", person.id)
    assert entry.at >= before


def test_refused_read_leaves_no_read_entry(
    client: TestClient, session: Session, coach: Actor, other_coach: Actor
) -> None:
    theirs = make_candidate(session, coach=other_coach)
    client.get(f"/candidates/{theirs.id}", headers=coach.headers)
    assert audit_entries(session, action="read") == []


def test_writes_are_audited_without_values(
    client: TestClient, session: Session, coach: Actor, facilitator: Actor
) -> None:
    person = make_candidate(session, coach=coach, commune_insee="61001")
    client.patch(
        f"/candidates/{person.id}",
        json={"version": 1, "commune_insee": "61464", "accepts_nights": True},
        headers=coach.headers,
    )
    offer = make_offer(session)
    client.patch(
        f"/offers/{offer.id}", json={"version": 1, "status": "closed"}, headers=facilitator.headers
    )
    client.delete(f"/offers/{offer.id}", headers=facilitator.headers)
    [update] = audit_entries(session, action="update", entity_type="candidate")
    assert update.detail == {"fields": ["accepts_nights", "commune_insee"]}
    assert "61464" not in str(update.detail)
    assert [e.action for e in audit_entries(session, entity_type="offer")] == ["update", "delete"]


def test_list_is_audited_with_ids(client: TestClient, session: Session, coach: Actor) -> None:
    person = make_candidate(session, coach=coach)
    client.get("/candidates", headers=coach.headers)
    [entry] = audit_entries(session, action="list")
    assert entry.detail == {"ids": [person.id]}


def test_admin_filters_and_pages_the_log(
    client: TestClient, session: Session, coach: Actor, admin: Actor
) -> None:
    person = make_candidate(session, coach=coach)
    for _ in range(3):
        client.get(f"/candidates/{person.id}", headers=coach.headers)
    client.get("/candidates", headers=coach.headers)

    reads = client.get(
        "/audit",
        params={"user_id": coach.id, "action": "read", "entity_type": "candidate", "limit": 2},
        headers=admin.headers,
    ).json()
    assert reads["total"] == 3
    assert len(reads["items"]) == 2
    assert reads["items"][0]["id"] > reads["items"][1]["id"]  # newest first
    rest = client.get(
        "/audit", params={"action": "read", "limit": 2, "offset": 2}, headers=admin.headers
    ).json()
    assert len(rest["items"]) == 1

    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    assert client.get("/audit", params={"from": future}, headers=admin.headers).json()["total"] == 0
    in_window = client.get(
        "/audit", params={"from": past, "to": future, "entity_id": person.id}, headers=admin.headers
    ).json()
    assert in_window["total"] == 3


def test_audit_window_must_be_ordered_and_zoned(client: TestClient, admin: Actor) -> None:
    reversed_window = client.get(
        "/audit",
        params={"from": "2026-02-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"},
        headers=admin.headers,
    )
    assert reversed_window.status_code == 422
    naive = client.get("/audit", params={"from": "2026-02-01T00:00:00"}, headers=admin.headers)
    assert naive.status_code == 422


def test_user_management_is_audited(client: TestClient, session: Session, admin: Actor) -> None:
    client.post("/users", json={"username": "lea", "role": "facilitator"}, headers=admin.headers)
    [entry] = audit_entries(session, entity_type="user", action="create")
    assert entry.user_id == admin.id
    assert entry.detail == {"role": "facilitator", "pending": True}
