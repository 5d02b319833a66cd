"""A shortlist's shown pairs are recorded once a day per reader and list: the same list seen
again (a reload) records nothing more, and only its read is audited; another reader, another
day, a changed list or a failed write records it (again)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from factories import Actor, audit_entries, make_candidate, make_offer, make_user
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.db import GroupWriter
from service.models.people import Candidate
from service.models.scoring import Exposure
from service.scoring.fast_route import ShortlistFastRoute


def _rows(session: Session, offer_id: int) -> list[tuple[Any, ...]]:
    """(reader, person, rank, score, model version, explanation) of every recorded pair."""
    stmt = (
        select(
            Exposure.shown_to,
            Exposure.candidate_id,
            Exposure.rank,
            Exposure.score,
            Exposure.model_version,
            Exposure.explanation,
        )
        .where(Exposure.offer_id == offer_id, Exposure.channel == "shortlist")
        .order_by(Exposure.id)
    )
    return [tuple(r) for r in session.execute(stmt)]


def _of(rows: list[tuple[Any, ...]], reader: Actor) -> list[tuple[Any, ...]]:
    return [r[1:] for r in rows if r[0] == reader.id]


@pytest.fixture
def offer_id(session: Session, coach: Actor, other_coach: Actor) -> int:
    for owner in (coach, other_coach):
        for town in ("61001", "61001", "61006"):  # Alençon, Alençon, Argentan
            make_candidate(session, coach=owner, commune_insee=town, max_distance_km=80.0)
    offer = make_offer(session)
    session.flush()
    return offer.id


def test_a_list_seen_again_the_same_day_is_recorded_once(
    app: FastAPI,
    client: TestClient,
    session: Session,
    offer_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first, second, third = (make_user(session, role="facilitator") for _ in range(3))
    url = f"/offers/{offer_id}/shortlist?k=10"

    assert client.get(url, headers=first.headers).status_code == 200  # ranked, by the route
    shown = _of(_rows(session, offer_id), first)
    assert len(shown) == 6
    for _ in range(2):
        assert client.get(url, headers=first.headers).status_code == 200  # the fast route
    assert _of(_rows(session, offer_id), first) == shown  # recorded once...
    reads = audit_entries(session, action="shortlist", user_id=first.id, entity_id=offer_id)
    assert len(reads) == 3  # ...while every read is audited

    # Another reader's first view is recorded, the same pairs, by the fast route as by the
    # route.
    assert client.get(url, headers=second.headers).status_code == 200
    assert _of(_rows(session, offer_id), second) == shown

    async def declined(*_: Any) -> bool:
        return False

    with monkeypatch.context() as patch:
        patch.setattr(ShortlistFastRoute, "_answer", declined)
        assert client.get(url, headers=third.headers).status_code == 200
        assert client.get(url, headers=third.headers).status_code == 200
    assert _of(_rows(session, offer_id), third) == shown

    # The next day, the list is recorded again.
    scoring = app.state.scoring
    tomorrow = scoring.today() + timedelta(days=1)
    monkeypatch.setattr(scoring, "today", lambda: tomorrow)
    assert client.get(url, headers=first.headers).status_code == 200
    assert client.get(url, headers=first.headers).status_code == 200
    assert _of(_rows(session, offer_id), first) == shown * 2


def test_a_coachs_own_list_is_recorded_once_a_day(
    client: TestClient, session: Session, coach: Actor, offer_id: int
) -> None:
    url = f"/offers/{offer_id}/shortlist?scope=mine"
    for _ in range(3):
        assert client.get(url, headers=coach.headers).status_code == 200
    shown = _of(_rows(session, offer_id), coach)
    assert len(shown) == 3  # the coach's three people, once


def test_a_changed_list_is_recorded_again(
    client: TestClient, session: Session, offer_id: int
) -> None:
    reader = make_user(session, role="facilitator")
    url = f"/offers/{offer_id}/shortlist?k=10"
    client.get(url, headers=reader.headers)
    before = _of(_rows(session, offer_id), reader)
    # A listed person moves: the list is ranked again, and what the reader now sees is
    # recorded.
    listed = session.get(Candidate, before[-1][0])
    assert listed is not None
    listed.commune_insee = "61169"  # Flers
    session.flush()
    client.get(url, headers=reader.headers)
    client.get(url, headers=reader.headers)
    after = _of(_rows(session, offer_id), reader)
    assert len(after) == len(before) * 2
    assert after[len(before) :] != before


def test_a_failed_write_is_made_by_the_next_view(
    client: TestClient, session: Session, offer_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    reader = make_user(session, role="facilitator")
    url = f"/offers/{offer_id}/shortlist?k=10"
    client.get(url, headers=make_user(session, role="facilitator").headers)  # ranked

    async def refused(self: GroupWriter, writes: list[Any]) -> None:
        raise IntegrityError("INSERT INTO exposures", {}, Exception("foreign key"))

    with monkeypatch.context() as patch:
        patch.setattr(GroupWriter, "write", refused)
        assert client.get(url, headers=reader.headers).status_code == 409
    assert _of(_rows(session, offer_id), reader) == []
    assert client.get(url, headers=reader.headers).status_code == 200
    assert len(_of(_rows(session, offer_id), reader)) == 6
