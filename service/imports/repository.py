"""SQL of imports: bulk reads and upserts by external id."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import Any, TypeVar

from sqlalchemy import bindparam, delete, func, insert, select, update
from sqlalchemy.orm import Session

from service.kit.repository import table_of
from service.models.accounts import User
from service.models.imports import FeedOffer, FeedRun, RefusedOffer
from service.models.offers import Offer, OfferLicence
from service.models.outreach import OutreachEvent
from service.models.people import Candidate, CandidateJob, CandidateLicence, CandidateReporting
from service.models.procurement import Buyer, Company, Contract, Lot
from service.models.workflow import Placement, PlacementHours, ProposalEvent

__all__ = ["DemoRepository", "FeedRepository", "ImportRepository"]


T = TypeVar("T")


_CHUNK = 5_000


# PostgreSQL advisory lock key of the feed runs (any constant distinct from the batch's).
FEED_LOCK = 0x0FEED019


def chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class ImportRepository:
    """The SQL of the imports: lookups by external id, SIRET, lot reference; bulk writes.

    Bulk inserts go through the table (Core), not ``insert(Model)``: the ORM's bulk insert drops
    ``None`` values from each row and groups consecutive rows by the keys left, so rows with and
    without an end date or an OGR code split one insert into hundreds of small batches (and, with
    RETURNING, a quadratic merge of their results: 5 s for 10,000 offers on PostgreSQL).
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def lot_ids(self, references: Iterable[str]) -> dict[str, int]:
        refs = sorted(set(references))
        out: dict[str, int] = {}
        for part in chunks(refs):
            stmt = select(Lot.reference, Lot.id).where(Lot.reference.in_(part))
            out.update({str(r): int(i) for r, i in self.session.execute(stmt)})
        return out

    def company_ids(self, sirets: Iterable[str]) -> dict[str, int]:
        wanted = sorted(set(sirets))
        out: dict[str, int] = {}
        for part in chunks(wanted):
            stmt = select(Company.siret, Company.id).where(Company.siret.in_(part))
            out.update({str(s): int(i) for s, i in self.session.execute(stmt)})
        return out

    def add_companies(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(insert(table_of(Company)), rows)

    def offers_by_external_id(self, external_ids: Sequence[str]) -> dict[str, Offer]:
        out: dict[str, Offer] = {}
        for part in chunks(sorted(set(external_ids))):
            stmt = select(Offer).where(Offer.external_id.in_(part))
            out.update({o.external_id: o for o in self.session.scalars(stmt)})
        return out

    def offer_licences(self, offer_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        out: dict[int, list[str]] = {}
        for part in chunks(sorted(offer_ids)):
            stmt = select(OfferLicence.offer_id, OfferLicence.code).where(
                OfferLicence.offer_id.in_(part)
            )
            for oid, code in self.session.execute(stmt):
                out.setdefault(int(oid), []).append(str(code))
        return {k: tuple(sorted(v)) for k, v in out.items()}

    def insert_returning_ids(
        self, model: type[Offer] | type[Candidate], rows: list[dict[str, Any]]
    ) -> dict[str, int]:
        """Insert rows in bulk; external id → new primary key."""
        out: dict[str, int] = {}
        for part in chunks(rows):
            table = table_of(model)
            stmt = insert(table).returning(table.c.external_id, table.c.id)
            out.update({str(e): int(i) for e, i in self.session.execute(stmt, list(part))})
        return out

    def update_by_id(self, model: type[Any], rows: list[dict[str, Any]]) -> None:
        """UPDATE rows by ``id`` (every row gives the same columns), versions set by the caller.

        A Core executemany: the ORM's bulk update by primary key would check ``version`` against
        the new value.
        """
        if not rows:
            return
        table = table_of(model)
        columns = [k for k in rows[0] if k != "id"]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({c: bindparam(f"_{c}") for c in columns})
        )
        for part in chunks(rows):
            self.session.execute(stmt, [{f"_{k}": v for k, v in row.items()} for row in part])

    def insert_rows(self, model: type[Any], rows: list[dict[str, Any]]) -> None:
        for part in chunks(rows):
            self.session.execute(insert(table_of(model)), list(part))

    def delete_children(self, column: Any, parent_ids: Sequence[int]) -> None:
        for part in chunks(sorted(parent_ids)):
            self.session.execute(delete(column.class_).where(column.in_(part)))

    def resolve_refused(self, source: str, external_ids: Sequence[str], *, at: datetime) -> int:
        """Pending refused offers that an import has now accepted become ``resolved``."""
        n = 0
        table = table_of(RefusedOffer)
        for part in chunks(sorted(set(external_ids))):
            result = self.session.execute(
                update(table)
                .where(
                    table.c.source == source,
                    table.c.status == "pending",
                    table.c.external_id.in_(part),
                )
                .values(status="resolved", resolved_at=at, resolved_by=None)
            )
            n += int(getattr(result, "rowcount", 0) or 0)
        return n

    def record_refused(
        self, source: str, rows: list[dict[str, Any]], *, origin: str, at: datetime
    ) -> None:
        """Keep refused offers by (source, ref): a new one is inserted, one seen before is
        pending again with its latest reasons."""
        if not rows:
            return
        table = table_of(RefusedOffer)
        known: dict[str, int] = {}
        for part in chunks(sorted({r["ref"] for r in rows})):
            stmt = select(table.c.ref, table.c.id).where(
                table.c.source == source, table.c.ref.in_(part)
            )
            known.update({str(ref): int(i) for ref, i in self.session.execute(stmt)})
        fresh = [r for r in rows if r["ref"] not in known]
        self.insert_rows(
            RefusedOffer,
            [
                {
                    **r,
                    "source": source,
                    "origin": origin,
                    "status": "pending",
                    "times_seen": 1,
                    "first_seen_at": at,
                    "last_seen_at": at,
                }
                for r in fresh
            ],
        )
        again = [r for r in rows if r["ref"] in known]
        if again:
            again_stmt = (
                update(table)
                .where(table.c.id == bindparam("_id"))
                .values(
                    title=bindparam("_title"),
                    errors=bindparam("_errors"),
                    origin=origin,
                    status="pending",
                    times_seen=table.c.times_seen + 1,
                    last_seen_at=at,
                    resolved_at=None,
                    resolved_by=None,
                )
            )
            self.session.execute(
                again_stmt,
                [
                    {"_id": known[r["ref"]], "_title": r["title"], "_errors": r["errors"]}
                    for r in again
                ],
            )

    def refused_page(
        self, status: str | None, *, limit: int, offset: int
    ) -> tuple[list[RefusedOffer], int]:
        where = [] if status is None else [RefusedOffer.status == status]
        total = self.session.scalar(select(func.count()).select_from(RefusedOffer).where(*where))
        stmt = (
            select(RefusedOffer)
            .where(*where)
            .order_by(RefusedOffer.last_seen_at.desc(), RefusedOffer.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(self.session.scalars(stmt)), int(total or 0)

    def refused(self, refused_id: int) -> RefusedOffer | None:
        return self.session.get(RefusedOffer, refused_id)

    def flush(self) -> None:
        self.session.flush()

    def active_coaches(self) -> dict[str, int]:
        stmt = select(User.username, User.id).where(User.role == "coach", User.is_active)
        return {str(n): int(i) for n, i in self.session.execute(stmt)}

    def candidates_by_external_id(self, external_ids: Sequence[str]) -> dict[str, Candidate]:
        out: dict[str, Candidate] = {}
        for part in chunks(sorted(set(external_ids))):
            stmt = select(Candidate).where(Candidate.external_id.in_(part))
            out.update({c.external_id: c for c in self.session.scalars(stmt)})
        return out

    def candidate_children(
        self, candidate_ids: Sequence[int]
    ) -> tuple[
        dict[int, tuple[tuple[str, int | None, float], ...]],
        dict[int, tuple[str, ...]],
        dict[int, CandidateReporting],
    ]:
        jobs: dict[int, list[tuple[str, int | None, float]]] = {}
        licences: dict[int, list[str]] = {}
        reporting: dict[int, CandidateReporting] = {}
        for part in chunks(sorted(candidate_ids)):
            job_stmt = (
                select(
                    CandidateJob.candidate_id,
                    CandidateJob.code_rome,
                    CandidateJob.code_ogr,
                    CandidateJob.experience_years,
                )
                .where(CandidateJob.candidate_id.in_(part))
                .order_by(CandidateJob.candidate_id, CandidateJob.id)
            )
            for cid, rome, ogr, years in self.session.execute(job_stmt):
                jobs.setdefault(int(cid), []).append(
                    (str(rome), None if ogr is None else int(ogr), float(years))
                )
            lic_stmt = select(CandidateLicence.candidate_id, CandidateLicence.code).where(
                CandidateLicence.candidate_id.in_(part)
            )
            for cid, code in self.session.execute(lic_stmt):
                licences.setdefault(int(cid), []).append(str(code))
            rep_stmt = select(CandidateReporting).where(CandidateReporting.candidate_id.in_(part))
            reporting.update({r.candidate_id: r for r in self.session.scalars(rep_stmt)})
        return (
            {k: tuple(v) for k, v in jobs.items()},
            {k: tuple(sorted(v)) for k, v in licences.items()},
            reporting,
        )

    def active_candidates_not_in(self, external_ids: set[str]) -> list[tuple[int, str, int]]:
        stmt = select(Candidate.id, Candidate.external_id, Candidate.version).where(
            Candidate.is_active
        )
        return [
            (int(i), str(e), int(v))
            for i, e, v in self.session.execute(stmt)
            if e not in external_ids
        ]


class FeedRepository:
    """The SQL of the feeds: their runs, and the source's update date of each offer fed."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(self) -> None:
        """Serialise feed runs until this transaction ends (PostgreSQL; SQLite's writer lock is
        taken when the transaction begins): a second run then finds the first one's offers."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(select(func.pg_advisory_xact_lock(FEED_LOCK)))

    def last_completed(self, source: str, parameters_key: str) -> FeedRun | None:
        stmt = (
            select(FeedRun)
            .where(
                FeedRun.source == source,
                FeedRun.parameters_key == parameters_key,
                FeedRun.status == "completed",
            )
            .order_by(FeedRun.window_end.desc(), FeedRun.id.desc())
            .limit(1)
        )
        return self.session.scalars(stmt).first()

    def add_run(self, run: FeedRun) -> FeedRun:
        self.session.add(run)
        self.session.flush()
        return run

    def recent_runs(self, *, limit: int, offset: int) -> tuple[list[FeedRun], int]:
        total = self.session.scalar(select(func.count()).select_from(FeedRun))
        stmt = select(FeedRun).order_by(FeedRun.id.desc()).limit(limit).offset(offset)
        return list(self.session.scalars(stmt)), int(total or 0)

    def update_dates(self, source: str, external_ids: Sequence[str]) -> dict[str, datetime]:
        out: dict[str, datetime] = {}
        for part in chunks(sorted(set(external_ids))):
            stmt = select(FeedOffer.external_id, FeedOffer.source_updated_at).where(
                FeedOffer.source == source, FeedOffer.external_id.in_(part)
            )
            out.update({str(e): d for e, d in self.session.execute(stmt)})
        return out

    def save_update_dates(
        self, source: str, dates: dict[str, datetime], *, known: set[str], run_id: int
    ) -> None:
        """Insert the dates of offers seen for the first time, update the others."""
        table = table_of(FeedOffer)
        fresh = [
            {"source": source, "external_id": e, "source_updated_at": d, "run_id": run_id}
            for e, d in sorted(dates.items())
            if e not in known
        ]
        for part in chunks(fresh):
            self.session.execute(insert(table), list(part))
        again = [{"_e": e, "_d": d, "_run": run_id} for e, d in sorted(dates.items()) if e in known]
        stmt = (
            update(table)
            .where(table.c.source == source, table.c.external_id == bindparam("_e"))
            .values(source_updated_at=bindparam("_d"), run_id=bindparam("_run"))
        )
        for part in chunks(again):
            self.session.execute(stmt, list(part))


class DemoRepository:
    """What the demo loader needs to know is already there (it loads idempotently)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def users_by_name(self) -> dict[str, User]:
        return {u.username: u for u in self.session.scalars(select(User))}

    def buyers_by_name(self) -> dict[str, Buyer]:
        return {b.name: b for b in self.session.scalars(select(Buyer))}

    def companies_by_siret(self) -> dict[str, Company]:
        return {c.siret: c for c in self.session.scalars(select(Company))}

    def contracts_by_reference(self) -> dict[tuple[int, str], Contract]:
        return {(c.buyer_id, c.reference): c for c in self.session.scalars(select(Contract))}

    def lots_by_number(self) -> dict[tuple[int, str], Lot]:
        return {(lot.contract_id, lot.number): lot for lot in self.session.scalars(select(Lot))}

    def offer_external_ids(self) -> set[str]:
        return set(self.session.scalars(select(Offer.external_id)))

    def candidate_external_ids(self) -> set[str]:
        return set(self.session.scalars(select(Candidate.external_id)))

    def has_placements(self) -> bool:
        return self.session.scalar(select(func.count()).select_from(Placement)) != 0

    def has_outreach_events(self) -> bool:
        return self.session.scalar(select(func.count()).select_from(OutreachEvent)) != 0

    def awarded_lots(self) -> list[tuple[Lot, date]]:
        """Every awarded lot with the day it was won (the contract's notification, else the
        lot's start), oldest first."""
        stmt = (
            select(Lot, func.coalesce(Contract.notified_on, Lot.start_date))
            .join(Contract, Contract.id == Lot.contract_id)
            .where(Lot.company_id.is_not(None))
            .order_by(Lot.id)
        )
        return [(lot, day) for lot, day in self.session.execute(stmt)]

    def candidate_ids(self) -> dict[str, int]:
        """External id → id of every person."""
        stmt = select(Candidate.external_id, Candidate.id)
        return {str(e): int(i) for e, i in self.session.execute(stmt)}

    def offer_ids(self) -> dict[str, int]:
        """External id → id of every offer."""
        return {
            str(e): i
            for e, i in self.session.execute(select(Offer.external_id, Offer.id))
            if e is not None
        }

    def insert_hours(self, rows: Sequence[dict[str, Any]]) -> None:
        for part in chunks(rows):
            self.session.execute(insert(table_of(PlacementHours)), list(part))

    def insert_events(self, rows: Sequence[dict[str, Any]]) -> None:
        for part in chunks(rows):
            self.session.execute(insert(table_of(ProposalEvent)), list(part))
