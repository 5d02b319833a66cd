"""Rows queued by read requests (audit entries, shown pairs) are written at the commit of the
group transaction that carries them, in one go per table, chained; a rollback drops them."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from service.accounts.audit import verify_chain
from service.accounts.repository import AuditRepository
from service.db import make_sessionmaker, utcnow
from service.models.accounts import AuditEntry


def _entry(n: int, detail: dict[str, object] | None) -> dict[str, object]:
    return {
        "at": utcnow(),
        "user_id": None,
        "role": "system",
        "action": "shortlist",
        "entity_type": "offer",
        "entity_id": n,
        "detail": detail,
    }


def test_queued_entries_are_written_and_chained_at_commit_and_dropped_on_rollback(
    fresh_engine: Engine,
) -> None:
    factory = make_sessionmaker(fresh_engine)
    with factory() as session:
        # Three requests' entries in one group transaction (JSON details and none).
        for n in range(3):
            AuditRepository(session).insert_rows([_entry(n, {"k": 20, "scope": "all"})])
        AuditRepository(session).insert_rows([_entry(3, None)])
        assert session.scalar(select(func.count(AuditEntry.id))) == 0  # not before the commit
        session.commit()
    with factory() as session:
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert [r.entity_id for r in rows] == [0, 1, 2, 3]
        assert rows[0].detail == {"k": 20, "scope": "all"} and rows[3].detail is None
        assert all(r.seq is not None for r in rows)
        assert verify_chain(session).ok
    with factory() as session:
        AuditRepository(session).insert_rows([_entry(9, None)])
        session.rollback()
        session.commit()
    with factory() as session:
        assert session.scalar(select(func.count(AuditEntry.id))) == 4
