"""SQL of users and of the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from service.kit.repository import Repository
from service.models.accounts import AuditEntry, User

__all__ = ["AuditFilter", "AuditRepository", "UserRepository"]


class UserRepository(Repository[User]):
    model = User

    def get_by_token_hash(self, token_hash: str) -> User | None:
        return self.session.scalars(select(User).where(User.token_hash == token_hash)).one_or_none()

    def get_by_username(self, username: str) -> User | None:
        return self.session.scalars(select(User).where(User.username == username)).one_or_none()

    def page(self, *, limit: int, offset: int) -> tuple[list[User], int]:
        return self._page(select(User).order_by(User.id), limit=limit, offset=offset)


@dataclass(frozen=True)
class AuditFilter:
    user_id: int | None = None
    entity_type: str | None = None
    entity_id: int | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditRepository(Repository[AuditEntry]):
    model = AuditEntry

    def page(self, where: AuditFilter, *, limit: int, offset: int) -> tuple[list[AuditEntry], int]:
        stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
        if where.user_id is not None:
            stmt = stmt.where(AuditEntry.user_id == where.user_id)
        if where.entity_type is not None:
            stmt = stmt.where(AuditEntry.entity_type == where.entity_type)
        if where.entity_id is not None:
            stmt = stmt.where(AuditEntry.entity_id == where.entity_id)
        if where.action is not None:
            stmt = stmt.where(AuditEntry.action == where.action)
        if where.since is not None:
            stmt = stmt.where(AuditEntry.at >= where.since)
        if where.until is not None:
            stmt = stmt.where(AuditEntry.at < where.until)
        return self._page(stmt, limit=limit, offset=offset)
