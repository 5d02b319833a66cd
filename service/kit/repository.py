"""The base of every repository: get by id, add, flush, paginated lists."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from sqlalchemy import Select, Table, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from service.db import Base

__all__ = ["Repository", "insert_many", "table_of"]

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
    a plain executemany."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "postgresql":
        connection.execute(insert(table), rows)
        return
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    processors = [column.type.bind_processor(dialect) for column in columns]
    quote = dialect.identifier_preparer.quote
    statement = (
        f"COPY {dialect.identifier_preparer.format_table(table)} "
        f"({', '.join(quote(name) for name in names)}) FROM STDIN"
    )
    driver = connection.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(
                [
                    value if proc is None or value is None else proc(value)
                    for value, proc in zip((row[n] for n in names), processors, strict=True)
                ]
            )
