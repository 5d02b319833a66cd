"""Retention runs: counts by category, a dry run that changes nothing, idempotence, the run
recorded and audited, the audit chain still verifiable after its oldest entries are purged,
the drop folder's old files, and people: the coach told before, anonymised only after the
notice period, activity or a new coach cancelling the notice, a refusal changing nothing."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from factories import Actor, audit_entries, make_candidate, make_offer, make_user
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.accounts.audit import audit, verify_chain
from service.models.accounts import AuditCheckpoint, AuditEntry, LoginThrottle, WebSession
from service.models.notifications import NotificationPreference, OutboxEmail
from service.models.people import Candidate
from service.models.retention import RetentionNotice, RetentionRun
from service.models.scoring import Exposure, Match, MatchRun
from service.models.workflow import Proposal
from service.retention.service import (
    Periods,
    RetentionResult,
    anonymise_inactive,
    months_before,
    run_retention,
)

PEOPLE = ("notices", "anonymised", "notices_cancelled", "anonymisation_refused")
NOW = datetime.now(UTC)
LATER = NOW + timedelta(days=400)  # every row made now is past a 12-month period then


def _run(
    session: Session,
    now: datetime,
    *,
    dry_run: bool = False,
    drop_dir: Path | None = None,
    user: Actor | None = None,
    periods: Periods | None = None,
) -> RetentionResult:
    # Runs in the future (LATER) would purge the audit entries written now: keep them, unless a
    # test asks for the default periods.
    result = run_retention(
        session,
        periods=periods or Periods(audit_months=60),
        anonymise=anonymise_inactive(now.date()),
        now=now,
        user=user.user if user else None,
        drop_dir=drop_dir,
        dry_run=dry_run,
    )
    session.commit()
    return result


def _count(session: Session, model: type[object]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_months_before_keeps_the_calendar() -> None:
    assert months_before(datetime(2027, 3, 31, 12, tzinfo=UTC), 1) == datetime(
        2027, 2, 28, 12, tzinfo=UTC
    )
    assert months_before(datetime(2027, 1, 15, tzinfo=UTC), 12) == datetime(2026, 1, 15, tzinfo=UTC)


def _old_rows(session: Session, coach: Actor) -> None:
    old = NOW - timedelta(days=500)
    person = make_candidate(session, coach=coach)
    offer = make_offer(session)
    run = MatchRun(model_version="w", started_at=old, status="done")
    session.add(run)
    session.flush()
    session.add_all(
        [
            Match(
                run_id=run.id,
                offer_id=offer.id,
                candidate_id=person.id,
                score=0.5,
                model_version="w",
                rank=1,
            ),
            Exposure(
                channel="shortlist",
                offer_id=offer.id,
                candidate_id=person.id,
                rank=1,
                score=0.5,
                model_version="w",
                shown_at=old,
            ),
            WebSession(
                token_hash="a" * 64,
                user_id=coach.id,
                csrf_token="x",
                created_at=old,
                last_seen_at=old,
                expires_at=old + timedelta(hours=10),
            ),
            WebSession(
                token_hash="b" * 64,
                user_id=coach.id,
                csrf_token="y",
                expires_at=NOW + timedelta(hours=10),
            ),
            LoginThrottle(key="a" * 64, failures=2, last_failure_at=old),
            LoginThrottle(key="b" * 64, failures=0, succeeded_at=old),
            OutboxEmail(to_address="c@example.org", kind="test", status="sent", created_at=old),
            OutboxEmail(to_address="c@example.org", kind="test", status="queued", created_at=old),
        ]
    )
    # A person whose activity is recent (not a candidate for anonymisation in these runs).
    session.flush()
    for i in range(4):
        audit(session, None, "read", "candidate", person.id, {"i": i})
    session.commit()
    session.execute(
        AuditEntry.__table__.update().values(at=old)  # type: ignore[attr-defined]
    )
    session.commit()


def test_dry_run_lists_then_the_run_applies_and_a_second_finds_nothing(
    session: Session, coach: Actor, admin: Actor
) -> None:
    _old_rows(session, coach)
    before = {
        m: _count(session, m)
        for m in (Match, Exposure, WebSession, LoginThrottle, OutboxEmail, AuditEntry, MatchRun)
    }
    dry = _run(session, NOW, dry_run=True, periods=Periods())
    assert dry.run_id is None
    counts = {k: v for k, v in dry.counts.items() if v}
    assert counts == {
        "web_sessions": 1,
        "login_failures": 2,
        "batch_lists": 1,
        "shown_pairs": 1,
        "notifications": 1,
        "audit_entries": 4,
    }
    assert {m: _count(session, m) for m in before} == before  # nothing changed
    assert _count(session, RetentionRun) == 0

    applied = _run(session, NOW, user=admin, periods=Periods())
    assert {k: v for k, v in applied.counts.items() if v} == counts
    assert _count(session, Match) == 0 and _count(session, Exposure) == 0
    assert _count(session, MatchRun) == 1  # the run's own row stays (no person in it)
    assert _count(session, WebSession) == 1 and _count(session, LoginThrottle) == 0
    assert session.scalars(select(OutboxEmail.status)).all() == ["queued"]
    [run] = session.scalars(select(RetentionRun)).all()
    assert run.user_id == admin.id and run.counts["audit_entries"] == 4
    assert run.audit_head_hash is not None and run.audit_head_seq is not None
    [entry] = audit_entries(session, action="retention_run")
    assert entry.user_id == admin.id and entry.detail is not None
    assert entry.detail["counts"] == run.counts
    [checkpoint] = session.scalars(select(AuditCheckpoint)).all()
    assert checkpoint.purged == 4
    report = verify_chain(session)
    assert report.ok, report.problems
    assert report.start_seq == checkpoint.through_seq and report.head_seq == run.audit_head_seq

    again = _run(session, NOW, periods=Periods())
    assert sum(again.counts.values()) == 0
    assert verify_chain(session).ok


def _coach_with_mail(session: Session, coach: Actor) -> None:
    session.add(NotificationPreference(user_id=coach.id, email="coach.a@example.org"))
    session.flush()


def test_an_inactive_person_is_noticed_then_anonymised_after_the_notice(
    session: Session, coach: Actor
) -> None:
    _coach_with_mail(session, coach)
    person = make_candidate(session, coach=coach, first_name="Zébulon", last_name="Quatremare")
    active = make_candidate(session, coach=coach)
    session.commit()

    first = _run(session, LATER)
    assert first.counts["notices"] == 2 and first.counts["anonymised"] == 0
    [mail] = session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "inactivity_notice"))
    assert mail.user_id == coach.id
    assert {p["id"] for p in mail.context["people"]} == {person.id, active.id}
    assert "Quatremare" not in str(mail.context)
    notices = session.scalars(select(RetentionNotice).order_by(RetentionNotice.id)).all()
    assert [n.status for n in notices] == ["pending", "pending"]
    due = notices[0].anonymise_on
    assert due == LATER.date() + timedelta(days=30)
    assert all(n.is_mailed for n in notices)

    # The notice period has not passed: nothing happens, nobody is told twice.
    waiting = _run(session, LATER + timedelta(days=10)).counts
    assert [waiting[k] for k in PEOPLE] == [0, 0, 0, 0]
    assert _count(session, OutboxEmail) == 1
    # Meanwhile one person's record changes: their notice is cancelled.
    active.max_weekly_hours = 20.0
    session.commit()
    session.execute(
        Candidate.__table__.update()  # type: ignore[attr-defined]
        .where(Candidate.id == active.id)
        .values(updated_at=LATER + timedelta(days=12))
    )
    session.commit()

    done = _run(session, LATER + timedelta(days=31))
    assert done.counts["anonymised"] == 1 and done.counts["notices_cancelled"] == 1
    session.refresh(person)
    assert person.anonymised_at is not None and person.first_name is None
    assert person.external_id.startswith("ANON-")
    session.refresh(active)
    assert active.anonymised_at is None
    assert [
        n.status for n in session.scalars(select(RetentionNotice).order_by(RetentionNotice.id))
    ] == ["anonymised", "cancelled"]
    assert [e.entity_id for e in audit_entries(session, action="anonymise")] == [person.id]
    assert verify_chain(session).ok
    # Idempotent: the anonymised person is not noticed again.
    assert _run(session, LATER + timedelta(days=32)).counts["anonymised"] == 0


def test_a_person_with_a_proposal_in_progress_is_refused_and_unchanged(
    session: Session, coach: Actor
) -> None:
    person = make_candidate(session, coach=coach, first_name="Anselme")
    offer = make_offer(session)
    session.add(
        Proposal(
            candidate_id=person.id,
            offer_id=offer.id,
            proposed_by=coach.id,
            state="proposed",
            state_changed_at=NOW - timedelta(days=1),
        )
    )
    session.commit()
    assert _run(session, LATER).counts["notices"] == 1
    result = _run(session, LATER + timedelta(days=31))
    assert result.counts["anonymisation_refused"] == 1 and result.refused == [person.id]
    session.refresh(person)
    assert person.first_name == "Anselme" and person.anonymised_at is None
    [notice] = session.scalars(select(RetentionNotice)).all()
    assert notice.status == "refused"


def test_a_new_coach_cancels_the_notice_and_is_told_in_turn(
    session: Session, coach: Actor, other_coach: Actor
) -> None:
    person = make_candidate(session, coach=coach)
    session.commit()
    _run(session, LATER)
    session.execute(
        Candidate.__table__.update()  # type: ignore[attr-defined]
        .where(Candidate.id == person.id)
        .values(coach_id=other_coach.id)
    )
    session.commit()
    result = _run(session, LATER + timedelta(days=31))
    assert result.counts["notices_cancelled"] == 1 and result.counts["anonymised"] == 0
    assert result.counts["notices"] == 1
    pending = session.scalars(
        select(RetentionNotice).where(RetentionNotice.status == "pending")
    ).one()
    assert pending.coach_id == other_coach.id
    assert pending.anonymise_on == (LATER + timedelta(days=61)).date()


def test_the_drop_folder_loses_its_old_processed_files_only(
    session: Session, tmp_path: Path
) -> None:
    old = (NOW - timedelta(days=40)).timestamp()
    files = {}
    for name in (
        "done/offres.csv",
        "rejected/candidats.csv",
        "rejected/candidats.csv.errors.txt",
        "done/recent.csv",
        "waiting.csv",
    ):
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text("x", encoding="utf-8")
        files[name] = path
        if name != "done/recent.csv":
            os.utime(path, (old, old))
    dry = _run(session, NOW, dry_run=True, drop_dir=tmp_path)
    assert dry.counts["drop_files"] == 3
    assert all(p.exists() for p in files.values())
    # A run that fails (rolled back) deletes nothing: no file goes without a recorded run.
    run_retention(
        session,
        periods=Periods(audit_months=60),
        anonymise=anonymise_inactive(NOW.date()),
        now=NOW,
        user=None,
        drop_dir=tmp_path,
        dry_run=False,
    )
    session.rollback()
    assert all(p.exists() for p in files.values())
    assert _run(session, NOW, drop_dir=tmp_path).counts["drop_files"] == 3
    assert sorted(n for n, p in files.items() if p.exists()) == ["done/recent.csv", "waiting.csv"]


@pytest.mark.parametrize("months", [0, 121])
def test_bad_periods_are_refused_in_french(months: int) -> None:
    from pydantic import ValidationError

    from service.config import Settings

    with pytest.raises(ValidationError):
        Settings(retention_inactive_months=months)


def test_placement_hours_count_as_activity(session: Session, coach: Actor) -> None:
    from factories import make_lot

    from service.models.workflow import Placement, PlacementHours

    person = make_candidate(session, coach=coach)
    lot = make_lot(session, end_date=date(2030, 12, 31))
    placement = Placement(
        candidate_id=person.id,
        lot_id=lot.id,
        delivery_mode="direct_hire",
        contract_type="CDD",
        start_date=date(2026, 1, 1),
        end_date=date(2026, 6, 30),
    )
    session.add(placement)
    session.flush()
    month = (LATER - timedelta(days=60)).date().replace(day=1)
    session.add(PlacementHours(placement_id=placement.id, month=month, hours=10))
    session.commit()
    assert _run(session, LATER, dry_run=True).counts["notices"] == 0


def test_users_are_made_by_factories(session: Session) -> None:
    # A coach without an address still gets their notices recorded (shown on the pages).
    coach = make_user(session, role="coach")
    make_candidate(session, coach=coach)
    session.commit()
    _run(session, LATER)
    [notice] = session.scalars(select(RetentionNotice)).all()
    assert notice.status == "pending" and not notice.is_mailed
