"""Pre-selection workflow: a coach proposes a person on an offer, the facilitator decides.

States and who may move a proposal (``TRANSITIONS``)::

    proposed  -> validated      facilitator
    proposed  -> refused        facilitator (reason from REFUSAL_REASONS)
    proposed  -> withdrawn      coach (own caseload)
    validated -> presented      facilitator (put in touch with the company)
    validated -> refused        facilitator (reason)
    validated -> withdrawn      coach (own caseload)
    presented -> hired          facilitator
    presented -> not_retained   facilitator (reason)
    hired     -> in_post        facilitator (creates the placement)
    in_post   -> ended          facilitator (outcome at the end of the placement)
    proposed | validated | presented -> obsolete   the service, when the person is hired
                                                   elsewhere (or placed directly)

Every move is an event (``proposal_events``: from, to, reason, at, by). A move is made on the
``version`` the caller read: a stale version is a 409, never a lost update. The coach's comment
is stored on the proposal (and a transition's comment on its event); neither goes to the logs
nor to the audit detail.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Final, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from matching import columns as col
from matching.explain import explain_pairs
from matching.ranking import as_day
from service.db import utcnow
from service.errors import Conflict, Forbidden, NotFound
from service.models import Candidate, Offer, Proposal, ProposalEvent, User
from service.placements import (
    OUTCOME_LABELS,
    PlacementIn,
    create_placement_for_proposal,
    record_end,
)
from service.scoring import ScoringState
from service.services import Pagination, _check_version, audit
from service.workflow_repositories import ProposalFilter, ProposalRepository
from training.registry import scorer_label

__all__ = [
    "OPEN_STATES",
    "PROPOSAL_TARGETS",
    "REFUSAL_REASONS",
    "STATE_LABELS",
    "TRANSITIONS",
    "ProposalCreate",
    "ProposalEventRead",
    "ProposalRead",
    "TransitionIn",
    "create_proposal",
    "get_proposal",
    "list_events",
    "list_proposals",
    "obsolete_open_proposals",
    "transition",
]

STATE_LABELS: Final[dict[str, str]] = {
    "proposed": "proposée",
    "validated": "validée par le facilitateur",
    "refused": "refusée",
    "presented": "présentée à l'entreprise",
    "hired": "embauchée",
    "not_retained": "non retenue",
    "in_post": "en poste",
    "ended": "terminée",
    "obsolete": "caduque (embauche ailleurs)",
    "withdrawn": "retirée par le coach",
}

REFUSAL_REASONS: Final[dict[str, str]] = {
    "not_eligible": "Ne remplit pas les conditions d'éligibilité de la clause",
    "not_ready": "Pas encore prêt·e pour l'emploi",
    "mobility": "Mobilité insuffisante pour ce poste",
    "skills_lacking": "Compétences insuffisantes pour le poste",
    "schedule_incompatible": "Horaires incompatibles",
    "candidate_declined": "La personne a décliné",
    "company_declined": "L'entreprise a décliné",
    "other": "Autre motif (précisé)",
}

TRANSITIONS: Final[dict[tuple[str, str], str]] = {
    ("proposed", "validated"): "facilitator",
    ("proposed", "refused"): "facilitator",
    ("proposed", "withdrawn"): "coach",
    ("validated", "presented"): "facilitator",
    ("validated", "refused"): "facilitator",
    ("validated", "withdrawn"): "coach",
    ("presented", "hired"): "facilitator",
    ("presented", "not_retained"): "facilitator",
    ("hired", "in_post"): "facilitator",
    ("in_post", "ended"): "facilitator",
}
_OTHER_REASONS: Final = {"hired_elsewhere": "Embauchée sur une autre offre"}
WITH_REASON: Final = frozenset({"refused", "not_retained"})
# A person may have only one of these per offer; "hired elsewhere" closes the first three.
OPEN_STATES: Final = ("proposed", "validated", "presented")
ACTIVE_STATES: Final = (*OPEN_STATES, "hired", "in_post")
# Waiting on someone: flagged stale after ``proposal_stale_days`` without a move.
STALE_STATES: Final = (*OPEN_STATES, "hired")

Target = Literal[
    "validated", "refused", "withdrawn", "presented", "hired", "not_retained", "in_post", "ended"
]
PROPOSAL_TARGETS: Final = Target.__args__  # type: ignore[attr-defined]
ReasonCode = Literal[
    "not_eligible",
    "not_ready",
    "mobility",
    "skills_lacking",
    "schedule_incompatible",
    "candidate_declined",
    "company_declined",
    "other",
]
Outcome = Literal["emploi_durable", "emploi_transition", "sortie_positive", "other", "unknown"]


# --------------------------------------------------------------------------- schemas


class ProposalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    candidate_id: int = Field(ge=1, le=2_147_483_647)
    offer_id: int = Field(ge=1, le=2_147_483_647)
    source: Literal["shortlist", "manual"] = Field(
        default="shortlist", description="depuis une liste de candidats classés, ou à la main"
    )
    comment: str | None = Field(
        default=None, max_length=4000, description="commentaire du coach (jamais journalisé)"
    )


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Target
    version: int = Field(ge=1, description="la version de la proposition que vous avez lue")
    reason: ReasonCode | None = Field(default=None, description="motif (refus, non retenu)")
    reason_text: str | None = Field(default=None, max_length=1000, description="si motif autre")
    comment: str | None = Field(default=None, max_length=4000)
    placement: PlacementIn | None = Field(default=None, description="pour passer en poste")
    outcome: Outcome | None = Field(default=None, description="situation à la fin (terminée)")
    end_date: date | None = Field(default=None, description="fin du placement (terminée)")

    @model_validator(mode="after")
    def _reason(self) -> TransitionIn:
        if self.to in WITH_REASON:
            if self.reason is None:
                raise ValueError(f"reason : un motif est requis pour passer à « {self.to} »")
            if self.reason == "other" and not (self.reason_text or "").strip():
                raise ValueError("reason_text : précisez le motif « autre »")
        elif self.reason is not None or self.reason_text is not None:
            raise ValueError(f"reason : pas de motif pour passer à « {self.to} »")
        if self.to == "in_post" and self.placement is None:
            raise ValueError("placement : requis pour passer en poste (mode, contrat, dates)")
        if self.to != "in_post" and self.placement is not None:
            raise ValueError("placement : seulement pour passer en poste")
        if self.to == "ended" and self.outcome is None:
            raise ValueError("outcome : la situation à la fin du placement est requise")
        if self.to != "ended" and (self.outcome is not None or self.end_date is not None):
            raise ValueError("outcome, end_date : seulement pour terminer un placement")
        return self


class ExclusionReason(BaseModel):
    code: str
    message: str


class ProposalRead(BaseModel):
    id: int
    candidate_id: int
    offer_id: int
    proposed_by: int
    state: str
    state_label: str
    state_reason: str | None
    state_reason_label: str | None
    state_reason_text: str | None
    state_changed_at: datetime
    is_stale: bool
    comment: str | None
    is_manual: bool
    score: float | None
    components: dict[str, float] | None
    explanation: str | None
    model_version: str | None
    rank: int | None
    exclusion_reasons: list[ExclusionReason]
    placement_id: int | None = None
    created_at: datetime
    version: int


class ProposalEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    from_state: str | None
    to_state: str
    reason: str | None
    reason_text: str | None
    comment: str | None
    at: datetime
    by: int | None
    by_username: str | None = None


# --------------------------------------------------------------------------- helpers


def _read(proposal: Proposal, *, stale_days: int, now: datetime) -> ProposalRead:
    reason = proposal.state_reason
    return ProposalRead(
        id=proposal.id,
        candidate_id=proposal.candidate_id,
        offer_id=proposal.offer_id,
        proposed_by=proposal.proposed_by,
        state=proposal.state,
        state_label=STATE_LABELS[proposal.state],
        state_reason=reason,
        state_reason_label=(
            REFUSAL_REASONS.get(reason, OUTCOME_LABELS.get(reason, _OTHER_REASONS.get(reason)))
            if reason
            else None
        ),
        state_reason_text=proposal.state_reason_text,
        state_changed_at=proposal.state_changed_at,
        is_stale=proposal.state in STALE_STATES
        and proposal.state_changed_at < now - timedelta(days=stale_days),
        comment=proposal.comment,
        is_manual=proposal.is_manual,
        score=proposal.score,
        components=proposal.components,
        explanation=proposal.explanation,
        model_version=proposal.model_version,
        rank=proposal.rank,
        exclusion_reasons=[ExclusionReason(**r) for r in proposal.exclusion_reasons or []],
        created_at=proposal.created_at,
        version=proposal.version,
    )


def _visible(session: Session, user: User, proposal_id: int) -> Proposal:
    """The proposal if ``user`` may see it: a coach only those of their own caseload (404
    otherwise, so the answer does not tell whether the id exists)."""
    proposal = ProposalRepository(session).get(proposal_id)
    if proposal is None:
        raise NotFound(f"proposition {proposal_id} introuvable")
    if user.role == "coach":
        person = session.get(Candidate, proposal.candidate_id)
        if person is None or person.coach_id != user.id:
            raise NotFound(f"proposition {proposal_id} introuvable")
    elif user.role != "facilitator":
        raise Forbidden(f"action non autorisée pour le rôle {user.role}")
    return proposal


def _snapshot(
    session: Session, scoring: ScoringState, candidate: Candidate, offer: Offer, today: date
) -> dict[str, Any]:
    """The engine's view of the pair now: score, components, explanation, rank and model
    version, or the reasons it is excluded (the coach may still propose by hand)."""
    state = scoring.sync(session)
    model_version = scorer_label(state.scorer)
    cid, oid = str(candidate.id), str(offer.id)
    if oid not in set(state.offers.ids.tolist()):
        why = "elle est clôturée" if offer.status != "open" else "son code ROME manque"
        return {
            "model_version": model_version,
            "exclusion_reasons": [
                {"code": "offer_not_ranked", "message": f"L'offre n'est pas classée : {why}."}
            ],
        }
    if cid not in set(state.pool.ids.tolist()):
        return {
            "model_version": model_version,
            "exclusion_reasons": [
                {"code": "candidate_not_ranked", "message": "La personne n'est pas classée."}
            ],
        }
    reasons = state.why_not(cid, oid)
    if reasons:
        return {
            "model_version": model_version,
            "exclusion_reasons": [
                {"code": (r.code.name or "").lower(), "message": r.message} for r in reasons
            ],
        }
    ranked = state.shortlist(oid, len(state.pool), as_of=today, explain=False)
    hit = ranked[ranked[col.CANDIDATE_ID] == cid]
    if hit.empty:  # rankable but not scored: cannot happen unless the state moved under us
        return {"model_version": model_version, "exclusion_reasons": []}
    row = hit.iloc[0]
    explanation = explain_pairs(
        state.pool,
        state.offers,
        affinity=state.affinity,
        distances=state.distances,
        candidate_idx=state.pool.index_of([cid]),
        offer_idx=state.offers.index_of([oid]),
        distance_km=pd.Series([row["distance_km"]]).to_numpy(dtype="float32"),
        as_of_day=as_day(today),
    )[0]
    return {
        "score": round(float(row[col.SCORE]), 4),
        "components": {c: round(float(row[c]), 4) for c in col.COMPONENTS},
        "explanation": explanation,
        "rank": int(row[col.RANK]),
        "model_version": model_version,
        "exclusion_reasons": [],
    }


def _event(
    session: Session,
    proposal: Proposal,
    user: User | None,
    from_state: str | None,
    *,
    reason: str | None = None,
    reason_text: str | None = None,
    comment: str | None = None,
    at: datetime,
) -> None:
    ProposalRepository(session).add_event(
        ProposalEvent(
            proposal_id=proposal.id,
            from_state=from_state,
            to_state=proposal.state,
            reason=reason,
            reason_text=reason_text,
            comment=comment,
            at=at,
            by=user.id if user else None,
        )
    )


def move(
    session: Session,
    proposal: Proposal,
    user: User | None,
    to: str,
    *,
    reason: str | None = None,
    reason_text: str | None = None,
    comment: str | None = None,
) -> None:
    """Apply a move already checked: state, dated event, audit. A concurrent move that got
    there first makes the versioned UPDATE match no row: 409."""
    now = utcnow()
    from_state = proposal.state
    proposal.state = to
    proposal.state_reason = reason
    proposal.state_reason_text = reason_text
    proposal.state_changed_at = now
    try:
        ProposalRepository(session).flush()
    except StaleDataError as exc:
        raise Conflict(
            "la proposition a été modifiée entre-temps : rechargez-la et recommencez"
        ) from exc
    except OperationalError as exc:
        # SQLite: another request holds the write lock on the same rows (PostgreSQL waits for
        # it instead, then finds the version moved: StaleDataError above).
        if "locked" not in str(exc.orig):
            raise
        raise Conflict(
            "la proposition est modifiée au même moment par quelqu'un d'autre : rechargez-la"
        ) from exc
    _event(
        session,
        proposal,
        user,
        from_state,
        reason=reason,
        reason_text=reason_text,
        comment=comment,
        at=now,
    )
    detail: dict[str, Any] = {"from": from_state, "to": to}
    if reason is not None:
        detail["reason"] = reason
    audit(session, user, "transition", "proposal", proposal.id, detail)


def obsolete_open_proposals(
    session: Session, user: User | None, candidate_id: int, *, except_id: int | None = None
) -> list[int]:
    """The person is hired elsewhere: their other open proposals become obsolete."""
    repo = ProposalRepository(session)
    moved = []
    for other in repo.open_for_candidate(candidate_id, OPEN_STATES, except_id=except_id):
        move(session, other, user, "obsolete", reason="hired_elsewhere")
        moved.append(other.id)
    return moved


# --------------------------------------------------------------------------- service


def create_proposal(
    session: Session,
    scoring: ScoringState,
    user: User,
    data: ProposalCreate,
    *,
    today: date,
    stale_days: int,
) -> ProposalRead:
    """A coach proposes one of their people on an offer; the engine's view is kept."""
    if user.role != "coach":
        raise Forbidden("seul un coach positionne une personne de son suivi")
    candidate = session.get(Candidate, data.candidate_id)
    if candidate is None or candidate.coach_id != user.id:
        raise NotFound(f"personne {data.candidate_id} introuvable")
    offer = session.get(Offer, data.offer_id)
    if offer is None:
        raise NotFound(f"offre {data.offer_id} introuvable")
    if offer.status != "open":
        raise Conflict(f"l'offre {offer.id} est clôturée : on n'y positionne plus personne")
    repo = ProposalRepository(session)
    if repo.active_for_pair(candidate.id, offer.id, ACTIVE_STATES) is not None:
        raise Conflict("cette personne a déjà une proposition en cours sur cette offre")
    snapshot = _snapshot(session, scoring, candidate, offer, today)
    now = utcnow()
    proposal = repo.add(
        Proposal(
            candidate_id=candidate.id,
            offer_id=offer.id,
            proposed_by=user.id,
            state="proposed",
            state_changed_at=now,
            comment=data.comment,
            is_manual=data.source == "manual" or bool(snapshot["exclusion_reasons"]),
            **snapshot,
        )
    )
    _event(session, proposal, user, None, at=now)
    audit(
        session,
        user,
        "create",
        "proposal",
        proposal.id,
        {
            "offer_id": offer.id,
            "candidate_id": candidate.id,
            "is_manual": proposal.is_manual,
            "has_comment": data.comment is not None,
        },
    )
    return _read(proposal, stale_days=stale_days, now=now)


def get_proposal(
    session: Session, user: User, proposal_id: int, *, stale_days: int
) -> ProposalRead:
    proposal = _visible(session, user, proposal_id)
    audit(session, user, "read", "proposal", proposal.id)
    out = _read(proposal, stale_days=stale_days, now=utcnow())
    placement = _placement_id(session, proposal.id)
    return out.model_copy(update={"placement_id": placement})


def _placement_id(session: Session, proposal_id: int) -> int | None:
    from service.workflow_repositories import PlacementRepository

    placement = PlacementRepository(session).for_proposal(proposal_id)
    return placement.id if placement is not None else None


def list_proposals(
    session: Session,
    user: User | None,
    page: Pagination,
    *,
    state: str | None = None,
    offer_id: int | None = None,
    coach_id: int | None = None,
    candidate_id: int | None = None,
    stale: bool = False,
    stale_days: int,
) -> tuple[list[ProposalRead], int]:
    """Proposals the user may see (a coach: their caseload's; no user: the command line, all),
    oldest move first."""
    now = utcnow()
    where = ProposalFilter(
        visible_to_coach=user.id if user is not None and user.role == "coach" else None,
        state=state,
        offer_id=offer_id,
        coach_id=coach_id,
        candidate_id=candidate_id,
        stale_before=now - timedelta(days=stale_days) if stale else None,
        stale_states=STALE_STATES,
    )
    rows, total = ProposalRepository(session).page(where, limit=page.limit, offset=page.offset)
    audit(session, user, "list", "proposal", None, {"ids": [p.id for p in rows]})
    return [_read(p, stale_days=stale_days, now=now) for p in rows], total


def list_events(session: Session, user: User, proposal_id: int) -> list[ProposalEventRead]:
    """Every dated, signed move of a proposal."""
    proposal = _visible(session, user, proposal_id)
    repo = ProposalRepository(session)
    events = repo.events(proposal.id)
    names = repo.usernames({e.by for e in events if e.by is not None})
    audit(session, user, "read_events", "proposal", proposal.id)
    return [
        ProposalEventRead.model_validate(e).model_copy(
            update={"by_username": names.get(e.by) if e.by is not None else None}
        )
        for e in events
    ]


def transition(
    session: Session,
    user: User,
    proposal_id: int,
    data: TransitionIn,
    *,
    stale_days: int,
) -> ProposalRead:
    """Move a proposal along the workflow, if this role may make this move from this state."""
    proposal = _visible(session, user, proposal_id)
    _check_version(proposal, data.version, "la proposition")
    key = (proposal.state, data.to)
    role = TRANSITIONS.get(key)
    if role is None:
        raise Conflict(
            f"passage impossible de « {STATE_LABELS[proposal.state]} » à "
            f"« {STATE_LABELS[data.to]} »"
        )
    if user.role != role:
        who = "le facilitateur" if role == "facilitator" else "le coach de la personne"
        raise Forbidden(
            f"seul {who} peut passer une proposition de « {STATE_LABELS[proposal.state]} » à "
            f"« {STATE_LABELS[data.to]} »"
        )
    move(
        session,
        proposal,
        user,
        data.to,
        reason=data.outcome if data.to == "ended" else data.reason,
        reason_text=data.reason_text,
        comment=data.comment,
    )
    placement_id: int | None = None
    if data.to == "hired":
        obsolete_open_proposals(session, user, proposal.candidate_id, except_id=proposal.id)
    elif data.to == "in_post":
        assert data.placement is not None
        offer = session.get(Offer, proposal.offer_id)
        assert offer is not None
        placement_id = create_placement_for_proposal(
            session, user, proposal, offer, data.placement
        ).id
    elif data.to == "ended":
        assert data.outcome is not None
        placement_id = record_end(session, user, proposal, data.outcome, data.end_date)
    out = _read(proposal, stale_days=stale_days, now=utcnow())
    return out.model_copy(update={"placement_id": placement_id})
