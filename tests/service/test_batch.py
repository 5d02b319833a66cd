"""Batch runs: capacity-aware lists, recorded runs, nothing twice, and a run killed mid-way."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from alembic import command
from factories import Actor, make_candidate, make_offer, make_user
from fastapi.testclient import TestClient
from importing import TODAY, do_batch, refs, snapshot
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from service.db import alembic_config, make_engine, make_sessionmaker
from service.models.offers import Offer
from service.models.scoring import Match, MatchRun, MatchRunOffer
from service.scoring.batch import BatchParameters, input_hash, run_batch
from service.scoring.state import ScoringState


def _pool(session: Session, coach: Actor, n: int = 6) -> None:
    for i in range(n):
        make_candidate(session, coach=coach, external_id=f"P-{i:03d}", max_distance_km=30.0 + i)


def test_batch_records_a_run_with_capacity_aware_lists(session: Session, coach: Actor) -> None:
    _pool(session, coach, 8)
    offers = [make_offer(session, open_positions=p) for p in (1, 1, 2)]
    result = do_batch(session, max_lists=1, slots=2)
    assert result.status == "completed" and result.n_offers == 3 and result.n_candidates == 8
    run = session.get(MatchRun, result.run_id)
    assert run is not None and run.status == "completed" and run.kind == "batch"
    assert run.finished_at is not None and run.finished_at >= run.started_at
    assert run.parameters["input_hash"] == result.input_hash
    assert run.parameters["slots_per_position"] == 2 and run.model_version == "weighted-v1"
    matches = list(session.scalars(select(Match).where(Match.run_id == run.id)))
    assert len(matches) == run.n_matches == result.n_matches > 0
    per_offer = Counter(m.offer_id for m in matches)
    per_person = Counter(m.candidate_id for m in matches)
    capacity = {o.id: 2 * o.open_positions for o in offers}
    assert all(per_offer[o] <= capacity[o] for o in per_offer)
    assert max(per_person.values()) == 1  # max_lists=1
    assert sum(per_offer.values()) == min(8, sum(capacity.values()))
    for m in matches:
        assert 0 <= m.score <= 1 and set(m.components) == {"skills", "mobility", "readiness"}
        assert "Maçon" in m.explanation and m.model_version == run.model_version
    for oid in per_offer:
        ranks = sorted(m.rank for m in matches if m.offer_id == oid)
        assert ranks == list(range(1, len(ranks) + 1))
    scored = set(session.scalars(select(MatchRunOffer.offer_id)))
    assert scored == {o.id for o in offers}


def test_batch_twice_adds_nothing_and_changed_offers_are_scored_again(
    session: Session, coach: Actor
) -> None:
    _pool(session, coach)
    offers = [make_offer(session) for _ in range(3)]
    first = do_batch(session)
    assert first.status == "completed"
    before = snapshot(session)
    second = do_batch(session)
    assert second.status == "nothing_to_do" and second.run_id is None
    assert snapshot(session) == before
    # One offer changes: only it is scored again.
    offers[1].weekly_hours = 30.0
    session.flush()
    third = do_batch(session)
    assert third.status == "completed" and third.n_offers == 1
    new = set(session.scalars(select(Match.offer_id).where(Match.run_id == third.run_id)))
    assert new == {offers[1].id}


def test_same_inputs_as_a_completed_run_do_nothing(session: Session, coach: Actor) -> None:
    _pool(session, coach, 2)
    make_offer(session)
    done = do_batch(session)
    # Forget which offers that run scored: the input hash still recognises the inputs.
    session.execute(update(MatchRunOffer).values(offer_version=0))
    again = do_batch(session)
    assert again.status == "nothing_to_do" and again.run_id == done.run_id
    assert "rien à refaire" in again.message


def test_input_hash_ignores_order_and_sees_versions() -> None:
    params = BatchParameters(as_of=TODAY).as_dict()
    a = input_hash([(1, 1), (2, 3)], [(5, 1)], model_version="w:1", parameters=params)
    b = input_hash([(2, 3), (1, 1)], [(5, 1)], model_version="w:1", parameters=params)
    c = input_hash([(1, 1), (2, 4)], [(5, 1)], model_version="w:1", parameters=params)
    d = input_hash([(1, 1), (2, 3)], [(5, 1)], model_version="w:2", parameters=params)
    assert a == b and len({a, c, d}) == 3


def test_a_stale_running_run_is_marked_failed(session: Session, coach: Actor) -> None:
    stale = MatchRun(kind="batch", model_version="weighted-v1", status="running")
    session.add(stale)
    session.flush()
    _pool(session, coach, 2)
    make_offer(session)
    assert do_batch(session).status == "completed"
    session.refresh(stale)
    assert stale.status == "failed" and stale.finished_at is not None


def test_closed_offers_and_offers_without_rome_wait(session: Session, coach: Actor) -> None:
    _pool(session, coach, 2)
    make_offer(session, status="closed")
    make_offer(session, code_rome=None, code_ogr=None)
    assert do_batch(session).status == "nothing_to_do"


def test_api_match_run(client: TestClient, facilitator: Actor, session: Session) -> None:
    coach = make_user(session, role="coach", username="coach-x")
    _pool(session, coach, 3)
    make_offer(session)
    r = client.post("/match-runs", headers=facilitator.headers)
    assert r.status_code == 200 and r.json()["status"] == "completed"
    r = client.post("/match-runs", headers=facilitator.headers)
    assert r.status_code == 200 and r.json()["status"] == "nothing_to_do"
    runs = client.get("/match-runs", headers=facilitator.headers).json()
    assert runs["total"] == 1
    (run,) = runs["items"]
    assert run["status"] == "completed" and run["n_offers"] == 1 and run["duration_s"] >= 0
    assert len(run["parameters"]["input_hash"]) == 64


# --------------------------------------------------------------------------- crash


def _count(session: Session, model: type[MatchRun] | type[Match]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_a_batch_killed_before_commit_leaves_nothing_then_completes(
    empty_database_url: str, tmp_path: Path
) -> None:
    command.upgrade(alembic_config(empty_database_url), "head")
    engine = make_engine(empty_database_url)
    sessions = make_sessionmaker(engine)
    try:
        with sessions() as session:
            coach = make_user(session, role="coach", username="coach-crash")
            _pool(session, coach, 5)
            for _ in range(3):
                make_offer(session)
            session.commit()
        env = {
            **os.environ,
            "CLAUSEMATCH_DATABASE_URL": empty_database_url,
            "CLAUSEMATCH_BATCH_PAUSE_BEFORE_WRITE_S": "120",
        }
        with subprocess.Popen(
            [sys.executable, "-m", "service.cli", "batch"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        ) as proc:
            assert proc.stderr is not None
            deadline = time.monotonic() + 120
            line = ""
            try:
                while time.monotonic() < deadline:
                    line = proc.stderr.readline()
                    if not line or "pause avant validation" in line:
                        break
                assert "pause avant validation" in line, "the batch never reached its writes"
                # Everything is written in the batch's transaction, nothing committed: kill -9.
                proc.send_signal(signal.SIGKILL)
                assert proc.wait(timeout=30) == -signal.SIGKILL
            finally:
                if proc.poll() is None:
                    proc.kill()
        with sessions() as session:
            assert _count(session, MatchRun) == 0 and _count(session, Match) == 0
            r = refs()
            scoring = ScoringState(rome=r.rome, communes=r.communes)
            params = BatchParameters(as_of=TODAY)
            try:
                result = run_batch(session, scoring, user=None, params=params)
                session.commit()
                again = run_batch(session, scoring, user=None, params=params)
            finally:
                scoring.close()
            assert result.status == "completed" and result.n_offers == 3
            assert again.status == "nothing_to_do"
            assert _count(session, MatchRun) == 1
            assert session.scalar(select(func.count()).select_from(Offer)) == 3
    finally:
        engine.dispose()


def test_an_error_inside_the_write_transaction_leaves_nothing(
    session: Session, coach: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    _pool(session, coach, 3)
    make_offer(session)
    before = snapshot(session)
    import service.scoring.batch as batch

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disque plein")

    nested = session.begin_nested()
    monkeypatch.setattr(batch, "audit", boom)
    with pytest.raises(RuntimeError):
        do_batch(session)
    nested.rollback()
    monkeypatch.undo()
    assert snapshot(session) == before
    assert do_batch(session).status == "completed"


def test_offers_already_ended_are_not_scored(session: Session, coach: Actor) -> None:
    from datetime import date

    _pool(session, coach, 3)
    live = make_offer(session)  # ends 2027-05-02
    make_offer(session, start_date=date(2025, 1, 6), end_date=date(2025, 6, 30))
    result = do_batch(session)
    assert result.status == "completed" and result.n_offers == 1
    assert set(session.scalars(select(MatchRunOffer.offer_id))) == {live.id}
