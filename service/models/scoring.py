"""Batch runs, their matches, the offers each run scored, the coaches' digest marks, and the
pairs shown to people (exposures)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base, UTCDateTime, utcnow

__all__ = ["EXPOSURE_CHANNELS", "DigestMark", "Exposure", "Match", "MatchRun", "MatchRunOffer"]

EXPOSURE_CHANNELS = ("shortlist", "digest", "offers_for")
"""Where a pair is shown and recorded as an exposure (batch lists are their matches)."""


class MatchRun(Base):
    """One scoring run (batch or on demand): inputs, model version, counts."""

    __tablename__ = "match_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16), default="batch")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    model_version: Mapped[str] = mapped_column(sa.String(64))
    parameters: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    n_candidates: Mapped[int] = mapped_column(sa.Integer, default=0)
    n_offers: Mapped[int] = mapped_column(sa.Integer, default=0)
    n_matches: Mapped[int] = mapped_column(sa.Integer, default=0)
    status: Mapped[str] = mapped_column(sa.String(16), default="running")


class Match(Base):
    """One scored pair kept by a run."""

    __tablename__ = "matches"
    __table_args__ = (
        sa.UniqueConstraint("run_id", "offer_id", "candidate_id"),
        sa.CheckConstraint("score >= 0 AND score <= 1", name="score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(sa.ForeignKey("match_runs.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("offers.id", ondelete="CASCADE"), index=True
    )
    candidate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(sa.Float)
    components: Mapped[dict[str, float]] = mapped_column(sa.JSON, default=dict)
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    model_version: Mapped[str] = mapped_column(sa.String(64))
    rank: Mapped[int] = mapped_column(sa.Integer)


class MatchRunOffer(Base):
    """An offer scored by a run, at the version it had then (even when it got no match).

    An open offer is waiting for the batch when no completed run scored its current version.
    """

    __tablename__ = "match_run_offers"

    run_id: Mapped[int] = mapped_column(
        sa.ForeignKey("match_runs.id", ondelete="CASCADE"), primary_key=True
    )
    offer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    offer_version: Mapped[int] = mapped_column(sa.Integer)


class DigestMark(Base):
    """How far a coach has read their digest: matches with a higher id are new to them."""

    __tablename__ = "digest_marks"

    coach_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    last_match_id: Mapped[int] = mapped_column(sa.Integer, default=0)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Exposure(Base):
    """A (person, offer) pair shown to someone: on a shortlist page, in a coach's digest, among
    a person's best offers; with its rank and score then, and the scorer that ranked it.

    What the outcome history needs to say who could have been proposed (batch lists are read
    from ``matches``). A person's or an offer's exposures go with them when they are deleted:
    the person's by their foreign key (an erased person's pairs cannot outlive them); the
    offer's, and a deleted account's reader, by triggers (migration 0015), which cost nothing
    on the twenty rows every shortlist read writes — the service deletes neither.
    """

    __tablename__ = "exposures"
    __table_args__ = (
        sa.CheckConstraint(
            f"channel IN ({', '.join(repr(c) for c in EXPOSURE_CHANNELS)})", name="channel"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(sa.String(16))
    offer_id: Mapped[int] = mapped_column(sa.Integer, index=True)  # followed by a trigger
    candidate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    rank: Mapped[int] = mapped_column(sa.Integer)
    score: Mapped[float] = mapped_column(sa.Float)
    model_version: Mapped[str] = mapped_column(sa.String(64))
    shown_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    shown_to: Mapped[int | None] = mapped_column(sa.Integer)  # an account; followed by a trigger
    # The French explanation shown with the pair (none where only a score was shown: digests).
    explanation: Mapped[str | None] = mapped_column(sa.Text)


DATA_VERSION_GROUPS: dict[str, tuple[str, ...]] = {
    "candidates": ("candidates", "candidate_jobs", "candidate_licences"),
    "offers": ("offers", "offer_licences"),
}
"""Each counter of :class:`DataVersion` and the tables whose changes move it: what the engine's
in-memory state reads (``service.scoring.state``)."""


class DataVersion(Base):
    """A counter per group of tables the engine reads, moved by database triggers at the commit
    of every transaction that changed one of them (migration ``0014_data_versions``) —
    whoever wrote: a request, a command, another process, an SQL session.

    A service process learns that it must update its engine state by reading these two rows,
    whatever the size of the tables, instead of an aggregate over every person and offer."""

    __tablename__ = "data_versions"

    name: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)
