"""The token cache spares a query per request and never outlives a change to the users."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from factories import Actor
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session

from service.accounts.auth import TokenCache, hash_token
from service.models.accounts import User


@pytest.fixture
def cache() -> Iterator[TokenCache]:
    tokens = TokenCache(max_age_s=3600)
    yield tokens
    tokens.close()


def test_a_known_token_is_answered_from_memory(
    session: Session, coach: Actor, cache: TokenCache
) -> None:
    first = cache.user(session, hash_token(coach.token))
    second = cache.user(session, hash_token(coach.token))
    assert first is not None and second is not None
    assert (second.id, second.role) == (coach.id, "coach")
    assert (cache.n_misses, cache.n_hits) == (1, 1)
    assert second in session  # attached to the request's session


def test_unknown_tokens_are_not_kept(session: Session, cache: TokenCache) -> None:
    assert cache.user(session, hash_token("nope")) is None
    assert cache.user(session, hash_token("nope")) is None
    assert cache.n_misses == 2


def test_an_orm_change_to_a_user_empties_it_at_once(
    session: Session, coach: Actor, cache: TokenCache
) -> None:
    cache.user(session, hash_token(coach.token))
    user = session.get(User, coach.id)
    assert user is not None
    user.is_active = False
    session.flush()
    again = cache.user(session, hash_token(coach.token))
    assert again is not None and not again.is_active
    assert cache.n_hits == 0


def test_another_process_change_is_seen_within_max_age(
    session: Session, coach: Actor, cache: TokenCache
) -> None:
    cache.user(session, hash_token(coach.token))
    # A write that sends no ORM event here (the command line, another worker).
    session.connection().execute(
        update(User).where(User.id == coach.id).values(token_hash=hash_token("new"))
    )
    stale = cache.user(session, hash_token(coach.token))
    assert stale is not None  # within max_age_s: still the old answer
    cache.max_age_s = 0
    assert cache.user(session, hash_token(coach.token)) is None
    assert cache.user(session, hash_token("new")) is not None


def test_a_disabled_account_is_refused_at_once_through_the_api(
    client: TestClient, session: Session, coach: Actor, admin: Actor
) -> None:
    assert client.get("/candidates", headers=coach.headers).status_code == 200
    user = session.get(User, coach.id)
    assert user is not None
    user.is_active = False
    session.flush()
    assert client.get("/candidates", headers=coach.headers).status_code == 401
