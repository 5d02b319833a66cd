"""SQL of the operations side: what a database holds, table by table."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, Table, func, inspect, select

__all__ = ["DatabaseContents"]

VERSION_TABLE = "alembic_version"


class DatabaseContents:
    """The tables of a database as they are (reflected, so every table counts, whoever added
    it), their row counts and their rows."""

    def __init__(self, bind: Engine | Connection) -> None:
        self.bind = bind

    def table_names(self) -> list[str]:
        return sorted(inspect(self.bind).get_table_names())

    def _tables(self) -> dict[str, Table]:
        metadata = MetaData()
        metadata.reflect(bind=self.bind)
        return dict(metadata.tables)

    def row_counts(self) -> dict[str, int]:
        """Rows per table (the migration table included)."""
        tables = self._tables()
        with _connection(self.bind) as conn:
            return {
                name: int(conn.execute(select(func.count()).select_from(table)).scalar_one())
                for name, table in sorted(tables.items())
            }

    def revision(self) -> str | None:
        tables = self._tables()
        version = tables.get(VERSION_TABLE)
        if version is None:
            return None
        with _connection(self.bind) as conn:
            value = conn.execute(select(version.c.version_num)).scalar()
        return None if value is None else str(value)

    def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, in primary-key order (all columns where there is none)."""
        out: dict[str, list[tuple[Any, ...]]] = {}
        tables = self._tables()
        with _connection(self.bind) as conn:
            for name, table in sorted(tables.items()):
                order = list(table.primary_key.columns) or list(table.columns)
                result = conn.execute(select(table).order_by(*order))
                out[name] = [tuple(row) for row in result]
        return out


@contextmanager
def _connection(bind: Engine | Connection) -> Iterator[Connection]:
    """A connection from an engine (closed at the end), or the connection given."""
    if isinstance(bind, Connection):
        yield bind
        return
    with bind.connect() as conn:
        yield conn
