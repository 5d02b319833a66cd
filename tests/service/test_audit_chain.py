"""The audit log's hash chain: every entry chained at commit (requests, group commit, two
processes at once on SQLite and PostgreSQL), and ``verify_chain`` names the first broken
entry after a change, a removal or an insertion; a purge leaves a checkpoint it starts from."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from alembic import command
from factories import Actor, make_candidate
from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, text, update
from sqlalchemy.orm import Session

from service.accounts.audit import audit, audit_row, seal_entries, verify_chain
from service.accounts.chain import GENESIS, chain_hash
from service.accounts.repository import AuditRepository
from service.db import alembic_config, make_engine, make_sessionmaker
from service.models.accounts import AuditEntry

HERE = Path(__file__).resolve().parent


def _chain(session: Session) -> list[AuditEntry]:
    return list(session.scalars(select(AuditEntry).order_by(AuditEntry.seq)))


def test_requests_entries_are_numbered_and_chained(
    client: TestClient, session: Session, coach: Actor
) -> None:
    person = make_candidate(session, coach=coach)
    session.commit()
    client.get(f"/candidates/{person.id}", headers=coach.headers)  # group-committed read
    client.patch(
        f"/candidates/{person.id}",
        json={"version": 1, "accepts_nights": True},
        headers=coach.headers,
    )
    entries = _chain(session)
    assert entries and all(e.seq is not None and e.hash for e in entries)
    seqs = [int(e.seq or 0) for e in entries]
    assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))
    previous = GENESIS if seqs[0] == 1 else None
    for entry in entries:
        row = {
            c: getattr(entry, c)
            for c in (
                "seq",
                "id",
                "at",
                "user_id",
                "role",
                "action",
                "entity_type",
                "entity_id",
                "detail",
            )
        }
        if previous is not None:
            assert entry.hash == chain_hash(previous, row)
        previous = entry.hash
    report = verify_chain(session)
    assert report.ok, report.problems
    assert report.head_seq == seqs[-1]


def test_an_uncommitted_entry_is_chained_at_commit_only(session: Session) -> None:
    audit(session, None, "read", "candidate", 1, {"n": 1})
    [entry] = [e for e in session.scalars(select(AuditEntry)) if e.seq is None]
    assert entry.hash is None
    session.commit()
    session.refresh(entry)
    assert entry.seq is not None and entry.hash is not None


def _tampered(session: Session) -> list[AuditEntry]:
    for i in range(6):
        audit(session, None, "read", "candidate", i, {"i": i})
        session.commit()
    assert verify_chain(session).ok
    return _chain(session)


def test_a_changed_entry_is_named(session: Session) -> None:
    entries = _tampered(session)
    target = entries[-3]
    session.execute(update(AuditEntry).where(AuditEntry.id == target.id).values(entity_id=999))
    report = verify_chain(session)
    assert not report.ok
    assert report.first_broken_seq == target.seq
    assert f"entrée n° {target.seq} (id {target.id}" in (report.first_broken or "")


def test_a_removed_entry_is_named(session: Session) -> None:
    entries = _tampered(session)
    gone = entries[-4]
    session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": gone.id})
    report = verify_chain(session)
    assert not report.ok
    assert gone.seq is not None
    assert report.first_broken_seq == gone.seq + 1
    assert f"n° {gone.seq} à {gone.seq} absentes" in (report.first_broken or "")


def test_a_rewritten_hash_breaks_the_next_entry(session: Session) -> None:
    entries = _tampered(session)
    target = entries[-2]
    # Someone changes an entry and recomputes its own hash: the next entry no longer follows.
    session.execute(update(AuditEntry).where(AuditEntry.id == target.id).values(action="forged"))
    row = session.execute(select(AuditEntry).where(AuditEntry.id == target.id)).scalar_one()
    session.refresh(row)
    previous = entries[-3].hash or ""
    values = {
        c: getattr(row, c)
        for c in (
            "seq",
            "id",
            "at",
            "user_id",
            "role",
            "action",
            "entity_type",
            "entity_id",
            "detail",
        )
    }
    session.execute(
        update(AuditEntry)
        .where(AuditEntry.id == target.id)
        .values(hash=chain_hash(previous, values))
    )
    report = verify_chain(session)
    assert report.first_broken_seq == entries[-1].seq


def test_a_purge_leaves_a_checkpoint_the_walk_starts_from(session: Session) -> None:
    entries = _tampered(session)
    repo = AuditRepository(session)
    through = entries[2]
    assert through.seq is not None and through.hash is not None
    purged = repo.purge_through(through.seq)
    assert purged >= 3
    assert not verify_chain(session).ok  # without a checkpoint the start is missing
    repo.add_checkpoint(through.seq, through.hash, purged)
    report = verify_chain(session)
    assert report.ok, report.problems
    assert report.start_seq == through.seq
    # A new entry still chains after the last one.
    audit(session, None, "read", "candidate", 7, None)
    session.commit()
    assert verify_chain(session).ok


def test_queued_entries_are_written_once_already_chained(session: Session) -> None:
    """Read requests' entries (queued until the commit) are numbered and hashed before they are
    inserted, in one chain with the ORM's entries of the same transaction: no entry is ever
    stored unchained, so none is updated afterwards."""

    def row(i: int) -> dict[str, object]:
        return audit_row(None, "read", "candidate", i, {"i": i, "text": 'é\u00e8 "quoted"'})

    audit(session, None, "read", "candidate", 0, None)
    session.commit()
    before = verify_chain(session).head_seq
    repo = AuditRepository(session)
    repo.insert_rows([row(1), row(2)])
    audit(session, None, "update", "candidate", 3, {"fields": ["a"]})
    repo.insert_rows([row(4)])
    session.flush()
    # The ORM's entry is stored unchained until the commit; the queued ones are not stored yet.
    assert session.scalar(select(func.count()).where(AuditEntry.seq.is_(None))) == 1
    updated: list[object] = []  # one item per row an UPDATE of the log touched

    def spy(
        conn: object, cursor: object, statement: str, params: object, ctx: object, many: bool
    ) -> None:
        if statement.lstrip().upper().startswith("UPDATE AUDIT_LOG"):
            updated.extend(params if many else [params])  # type: ignore[call-overload]

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", spy)
    try:
        session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    entries = [e for e in _chain(session) if (e.seq or 0) > before]
    assert sorted(e.entity_id for e in entries) == [1, 2, 3, 4]
    assert [e.seq for e in entries] == list(range(before + 1, before + 5))
    assert len(updated) == 1  # the ORM's entry only; the queued ones were inserted chained
    assert session.scalar(select(func.count()).where(AuditEntry.seq.is_(None))) == 0
    report = verify_chain(session)
    assert report.ok, report.problems
    assert report.head_seq == before + 4


def test_sealing_twice_changes_nothing(session: Session) -> None:
    audit(session, None, "read", "candidate", 1, None)
    session.flush()
    assert seal_entries(session) == 1
    assert seal_entries(session) == 0
    session.commit()
    assert verify_chain(session).ok


def test_two_processes_write_one_chain(empty_database_url: str) -> None:
    """Two processes write at once (many short transactions of one to three entries each); the
    chain has every entry exactly once, numbered without a gap, and verifies."""
    command.upgrade(alembic_config(empty_database_url), "head")
    n = 60
    writers = [
        subprocess.Popen(
            [sys.executable, str(HERE / "audit_writer.py"), empty_database_url, str(n), label],
            cwd=HERE.parents[1],
        )
        for label in ("a", "b")
    ]
    assert [w.wait(timeout=300) for w in writers] == [0, 0]
    engine = make_engine(empty_database_url)
    try:
        with make_sessionmaker(engine)() as session:
            entries = _chain(session)
            per_writer = sum(1 + i % 3 for i in range(n))
            assert len(entries) == 2 * per_writer
            assert [e.seq for e in entries] == list(range(1, 2 * per_writer + 1))
            writers_seen = {e.detail["writer"] for e in entries if e.detail}
            assert writers_seen == {"a", "b"}
            report = verify_chain(session)
            assert report.ok, report.problems
            assert report.checked == 2 * per_writer
    finally:
        engine.dispose()


def test_erasing_and_anonymising_people_keep_the_chain(
    client: TestClient, session: Session, coach: Actor
) -> None:
    from service.people.privacy import anonymise_person, erase_person

    kept, gone = make_candidate(session, coach=coach), make_candidate(session, coach=coach)
    session.commit()
    for person in (kept, gone):
        client.get(f"/candidates/{person.id}", headers=coach.headers)
    anonymise_person(session, kept.id, actor=coach.user, reason="request")
    erase_person(session, gone.id, actor=coach.user, reason="request")
    session.commit()
    report = verify_chain(session)
    assert report.ok, report.problems
    assert report.checked == len(_chain(session))
