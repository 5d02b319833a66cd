"""The shortlists' fast route (service/scoring/fast_route.py): a remembered list is answered
without the framework, with the same bytes and the same writes as the route; every other
request, and every refusal, is the route's."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from factories import Actor, audit_entries, make_candidate, make_offer, make_user
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.db import GroupWriter, utcnow
from service.models.accounts import User
from service.models.scoring import Exposure
from service.scoring.fast_route import ShortlistFastRoute

# Every request a test expects from memory is answered from memory (see the fixture).
pytestmark = pytest.mark.usefixtures("steady_memory")


def _fast(app: FastAPI) -> ShortlistFastRoute:
    """The fast route's instance in the application's middleware stack."""
    layer: Any = app.middleware_stack
    while layer is not None and not isinstance(layer, ShortlistFastRoute):
        layer = getattr(layer, "app", None)
    assert layer is not None, "the fast route is not in the application's middlewares"
    return layer


@pytest.fixture
def offer_and_people(session: Session, coach: Actor, other_coach: Actor) -> tuple[int, list[int]]:
    """A mason offer in Alençon and people of two coaches who can reach it."""
    people = [
        make_candidate(session, coach=owner, commune_insee=town)
        for owner in (coach, other_coach)
        for town in ("61001", "61006", "61214")
    ]
    offer = make_offer(session)
    session.flush()
    return offer.id, [p.id for p in people]


def _shown(session: Session, since: int) -> list[tuple[Any, ...]]:
    rows = session.execute(
        select(
            Exposure.channel,
            Exposure.offer_id,
            Exposure.candidate_id,
            Exposure.rank,
            Exposure.score,
            Exposure.model_version,
            Exposure.shown_to,
            Exposure.explanation,
        )
        .where(Exposure.id > since)
        .order_by(Exposure.id)
    )
    return [tuple(r) for r in rows]


def _last_exposure(session: Session) -> int:
    return max(session.scalars(select(Exposure.id)), default=0)


@pytest.mark.parametrize(
    ("role", "query"),
    [
        ("facilitator", "k=20"),
        ("coach", "k=20&scope=all"),  # other coaches' people: the pseudonymous view
        ("coach", "scope=mine&k=5"),
        ("coach", ""),
    ],
)
def test_the_fast_route_sends_the_routes_bytes_and_writes(
    app: FastAPI,
    client: TestClient,
    session: Session,
    coach: Actor,
    offer_and_people: tuple[int, list[int]],
    monkeypatch: pytest.MonkeyPatch,
    role: str,
    query: str,
) -> None:
    offer_id, _ = offer_and_people
    caller = coach if role == "coach" else make_user(session, role="facilitator")
    url = f"/offers/{offer_id}/shortlist" + (f"?{query}" if query else "")
    client.get(url, headers=caller.headers)  # ranked (by the route) and remembered
    fast = _fast(app)

    before, answered = _last_exposure(session), fast.n_answered
    quick = client.get(url, headers=caller.headers)
    assert quick.status_code == 200, quick.text
    assert fast.n_answered == answered + 1  # the fast route answered
    quick_shown = _shown(session, before)
    quick_audit = audit_entries(session, action="shortlist")[-1]

    async def declined(*_: Any) -> bool:
        return False

    monkeypatch.setattr(ShortlistFastRoute, "_answer", declined)
    before = _last_exposure(session)
    plain = client.get(url, headers=caller.headers)
    assert fast.n_answered == answered + 1  # the route answered
    assert plain.status_code == 200
    assert quick.content == plain.content
    assert quick.headers["content-type"] == plain.headers["content-type"]
    assert quick.headers["cache-control"] == plain.headers["cache-control"] == "no-store"
    # The caller's view of this list was recorded by their first request: neither path
    # records it again the same day (test_exposures_once_a_day.py).
    assert quick_shown == [] and _shown(session, before) == []
    plain_audit = audit_entries(session, action="shortlist")[-1]
    assert plain_audit.id != quick_audit.id
    for column in ("user_id", "role", "entity_type", "entity_id", "detail"):
        assert getattr(quick_audit, column) == getattr(plain_audit, column), column
    assert quick_audit.hash and quick_audit.seq is not None  # chained, as the route's


def _expire(session: Session, actor: Actor) -> None:
    user = session.get(User, actor.id)
    assert user is not None
    user.token_expires_at = utcnow() - timedelta(minutes=1)
    session.flush()


def _disable(session: Session, actor: Actor) -> None:
    user = session.get(User, actor.id)
    assert user is not None
    user.is_active = False
    session.flush()


@pytest.mark.parametrize(
    ("case", "status", "detail"),
    [
        ("no token", 401, "authentification requise"),
        ("unknown token", 401, "jeton invalide"),
        ("basic scheme", 401, "authentification requise"),
        ("expired token", 401, "jeton expiré"),
        ("disabled account", 401, "jeton invalide ou compte désactivé"),
        ("admin", 403, "action non autorisée pour le rôle admin"),
        ("k=0", 422, "k"),
        ("k=201", 422, "k"),
        ("k=abc", 422, "k"),
        ("scope=everyone", 422, "scope"),
        ("unknown offer", 404, "offre"),
        ("offer 0", 422, "offer_id"),
        ("offer beyond the ids", 422, "offer_id"),
    ],
)
def test_every_refusal_is_the_routes(
    app: FastAPI,
    client: TestClient,
    session: Session,
    coach: Actor,
    offer_and_people: tuple[int, list[int]],
    case: str,
    status: int,
    detail: str,
) -> None:
    offer_id, _ = offer_and_people
    url = f"/offers/{offer_id}/shortlist"
    client.get(url, headers=coach.headers)
    assert client.get(url, headers=coach.headers).status_code == 200  # remembered, and fast
    headers = coach.headers
    params: dict[str, str] = {}
    if case == "no token":
        headers = {}
    elif case == "unknown token":
        headers = {"Authorization": "Bearer not-a-token"}
    elif case == "basic scheme":
        headers = {"Authorization": f"Basic {coach.token}"}
    elif case == "expired token":
        _expire(session, coach)
    elif case == "disabled account":
        _disable(session, coach)
    elif case == "admin":
        headers = make_user(session, role="admin").headers
    elif case.startswith(("k=", "scope=")):
        name, value = case.split("=")
        params = {name: value}
    elif case == "unknown offer":
        url = f"/offers/{offer_id + 1000}/shortlist"
    elif case == "offer 0":
        url = "/offers/0/shortlist"
    elif case == "offer beyond the ids":
        url = "/offers/2147483648/shortlist"
    fast = _fast(app)
    answered = fast.n_answered
    resp = client.get(url, headers=headers, params=params)
    assert fast.n_answered == answered  # passed on, untouched
    assert resp.status_code == status, resp.text
    assert detail in resp.json()["detail"]
    assert resp.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "query",
    [
        "k=07",  # a leading zero: read by the route's validation, not here
        "k=5&k=5",  # twice
        "k=5&unknown=1",  # a parameter the route ignores
        "k=%35",  # percent-encoded
        "k",  # no value
    ],
)
def test_unusual_addresses_go_to_the_route(
    app: FastAPI,
    client: TestClient,
    coach: Actor,
    offer_and_people: tuple[int, list[int]],
    query: str,
) -> None:
    """What the fast route does not read exactly as the route would is left to the route."""
    offer_id, _ = offer_and_people
    url = f"/offers/{offer_id}/shortlist"
    client.get(f"{url}?k=5", headers=coach.headers)
    fast = _fast(app)
    answered = fast.n_answered
    resp = client.get(f"{url}?{query}", headers=coach.headers)
    if query == "k=%35":
        # "%35" is "5": the fast route decodes the query string as the route does.
        assert fast.n_answered == answered + 1
    else:
        assert fast.n_answered == answered
    assert resp.status_code in (200, 422)


def test_the_access_log_names_the_route_and_the_caller(
    app: FastAPI,
    client: TestClient,
    coach: Actor,
    offer_and_people: tuple[int, list[int]],
    caplog: pytest.LogCaptureFixture,
) -> None:
    offer_id, _ = offer_and_people
    url = f"/offers/{offer_id}/shortlist"
    client.get(url, headers=coach.headers)
    answered = _fast(app).n_answered
    with caplog.at_level(logging.INFO, logger="clausematch.access"):
        assert client.get(url, headers=coach.headers).status_code == 200
    assert _fast(app).n_answered == answered + 1
    lines = [r.getMessage() for r in caplog.records if r.name == "clausematch.access"]
    assert lines and lines[-1].startswith("GET /offers/{offer_id}/shortlist 200 ")
    assert lines[-1].endswith(f"user={coach.id}")


def test_a_failed_write_is_answered_as_by_the_route(
    app: FastAPI,
    client: TestClient,
    coach: Actor,
    offer_and_people: tuple[int, list[int]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Writing the audit entry or the shown pairs fails (a person deleted by another process
    meanwhile): the answer is the route's error, never the list without its audit entry."""
    offer_id, _ = offer_and_people
    url = f"/offers/{offer_id}/shortlist"
    client.get(url, headers=coach.headers)
    answered = _fast(app).n_answered

    async def refused(self: GroupWriter, writes: list[Any]) -> None:
        raise IntegrityError("INSERT INTO exposures", {}, Exception("foreign key"))

    monkeypatch.setattr(GroupWriter, "write", refused)
    resp = client.get(url, headers=coach.headers)
    assert _fast(app).n_answered == answered  # not answered: no list without its writes
    assert resp.status_code == 409
    assert resp.json()["error"] == "Conflict"
    assert resp.headers["cache-control"] == "no-store"


def test_a_revoked_token_stops_at_once(
    app: FastAPI,
    client: TestClient,
    session: Session,
    coach: Actor,
    offer_and_people: tuple[int, list[int]],
) -> None:
    """A new token for the account: the old one is refused by the next request (the token
    cache is emptied by any write to an account in this process)."""
    from service.accounts.auth import hash_token, new_token

    offer_id, _ = offer_and_people
    url = f"/offers/{offer_id}/shortlist"
    client.get(url, headers=coach.headers)
    assert client.get(url, headers=coach.headers).status_code == 200
    user = session.get(User, coach.id)
    assert user is not None
    user.token_hash = hash_token(new_token())
    session.flush()
    assert client.get(url, headers=coach.headers).status_code == 401
