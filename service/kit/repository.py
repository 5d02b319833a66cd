"""The base of every repository: get by id, add, flush, paginated lists."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from sqlalchemy import JSON, Select, Table, event, func, insert, select
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.orm.interfaces import ORMOption

from service.db import Base

__all__ = [
    "Repository",
    "before_queued_insert",
    "flush_queued",
    "insert_many",
    "on_commit",
    "queue_rows",
    "table_of",
]

M = TypeVar("M", bound=Base)


class Repository(Generic[M]):
    model: type[M]
    eager: tuple[ORMOption, ...] = ()

    def __init__(self, session: Session) -> None:
        self.session = session

    def get_by_id(self, entity_id: int) -> M | None:
        stmt = (
            select(self.model)
            .where(self.model.id == entity_id)  # type: ignore[attr-defined]
            .options(*self.eager)
            .execution_options(populate_existing=True)
        )
        return self.session.scalars(stmt).one_or_none()

    def find(self, entity_id: int) -> M | None:
        """The row by primary key, from the session's identity map when already loaded."""
        return self.session.get(self.model, entity_id)

    def add(self, obj: M) -> M:
        self.session.add(obj)
        self.session.flush()
        return obj

    def delete(self, obj: M) -> None:
        self.session.delete(obj)
        self.session.flush()

    def flush(self) -> None:
        self.session.flush()

    def _page(self, stmt: Select[M], *, limit: int, offset: int) -> tuple[list[M], int]:
        total = self.session.scalar(
            select(func.count()).select_from(stmt.order_by(None).subquery())
        )
        rows = self.session.scalars(stmt.options(*self.eager).limit(limit).offset(offset)).all()
        return list(rows), int(total or 0)

    def _exists(self, stmt: Select[Any]) -> bool:
        return self.session.scalar(select(stmt.exists())) or False


def table_of(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def insert_many(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts of column values, every row the same keys) in this session's
    transaction, with no unit of work.

    On PostgreSQL one ``COPY … FROM STDIN``: a single round trip, where an executemany sends a
    statement per row (twenty per shortlist read, the service's most frequent write). The
    column types' own bind processing still applies (e.g. timestamps turned to UTC). Elsewhere
    a plain executemany. JSON values are serialised as the dialect would."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    serialise = getattr(dialect, "_json_serializer", None) or json.dumps
    processors = [
        serialise if isinstance(column.type, JSON) else column.type.bind_processor(dialect)
        for column in columns
    ]
    quote = dialect.identifier_preparer.quote
    statement = (
        f"COPY {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(name) for name in names)}) FROM STDIN"
    )
    driver = connection.connection.driver_connection
    assert driver is not None
    # Only the columns whose type converts its values are visited per row (a timestamp, JSON).
    converted = [(i, proc) for i, proc in enumerate(processors) if proc is not None]
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = [row[n] for n in names]
            for i, proc in converted:
                if values[i] is not None:
                    values[i] = proc(values[i])
            copy.write_row(values)


# Rows queued for the end of the transaction, by table (queue_rows / flush_queued).
_QUEUED = "clausematch_queued_rows"


def queue_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` into ``table`` when this transaction commits, together with every row
    queued for the same table meanwhile: one ``COPY`` for the audit entries and shown pairs of
    all the read requests a group commit carries (:class:`service.db.GroupWriter`), instead of
    one per request. A rollback drops them."""
    if rows:
        session.connection()  # within this transaction: its rollback drops them
        queued: dict[Table, list[dict[str, Any]]] = session.info.setdefault(_QUEUED, {})
        queued.setdefault(table, []).extend(rows)


Prepare = Callable[[Session, list[dict[str, Any]]], list[dict[str, Any]]]
_PREPARE: dict[Table, Prepare] = {}


def before_queued_insert(table: Table, prepare: Prepare) -> None:
    """Have ``prepare(session, rows)`` complete the rows queued for ``table`` just before they
    are inserted, in the inserting transaction (the audit log numbers and chains its entries
    there, so that they are written once, already chained)."""
    _PREPARE[table] = prepare


def flush_queued(session: Session) -> None:
    """Write what :func:`queue_rows` queued in this transaction (the commit does it; a step
    that must read them first, such as chaining the audit entries, calls it before)."""
    queued: dict[Table, list[dict[str, Any]]] | None = session.info.pop(_QUEUED, None)
    for table, rows in (queued or {}).items():
        prepare = _PREPARE.get(table)
        if prepare is not None:
            rows = prepare(session, rows)
        for keys in dict.fromkeys(tuple(row) for row in rows):
            insert_many(session, table, [row for row in rows if tuple(row) == keys])


@event.listens_for(Session, "before_commit")
def _flush_at_commit(session: Session) -> None:
    if _QUEUED in session.info:
        flush_queued(session)


# Callbacks for the commit of the session's transaction (on_commit).
_ON_COMMIT = "clausematch_on_commit"


def on_commit(session: Session, callback: Callable[[], None]) -> None:
    """Call ``callback()`` once this session's transaction has committed; never if it rolls
    back (a group commit retried request by request registers again in the retry)."""
    session.info.setdefault(_ON_COMMIT, []).append(callback)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    for callback in session.info.pop(_ON_COMMIT, ()):
        callback()


@event.listens_for(Session, "after_transaction_end")
def _drop_queued(session: Session, transaction: SessionTransaction) -> None:
    # After a commit nothing is left; after a rollback what was queued goes with it.
    if transaction.parent is None:
        session.info.pop(_QUEUED, None)
        session.info.pop(_ON_COMMIT, None)
