"""The base of every repository: get by id, add, flush, paginated lists."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from sqlalchemy import Select, Table, func, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.interfaces import ORMOption

from service.db import Base

__all__ = ["Repository", "table_of"]

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
