"""SQL of the health check (the schema's migration revision)."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from sqlalchemy.orm import Session

__all__ = ["SchemaRepository"]


class SchemaRepository:
    """What the database says about its own schema."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def current_revision(self) -> str | None:
        return MigrationContext.configure(self.session.connection()).get_current_revision()
