"""Retention: each run of ``clausematch retention run`` (what it purged and anonymised, by
category), and the notices given to coaches before a person of their caseload is anonymised
for inactivity."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, UTCDateTime, utcnow
from service.models.common import check_in

__all__ = ["NOTICE_STATUSES", "RetentionNotice", "RetentionRun"]


class RetentionRun(Base):
    """One applied retention run: the periods it applied and its counts per category (a dry run
    writes nothing). ``audit_head_*``: the audit chain's last entry once the run committed, a
    value to copy outside the database (it dates the chain)."""

    __tablename__ = "retention_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    periods: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    counts: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    audit_head_seq: Mapped[int | None] = mapped_column(sa.BigInteger)
    audit_head_hash: Mapped[str | None] = mapped_column(sa.String(64))


NOTICE_STATUSES: Final = ("pending", "anonymised", "cancelled", "refused")


class RetentionNotice(Base):
    """A coach told that a person of their caseload will be anonymised on ``anonymise_on`` for
    want of activity since ``last_activity_at``. The run anonymises only a pending notice whose
    date has come and whose person did nothing since; activity, or a new coach, cancels it
    (``refused``: the anonymisation was refused, e.g. a proposal in progress)."""

    __tablename__ = "retention_notices"
    __table_args__ = (sa.CheckConstraint(check_in("status", NOTICE_STATUSES), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    coach_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime())
    noticed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    anonymise_on: Mapped[date] = mapped_column(sa.Date)
    is_mailed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    status: Mapped[str] = mapped_column(sa.String(12), default="pending", index=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    run_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("retention_runs.id", ondelete="SET NULL")
    )
