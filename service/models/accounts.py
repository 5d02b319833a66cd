"""Users, the audit log, web sessions and login throttling."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, UTCDateTime, utcnow
from service.models.common import Timestamps, check_in

__all__ = [
    "PEOPLE_ROLES",
    "ROLES",
    "AuditCheckpoint",
    "AuditEntry",
    "LoginThrottle",
    "User",
    "WebSession",
]


ROLES: Final = ("coach", "facilitator", "admin")


PEOPLE_ROLES: Final = ("coach", "facilitator")
"""Roles that read people's records: granting one needs a second person (README_ACCESS.md)."""


class User(Timestamps, Base):
    """An account. ``pending_role`` is a role asked for by an administrator and not yet
    approved by a facilitator; ``setup_code_hash`` the SHA-256 of the one-time code with which
    the person sets their own password and gets their own API token."""

    __tablename__ = "users"
    __table_args__ = (
        sa.CheckConstraint(check_in("role", ROLES), name="role"),
        sa.CheckConstraint(
            f"pending_role IS NULL OR {check_in('pending_role', ROLES)}", name="pending_role"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    pending_role: Mapped[str | None] = mapped_column(sa.String(16))
    requested_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    setup_code_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    setup_code_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(sa.Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class AuditEntry(Base):
    """Who read or changed what, when. ``detail`` names fields, never values about a person."""

    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    action: Mapped[str] = mapped_column(sa.String(32))
    entity_type: Mapped[str] = mapped_column(sa.String(32))
    entity_id: Mapped[int | None] = mapped_column(sa.Integer)
    detail: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    # The chain (tamper evidence, :mod:`service.accounts.chain`): ``seq`` orders the entries
    # 1, 2, 3… and ``hash`` is SHA-256 over the canonical entry and the previous entry's hash.
    # Both are set when the entry's transaction commits, in a serialised step; NULL only
    # inside the transaction that writes the entry.
    seq: Mapped[int | None] = mapped_column(sa.BigInteger, unique=True)
    hash: Mapped[str | None] = mapped_column(sa.String(64))


class AuditCheckpoint(Base):
    """Where the audit chain starts again after a retention run purged its oldest entries: the
    last purged entry's ``seq`` and ``hash`` (the next entry was chained to it)."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    through_seq: Mapped[int] = mapped_column(sa.BigInteger, unique=True)
    through_hash: Mapped[str] = mapped_column(sa.String(64))
    purged: Mapped[int] = mapped_column(sa.Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class WebSession(Base):
    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class LoginThrottle(Base):
    """Failed logins of one key: an (account, address) pair, an address, or an account.

    ``key`` is the SHA-256 of the kind and its values, so that no address is stored in clear;
    ``succeeded_at`` (pairs only) marks an address the account's owner has signed in from."""

    __tablename__ = "web_login_throttle"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
