"""SQL of users and of the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, delete, func, or_, select, text, update

from service.accounts.chain import CHAINED_COLUMNS, GENESIS
from service.kit.repository import Repository, queue_rows, table_of
from service.models.accounts import AuditCheckpoint, AuditEntry, LoginThrottle, User, WebSession

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


_AUDIT = table_of(AuditEntry)
_CHAINED = [_AUDIT.c[name] for name in CHAINED_COLUMNS]
_SEAL = (
    update(_AUDIT)
    .where(_AUDIT.c.id == bindparam("row_id"))
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)
# Pre-built: the sealing step runs at every audited commit.
_UNSEALED = select(*_CHAINED).where(_AUDIT.c.seq.is_(None)).order_by(_AUDIT.c.id)
_TAIL = (
    select(_AUDIT.c.seq, _AUDIT.c.hash)
    .where(_AUDIT.c.seq.is_not(None))
    .order_by(_AUDIT.c.seq.desc())
    .limit(1)
)
_NEXT_IDS = text(
    f"SELECT nextval(pg_get_serial_sequence('{_AUDIT.name}', 'id')) FROM generate_series(1, :n)"
)
_MAX_ID = select(func.max(_AUDIT.c.id))
# One number for PostgreSQL's advisory lock of the chain (any constant both processes share).
_CHAIN_LOCK_KEY = 0x636C61757365  # "clause"
# Set on a session whose transaction wrote audit entries: they are chained at its commit.
UNSEALED = "clausematch_audit_unsealed"


class AuditRepository(Repository[AuditEntry]):
    model = AuditEntry

    def insert_rows(self, rows: list[dict[str, Any]]) -> None:
        """Read requests' entries: inserted at this transaction's commit with every other
        request's entries of the same group commit (one ``COPY`` on PostgreSQL), numbered and
        chained as they are inserted (:mod:`service.accounts.audit`); no unit of work."""
        queue_rows(self.session, _AUDIT, rows)

    # ---------------------------------------------------------------- the chain

    def lock_chain(self) -> None:
        """Serialise the chaining step until this transaction ends. SQLite has one writer at a
        time already (this transaction wrote the entries it chains); PostgreSQL takes a
        transaction-level advisory lock, released at commit or rollback."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": _CHAIN_LOCK_KEY}
            )

    def next_ids(self, n: int) -> list[int]:
        """``n`` new entry ids, ascending, for entries this transaction inserts with their id.

        PostgreSQL draws them from the column's sequence (what an insert would have taken).
        SQLite counts on from the largest id: the transaction holds the database's one write
        lock (an insert without an id would take the same numbers)."""
        if n <= 0:
            return []
        connection = self.session.connection()
        if connection.dialect.name == "postgresql":
            drawn = connection.execute(_NEXT_IDS, {"n": n}).scalars()
            return sorted(int(i) for i in drawn)
        last = connection.execute(_MAX_ID).scalar()
        return list(range(int(last or 0) + 1, int(last or 0) + n + 1))

    def unsealed(self) -> list[dict[str, Any]]:
        """Entries not chained yet (this transaction's), in the order they were written."""
        result = self.session.connection().execute(_UNSEALED)
        return [dict(zip(CHAINED_COLUMNS, row, strict=True)) for row in result]

    def tail(self) -> tuple[int, str]:
        """The last chained entry's ``seq`` and ``hash``; else the latest checkpoint's; else the
        start (0 and 64 zeros)."""
        row = self.session.connection().execute(_TAIL).first()
        if row is not None:
            return int(row.seq), str(row.hash)
        checkpoint = self.latest_checkpoint()
        if checkpoint is not None:
            return checkpoint.through_seq, checkpoint.through_hash
        return 0, GENESIS

    def seal(self, links: list[tuple[int, int, str]]) -> None:
        """Write (id, seq, hash) of chained entries."""
        self.session.connection().execute(
            _SEAL, [{"row_id": i, "new_seq": s, "new_hash": h} for i, s, h in links]
        )

    def chained_after(self, seq: int, *, limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` chained entries after ``seq``, in chain order, with their hash."""
        stmt = (
            select(*_CHAINED, _AUDIT.c.hash)
            .where(_AUDIT.c.seq > seq)
            .order_by(_AUDIT.c.seq)
            .limit(limit)
        )
        return [dict(r) for r in self.session.execute(stmt).mappings()]

    def count_unsealed(self) -> int:
        return int(self.session.scalar(select(func.count()).where(_AUDIT.c.seq.is_(None))) or 0)

    def latest_checkpoint(self) -> AuditCheckpoint | None:
        return self.session.scalar(
            select(AuditCheckpoint).order_by(AuditCheckpoint.through_seq.desc()).limit(1)
        )

    def purge_through(self, seq: int) -> int:
        """Delete the chained entries up to ``seq`` (inclusive); how many."""
        result = self.session.execute(
            delete(AuditEntry)
            .where(AuditEntry.seq.is_not(None), AuditEntry.seq <= seq)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def purgeable_through(self, before: datetime) -> tuple[int, str, int] | None:
        """The longest start of the chain whose entries are all older than ``before``: the
        last such entry's ``seq`` and ``hash``, and how many entries that is; ``None`` if
        none."""
        first_kept = self.session.scalar(
            select(func.min(AuditEntry.seq)).where(
                AuditEntry.seq.is_not(None), AuditEntry.at >= before
            )
        )
        stmt = select(AuditEntry.seq, AuditEntry.hash).where(AuditEntry.seq.is_not(None))
        if first_kept is not None:
            stmt = stmt.where(AuditEntry.seq < first_kept)
        last = self.session.execute(stmt.order_by(AuditEntry.seq.desc()).limit(1)).first()
        if last is None or last.seq is None or last.hash is None:
            return None
        n = self.session.scalar(
            select(func.count()).where(AuditEntry.seq.is_not(None), AuditEntry.seq <= last.seq)
        )
        return int(last.seq), str(last.hash), int(n or 0)

    def add_checkpoint(self, through_seq: int, through_hash: str, purged: int) -> AuditCheckpoint:
        row = AuditCheckpoint(through_seq=through_seq, through_hash=through_hash, purged=purged)
        self.session.add(row)
        self.session.flush()
        return row

    def export_rows(self, where: AuditFilter, *, limit: int) -> list[AuditEntry]:
        """Up to ``limit`` filtered entries, oldest first (the CSV export)."""
        return list(
            self.session.scalars(self._filtered(where).order_by(AuditEntry.id).limit(limit))
        )

    def actions(self) -> list[str]:
        """The actions present in the log (the web page's filter)."""
        return list(
            self.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
        )

    def page(self, where: AuditFilter, *, limit: int, offset: int) -> tuple[list[AuditEntry], int]:
        return self._page(
            self._filtered(where).order_by(AuditEntry.id.desc()), limit=limit, offset=offset
        )

    def _filtered(self, where: AuditFilter) -> Select[AuditEntry]:
        stmt = select(AuditEntry)
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
        return stmt


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
