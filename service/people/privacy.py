"""A person's rights over their data: erasure, anonymisation, « ne pas proposer ».

- **Erasure** (GDPR art. 17): the person and everything that refers to them are deleted, when
  nothing must be kept — no placement (the clause's execution and the FSE+ indicators count
  placements and their hours).
- **Anonymisation**, otherwise: identity and contact removed, the follow-up id replaced by a
  random pseudonym (``ANON-…``, stable from then on, not derived from anything about the
  person), free text removed (the coach's comments and typed reasons of their proposals), exact
  dates of the person's path coarsened to the month (assessment, availability, entry into the
  service, each proposal and each of its moves, placements: the first day of the start month,
  the last day of the end month), the follow-up ids in e-mails replaced by the pseudonym. The
  times of the staff's own actions (audit log, batch runs, rankings shown) stay: they say when
  someone used the service, not what happened to the person, and the audit log is append-only.
  Kept, so that hours, placements and FSE+ counts stay right: the internal id every row refers
  to, the commune (territorial reports), the target jobs,
  licences and travel constraints (objective data), the reporting-only attributes FSE+ needs
  (sex, birth year — the participant report's age bands read the year only —, education,
  labour status, disability, RSA), placements with their hours and outcomes, proposals with
  their states and the engine's scores and explanations, exposures and batch lists. The person
  is made inactive and « ne pas proposer ».
- **« Ne pas proposer »** (limitation, objection): the engine's frames leave the person out; the
  record is kept; reversible.

Each is refused, with a French error and nothing changed, for an unknown person (or another
coach's), a person already anonymised, or a person with a proposal in progress (not in a final
state) or a placement not yet ended. Each is audited (the reason code and counts, never a
value).
"""

from __future__ import annotations

import secrets
from calendar import monthrange
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Final, Literal

from sqlalchemy.orm import Session

from service.accounts.audit import audit
from service.db import utcnow
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.models.accounts import User
from service.models.people import Candidate, name_key
from service.people.repository import CandidateRepository, PrivacyRepository

__all__ = [
    "ERASURE_REASONS",
    "IN_PROGRESS_STATES",
    "PrivacyResult",
    "anonymise_person",
    "can_erase",
    "erase_person",
    "forget_person",
    "is_anonymised",
    "plan_forget",
    "set_do_not_propose",
]


ERASURE_REASONS: Final[dict[str, str]] = {
    "request": "demande de la personne (droit à l'effacement)",
    "objection": "opposition de la personne au traitement",
    "inactivity": "inactivité au-delà de la durée de conservation",
    "end_of_follow_up": "fin de l'accompagnement et de la durée de conservation",
}
"""Why a person is erased or anonymised: a code in the audit log, a label on the pages."""


IN_PROGRESS_STATES: Final = ("proposed", "validated", "presented", "hired", "in_post")
"""Proposal states that are not final (the workflow's ``ACTIVE_STATES``; a test checks they
agree): a person with such a proposal is neither erased nor anonymised."""


PSEUDONYM_PREFIX: Final = "ANON-"


@dataclass(frozen=True)
class PrivacyResult:
    """What was done to a person: ``anonymised`` (under ``pseudonym``) or ``erased``."""

    person_id: int
    action: Literal["anonymised", "erased"]
    pseudonym: str | None
    counts: dict[str, int] = field(default_factory=dict)


def is_anonymised(candidate: Candidate) -> bool:
    return candidate.anonymised_at is not None


def _person(session: Session, actor: User | None, person_id: int) -> Candidate:
    """The person if ``actor`` may act on them (``None``: the service itself, e.g. a retention
    run). An admin never acts on people; another coach's person is a 404."""
    if actor is not None and actor.role not in ("coach", "facilitator"):
        raise Forbidden(f"action non autorisée pour le rôle {actor.role}")
    candidate = CandidateRepository(session).find(person_id)
    if candidate is None or (
        actor is not None and actor.role == "coach" and candidate.coach_id != actor.id
    ):
        raise NotFound(f"personne {person_id} introuvable")
    return candidate


def _check_reason(reason: str) -> None:
    if reason not in ERASURE_REASONS:
        raise InvalidInput(
            f"motif : « {reason} » n'est pas un motif connu ({', '.join(ERASURE_REASONS)})"
        )


def _blockers(repo: PrivacyRepository, candidate: Candidate, today: date) -> None:
    """Refuse while the person's data is still in use."""
    in_progress = [p.id for p in repo.proposals(candidate.id) if p.state in IN_PROGRESS_STATES]
    if in_progress:
        listed = ", ".join(str(i) for i in in_progress)
        raise Conflict(
            f"personne {candidate.id} : proposition en cours (n° {listed}) ; terminez-la ou "
            "retirez-la avant d'effacer ou d'anonymiser la personne"
        )
    running = [
        p.id for p in repo.placements(candidate.id) if p.end_date is None or p.end_date >= today
    ]
    if running:
        raise Conflict(
            f"personne {candidate.id} : mise en emploi en cours (n° "
            f"{', '.join(str(i) for i in running)}) ; saisissez sa date de fin avant d'effacer "
            "ou d'anonymiser la personne"
        )


def can_erase(session: Session, person_id: int) -> bool:
    """True when nothing that must be kept refers to the person (no placement)."""
    return not PrivacyRepository(session).placements(person_id)


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _month_end(day: date) -> date:
    return day.replace(day=monthrange(day.year, day.month)[1])


def _month_of(moment: datetime) -> datetime:
    """The first instant of the month (UTC) of a timestamp."""
    return datetime(moment.year, moment.month, 1, tzinfo=moment.tzinfo or UTC)


def _new_pseudonym(session: Session) -> str:
    repo = CandidateRepository(session)
    while True:
        pseudonym = PSEUDONYM_PREFIX + secrets.token_hex(5).upper()
        if repo.get_by_external_id(pseudonym) is None:
            return pseudonym


def _scrub_outbox(repo: PrivacyRepository, old: str, new: str) -> int:
    """Replace a follow-up id by the pseudonym in every e-mail that names it."""
    rows = repo.outbox_mentioning(old)
    for row in rows:
        row.subject = row.subject.replace(old, new)
        row.body_text = row.body_text.replace(old, new)
        row.body_html = row.body_html.replace(old, new)
        context = _replace_in(row.context, old, new)
        assert isinstance(context, dict)
        row.context = context
    return len(rows)


def _replace_in(value: object, old: str, new: str) -> object:
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, dict):
        return {_replace_in(k, old, new): _replace_in(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [_replace_in(v, old, new) for v in value]
    return value


def anonymise_person(
    session: Session,
    person_id: int,
    *,
    actor: User | None,
    reason: str,
    today: date | None = None,
) -> PrivacyResult:
    """Anonymise a person (module docstring); ``actor`` ``None`` is the service itself."""
    _check_reason(reason)
    candidate = _person(session, actor, person_id)
    if is_anonymised(candidate):
        raise Conflict(f"personne {person_id} : déjà anonymisée, il n'y a plus rien à retirer")
    repo = PrivacyRepository(session)
    _blockers(repo, candidate, today or date.today())

    old_id = candidate.external_id
    pseudonym = _new_pseudonym(session)
    candidate.external_id = pseudonym
    candidate.first_name = candidate.last_name = candidate.phone = candidate.email = None
    candidate.name_key = name_key(None, None)
    candidate.readiness_assessed_on = _month_start(candidate.readiness_assessed_on)
    candidate.available_from = _month_start(candidate.available_from)
    candidate.created_at = _month_of(candidate.created_at)
    candidate.is_active = False
    candidate.do_not_propose = True
    candidate.anonymised_at = utcnow()

    proposals = repo.proposals(candidate.id)
    repo.clear_free_text([p.id for p in proposals])
    for proposal in proposals:
        proposal.created_at = _month_of(proposal.created_at)
        proposal.state_changed_at = _month_of(proposal.state_changed_at)
        proposal.updated_at = _month_of(proposal.updated_at)
    for event in repo.proposal_events([p.id for p in proposals]):
        event.at = _month_of(event.at)
    placements = repo.placements(candidate.id)
    for placement in placements:
        placement.start_date = _month_start(placement.start_date)
        if placement.end_date is not None:
            placement.end_date = _month_end(placement.end_date)
        placement.created_at = _month_of(placement.created_at)
        placement.updated_at = _month_of(placement.updated_at)
    n_mails = _scrub_outbox(repo, old_id, pseudonym)
    session.flush()
    counts = {"proposals": len(proposals), "placements": len(placements), "emails": n_mails}
    audit(session, actor, "anonymise", "candidate", candidate.id, {"reason": reason, **counts})
    return PrivacyResult(candidate.id, "anonymised", pseudonym, counts)


def erase_person(
    session: Session,
    person_id: int,
    *,
    actor: User | None,
    reason: str,
    today: date | None = None,
) -> PrivacyResult:
    """Delete a person and every row that refers to them; refused (409) while a placement must
    be kept — anonymise them instead."""
    _check_reason(reason)
    candidate = _person(session, actor, person_id)
    repo = PrivacyRepository(session)
    _blockers(repo, candidate, today or date.today())
    if not can_erase(session, candidate.id):
        raise Conflict(
            f"personne {person_id} : ses mises en emploi doivent être conservées (exécution de "
            "la clause, indicateurs FSE+) ; elle ne peut pas être effacée, anonymisez-la"
        )
    proposals = repo.proposals(candidate.id)
    old_id = candidate.external_id
    n_mails = _scrub_outbox(repo, old_id, "personne effacée")
    session.flush()
    for obj in (*proposals, candidate):
        session.expunge(obj)
    counts = repo.delete_person(person_id, [p.id for p in proposals])
    counts["emails"] = n_mails
    audit(session, actor, "erase", "candidate", person_id, {"reason": reason, **counts})
    return PrivacyResult(person_id, "erased", None, counts)


def forget_person(
    session: Session,
    person_id: int,
    *,
    actor: User | None,
    reason: str,
    today: date | None = None,
) -> PrivacyResult:
    """Erase the person when nothing must be kept, else anonymise them."""
    _check_reason(reason)
    if plan_forget(session, person_id, actor=actor, today=today) == "erased":
        return erase_person(session, person_id, actor=actor, reason=reason, today=today)
    return anonymise_person(session, person_id, actor=actor, reason=reason, today=today)


def plan_forget(
    session: Session, person_id: int, *, actor: User | None, today: date | None = None
) -> Literal["anonymised", "erased"]:
    """What :func:`forget_person` would do, changing nothing; the same refusals."""
    candidate = _person(session, actor, person_id)
    _blockers(PrivacyRepository(session), candidate, today or date.today())
    if can_erase(session, person_id):
        return "erased"
    if is_anonymised(candidate):
        raise Conflict(f"personne {person_id} : déjà anonymisée, il n'y a plus rien à retirer")
    return "anonymised"


def set_do_not_propose(
    session: Session, person_id: int, *, actor: User | None, value: bool
) -> Candidate:
    """Mark a person « ne pas proposer » (or lift it): the engine's frames leave them out; no
    proposal is made for them. Their proposals already made are left to the workflow."""
    candidate = _person(session, actor, person_id)
    if is_anonymised(candidate):
        raise Conflict(f"personne {person_id} : anonymisée, elle n'est plus jamais proposée")
    if candidate.do_not_propose != value:
        candidate.do_not_propose = value
        candidate.updated_at = utcnow()
        session.flush()
    audit(
        session,
        actor,
        "do_not_propose" if value else "may_propose",
        "candidate",
        candidate.id,
    )
    return candidate
