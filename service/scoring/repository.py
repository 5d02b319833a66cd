"""SQL of the scoring side: change detection, batch runs and their matches, digests."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import and_, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from service.db import after_reads, utcnow
from service.kit.repository import table_of
from service.models.accounts import User
from service.models.offers import Offer
from service.models.people import Candidate
from service.models.scoring import DigestMark, Match, MatchRun, MatchRunOffer
from service.scoring.frames import candidate_frames, offer_frame

__all__ = [
    "BATCH_LOCK",
    "BatchRepository",
    "DigestRepository",
    "ScoringRepository",
    "TableSignature",
]


BATCH_LOCK = 0x636C_6D62  # "clmb": the advisory lock key of batch runs


@dataclass(frozen=True)
class PendingOffer:
    id: int
    version: int
    open_positions: int


@dataclass(frozen=True)
class TableSignature:
    """Changes whenever a row is added, removed or updated.

    Versions only ever grow; the latest ``updated_at`` also catches a row deleted and another
    created with the same id and version (SQLite reuses the highest id after a delete).
    """

    count: int
    version_sum: int
    max_id: int
    last_update: str


class ScoringRepository:
    """The SQL the scoring state needs: signatures, versions, and rows as engine frames."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def signature(self, model: type[Candidate] | type[Offer]) -> TableSignature:
        row = self.session.execute(
            select(
                func.count(model.id),
                func.coalesce(func.sum(model.version), 0),
                func.coalesce(func.max(model.id), 0),
                func.max(model.updated_at),
            )
        ).one()
        return TableSignature(int(row[0]), int(row[1]), int(row[2]), str(row[3]))

    def versions(self, model: type[Candidate] | type[Offer]) -> dict[int, tuple[int, str]]:
        """Row id → (version, last update) of every row."""
        stmt = select(model.id, model.version, model.updated_at)
        return {int(i): (int(v), str(u)) for i, v, u in self.session.execute(stmt)}

    def candidate_frames(
        self, ids: Iterable[int] | None = None
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Candidates and their target jobs in the engine's schema (:mod:`service.scoring.frames`)."""
        candidates, jobs, _ = candidate_frames(self.session, ids=ids)
        return candidates, jobs

    def offer_frame(self, ids: Iterable[int] | None = None) -> pd.DataFrame:
        """Open offers with a ROME code, in the engine's schema (plus ``intitule``)."""
        frame, _ = offer_frame(self.session, ids=ids)
        return frame


class BatchRepository:
    """The SQL of the batch: pending offers, pool versions, runs, bulk writes."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def pending_offers(self, as_of: date) -> list[PendingOffer]:
        """Open offers with a fiche, not ended on ``as_of``, that no completed run scored as
        they are now."""
        scored = (
            select(MatchRunOffer.offer_id)
            .join(MatchRun, MatchRun.id == MatchRunOffer.run_id)
            .where(
                MatchRunOffer.offer_id == Offer.id,
                MatchRunOffer.offer_version == Offer.version,
                MatchRun.status == "completed",
            )
        )
        stmt = (
            select(Offer.id, Offer.version, Offer.open_positions)
            .where(
                Offer.status == "open",
                Offer.code_rome.is_not(None),
                or_(Offer.end_date.is_(None), Offer.end_date >= as_of),
                ~exists(scored),
            )
            .order_by(Offer.id)
        )
        return [PendingOffer(int(i), int(v), int(p)) for i, v, p in self.session.execute(stmt)]

    def active_pool_versions(self) -> list[tuple[int, int]]:
        stmt = (
            select(Candidate.id, Candidate.version)
            .where(Candidate.is_active)
            .order_by(Candidate.id)
        )
        return [(int(i), int(v)) for i, v in self.session.execute(stmt)]

    def completed_run_with_hash(self, digest: str) -> int | None:
        stmt = (
            select(MatchRun.id)
            .where(
                and_(
                    MatchRun.kind == "batch",
                    MatchRun.status == "completed",
                    MatchRun.parameters["input_hash"].as_string() == digest,
                )
            )
            .limit(1)
        )
        found = self.session.scalar(stmt)
        return None if found is None else int(found)

    def lock_batches(self) -> None:
        """Serialise batches until this transaction ends (PostgreSQL; SQLite's writer lock is
        taken by the first write below): a second batch then finds the offers already scored."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(select(func.pg_advisory_xact_lock(BATCH_LOCK)))

    def recent_runs(self, *, limit: int, offset: int) -> tuple[list[MatchRun], int]:
        total = int(self.session.scalar(select(func.count()).select_from(MatchRun)) or 0)
        stmt = select(MatchRun).order_by(MatchRun.id.desc()).limit(limit).offset(offset)
        return list(self.session.scalars(stmt)), total

    def fail_stale_runs(self) -> int:
        result = self.session.execute(
            update(MatchRun)
            .where(MatchRun.kind == "batch", MatchRun.status == "running")
            .values(status="failed", finished_at=utcnow())
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def add_run(self, run: MatchRun) -> MatchRun:
        self.session.add(run)
        self.session.flush()
        return run

    def insert_rows(self, model: type[Any], rows: list[dict[str, Any]], chunk: int = 5_000) -> None:
        for i in range(0, len(rows), chunk):
            # Core insert on the table: one batch per chunk (see ImportRepository).
            self.session.execute(insert(table_of(model)), rows[i : i + chunk])


class DigestRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def mark(self, coach_id: int) -> DigestMark | None:
        return self.session.get(DigestMark, coach_id)

    def wait_for_batches(self) -> None:
        """On PostgreSQL, wait until no batch is writing: match ids are taken from a sequence
        when a batch inserts them, so a digest read while one is still uncommitted could move
        the mark past ids that appear later. SQLite has one writer: no such gap."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(select(func.pg_advisory_xact_lock_shared(BATCH_LOCK)))

    def new_matches(self, coach_id: int, after_id: int) -> list[tuple[Match, Candidate, Offer]]:
        stmt = (
            select(Match, Candidate, Offer)
            .join(Candidate, Candidate.id == Match.candidate_id)
            .join(Offer, Offer.id == Match.offer_id)
            .join(MatchRun, MatchRun.id == Match.run_id)
            .where(
                Candidate.coach_id == coach_id,
                Match.id > after_id,
                MatchRun.status == "completed",
            )
            .order_by(Offer.id, Match.id)
        )
        return [(m, c, o) for m, c, o in self.session.execute(stmt)]

    def advance_mark(self, coach_id: int, last_match_id: int) -> None:
        """Move the coach's mark to ``last_match_id`` (never backwards), read now.

        Queued after the reads when the request only reads (:func:`service.db.after_reads`):
        two digests read at once both leave the mark at the furthest match either saw."""
        read_at = utcnow()

        def write(writer: Session) -> None:
            mark = writer.get(DigestMark, coach_id)
            if mark is None:
                writer.add(
                    DigestMark(coach_id=coach_id, last_match_id=last_match_id, read_at=read_at)
                )
            else:
                mark.last_match_id = max(mark.last_match_id, last_match_id)
                mark.read_at = read_at
            writer.flush()

        after_reads(self.session, write)

    def active_coaches(self, username: str | None = None) -> list[User]:
        stmt = select(User).where(User.role == "coach", User.is_active).order_by(User.username)
        if username is not None:
            stmt = stmt.where(User.username == username)
        return list(self.session.scalars(stmt))
