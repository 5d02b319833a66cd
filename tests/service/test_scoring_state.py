"""The in-memory engine state follows the database: incrementally, and without polling it
on every request."""

from __future__ import annotations

import gc
import weakref

from factories import Actor, make_candidate, make_offer
from sqlalchemy import text, update
from sqlalchemy.orm import Session

from fixtures import REFERENTIALS_DIR
from service.models.people import Candidate
from service.referentials.service import load_referentials
from service.scoring.state import ScoringState

REFS = load_referentials(REFERENTIALS_DIR)


def _as_committed(session: Session) -> None:
    """What a commit does to the change counters, inside the test's transaction (rolled back
    at the end): PostgreSQL moves them in deferred triggers, fired here."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET CONSTRAINTS ALL IMMEDIATE"))


def _state(max_age_s: float) -> ScoringState:
    return ScoringState(rome=REFS.rome, communes=REFS.communes, max_age_s=max_age_s)


def test_orm_writes_are_seen_at_once(session: Session, coach: Actor) -> None:
    scoring = _state(max_age_s=3600)
    try:
        scoring.build(session)
        person = make_candidate(session, coach=coach)
        offer = make_offer(session)
        state = scoring.sync(session)
        assert str(person.id) in state.pool.ids.tolist()
        assert str(offer.id) in state.offers.ids.tolist()
        person.commune_insee = "61169"
        session.flush()
        state = scoring.sync(session)
        row = state.pool.index_of([str(person.id)])[0]
        assert state.pool.commune[row] == REFS.communes.by_insee("61169").commune_id  # type: ignore[union-attr]
        assert scoring.n_full_builds == 1
    finally:
        scoring.close()


def test_other_writers_are_seen_within_max_age(session: Session, coach: Actor) -> None:
    person = make_candidate(session, coach=coach)
    make_offer(session)
    session.flush()
    lazy, eager = _state(max_age_s=3600), _state(max_age_s=0)
    try:
        for scoring in (lazy, eager):
            scoring.build(session)
            scoring.sync(session)
        # A write that sends no ORM event (another process, a bulk SQL statement).
        session.connection().execute(
            update(Candidate)
            .where(Candidate.id == person.id)
            .values(is_active=False, version=Candidate.version + 1)
        )
        _as_committed(session)
        row_lazy = lazy.sync(session).pool.index_of([str(person.id)])[0]
        row_eager = eager.sync(session).pool.index_of([str(person.id)])[0]
        assert lazy.sync(session).pool.static_flags[row_lazy] == 0  # not checked yet
        assert eager.sync(session).pool.static_flags[row_eager] != 0  # inactive now
        lazy.mark_dirty()
        assert lazy.sync(session).pool.static_flags[row_lazy] != 0
    finally:
        lazy.close()
        eager.close()


def test_deleted_and_closed_rows_leave_the_state(session: Session, coach: Actor) -> None:
    scoring = _state(max_age_s=0)
    try:
        person = make_candidate(session, coach=coach)
        offer = make_offer(session)
        scoring.build(session)
        session.delete(person)
        offer.status = "closed"
        session.flush()
        state = scoring.sync(session)
        assert str(person.id) not in state.pool.ids.tolist()
        assert str(offer.id) not in state.offers.ids.tolist()
    finally:
        scoring.close()


def test_memo_keeps_answers_per_state_and_forgets_them_on_change(
    session: Session, coach: Actor
) -> None:
    scoring = ScoringState(rome=REFS.rome, communes=REFS.communes, max_age_s=3600, cache_size=2)
    calls: list[str] = []

    def compute(tag: str) -> str:
        calls.append(tag)
        return f"{tag}@{len(calls)}"

    try:
        person = make_candidate(session, coach=coach)
        offer = make_offer(session)
        state = scoring.build(session)
        assert scoring.memo(state, "a", lambda: compute("a")) == "a@1"
        assert scoring.memo(state, "a", lambda: compute("a")) == "a@1"  # remembered
        scoring.memo(state, "b", lambda: compute("b"))
        scoring.memo(state, "c", lambda: compute("c"))  # size 2: "a", least recent, goes
        assert scoring.memo(state, "a", lambda: compute("a")) == "a@4"
        assert (scoring.n_memo_hits, scoring.n_memo_misses) == (1, 4)
        # A write makes a new state: what was remembered for the old one is not reused.
        person.commune_insee = "61169"
        session.flush()
        new = scoring.sync(session)
        assert new is not state
        assert scoring.memo(new, "a", lambda: compute("a")) == "a@5"
        assert str(offer.id) in new.offers.ids.tolist()
    finally:
        scoring.close()


def test_memo_of_size_zero_always_computes(session: Session) -> None:
    scoring = ScoringState(rome=REFS.rome, communes=REFS.communes, cache_size=0)
    try:
        state = scoring.build(session)
        counter = iter(range(10))
        assert scoring.memo(state, "k", lambda: next(counter)) == 0
        assert scoring.memo(state, "k", lambda: next(counter)) == 1
    finally:
        scoring.close()


def test_replaced_states_are_not_kept_alive(session: Session, coach: Actor) -> None:
    """However many changes, one engine state stays in memory once the requests reading an
    older one end, even when such a request remembers an answer after the change (issue 21)."""
    scoring = ScoringState(rome=REFS.rome, communes=REFS.communes, max_age_s=3600, cache_size=8)
    try:
        person = make_candidate(session, coach=coach)
        make_offer(session)
        state = scoring.build(session)
        states = [weakref.ref(state)]
        for i in range(12):
            scoring.memo(state, ("before", i), lambda: "answer")
            person.max_weekly_hours = 20.0 + i
            session.flush()
            new = scoring.sync(session)
            assert new is not state
            # A request that began on the replaced state finishes after the change.
            assert scoring.memo(state, ("late", i), lambda: "late answer") == "late answer"
            state = new
            states.append(weakref.ref(state))
            assert len(scoring._memo) <= scoring.cache_size
        del new
        gc.collect()
        assert [ref() is not None for ref in states] == [False] * 12 + [True]
        # The current state's memo was not emptied by the late answers.
        scoring.memo(state, "kept", lambda: "x")
        assert scoring.memo(state, "kept", lambda: "y") == "x"
    finally:
        scoring.close()
