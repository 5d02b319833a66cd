"""SQL of retention: what is past its period in each domain's tables, counted or deleted, the
inactivity of people, the runs and the notices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, func, or_, select, text
from sqlalchemy.orm import Session

from service.models.accounts import LoginThrottle, WebSession
from service.models.notifications import OutboxEmail
from service.models.people import Candidate
from service.models.retention import RetentionNotice, RetentionRun
from service.models.scoring import Exposure, Match, MatchRun
from service.models.workflow import Placement, PlacementHours, Proposal

__all__ = ["PersonActivity", "RetentionRepository"]

# PostgreSQL advisory lock of a retention run (two runs at once: the second is refused).
_RUN_LOCK_KEY = 0x726574656E74  # "retent"

_DONE_MAILS = ("sent", "failed", "cancelled")


@dataclass(frozen=True)
class PersonActivity:
    """What dates a person's last activity: the record's changes, the readiness assessment,
    their proposals' moves, their placements and hours; ``in_post``: a placement not ended."""

    candidate_id: int
    coach_id: int
    external_id: str
    last_activity_at: datetime
    in_post: bool


class RetentionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def try_lock_run(self) -> bool:
        """Whether this transaction may run retention (PostgreSQL: no other run holds the lock;
        SQLite: the write transaction is the lock)."""
        if self.session.get_bind().dialect.name != "postgresql":
            return True
        got = self.session.scalar(
            text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": _RUN_LOCK_KEY}
        )
        return bool(got)

    # ------------------------------------------------------------------ purges

    def _count(self, stmt: Select[Any]) -> int:
        return int(self.session.scalar(stmt) or 0)

    def _delete(self, model: type[object], where: ColumnElement[bool], dry_run: bool) -> int:
        if dry_run:
            return self._count(select(func.count()).select_from(model).where(where))
        result = self.session.execute(
            delete(model).where(where).execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def web_sessions(self, before: datetime, *, dry_run: bool) -> int:
        """Web sessions that ended (expired, idle or logged out) before ``before``."""
        ended = or_(
            WebSession.expires_at < before,
            WebSession.last_seen_at < before,
            WebSession.revoked_at < before,
        )
        return self._delete(WebSession, ended, dry_run)

    def login_failures(self, before: datetime, *, now: datetime, dry_run: bool) -> int:
        """Login counters (failures, and an owner's known address) last used before ``before``
        whose lock has run out."""
        failed, succeeded = LoginThrottle.last_failure_at, LoginThrottle.succeeded_at
        old = and_(
            or_(failed.is_not(None), succeeded.is_not(None)),
            or_(failed.is_(None), failed < before),
            or_(succeeded.is_(None), succeeded < before),
            or_(LoginThrottle.locked_until.is_(None), LoginThrottle.locked_until < now),
        )
        return self._delete(LoginThrottle, old, dry_run)

    def batch_lists(self, before: datetime, *, dry_run: bool) -> int:
        """Matches of batch runs started before ``before`` (the runs' own rows stay: counts and
        which offer version each scored, no person)."""
        old_runs = select(MatchRun.id).where(MatchRun.started_at < before)
        return self._delete(Match, Match.run_id.in_(old_runs), dry_run)

    def shown_pairs(self, before: datetime, *, dry_run: bool) -> int:
        return self._delete(Exposure, Exposure.shown_at < before, dry_run)

    def finished_mails(self, before: datetime, *, dry_run: bool) -> int:
        """E-mails sent, failed or cancelled, created before ``before``."""
        old = and_(OutboxEmail.status.in_(_DONE_MAILS), OutboxEmail.created_at < before)
        return self._delete(OutboxEmail, old, dry_run)

    # ------------------------------------------------------------------ people

    def activity(self, *, changed_before: datetime) -> list[PersonActivity]:
        """People not anonymised whose record has not changed since ``changed_before``, with
        the date of their last activity (a necessary condition first, then every source)."""
        moves = (
            select(Proposal.candidate_id, func.max(Proposal.state_changed_at).label("at"))
            .group_by(Proposal.candidate_id)
            .subquery()
        )
        placements = (
            select(
                Placement.candidate_id,
                func.max(Placement.updated_at).label("at"),
                func.max(Placement.end_date).label("end_date"),
                func.count().filter(Placement.end_date.is_(None)).label("open"),
            )
            .group_by(Placement.candidate_id)
            .subquery()
        )
        hours = (
            select(Placement.candidate_id, func.max(PlacementHours.month).label("month"))
            .join(PlacementHours, PlacementHours.placement_id == Placement.id)
            .group_by(Placement.candidate_id)
            .subquery()
        )
        stmt = (
            select(
                Candidate.id,
                Candidate.coach_id,
                Candidate.external_id,
                Candidate.updated_at,
                Candidate.created_at,
                Candidate.readiness_assessed_on,
                moves.c.at.label("moved_at"),
                placements.c.at.label("placed_at"),
                placements.c.end_date,
                placements.c.open,
                hours.c.month,
            )
            .outerjoin(moves, moves.c.candidate_id == Candidate.id)
            .outerjoin(placements, placements.c.candidate_id == Candidate.id)
            .outerjoin(hours, hours.c.candidate_id == Candidate.id)
            .where(Candidate.anonymised_at.is_(None), Candidate.updated_at < changed_before)
            .order_by(Candidate.id)
        )
        out = []
        for row in self.session.execute(stmt):
            times = [row.updated_at, row.created_at, _day(row.readiness_assessed_on)]
            times += [t for t in (row.moved_at, row.placed_at) if t is not None]
            times += [_day(d) for d in (row.end_date, row.month) if d is not None]
            out.append(
                PersonActivity(
                    candidate_id=row.id,
                    coach_id=row.coach_id,
                    external_id=row.external_id,
                    last_activity_at=max(_aware(t) for t in times),
                    in_post=bool(row.open),
                )
            )
        return out

    def pending_notices(self) -> list[RetentionNotice]:
        stmt = select(RetentionNotice).where(RetentionNotice.status == "pending")
        return list(self.session.scalars(stmt.order_by(RetentionNotice.id)))

    def add_notices(self, notices: Sequence[RetentionNotice]) -> None:
        self.session.add_all(notices)
        self.session.flush()

    def person(self, candidate_id: int) -> Candidate | None:
        return self.session.get(Candidate, candidate_id)

    def pending_for(self, *, coach_id: int | None) -> list[tuple[RetentionNotice, Candidate]]:
        """Pending notices with their person (one coach's caseload, or everyone's), soonest
        first."""
        stmt = (
            select(RetentionNotice, Candidate)
            .join(Candidate, Candidate.id == RetentionNotice.candidate_id)
            .where(RetentionNotice.status == "pending")
            .order_by(RetentionNotice.anonymise_on, Candidate.id)
        )
        if coach_id is not None:
            stmt = stmt.where(Candidate.coach_id == coach_id)
        return [(row[0], row[1]) for row in self.session.execute(stmt)]

    def pending_of(self, candidate_id: int) -> list[RetentionNotice]:
        stmt = select(RetentionNotice).where(
            RetentionNotice.candidate_id == candidate_id, RetentionNotice.status == "pending"
        )
        return list(self.session.scalars(stmt))

    def notices_page(self, *, limit: int) -> list[RetentionNotice]:
        stmt = select(RetentionNotice).order_by(RetentionNotice.id.desc()).limit(limit)
        return list(self.session.scalars(stmt))

    # ------------------------------------------------------------------ runs

    def add_run(self, run: RetentionRun) -> RetentionRun:
        self.session.add(run)
        self.session.flush()
        return run

    def runs(self, *, limit: int, offset: int) -> tuple[list[RetentionRun], int]:
        total = self._count(select(func.count()).select_from(RetentionRun))
        stmt = select(RetentionRun).order_by(RetentionRun.id.desc()).limit(limit).offset(offset)
        return list(self.session.scalars(stmt)), total

    def flush(self) -> None:
        self.session.flush()


def _day(value: date) -> datetime:
    return datetime(value.year, value.month, value.day, tzinfo=UTC)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
