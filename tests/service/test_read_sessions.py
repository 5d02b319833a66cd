"""GET requests read in read-only sessions; their audit entries are written after the reads."""

from __future__ import annotations

import pytest
from factories import Actor, audit_entries, make_candidate
from fastapi.testclient import TestClient
from sqlalchemy import Connection, update
from sqlalchemy.orm import Session

import service.db
from service.db import ReadOnlySessionError, after_reads, is_read_only, make_read_sessionmaker
from service.models import User


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

    monkeypatch.setattr(service.db, "run_after_reads", broken)
    # The test client re-raises what the server raised: the record is not sent.
    with pytest.raises(OSError, match="disk full"):
        client.get(f"/candidates/{person.id}", headers=coach.headers)
