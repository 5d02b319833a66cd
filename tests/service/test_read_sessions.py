"""GET requests read in read-only sessions; their audit entries are written after the reads."""

from __future__ import annotations

import asyncio
from pathlib import Path
from types import SimpleNamespace

import anyio
import anyio.to_thread
import pytest
from factories import Actor, audit_entries, make_candidate
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text, update
from sqlalchemy.orm import Session

import service.db
from service.db import (
    GroupWriter,
    ReadOnlySessionError,
    Writer,
    after_reads,
    is_read_only,
    make_engine,
    make_read_sessionmaker,
    make_sessionmaker,
    session_dependency,
)
from service.models.accounts import User


def test_a_read_only_session_refuses_orm_and_sql_writes(connection: Connection) -> None:
    factory = make_read_sessionmaker(connection, join_transaction_mode="create_savepoint")
    with factory() as session:
        assert is_read_only(session)
        session.add(User(username="x", role="coach", token_hash="0" * 64))
        with pytest.raises(ReadOnlySessionError):
            session.flush()
        session.rollback()
        with pytest.raises(ReadOnlySessionError):
            session.execute(update(User).values(is_active=False))


def test_after_reads_runs_at_once_in_a_write_session(session: Session, coach: Actor) -> None:
    assert not is_read_only(session)
    done: list[Session] = []
    after_reads(session, done.append)
    assert done == [session]


def test_a_read_is_audited_after_its_reads(
    client: TestClient, session: Session, coach: Actor
) -> None:
    person = make_candidate(session, coach=coach)
    response = client.get(f"/candidates/{person.id}", headers=coach.headers)
    assert response.status_code == 200
    [entry] = audit_entries(session, action="read", entity_type="candidate")
    assert (entry.user_id, entry.entity_id) == (coach.id, person.id)


def test_no_response_when_the_audit_cannot_be_written(
    client: TestClient, session: Session, coach: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = make_candidate(session, coach=coach)

    def broken(*_: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(service.db, "write_queued", broken)
    # The test client re-raises what the server raised: the record is not sent.
    with pytest.raises(OSError, match="disk full"):
        client.get(f"/candidates/{person.id}", headers=coach.headers)


def test_group_commit_writes_concurrent_requests_together_and_fails_only_the_bad_one(
    engine: Engine, worker: str
) -> None:
    table = f"group_commit_{worker}"
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        conn.execute(text(f"CREATE TABLE {table} (n INTEGER PRIMARY KEY)"))
    try:
        group = GroupWriter(make_sessionmaker(engine))

        def insert(n: int) -> Writer:
            return lambda s: s.execute(text(f"INSERT INTO {table} (n) VALUES ({n})"))

        def broken(s: Session) -> None:
            raise ValueError("refused")

        async def scenario() -> list[BaseException | None]:
            results = await asyncio.gather(
                *(group.write([insert(n)]) for n in range(6)),
                group.write([insert(100), broken]),
                return_exceptions=True,
            )
            return list(results)

        results = asyncio.run(scenario())
        assert results[:6] == [None] * 6
        assert isinstance(results[6], ValueError)
        with engine.connect() as conn:
            written = sorted(conn.execute(text(f"SELECT n FROM {table}")).scalars())
        assert written == list(range(6))  # the failed request's first write was rolled back
        assert group.n_requests == 7
        # All seven were handed over before the writer ran: one shared transaction (which the
        # bad write failed, so each request was then retried alone).
        assert group.n_transactions == 1
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {table}"))


def test_a_write_request_waits_for_its_turn_without_holding_a_thread(tmp_path: Path) -> None:
    """SQLite: a write request queued behind another holds none of the pool's threads, so the
    first one can always commit (issue 21: with every thread waiting for the writer lock, the
    commit that would free it never ran and the process hung)."""
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    dependency = session_dependency(
        lambda _: (make_read_sessionmaker(engine), make_sessionmaker(engine))
    )
    post = SimpleNamespace(method="POST")

    async def scenario() -> tuple[int, bool]:
        limiter = anyio.to_thread.current_default_thread_limiter()
        limiter.total_tokens = 1
        first = dependency(post)  # type: ignore[arg-type]
        session = await anext(first)
        # Its first statement takes the writer lock until the commit.
        await anyio.to_thread.run_sync(session.execute, text("SELECT 1"))
        second_done = anyio.Event()

        async def second() -> None:
            later = dependency(post)  # type: ignore[arg-type]
            other = await anext(later)
            await anyio.to_thread.run_sync(other.execute, text("SELECT 1"))
            with pytest.raises(StopAsyncIteration):
                await anext(later)
            second_done.set()

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(second)
            await anyio.wait_all_tasks_blocked()
            threads_held = limiter.borrowed_tokens
            if threads_held:
                limiter.total_tokens = 2  # the old behaviour: let it end instead of hanging
            with pytest.raises(StopAsyncIteration):
                await anext(first)  # the first request commits
        return threads_held, second_done.is_set()

    try:
        threads_held, second_done = anyio.run(scenario)
    finally:
        engine.dispose()
    assert threads_held == 0
    assert second_done
