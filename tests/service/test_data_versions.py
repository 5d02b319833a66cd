"""The change counters the fresh_engine's state watches (migration ``0014_data_versions``): moved at
the commit of any transaction that changed people or offers, whoever wrote it — the ORM, plain
SQL, another connection — and by nothing else."""

from __future__ import annotations

import pytest
from factories import make_candidate, make_offer, make_user
from sqlalchemy import Engine, delete, text, update
from sqlalchemy.exc import OperationalError

from fixtures import REFERENTIALS_DIR
from service.db import make_sessionmaker
from service.models.offers import Offer
from service.models.people import Candidate, CandidateJob
from service.referentials.service import load_referentials
from service.scoring.repository import ScoringRepository
from service.scoring.state import ScoringState


def _versions(fresh_engine: Engine) -> tuple[int, int]:
    with make_sessionmaker(fresh_engine)() as session:
        return ScoringRepository(session).data_versions()


def test_counters_move_at_commit_for_their_own_tables(fresh_engine: Engine) -> None:
    factory = make_sessionmaker(fresh_engine)
    assert _versions(fresh_engine) == (0, 0)
    with factory() as session:
        coach = make_user(session)
        person = make_candidate(session, coach=coach)
        session.commit()
        person_id = person.id
    people, offers = _versions(fresh_engine)
    assert people > 0 and offers == 0

    with factory() as session:
        make_offer(session)
        session.commit()
    assert _versions(fresh_engine)[0] == people
    assert _versions(fresh_engine)[1] > offers
    people, offers = _versions(fresh_engine)

    # Plain SQL on a person's jobs, then a deletion: the people's counter, not the offers'.
    with fresh_engine.begin() as conn:
        conn.execute(
            update(CandidateJob)
            .where(CandidateJob.candidate_id == person_id)
            .values(experience_years=5.0)
        )
    assert _versions(fresh_engine)[0] > people and _versions(fresh_engine)[1] == offers
    people = _versions(fresh_engine)[0]
    with fresh_engine.begin() as conn:
        conn.execute(delete(Offer))
    assert _versions(fresh_engine)[0] == people and _versions(fresh_engine)[1] > offers


def test_a_rolled_back_write_moves_nothing(fresh_engine: Engine) -> None:
    factory = make_sessionmaker(fresh_engine)
    with factory() as session:
        coach = make_user(session)
        session.commit()
    before = _versions(fresh_engine)
    with factory() as session:
        make_candidate(session, coach=coach)
        make_offer(session)
        session.flush()
        session.rollback()
    assert _versions(fresh_engine) == before


def test_postgresql_counts_a_transaction_once_and_locks_only_at_commit(
    fresh_engine: Engine,
) -> None:
    if fresh_engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time: its triggers count rows")
    factory = make_sessionmaker(fresh_engine)
    with factory() as session:
        coach = make_user(session)
        ids = [make_candidate(session, coach=coach).id for _ in range(5)]
        session.commit()
    before = _versions(fresh_engine)[0]
    with fresh_engine.begin() as conn:
        conn.execute(update(Candidate).values(version=Candidate.version + 1))
    assert _versions(fresh_engine)[0] == before + 1

    # A long writer (an import) holds no lock on the counter until it commits: another
    # transaction that changes people commits meanwhile.
    with fresh_engine.connect() as long_writer:
        long_writer.execute(
            update(Candidate).where(Candidate.id == ids[0]).values(commune_insee="61169")
        )
        with fresh_engine.connect() as coach_edit:
            coach_edit.execute(text("SET lock_timeout = '2s'"))
            coach_edit.execute(
                update(Candidate).where(Candidate.id == ids[1]).values(commune_insee="61169")
            )
            try:
                coach_edit.commit()
            except OperationalError as exc:  # pragma: no cover - the failure this guards
                pytest.fail(f"the counter's lock was held before commit: {exc}")
        long_writer.commit()
    assert _versions(fresh_engine)[0] == before + 3


def test_the_state_follows_commits_and_undoes_a_rollback(fresh_engine: Engine) -> None:
    refs = load_referentials(REFERENTIALS_DIR)
    factory = make_sessionmaker(fresh_engine)
    with factory() as session:
        coach = make_user(session)
        kept = make_candidate(session, coach=coach)
        make_offer(session)
        session.commit()
    scoring = ScoringState(rome=refs.rome, communes=refs.communes, max_age_s=3600)
    try:
        with factory() as session:
            scoring.build(session)
        # This process's own write is seen inside its transaction, before the counters move...
        with factory() as session:
            dropped = make_candidate(session, coach=session.get(type(coach.user), coach.user.id))
            assert str(dropped.id) in scoring.sync(session).pool.ids.tolist()
            session.rollback()
        # ...and undone when the transaction is not committed.
        with factory() as session:
            ids = scoring.sync(session).pool.ids.tolist()
            assert str(dropped.id) not in ids and str(kept.id) in ids
        # Another writer's commit: seen through the counters (no ORM event in this process).
        with fresh_engine.begin() as conn:
            conn.execute(
                update(Candidate)
                .where(Candidate.id == kept.id)
                .values(is_active=False, version=Candidate.version + 1)
            )
        scoring.mark_dirty()
        with factory() as session:
            state = scoring.sync(session)
            assert state.pool.static_flags[state.pool.index_of([str(kept.id)])[0]] != 0
        assert scoring.n_full_builds == 1
    finally:
        scoring.close()
