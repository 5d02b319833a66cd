"""Retention: each kind of personal data kept only for its period (storage limitation, GDPR
art. 5-1-e), applied by one run.

A run (``clausematch retention run``, the admin's page, ``POST /retention/runs``) lists what is
past its period by category, then, unless it is a dry run, applies it in one transaction:

* **people** with no activity (:class:`~service.retention.repository.PersonActivity`) for
  ``inactive_months``: their coach is first told, ``notice_days`` ahead, by the notifications
  package (a notice row, and an e-mail when the coach gave an address); a later run anonymises
  the person through the people package's ``anonymise_person`` once the date has come, unless
  the person did something meanwhile or changed coach (the notice is then cancelled) or the
  anonymisation is refused (a proposal in progress: counted, nothing changed for that person);
* ended **web sessions**, old **failed logins**, **audit entries** (the chain keeps a checkpoint
  of the last purged entry), **files of the drop folder** (``done/`` and ``rejected/``),
  **batch lists** (the matches of old runs) and **shown pairs**, **finished e-mails**: deleted.

A second run right after finds nothing to do (idempotent). Each applied run is recorded
(``retention_runs``: periods, counts, the audit chain's head) and audited.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Final

from sqlalchemy import event
from sqlalchemy.orm import Session

from service.accounts.audit import audit, seal_entries
from service.accounts.repository import AuditRepository
from service.config import Settings
from service.db import utcnow
from service.errors import AppError, Conflict
from service.kit.times import PARIS
from service.models.accounts import User
from service.models.people import Candidate
from service.models.retention import RetentionNotice, RetentionRun
from service.notifications.service import queue_inactivity_notice
from service.people.privacy import anonymise_person
from service.people.service import visible_candidate
from service.retention.repository import PersonActivity, RetentionRepository

__all__ = [
    "CATEGORIES",
    "Anonymiser",
    "Periods",
    "RetentionResult",
    "anonymise_inactive",
    "confirm_follow_up",
    "list_runs",
    "months_before",
    "pending_notices",
    "run_retention",
]

CATEGORIES: Final[dict[str, str]] = {
    "notices": "Personnes signalées à leur coach avant anonymisation",
    "anonymised": "Personnes anonymisées pour inactivité",
    "notices_cancelled": "Avis annulés (activité reprise ou changement de coach)",
    "anonymisation_refused": "Anonymisations refusées (ex. proposition en cours)",
    "web_sessions": "Sessions web terminées",
    "login_failures": "Compteurs de connexion (échecs, adresses déjà utilisées)",
    "audit_entries": "Entrées du journal d'audit",
    "drop_files": "Fichiers du dossier de dépôt (traités ou refusés)",
    "batch_lists": "Listes des traitements par lot (paires retenues)",
    "shown_pairs": "Paires montrées (listes, résumés, meilleures offres)",
    "notifications": "E-mails envoyés, échoués ou annulés",
}
"""Each category a run counts, with its French label (the order runs and pages list them)."""

Anonymiser = Callable[[Session, int], None]
"""Anonymise one person (the people package's ``anonymise_person``); raises an
:class:`~service.errors.AppError` when it refuses, having changed nothing."""


def anonymise_inactive(today: date) -> Anonymiser:
    """Anonymise for inactivity, by the service itself (the run records who launched it)."""

    def anonymise(session: Session, person_id: int) -> None:
        anonymise_person(session, person_id, actor=None, reason="inactivity", today=today)

    return anonymise


@dataclass(frozen=True)
class Periods:
    """The retention periods of a run (from the settings)."""

    inactive_months: int = 12
    notice_days: int = 30
    web_sessions_days: int = 30
    login_failures_days: int = 30
    audit_months: int = 12
    drop_files_days: int = 30
    batch_lists_months: int = 12
    notifications_days: int = 90

    @classmethod
    def from_settings(cls, settings: Settings) -> Periods:
        return cls(
            inactive_months=settings.retention_inactive_months,
            notice_days=settings.retention_notice_days,
            web_sessions_days=settings.retention_web_sessions_days,
            login_failures_days=settings.retention_login_failures_days,
            audit_months=settings.retention_audit_months,
            drop_files_days=settings.retention_drop_files_days,
            batch_lists_months=settings.retention_batch_lists_months,
            notifications_days=settings.retention_notifications_days,
        )


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (the month's last day when the
    day does not exist: 31 March − 1 month = 28 or 29 February)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@dataclass
class RetentionResult:
    """What a run did (or, dry, would do): counts per category of :data:`CATEGORIES`."""

    dry_run: bool
    counts: dict[str, int]
    periods: Periods
    run_id: int | None = None
    audit_head_seq: int | None = None
    audit_head_hash: str | None = None
    drop_dir: str | None = None
    refused: list[int] = field(default_factory=list)
    """Ids of the people whose anonymisation was refused (no name: the pages say why)."""


def _drop_files(drop_dir: Path | None, before: datetime) -> list[Path]:
    """Files of the drop folder's ``done/`` and ``rejected/`` last changed before ``before``
    (files still waiting to be imported are never touched)."""
    if drop_dir is None:
        return []
    found = []
    for sub in ("done", "rejected"):
        folder = drop_dir / sub
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.stat().st_mtime < before.timestamp():
                found.append(path)
    return found


def _is_still_due(notice: RetentionNotice, person: PersonActivity | None) -> bool:
    """Whether a pending notice still holds: the person is still inactive, did nothing since
    the notice's date of last activity and has the same coach."""
    return (
        person is not None
        and not person.in_post
        and person.last_activity_at <= notice.last_activity_at
        and person.coach_id == notice.coach_id
    )


def _people(
    session: Session,
    repo: RetentionRepository,
    *,
    periods: Periods,
    now: datetime,
    user: User | None,
    dry_run: bool,
    anonymise: Anonymiser,
    run_id: int | None,
    counts: dict[str, int],
    refused: list[int],
) -> None:
    today = now.astimezone(PARIS).date()
    inactive_since = months_before(now, periods.inactive_months)
    notice_from = inactive_since + timedelta(days=periods.notice_days)
    inactive = {
        p.candidate_id: p
        for p in repo.activity(changed_before=notice_from)
        if not p.in_post and p.last_activity_at < notice_from
    }
    pending: set[int] = set()
    for notice in repo.pending_notices():
        person = inactive.get(notice.candidate_id)
        if not _is_still_due(notice, person):
            counts["notices_cancelled"] += 1
            if not dry_run:
                notice.status, notice.closed_at, notice.run_id = "cancelled", now, run_id
            continue
        pending.add(notice.candidate_id)
        if notice.anonymise_on > today:
            continue
        if dry_run:
            counts["anonymised"] += 1
            continue
        try:
            with session.begin_nested():
                anonymise(session, notice.candidate_id)
        except AppError:
            counts["anonymisation_refused"] += 1
            refused.append(notice.candidate_id)
            notice.status = "refused"
        else:
            counts["anonymised"] += 1
            notice.status = "anonymised"
        notice.closed_at, notice.run_id = now, run_id

    to_notify: dict[tuple[int, date], list[PersonActivity]] = defaultdict(list)
    for person in inactive.values():
        if person.candidate_id in pending:
            continue
        due = _add_months(person.last_activity_at.astimezone(PARIS).date(), periods.inactive_months)
        anonymise_on = max(today + timedelta(days=periods.notice_days), due)
        to_notify[(person.coach_id, anonymise_on)].append(person)
    counts["notices"] = sum(len(people) for people in to_notify.values())
    if dry_run:
        return
    for (coach_id, anonymise_on), people in sorted(to_notify.items()):
        mailed = queue_inactivity_notice(
            session,
            coach_id=coach_id,
            people=[(p.candidate_id, p.external_id) for p in people],
            anonymise_on=anonymise_on,
            inactive_months=periods.inactive_months,
        )
        repo.add_notices(
            [
                RetentionNotice(
                    candidate_id=p.candidate_id,
                    coach_id=coach_id,
                    last_activity_at=p.last_activity_at,
                    noticed_at=now,
                    anonymise_on=anonymise_on,
                    is_mailed=mailed,
                    status="pending",
                    run_id=run_id,
                )
                for p in people
            ]
        )
        for p in people:
            audit(
                session,
                user,
                "inactivity_notice",
                "candidate",
                p.candidate_id,
                {"anonymise_on": anonymise_on.isoformat(), "mailed": mailed},
            )


def run_retention(
    session: Session,
    *,
    periods: Periods,
    anonymise: Anonymiser,
    now: datetime,
    user: User | None = None,
    drop_dir: Path | None = None,
    dry_run: bool = False,
) -> RetentionResult:
    """List what is past its period, by category; unless ``dry_run``, apply it and record the
    run (the caller commits). A dry run writes nothing and deletes no file."""
    repo = RetentionRepository(session)
    if not repo.try_lock_run():
        raise Conflict("Une purge de conservation est déjà en cours : réessayez dans un moment.")
    counts = dict.fromkeys(CATEGORIES, 0)
    refused: list[int] = []
    run = None
    if not dry_run:
        run = repo.add_run(RetentionRun(started_at=now, user_id=user.id if user else None))
        run.periods = {**asdict(periods), "drop_dir": str(drop_dir) if drop_dir else None}
    _people(
        session,
        repo,
        periods=periods,
        now=now,
        user=user,
        dry_run=dry_run,
        anonymise=anonymise,
        run_id=run.id if run else None,
        counts=counts,
        refused=refused,
    )
    counts["web_sessions"] = repo.web_sessions(
        now - timedelta(days=periods.web_sessions_days), dry_run=dry_run
    )
    counts["login_failures"] = repo.login_failures(
        now - timedelta(days=periods.login_failures_days), now=now, dry_run=dry_run
    )
    counts["batch_lists"] = repo.batch_lists(
        months_before(now, periods.batch_lists_months), dry_run=dry_run
    )
    counts["shown_pairs"] = repo.shown_pairs(
        months_before(now, periods.batch_lists_months), dry_run=dry_run
    )
    counts["notifications"] = repo.finished_mails(
        now - timedelta(days=periods.notifications_days), dry_run=dry_run
    )
    audit_repo = AuditRepository(session)
    purgeable = audit_repo.purgeable_through(months_before(now, periods.audit_months))
    checkpoint = None
    if purgeable is not None:
        through_seq, through_hash, n = purgeable
        counts["audit_entries"] = n
        if not dry_run:
            audit_repo.purge_through(through_seq)
            audit_repo.add_checkpoint(through_seq, through_hash, n)
            checkpoint = {"through_seq": through_seq, "through_hash": through_hash}
    files = _drop_files(drop_dir, now - timedelta(days=periods.drop_files_days))
    counts["drop_files"] = len(files)
    result = RetentionResult(
        dry_run=dry_run,
        counts=counts,
        periods=periods,
        drop_dir=str(drop_dir) if drop_dir else None,
        refused=refused,
    )
    if run is None:
        return result
    _delete_after_commit(session, files)
    run.counts = counts
    run.finished_at = now
    detail = {"counts": counts, "audit_checkpoint": checkpoint}
    audit(session, user, "retention_run", "retention_run", run.id, detail)
    # Chain the run's entries now, so that the run records the chain's head (a value to keep
    # outside the database: it dates every entry before it).
    session.flush()
    seal_entries(session)
    run.audit_head_seq, run.audit_head_hash = audit_repo.tail()
    repo.flush()
    result.run_id = run.id
    result.audit_head_seq, result.audit_head_hash = run.audit_head_seq, run.audit_head_hash
    return result


def _delete_after_commit(session: Session, files: list[Path]) -> None:
    """Delete ``files`` once the run is committed: a run that fails (rolled back) leaves them
    for the next one, so no file goes without a recorded run."""
    if not files:
        return

    def committed(_: Session) -> None:
        event.remove(session, "after_rollback", rolled_back)
        for path in files:
            path.unlink(missing_ok=True)  # gone meanwhile: nothing left to purge

    def rolled_back(_: Session) -> None:
        event.remove(session, "after_commit", committed)

    event.listen(session, "after_commit", committed, once=True)
    event.listen(session, "after_rollback", rolled_back, once=True)


def list_runs(session: Session, *, limit: int, offset: int) -> tuple[list[RetentionRun], int]:
    """Applied runs, newest first."""
    return RetentionRepository(session).runs(limit=limit, offset=offset)


def pending_notices(session: Session, user: User) -> list[tuple[RetentionNotice, Candidate]]:
    """The pending notices a coach sees (their caseload) or the facilitator (everyone); listing
    names people: audited with their ids."""
    rows = RetentionRepository(session).pending_for(
        coach_id=user.id if user.role == "coach" else None
    )
    audit(session, user, "list", "retention_notice", None, {"ids": [c.id for _, c in rows]})
    return rows


def confirm_follow_up(session: Session, user: User, candidate_id: int) -> int:
    """The coach (or the facilitator) says the person's follow-up goes on: that is activity —
    the record is dated now and their pending notices are cancelled (the next runs count a new
    period from today). How many notices were cancelled."""
    person = visible_candidate(session, user, candidate_id, with_profile=False)
    if person.anonymised_at is not None:
        raise Conflict(f"personne {candidate_id} : déjà anonymisée")
    now = utcnow()
    notices = RetentionRepository(session).pending_of(person.id)
    for notice in notices:
        notice.status, notice.closed_at = "cancelled", now
    person.updated_at = now
    session.flush()
    audit(session, user, "confirm_follow_up", "candidate", person.id, {"notices": len(notices)})
    return len(notices)
