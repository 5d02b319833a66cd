"""E-mail: each user's preferences and address, and the outbox every message goes through.

A message is written to ``outbox_emails`` in the transaction of what caused it (a proposal's
move, a digest that is due): its kind and ``context`` (what the message will say, as of that
moment). ``clausematch mail run`` renders and sends it later: a request never waits for a mail
server. Contexts and bodies name offers and the pseudonymous follow-up ids of the recipient's own
people, never a name or contact; they are emptied once sent and older than the retention
setting.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, UTCDateTime, utcnow
from service.models.common import check_in

__all__ = [
    "FREQUENCIES",
    "MAIL_KINDS",
    "MAIL_STATUSES",
    "NotificationPreference",
    "OutboxEmail",
]


FREQUENCIES: Final = ("off", "daily", "weekly")


class NotificationPreference(Base):
    """What a user wants by e-mail, at which address. No row: no e-mail at all."""

    __tablename__ = "notification_preferences"
    __table_args__ = (
        sa.CheckConstraint(check_in("digest", FREQUENCIES), name="digest"),
        sa.CheckConstraint(check_in("waiting_reminder", FREQUENCIES), name="waiting_reminder"),
    )

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str | None] = mapped_column(sa.String(254))
    # Coaches: the digest of new matches, each move of their people's proposals, the notice
    # before a person of their caseload is anonymised for inactivity.
    digest: Mapped[str] = mapped_column(sa.String(8), default="daily")
    proposal_updates: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    inactivity_notices: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    # Facilitators: the proposals waiting for a decision.
    waiting_reminder: Mapped[str] = mapped_column(sa.String(8), default="daily")
    # The e-mailed digest's own mark (the web page keeps digest_marks): matches with a higher id
    # are new to the next e-mail.
    digest_mark: Mapped[int] = mapped_column(sa.Integer, default=0)
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_reminder_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


MAIL_KINDS: Final = ("digest", "proposal_update", "waiting_reminder", "inactivity_notice", "test")


MAIL_STATUSES: Final = ("queued", "sending", "sent", "failed", "cancelled")


class OutboxEmail(Base):
    """One e-mail: queued, then sent (or failed after its attempts, or cancelled when its user
    was deactivated before it left). ``dedupe_key`` keeps one message per cause."""

    __tablename__ = "outbox_emails"
    __table_args__ = (
        sa.CheckConstraint(check_in("kind", MAIL_KINDS), name="kind"),
        sa.CheckConstraint(check_in("status", MAIL_STATUSES), name="status"),
        sa.Index("ix_outbox_emails_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    kind: Mapped[str] = mapped_column(sa.String(20))
    context: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    subject: Mapped[str] = mapped_column(sa.String(300), default="")
    body_text: Mapped[str] = mapped_column(sa.Text, default="")
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    status: Mapped[str] = mapped_column(sa.String(12), default="queued")
    attempts: Mapped[int] = mapped_column(sa.Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(sa.String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
