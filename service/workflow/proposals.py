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
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from matching import columns as col
from matching.explain import explain_pairs
from matching.ranking import as_day
from service.accounts.audit import audit
from service.db import utcnow
from service.errors import Conflict, Forbidden, NotFound
from service.kit.crud import Pagination, check_version
from service.models.accounts import User
from service.models.offers import Offer
from service.models.people import Candidate
from service.models.workflow import Proposal
from service.offers.repository import OfferRepository
from service.people.repository import CandidateRepository
from service.scoring.state import ScoringState
from service.workflow.moves import move, obsolete_open_proposals, record_event
from service.workflow.placements import create_placement_for_proposal, record_end
from service.workflow.repository import ProposalFilter, ProposalRepository
from service.workflow.schemas import (
    ExclusionReason,
    ProposalCreate,
    ProposalEventRead,
    ProposalRead,
    TransitionIn,
)
from service.workflow.states import (
    _OTHER_REASONS,
    ACTIVE_STATES,
    OUTCOME_LABELS,
    REFUSAL_REASONS,
    STALE_STATES,
    STATE_LABELS,
    TRANSITIONS,
)
from training.registry import scorer_label

__all__ = [
    "create_proposal",
    "get_proposal",
    "list_events",
    "list_proposals",
    "transition",
]


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
        person = CandidateRepository(session).find(proposal.candidate_id)
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
    # A job beyond the declared range but within the tolerance is ranked: the explanation below
    # flags it; only excluding reasons make the proposal manual.
    reasons = [r for r in state.why_not(cid, oid) if r.is_excluding]
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
    candidate = CandidateRepository(session).find(data.candidate_id)
    if candidate is None or candidate.coach_id != user.id:
        raise NotFound(f"personne {data.candidate_id} introuvable")
    if candidate.do_not_propose:
        raise Conflict(
            f"personne {candidate.id} : marquée « ne pas proposer », elle n'est positionnée sur "
            "aucune offre"
        )
    offer = OfferRepository(session).find(data.offer_id)
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
    record_event(session, proposal, user, None, at=now)
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
    from service.workflow.repository import PlacementRepository

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
    check_version(proposal, data.version, "la proposition")
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
        offer = OfferRepository(session).find(proposal.offer_id)
        assert offer is not None
        placement_id = create_placement_for_proposal(
            session, user, proposal, offer, data.placement
        ).id
    elif data.to == "ended":
        assert data.outcome is not None
        placement_id = record_end(session, user, proposal, data.outcome, data.end_date)
    out = _read(proposal, stale_days=stale_days, now=utcnow())
    return out.model_copy(update={"placement_id": placement_id})
