"""E-mail preferences, and the messages queued in the transaction of what causes them.

Nothing here talks to a mail server: a message is a row of the outbox (its kind, the context it
will say, its subject), written with the change that causes it, so that a request never waits
and a rolled-back change sends nothing. :mod:`service.notifications.mailer` sends them.

Who receives what:

* a **coach**: the digest of new matches for their caseload (daily or weekly: their choice), each
  proposal of one of their people validated, refused (with the reason), not retained or hired,
  and the notice before a person of their caseload is anonymised for inactivity;
* a **facilitator**: the proposals waiting for a decision (daily or weekly).

A message names offers and the follow-up ids of the recipient's **own** people (links lead to
the pages, where the usual access rules apply), never another coach's people, a name, a contact
or a free-text comment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy.orm import Session

from service.accounts.audit import audit
from service.config import Settings
from service.db import utcnow
from service.kit.crud import Pagination
from service.kit.times import PARIS
from service.models.accounts import User
from service.models.notifications import NotificationPreference
from service.models.workflow import Proposal
from service.notifications.messages import subject_of
from service.notifications.repository import NotificationRepository
from service.notifications.schemas import MailRead, PreferencesRead, PreferencesUpdate
from service.referentials.service import Referentials
from service.scoring.digest import coach_digest

__all__ = [
    "PARIS",
    "PROPOSAL_UPDATES",
    "Schedule",
    "get_preferences",
    "is_due",
    "list_outbox",
    "queue_due",
    "queue_inactivity_notice",
    "queue_proposal_update",
    "queue_test",
    "schedule_from",
    "update_preferences",
]

# The moves a coach is told about: the subject's word, and the body's sentence.
_UPDATES: dict[str, tuple[str, str]] = {
    "validated": ("validée", "a été validée par le facilitateur"),
    "refused": ("refusée", "a été refusée par le facilitateur"),
    "not_retained": ("non retenue", "n'a pas été retenue par l'entreprise"),
    "hired": ("embauche", "a abouti à une embauche"),
}
PROPOSAL_UPDATES = frozenset(_UPDATES)

# Matches listed per offer in a digest e-mail (the offer's page has them all).
_MATCHES_PER_OFFER = 5


@dataclass(frozen=True)
class Schedule:
    """When digests and reminders are due: from ``hour`` (Europe/Paris) each day, or on
    ``weekly_day`` (0 = Monday) for a weekly choice."""

    hour: int = 7
    weekly_day: int = 0
    digest_max_offers: int = 20


def schedule_from(settings: Settings) -> Schedule:
    return Schedule(
        hour=settings.mail_hour,
        weekly_day=settings.mail_weekly_day,
        digest_max_offers=settings.mail_digest_max_offers,
    )


# ---------------------------------------------------------------------------- preferences


def get_preferences(session: Session, user: User) -> PreferencesRead:
    prefs = NotificationRepository(session).preferences(user.id)
    return PreferencesRead() if prefs is None else PreferencesRead.model_validate(prefs)


def update_preferences(session: Session, user: User, data: PreferencesUpdate) -> PreferencesRead:
    """Keep a user's own preferences (audited: which fields changed, never the address)."""
    repo = NotificationRepository(session)
    prefs = repo.preferences(user.id)
    values = data.model_dump()
    if prefs is None:
        prefs = repo.add_preferences(NotificationPreference(user_id=user.id, **values))
        changed = sorted(k for k, v in values.items() if v is not None)
    else:
        changed = sorted(k for k, v in values.items() if getattr(prefs, k) != v)
        for k, v in values.items():
            setattr(prefs, k, v)
        prefs.updated_at = utcnow()
        repo.flush()
    audit(session, user, "update", "notification_preferences", user.id, {"fields": changed})
    return PreferencesRead.model_validate(prefs)


# ---------------------------------------------------------------------------- queueing


def _queue(
    repo: NotificationRepository,
    *,
    user_id: int | None,
    address: str,
    kind: str,
    context: dict[str, Any],
    dedupe_key: str | None,
) -> bool:
    now = utcnow()
    return repo.queue(
        {
            "user_id": user_id,
            "to_address": address,
            "kind": kind,
            "context": context,
            "subject": subject_of(kind, context),
            "dedupe_key": dedupe_key,
            "status": "queued",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
        }
    )


def _wants(
    repo: NotificationRepository, user_id: int | None, flag: str
) -> NotificationPreference | None:
    """The preferences of an active user who gave an address and wants ``flag``."""
    if user_id is None:
        return None
    user = repo.user(user_id)
    prefs = repo.preferences(user_id)
    if user is None or not user.is_active or prefs is None or not prefs.email:
        return None
    return prefs if getattr(prefs, flag) else None


def queue_proposal_update(
    session: Session,
    proposal: Proposal,
    *,
    to: str,
    reason_label: str | None = None,
) -> bool:
    """Tell the person's coach that their proposal moved (validated, refused, not retained,
    hired); whether a message was queued."""
    if to not in PROPOSAL_UPDATES:
        return False
    repo = NotificationRepository(session)
    found = repo.proposal_subject(proposal.candidate_id, proposal.offer_id)
    if found is None:
        return False
    person, offer = found
    prefs = _wants(repo, person.coach_id, "proposal_updates")
    if prefs is None or prefs.email is None:
        return False
    context = {
        "proposal_id": proposal.id,
        "candidate_id": person.id,
        "candidate_ref": person.external_id,
        "offer_id": offer.id,
        "offer_ref": offer.external_id,
        "offer_title": offer.intitule,
        "to": to,
        "state_label": _UPDATES[to][0],
        "outcome": _UPDATES[to][1],
        "reason_label": reason_label,
        # The facilitator's free text stays on the page.
        "has_reason_text": bool(proposal.state_reason_text),
    }
    return _queue(
        repo,
        user_id=prefs.user_id,
        address=prefs.email,
        kind="proposal_update",
        context=context,
        dedupe_key=f"proposal:{proposal.id}:{to}",
    )


def _slot(now: datetime, *, hour: int, weekly_day: int | None) -> datetime:
    """The latest scheduled moment at or before ``now`` (Europe/Paris)."""
    local = now.astimezone(PARIS)
    slot = datetime.combine(local.date(), time(hour), tzinfo=PARIS)
    if slot > local:
        slot -= timedelta(days=1)
    if weekly_day is not None:
        slot -= timedelta(days=(slot.weekday() - weekly_day) % 7)
    return slot


def is_due(last: datetime | None, now: datetime, frequency: str, schedule: Schedule) -> bool:
    """Whether a daily or weekly message is due: nothing sent since the latest slot."""
    if frequency == "off":
        return False
    weekly = schedule.weekly_day if frequency == "weekly" else None
    slot = _slot(now, hour=schedule.hour, weekly_day=weekly)
    return last is None or last < slot


def _score(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def _digest_context(
    session: Session, coach: User, prefs: NotificationPreference, refs: Referentials, limit: int
) -> tuple[dict[str, Any] | None, int]:
    digest = coach_digest(session, coach, refs=refs, since=prefs.digest_mark)
    if not digest.n_matches:
        return None, digest.last_match_id
    offers = [
        {
            "id": g.offer_id,
            "ref": g.offer_external_id,
            "title": g.intitule,
            "rome": g.code_rome or "?",
            "commune": g.commune,
            "start": g.start_date.strftime("%d/%m/%Y"),
            "positions": g.open_positions,
            "matches": [
                {
                    "candidate_id": m.candidate_id,
                    "ref": m.external_id,
                    "score": _score(m.score),
                    "explanation": m.explanation,
                }
                for m in g.matches[:_MATCHES_PER_OFFER]
            ],
            "more": max(0, len(g.matches) - _MATCHES_PER_OFFER),
        }
        for g in digest.offers[:limit]
    ]
    context = {
        "n_matches": digest.n_matches,
        "n_offers": len(digest.offers),
        "offers": offers,
        "more_offers": max(0, len(digest.offers) - limit),
    }
    return context, digest.last_match_id


def _waiting_context(repo: NotificationRepository, now: datetime) -> dict[str, Any] | None:
    counts = repo.waiting_counts(("proposed", "validated"))
    proposed, oldest = counts.get("proposed", (0, None))
    if not proposed:
        return None
    return {
        "proposed": proposed,
        "validated": counts.get("validated", (0, None))[0],
        "oldest_days": (now - oldest).days if oldest is not None else None,
        "offers": [
            {"id": i, "ref": e, "title": t, "count": c}
            for i, e, t, c in repo.waiting_by_offer("proposed", limit=15)
        ],
    }


def queue_due(
    session: Session, *, refs: Referentials, schedule: Schedule, now: datetime | None = None
) -> dict[str, int]:
    """Queue the digests and reminders that are due; counts of messages queued."""
    now = now or utcnow()
    repo = NotificationRepository(session)
    out = {"digests": 0, "reminders": 0}
    for coach, prefs in repo.recipients("coach"):
        if prefs.email is None or not is_due(prefs.last_digest_at, now, prefs.digest, schedule):
            continue
        context, last = _digest_context(session, coach, prefs, refs, schedule.digest_max_offers)
        if context is not None and _queue(
            repo,
            user_id=coach.id,
            address=prefs.email,
            kind="digest",
            context=context,
            dedupe_key=f"digest:{coach.id}:{last}",
        ):
            out["digests"] += 1
        prefs.digest_mark = last
        prefs.last_digest_at = now
    for facilitator, prefs in repo.recipients("facilitator"):
        frequency = prefs.waiting_reminder
        if prefs.email is None or not is_due(prefs.last_reminder_at, now, frequency, schedule):
            continue
        waiting = _waiting_context(repo, now)
        day = now.astimezone(PARIS).date().isoformat()
        if waiting is not None and _queue(
            repo,
            user_id=facilitator.id,
            address=prefs.email,
            kind="waiting_reminder",
            context=waiting,
            dedupe_key=f"waiting:{facilitator.id}:{day}",
        ):
            out["reminders"] += 1
        prefs.last_reminder_at = now
    repo.flush()
    return out


def queue_inactivity_notice(
    session: Session,
    *,
    coach_id: int,
    people: Sequence[tuple[int, str]],
    anonymise_on: date,
    inactive_months: int,
) -> bool:
    """Tell a coach that these people of their caseload ((id, follow-up id) pairs) will be
    anonymised on ``anonymise_on`` for want of activity; whether a message was queued.

    Called by the retention run (personal data, issue 18): once per coach, date and people.
    """
    repo = NotificationRepository(session)
    prefs = _wants(repo, coach_id, "inactivity_notices")
    if prefs is None or prefs.email is None or not people:
        return False
    ids = sorted(pid for pid, _ in people)
    context = {
        "anonymise_on": anonymise_on.strftime("%d/%m/%Y"),
        "months": inactive_months,
        "people": [{"id": pid, "ref": ref} for pid, ref in sorted(people)],
    }
    key = f"inactivity:{coach_id}:{anonymise_on.isoformat()}:{ids[0]}:{ids[-1]}:{len(ids)}"
    return _queue(
        repo,
        user_id=coach_id,
        address=prefs.email,
        kind="inactivity_notice",
        context=context,
        dedupe_key=key,
    )


def queue_test(session: Session, address: str) -> bool:
    """A test message to ``address`` (checks the mail settings)."""
    return _queue(
        NotificationRepository(session),
        user_id=None,
        address=address,
        kind="test",
        context={},
        dedupe_key=None,
    )


def list_outbox(
    session: Session, *, status: str | None, page: Pagination
) -> tuple[list[MailRead], int]:
    rows, total = NotificationRepository(session).page(status, limit=page.limit, offset=page.offset)
    return [MailRead.model_validate(r) for r in rows], total
