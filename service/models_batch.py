"""Tables of the batch side: which offers (at which version) each run scored, and where each
coach's digest stopped.

They live apart from :mod:`service.models` only to keep the batch work in its own files; they
share its declarative base and naming convention (revision ``0002``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, UTCDateTime, utcnow

__all__ = ["DigestMark", "MatchRunOffer"]


class MatchRunOffer(Base):
    """An offer scored by a run, at the version it had then (even when it got no match).

    An open offer is waiting for the batch when no completed run scored its current version.
    """

    __tablename__ = "match_run_offers"

    run_id: Mapped[int] = mapped_column(
        ForeignKey("match_runs.id", ondelete="CASCADE"), primary_key=True
    )
    offer_id: Mapped[int] = mapped_column(
        ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    offer_version: Mapped[int] = mapped_column(Integer)


class DigestMark(Base):
    """How far a coach has read their digest: matches with a higher id are new to them."""

    __tablename__ = "digest_marks"

    coach_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    last_match_id: Mapped[int] = mapped_column(Integer, default=0)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
