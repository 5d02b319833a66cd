"""SQL of users and of the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, or_, select, update

from service.kit.repository import Repository, table_of
from service.models.accounts import AuditEntry, LoginThrottle, User, WebSession

__all__ = ["AuditFilter", "AuditRepository", "UserRepository", "WebSessionRepository"]


class UserRepository(Repository[User]):
    model = User

    def get_by_token_hash(self, token_hash: str) -> User | None:
        return self.session.scalars(select(User).where(User.token_hash == token_hash)).one_or_none()

    def get_by_username(self, username: str) -> User | None:
        return self.session.scalars(select(User).where(User.username == username)).one_or_none()

    def get_by_setup_code_hash(self, code_hash: str) -> User | None:
        return self.session.scalars(
            select(User).where(User.setup_code_hash == code_hash)
        ).one_or_none()

    def all_ordered(self) -> list[User]:
        return list(self.session.scalars(select(User).order_by(User.username)))

    def pending(self) -> list[User]:
        """Accounts with a role asked for and not yet approved, oldest request first."""
        return list(
            self.session.scalars(
                select(User).where(User.pending_role.is_not(None)).order_by(User.requested_at)
            )
        )

    def page(self, *, limit: int, offset: int) -> tuple[list[User], int]:
        return self._page(select(User).order_by(User.id), limit=limit, offset=offset)

    def table_signature(self) -> tuple[object, ...]:
        """Changes whenever any account is added, changed or removed (the token cache's check)."""
        row = self.session.execute(
            select(
                func.count(User.id),
                func.coalesce(func.sum(User.version), 0),
                func.coalesce(func.max(User.id), 0),
                func.count(User.id).filter(User.is_active),
                func.max(User.updated_at),
            )
        ).one()
        return tuple(row)


@dataclass(frozen=True)
class AuditFilter:
    user_id: int | None = None
    entity_type: str | None = None
    entity_id: int | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


_AUDIT_INSERT = insert(table_of(AuditEntry))


class AuditRepository(Repository[AuditEntry]):
    model = AuditEntry

    def insert_rows(self, rows: list[dict[str, Any]]) -> None:
        """A plain Core insert: no unit of work, no ORM bulk machinery (read requests' entries)."""
        self.session.connection().execute(_AUDIT_INSERT, rows)

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


class WebSessionRepository(Repository[WebSession]):
    """Web sessions (cookie token hashes) and the login throttle (service/web/auth.py)."""

    model = WebSession

    def get_by_token_hash(self, token_hash: str) -> WebSession | None:
        return self.session.scalar(select(WebSession).where(WebSession.token_hash == token_hash))

    def previous_visit(self, current: WebSession) -> datetime | None:
        """When the user was last seen in their session before this one."""
        at: datetime | None = self.session.scalar(
            select(WebSession.last_seen_at)
            .where(WebSession.user_id == current.user_id, WebSession.id != current.id)
            .where(WebSession.created_at <= current.created_at)
            .order_by(WebSession.created_at.desc())
            .limit(1)
        )
        return at

    def mark_seen(self, session_id: int, at: datetime) -> None:
        self.session.execute(
            update(WebSession).where(WebSession.id == session_id).values(last_seen_at=at)
        )

    def revoke_all(self, user_id: int, at: datetime) -> None:
        """End every open web session of an account."""
        self.session.execute(
            update(WebSession)
            .where(WebSession.user_id == user_id, WebSession.revoked_at.is_(None))
            .values(revoked_at=at)
        )

    def purge_expired(self, user_id: int, *, before: datetime) -> None:
        self.session.execute(
            delete(WebSession).where(WebSession.user_id == user_id, WebSession.expires_at < before)
        )

    def throttle(self, key: str) -> LoginThrottle:
        """The failed-login counter of a key (a new one, in the session, if none)."""
        row = self.session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0)
            self.session.add(row)
        return row

    def forget_failures(self, *, before: datetime, now: datetime) -> None:
        """Failures older than ``before`` whose lock (if any) has run out are forgotten (an
        address the owner signed in from stays known)."""
        old = (
            LoginThrottle.last_failure_at < before,
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        )
        self.session.execute(
            delete(LoginThrottle).where(*old, LoginThrottle.succeeded_at.is_(None))
        )
        self.session.execute(
            update(LoginThrottle)
            .where(*old, LoginThrottle.succeeded_at.is_not(None))
            .values(failures=0, last_failure_at=None, locked_until=None)
        )
