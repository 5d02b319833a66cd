"""Proposals (positionnements) and placements with their hours."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service.accounts.auth import AnyUser, CaseloadUser, CoachUser, FacilitatorUser
from service.db import SessionDep
from service.errors import InvalidInput
from service.kit.deps import STANDARD_ERRORS, EntityId, IdFilter, PageDep, SettingsDep
from service.kit.schemas import Page
from service.scoring.deps import ScoringStateDep
from service.workflow import placements, proposals, states
from service.workflow import schemas as workflow_schemas

__all__ = ["placements_router", "proposals_router"]


proposals_router = APIRouter(prefix="/proposals", tags=["proposals"], responses=STANDARD_ERRORS)


State = Annotated[str | None, Query(description="état de la proposition")]


@proposals_router.get("", response_model=Page[workflow_schemas.ProposalRead])
def list_proposals(
    session: SessionDep,
    settings: SettingsDep,
    user: CaseloadUser,
    page: PageDep,
    state: State = None,
    offer_id: IdFilter = None,
    coach_id: IdFilter = None,
    candidate_id: IdFilter = None,
    stale: bool = False,
) -> Page[workflow_schemas.ProposalRead]:
    """Proposals (a coach: their caseload's); ``stale=true``: no move for N days."""
    if state is not None and state not in states.STATE_LABELS:
        raise InvalidInput(f"state : état inconnu « {state} »")
    rows, total = proposals.list_proposals(
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
    return Page[workflow_schemas.ProposalRead](
        items=rows, total=total, limit=page.limit, offset=page.offset
    )


@proposals_router.post("", response_model=workflow_schemas.ProposalRead, status_code=201)
def create_proposal(
    session: SessionDep,
    settings: SettingsDep,
    scoring: ScoringStateDep,
    user: CoachUser,
    body: workflow_schemas.ProposalCreate,
) -> workflow_schemas.ProposalRead:
    """Propose one of your people on an offer (the engine's view of the pair is kept)."""
    return proposals.create_proposal(
        session,
        scoring,
        user,
        body,
        today=scoring.today(),
        stale_days=settings.proposal_stale_days,
    )


@proposals_router.get("/reasons", response_model=dict[str, dict[str, str]])
def get_reasons(_: AnyUser) -> dict[str, dict[str, str]]:
    """French labels: states, refusal reasons, outcomes, delivery modes."""
    from service.workflow.states import DELIVERY_MODE_LABELS, OUTCOME_LABELS

    return {
        "states": dict(states.STATE_LABELS),
        "refusal_reasons": dict(states.REFUSAL_REASONS),
        "outcomes": dict(OUTCOME_LABELS),
        "delivery_modes": dict(DELIVERY_MODE_LABELS),
    }


@proposals_router.get("/{proposal_id}", response_model=workflow_schemas.ProposalRead)
def get_proposal(
    session: SessionDep, settings: SettingsDep, user: CaseloadUser, proposal_id: EntityId
) -> workflow_schemas.ProposalRead:
    """One proposal, with its score snapshot."""
    return proposals.get_proposal(
        session, user, proposal_id, stale_days=settings.proposal_stale_days
    )


@proposals_router.get(
    "/{proposal_id}/events", response_model=list[workflow_schemas.ProposalEventRead]
)
def list_proposal_events(
    session: SessionDep, user: CaseloadUser, proposal_id: EntityId
) -> list[workflow_schemas.ProposalEventRead]:
    """Every move of a proposal: from, to, reason, when, by whom."""
    return proposals.list_events(session, user, proposal_id)


@proposals_router.post("/{proposal_id}/transitions", response_model=workflow_schemas.ProposalRead)
def create_transition(
    session: SessionDep,
    settings: SettingsDep,
    user: CaseloadUser,
    proposal_id: EntityId,
    body: workflow_schemas.TransitionIn,
) -> workflow_schemas.ProposalRead:
    """Move a proposal (send the `version` you read: 409 if it moved in the meantime)."""
    return proposals.transition(
        session, user, proposal_id, body, stale_days=settings.proposal_stale_days
    )


placements_router = APIRouter(prefix="/placements", tags=["placements"], responses=STANDARD_ERRORS)


@placements_router.get("", response_model=Page[workflow_schemas.PlacementRead])
def list_placements(
    session: SessionDep,
    user: FacilitatorUser,
    page: PageDep,
    lot_id: IdFilter = None,
    candidate_id: IdFilter = None,
) -> Page[workflow_schemas.PlacementRead]:
    """Placements, optionally of one lot or one person."""
    rows, total = placements.list_placements(
        session, user, page, lot_id=lot_id, candidate_id=candidate_id
    )
    return Page[workflow_schemas.PlacementRead](
        items=rows, total=total, limit=page.limit, offset=page.offset
    )


@placements_router.post("", response_model=workflow_schemas.PlacementRead, status_code=201)
def create_placement(
    session: SessionDep, user: FacilitatorUser, body: workflow_schemas.PlacementCreate
) -> workflow_schemas.PlacementRead:
    """Record a placement directly (the person's open proposals elsewhere become obsolete)."""
    return placements.create_placement(session, user, body)


@placements_router.get("/{placement_id}", response_model=workflow_schemas.PlacementRead)
def get_placement(
    session: SessionDep, user: FacilitatorUser, placement_id: EntityId
) -> workflow_schemas.PlacementRead:
    """One placement with its total hours."""
    return placements.get_placement(session, user, placement_id)


@placements_router.patch("/{placement_id}", response_model=workflow_schemas.PlacementRead)
def update_placement(
    session: SessionDep,
    user: FacilitatorUser,
    placement_id: EntityId,
    body: workflow_schemas.PlacementUpdate,
) -> workflow_schemas.PlacementRead:
    """Change dates, delivery mode or outcomes (at the end, six months later)."""
    return placements.update_placement(session, user, placement_id, body)


@placements_router.get("/{placement_id}/hours", response_model=workflow_schemas.HoursRead)
def get_hours(
    session: SessionDep, _: FacilitatorUser, placement_id: EntityId
) -> workflow_schemas.HoursRead:
    """Hours worked per month."""
    return placements.get_hours(session, placement_id)


@placements_router.put("/{placement_id}/hours", response_model=workflow_schemas.HoursRead)
def put_hours(
    session: SessionDep,
    user: FacilitatorUser,
    placement_id: EntityId,
    body: workflow_schemas.HoursIn,
) -> workflow_schemas.HoursRead:
    """Declare hours for some months (checked: 0 to 220 h, within the placement's dates)."""
    return placements.put_hours(session, user, placement_id, body)
