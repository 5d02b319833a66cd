"""What the imports keep between runs: offers refused until someone resolves them, the runs of
the France Travail feed and the update date of each offer it brought."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, UTCDateTime, utcnow
from service.models.common import check_in

__all__ = [
    "FEED_RUN_STATUSES",
    "REFUSED_STATUSES",
    "FeedOffer",
    "FeedRun",
    "RefusedOffer",
]


REFUSED_STATUSES: Final = ("pending", "resolved", "dismissed")


class RefusedOffer(Base):
    """An offer an import left out (the valid ones of its file or feed page were imported).

    ``ref`` is the offer's external id, or ``<origin>#<line>`` for an offer without one. It stays
    ``pending`` until an import accepts the same external id (``resolved``) or a facilitator
    sets it aside (``dismissed``). ``errors`` holds the reasons as the import gave them
    (column, code, French message); never a person's data: offers only.
    """

    __tablename__ = "refused_offers"
    __table_args__ = (
        sa.UniqueConstraint("source", "ref"),
        sa.CheckConstraint(check_in("status", REFUSED_STATUSES), name="status"),
        sa.Index("ix_refused_offers_status_last_seen_at", "status", "last_seen_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(20))
    ref: Mapped[str] = mapped_column(sa.String(300))
    external_id: Mapped[str | None] = mapped_column(sa.String(64))
    title: Mapped[str | None] = mapped_column(sa.String(300))
    origin: Mapped[str] = mapped_column(sa.String(200))
    errors: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    status: Mapped[str] = mapped_column(sa.String(12), default="pending")
    times_seen: Mapped[int] = mapped_column(sa.Integer, default=1)
    first_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


FEED_RUN_STATUSES: Final = ("completed", "failed")


class FeedRun(Base):
    """One run of a feed: the creation-date window it covered, its parameters and counts.

    A run writes its row with its offers, in one transaction, once everything was fetched; a
    run that fails writes a ``failed`` row with a French reason (never a secret); a run killed
    mid-way writes nothing, and the next one covers the same window again.
    """

    __tablename__ = "feed_runs"
    __table_args__ = (
        sa.CheckConstraint(check_in("status", FEED_RUN_STATUSES), name="status"),
        sa.Index("ix_feed_runs_source_key_status", "source", "parameters_key", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(12))
    parameters_key: Mapped[str] = mapped_column(sa.String(64))
    parameters: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    counts: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    message: Mapped[str] = mapped_column(sa.String(500), default="")


class FeedOffer(Base):
    """The source's last update date of each offer a feed brought (``dateActualisation``): an
    offer met again with the same date or an older one is left alone."""

    __tablename__ = "feed_offers"

    source: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    source_updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("feed_runs.id", ondelete="CASCADE"))
