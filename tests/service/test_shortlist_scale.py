"""Shortlists at scale (issue 21): what a request costs no longer grows with the pool outside the
engine, and the ranked lists are the same as before."""

from __future__ import annotations

import threading
import time
from datetime import date
from typing import Any

import pytest
from alembic import command
from factories import make_candidate, make_offer, make_user
from sqlalchemy import event, select, update
from sqlalchemy.orm import Session

from fixtures import REFERENTIALS_DIR
from matching import columns as col
from matching.engine import MatchingState
from matching.explain import explain_pairs
from matching.ranking import as_day
from service.db import alembic_config, make_engine
from service.models.people import Candidate
from service.referentials.service import load_referentials
from service.scoring.shortlists import shortlist_payload
from service.scoring.state import ScoringState

REFS = load_referentials(REFERENTIALS_DIR)
TODAY = date(2026, 11, 16)
COMMUNES = ("61001", "61169", "61006", "61214", "61483")  # Alençon, Flers, Argentan, Damigny…
JOBS = (((16250, "F1703", 2.0),), ((None, "F1703", 0.0),), ((None, "F1701", 1.0),))


def _old_items(
    session: Session, state: MatchingState, oid: str, *, caseload: set[str] | None, k: int
) -> list[tuple[str, int, float, str]]:
    """The ranking as the service made it before issue 21 (no memo; the caseload read and
    matched per request): (person id, rank, score, explanation)."""
    if caseload is None:
        ranked = state.shortlist(oid, k, as_of=TODAY)
    else:
        ranked = state.shortlist(oid, len(state.pool) or 1, as_of=TODAY, explain=False)
        ranked = ranked[ranked[col.CANDIDATE_ID].isin(caseload)].head(k).copy()
        ranked[col.RANK] = range(1, len(ranked) + 1)
        ranked[col.EXPLANATION] = explain_pairs(
            state.pool,
            state.offers,
            affinity=state.affinity,
            distances=state.distances,
            candidate_idx=state.pool.index_of(ranked[col.CANDIDATE_ID].tolist()),
            offer_idx=state.offers.index_of([oid] * len(ranked)),
            distance_km=ranked["distance_km"].to_numpy(dtype="float32"),
            as_of_day=as_day(TODAY),
        )
    return [
        (str(c), int(r), round(float(s), 4), str(e))
        for c, r, s, e in zip(
            ranked[col.CANDIDATE_ID],
            ranked[col.RANK],
            ranked[col.SCORE],
            ranked[col.EXPLANATION],
            strict=True,
        )
    ]


def _items(payload: dict[str, Any]) -> list[tuple[str, int, float, str]]:
    return [
        (str(i["candidate_id"]), i["rank"], i["score"], i["explanation"]) for i in payload["items"]
    ]


def _masked(
    items: list[tuple[str, int, float, str]], hidden: set[str]
) -> list[tuple[str, int, float, str | None]]:
    return [(c, r, s, None if c in hidden else e) for c, r, s, e in items]


def test_ranked_lists_are_the_same_as_before(session: Session) -> None:
    coaches = [make_user(session, role="coach", username=f"coach-{n}") for n in range(3)]
    facilitator = make_user(session, role="facilitator", username="facil")
    for n in range(60):
        make_candidate(
            session,
            coach=coaches[n % 3],
            commune_insee=COMMUNES[n % len(COMMUNES)],
            jobs=JOBS[n % len(JOBS)],
            max_distance_km=10.0 + 7 * (n % 5),
            readiness_stage=("pret_emploi", "en_parcours", "diagnostic")[n % 3],
        )
    offers = [
        make_offer(session, commune_insee=c, code_rome=r, code_ogr=o)
        for c, r, o in (
            ("61001", "F1703", 16250),
            ("61169", "F1701", None),
            ("61006", "F1703", None),
        )
    ]
    memo = ScoringState(rome=REFS.rome, communes=REFS.communes, max_age_s=3600, cache_size=4096)
    plain = ScoringState(rome=REFS.rome, communes=REFS.communes, max_age_s=3600, cache_size=0)
    try:
        memo.build(session)
        state = plain.build(session)
        compared = 0
        for offer in offers:
            oid = str(offer.id)
            for k in (5, 20):
                for user in (*coaches, facilitator):
                    for scope in ("all", "mine"):
                        mine = user.user.role == "coach" and scope == "mine"
                        caseload = (
                            {
                                str(i)
                                for i in session.scalars(
                                    select(Candidate.id).where(Candidate.coach_id == user.id)
                                )
                            }
                            if mine
                            else None
                        )
                        before = _old_items(session, state, oid, caseload=caseload, k=k)
                        for scoring in (memo, memo, plain):  # the second call hits the memo
                            got = shortlist_payload(
                                session,
                                scoring,
                                REFS,
                                user.user,
                                offer.id,
                                k=k,
                                scope=scope,
                                today=TODAY,
                            )
                            # Other coaches' people are explained from the job relation and
                            # the distance only (the pseudonymous view, tested apart).
                            hidden = {
                                str(i["candidate_id"])
                                for i in got["items"]
                                if i["components"] is None
                            }
                            assert _masked(_items(got), hidden) == _masked(before, hidden)
                        assert before, "a list to compare"
                        compared += 1
        assert compared == 3 * 2 * 4 * 2
        assert memo.n_memo_hits > 0
    finally:
        memo.close()
        plain.close()


def test_requests_send_no_change_check_while_the_watcher_runs(
    empty_database_url: str,
) -> None:
    """The check for other processes' writes (an aggregate over the whole pool) runs in the
    watcher's thread, not in requests; another process's write is still seen within three
    periods."""
    command.upgrade(alembic_config(empty_database_url), "head")
    engine = make_engine(empty_database_url)
    with Session(engine) as writer:
        coach = make_user(writer, role="coach", username="coach-w")
        people = [make_candidate(writer, coach=coach) for _ in range(5)]
        make_offer(writer)
        writer.commit()
        person_id = people[0].id
    request_thread = threading.get_ident()
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if threading.get_ident() == request_thread:
            statements.append(statement)

    period = 0.2
    scoring = ScoringState(rome=REFS.rome, communes=REFS.communes, max_age_s=period)
    try:
        with Session(engine) as session:
            scoring.build(session)
        scoring.watch(lambda: Session(engine))
        event.listen(engine, "before_cursor_execute", count)
        deadline = time.monotonic() + 6 * period
        while time.monotonic() < deadline:
            with Session(engine) as session:
                scoring.sync(session)
            time.sleep(period / 10)
        assert statements == []  # before: two aggregate queries every period
        assert scoring.n_watch_checks >= 3

        # Another process (no ORM event here) deactivates a person.
        with engine.begin() as conn:
            conn.execute(
                update(Candidate)
                .where(Candidate.id == person_id)
                .values(is_active=False, version=Candidate.version + 1)
            )
        row = scoring.sync(Session(engine)).pool.index_of([str(person_id)])[0]
        deadline = time.monotonic() + 3 * period + 2.0
        seen = False
        while time.monotonic() < deadline and not seen:
            with Session(engine) as session:
                state = scoring.sync(session)
            row = state.pool.index_of([str(person_id)])[0]
            seen = bool(state.pool.static_flags[row] != 0)
            time.sleep(period / 4)
        assert seen, "the write of another process was not seen"
        assert statements, "the request that applied it read the changes itself"
    finally:
        event.remove(engine, "before_cursor_execute", count)
        scoring.close()
        engine.dispose()
    assert scoring._watcher is None


@pytest.mark.parametrize("max_age_s", [0.0])
def test_no_watcher_without_a_period(max_age_s: float) -> None:
    scoring = ScoringState(rome=REFS.rome, communes=REFS.communes, max_age_s=max_age_s)
    scoring.watch(lambda: Session())
    assert scoring._watcher is None
    scoring.close()
