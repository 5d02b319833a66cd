"""SQL of the scoring side: change detection and the engine's rows, batch runs and their matches,
digests, shortlists."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Protocol

from sqlalchemy import Select, and_, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.orm import Session

from matching import columns as col
from matching.fields import CANDIDATE_FIELDS, CANDIDATE_JOB_FIELDS, OFFER_FIELDS
from service.db import after_reads, utcnow
from service.kit.repository import insert_many, queue_rows, table_of
from service.models.accounts import User
from service.models.offers import Offer, OfferLicence
from service.models.people import Candidate, CandidateJob, CandidateLicence
from service.models.procurement import Lot
from service.models.scoring import (
    DataVersion,
    DigestMark,
    Exposure,
    Match,
    MatchRun,
    MatchRunOffer,
)

__all__ = [
    "BATCH_LOCK",
    "BatchRepository",
    "DigestRepository",
    "ExposureRepository",
    "OfferHeader",
    "ScoringRepository",
    "ShortlistRepository",
]


_CHUNK = 5_000  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits
ROW_FIELDS: Final[dict[type[Any], tuple[str, ...]]] = {
    Candidate: tuple(n for n in CANDIDATE_FIELDS if n not in (col.CANDIDATE_ID, col.LICENCES)),
    CandidateJob: tuple(n for n in CANDIDATE_JOB_FIELDS if n != col.CANDIDATE_ID),
    Offer: tuple(
        n for n in OFFER_FIELDS if n not in (col.OFFER_ID, col.REQUIRED_LICENCES, col.LOT_REF)
    ),
}
"""The engine fields each table holds under the same name (:mod:`matching.fields`); licences
come from their own tables and an offer's lot reference from its lot."""
BATCH_LOCK = 0x636C_6D62  # "clmb": the advisory lock key of batch runs
_DATA_VERSIONS = select(DataVersion.name, DataVersion.version)


@dataclass(frozen=True)
class PendingOffer:
    id: int
    version: int
    open_positions: int


class ScoringRepository:
    """The SQL the scoring state needs: change counters, versions, the engine frames' rows."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def data_versions(self) -> tuple[int, int]:
        """The change counters of the people's and the offers' tables (:class:`DataVersion`):
        two rows, whatever the size of the tables."""
        found = {
            name: version for name, version in self.session.connection().execute(_DATA_VERSIONS)
        }
        return int(found.get("candidates", 0)), int(found.get("offers", 0))

    def versions(self, model: type[Candidate] | type[Offer]) -> dict[int, tuple[int, str]]:
        """Row id → (version, last update) of every row."""
        stmt = select(model.id, model.version, model.updated_at)
        return {int(i): (int(v), str(u)) for i, v, u in self.session.execute(stmt)}

    def _rows(
        self, stmt: Select[*tuple[Any, ...]], column: Any, ids: list[int] | None
    ) -> list[Any]:
        if ids is None:
            return list(self.session.execute(stmt))
        out: list[Any] = []
        for start in range(0, len(ids), _CHUNK):
            out.extend(self.session.execute(stmt.where(column.in_(ids[start : start + _CHUNK]))))
        return out

    def candidate_rows(
        self, ids: list[int] | None, *, active_only: bool = False, withheld: bool = False
    ) -> list[Any]:
        """The engine's columns of people (everyone, or ``ids``), by id; without the people
        marked « ne pas proposer » (anonymised people are too) unless ``withheld``."""
        stmt = select(
            Candidate.id,
            Candidate.external_id,
            *(getattr(Candidate, name) for name in ROW_FIELDS[Candidate]),
        ).order_by(Candidate.id)
        if not withheld:
            stmt = stmt.where(Candidate.do_not_propose.is_(False))
        if active_only:
            stmt = stmt.where(Candidate.is_active.is_(True))
        return self._rows(stmt, Candidate.id, ids)

    def candidate_licences(self, ids: list[int]) -> dict[int, list[str]]:
        """Licence codes of each person, sorted."""
        stmt = select(CandidateLicence.candidate_id, CandidateLicence.code).order_by(
            CandidateLicence.candidate_id, CandidateLicence.code
        )
        out: dict[int, list[str]] = {}
        for cid, code in self._rows(stmt, CandidateLicence.candidate_id, ids):
            out.setdefault(int(cid), []).append(str(code))
        return out

    def candidate_jobs(self, ids: list[int]) -> list[Any]:
        """(person id, code OGR, code ROME, years of experience) of each target job."""
        stmt = select(
            CandidateJob.candidate_id,
            *(getattr(CandidateJob, name) for name in ROW_FIELDS[CandidateJob]),
        ).order_by(CandidateJob.candidate_id, CandidateJob.id)
        return self._rows(stmt, CandidateJob.candidate_id, ids)

    def offer_rows(self, ids: list[int] | None, *, statuses: tuple[str, ...]) -> list[Any]:
        """The engine's columns of the offers of these statuses that have a ROME fiche."""
        stmt = (
            select(
                Offer.id,
                Offer.external_id,
                *(getattr(Offer, name) for name in ROW_FIELDS[Offer]),
                Lot.reference,
                Offer.intitule,
            )
            .outerjoin(Lot, Offer.lot_id == Lot.id)
            .where(Offer.status.in_(statuses), Offer.code_rome.is_not(None))
            .order_by(Offer.id)
        )
        return self._rows(stmt, Offer.id, ids)

    def offer_licences(self, ids: list[int]) -> dict[int, list[str]]:
        """Required licence codes of each offer, sorted."""
        stmt = select(OfferLicence.offer_id, OfferLicence.code).order_by(
            OfferLicence.offer_id, OfferLicence.code
        )
        out: dict[int, list[str]] = {}
        for oid, code in self._rows(stmt, OfferLicence.offer_id, ids):
            out.setdefault(int(oid), []).append(str(code))
        return out


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
            .where(Candidate.is_active, Candidate.do_not_propose.is_(False))
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


class ExposureRepository:
    """The pairs shown to people (shortlist pages, digests, a person's best offers)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def insert_rows(self, rows: list[dict[str, Any]]) -> None:
        insert_many(self.session, table_of(Exposure), rows)

    def queue_rows(self, rows: list[dict[str, Any]]) -> None:
        """Insert at this transaction's commit, with the other requests' rows it carries."""
        queue_rows(self.session, table_of(Exposure), rows)


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
                Candidate.do_not_propose.is_(False),
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


# The shortlist is the most asked-for page: its reads are plain Core statements, built once
# (their SQL is compiled once and cached), on the session's connection, without the ORM's
# per-row identity work. They return rows with the named columns only.
_OFFERS = table_of(Offer)
_CANDIDATES = table_of(Candidate)
_USERS = table_of(User)
_OFFER_BY_ID = select(
    _OFFERS.c.id,
    _OFFERS.c.external_id,
    _OFFERS.c.intitule,
    _OFFERS.c.status,
    _OFFERS.c.end_date,
).where(_OFFERS.c.id == bindparam("offer_id"))


@functools.cache
def _people_by_id(size: int) -> Select[Any]:
    """People and their coach's name for ``size`` ids: one statement per list size, with plain
    bound parameters (an "expanding" IN list is re-rendered on every execution)."""
    return (
        select(
            _CANDIDATES.c.id,
            _CANDIDATES.c.external_id,
            _CANDIDATES.c.first_name,
            _CANDIDATES.c.last_name,
            _CANDIDATES.c.coach_id,
            _CANDIDATES.c.commune_insee,
            _USERS.c.username,
        )
        .outerjoin(_USERS, _USERS.c.id == _CANDIDATES.c.coach_id)
        .where(_CANDIDATES.c.id.in_([bindparam(f"id{i}") for i in range(size)]))
    )


class OfferHeader(Protocol):
    """The few columns of an offer a shortlist shows."""

    id: int
    external_id: str
    intitule: str
    status: str
    end_date: date | None


class ShortlistRepository:
    """The SQL of shortlists, best offers of a person and "Pourquoi pas ?"."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def offer_header(self, offer_id: int) -> OfferHeader | None:
        row: OfferHeader | None = (
            self.session.connection().execute(_OFFER_BY_ID, {"offer_id": offer_id}).first()
        )
        return row

    def people_with_coach(self, ids: list[int]) -> dict[int, Any]:
        """Id, external id, names, coach id, commune and coach name of each person, by id (the
        caller shows the names only to whoever may read them)."""
        if not ids:
            return {}
        rows = self.session.connection().execute(
            _people_by_id(len(ids)), {f"id{i}": v for i, v in enumerate(ids)}
        )
        return {p.id: p for p in rows}

    def caseload_ids(self, coach_id: int) -> list[int]:
        return list(
            self.session.scalars(select(Candidate.id).where(Candidate.coach_id == coach_id))
        )

    def offers_by_id(self, ids: list[int]) -> dict[int, Offer]:
        return {o.id: o for o in self.session.scalars(select(Offer).where(Offer.id.in_(ids)))}
