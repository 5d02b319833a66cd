"""Proposals (*positionnements*): a coach proposes, the facilitator decides, step by step.

Plain ``def`` endpoints: proposing scores the pair with the engine (CPU-bound).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from service import workflow
from service.api.deps import STANDARD_ERRORS, EntityId, PageDep, SettingsDep
from service.auth import AnyUser, CaseloadUser, require_roles
from service.db import SessionDep
from service.errors import InvalidInput
from service.models import User
from service.schemas import Page
from service.scoring import ScoringState

router = APIRouter(prefix="/proposals", tags=["proposals"], responses=STANDARD_ERRORS)

CoachUser = Annotated[User, Depends(require_roles("coach"))]


async def get_scoring_state(request: Request) -> ScoringState:
    """The process's engine state, made at start-up (see :func:`service.main.create_app`)."""
    state: ScoringState = request.app.state.scoring
    return state


ScoringStateDep = Annotated[ScoringState, Depends(get_scoring_state)]
Id = Annotated[int | None, Query(ge=1, le=2_147_483_647)]
State = Annotated[str | None, Query(description="état de la proposition")]


@router.get("", response_model=Page[workflow.ProposalRead])
def list_proposals(
    session: SessionDep,
    settings: SettingsDep,
    user: CaseloadUser,
    page: PageDep,
    state: State = None,
    offer_id: Id = None,
    coach_id: Id = None,
    candidate_id: Id = None,
    stale: bool = False,
) -> Page[workflow.ProposalRead]:
    """Proposals (a coach: their caseload's); ``stale=true``: no move for N days."""
    if state is not None and state not in workflow.STATE_LABELS:
        raise InvalidInput(f"state : état inconnu « {state} »")
    rows, total = workflow.list_proposals(
        session,
        user,
        page,
        state=state,
        offer_id=offer_id,
        coach_id=coach_id,
        candidate_id=candidate_id,
        stale=stale,
        stale_days=settings.proposal_stale_days,
    )
    return Page[workflow.ProposalRead](
        items=rows, total=total, limit=page.limit, offset=page.offset
    )


@router.post("", response_model=workflow.ProposalRead, status_code=201)
def create_proposal(
    session: SessionDep,
    settings: SettingsDep,
    scoring: ScoringStateDep,
    user: CoachUser,
    body: workflow.ProposalCreate,
) -> workflow.ProposalRead:
    """Propose one of your people on an offer (the engine's view of the pair is kept)."""
    return workflow.create_proposal(
        session,
        scoring,
        user,
        body,
        today=scoring.today(),
        stale_days=settings.proposal_stale_days,
    )


@router.get("/reasons", response_model=dict[str, dict[str, str]])
def get_reasons(_: AnyUser) -> dict[str, dict[str, str]]:
    """French labels: states, refusal reasons, outcomes, delivery modes."""
    from service.placements import DELIVERY_MODE_LABELS, OUTCOME_LABELS

    return {
        "states": dict(workflow.STATE_LABELS),
        "refusal_reasons": dict(workflow.REFUSAL_REASONS),
        "outcomes": dict(OUTCOME_LABELS),
        "delivery_modes": dict(DELIVERY_MODE_LABELS),
    }


@router.get("/{proposal_id}", response_model=workflow.ProposalRead)
def get_proposal(
    session: SessionDep, settings: SettingsDep, user: CaseloadUser, proposal_id: EntityId
) -> workflow.ProposalRead:
    """One proposal, with its score snapshot."""
    return workflow.get_proposal(
        session, user, proposal_id, stale_days=settings.proposal_stale_days
    )


@router.get("/{proposal_id}/events", response_model=list[workflow.ProposalEventRead])
def list_proposal_events(
    session: SessionDep, user: CaseloadUser, proposal_id: EntityId
) -> list[workflow.ProposalEventRead]:
    """Every move of a proposal: from, to, reason, when, by whom."""
    return workflow.list_events(session, user, proposal_id)


@router.post("/{proposal_id}/transitions", response_model=workflow.ProposalRead)
def create_transition(
    session: SessionDep,
    settings: SettingsDep,
    user: CaseloadUser,
    proposal_id: EntityId,
    body: workflow.TransitionIn,
) -> workflow.ProposalRead:
    """Move a proposal (send the `version` you read: 409 if it moved in the meantime)."""
    return workflow.transition(
        session, user, proposal_id, body, stale_days=settings.proposal_stale_days
    )
