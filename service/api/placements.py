"""Placements on clause lots, their hours per month and outcomes (facilitator only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service import placements
from service.api.deps import STANDARD_ERRORS, EntityId, PageDep
from service.auth import FacilitatorUser
from service.db import SessionDep
from service.schemas import Page

router = APIRouter(prefix="/placements", tags=["placements"], responses=STANDARD_ERRORS)

Id = Annotated[int | None, Query(ge=1, le=2_147_483_647)]


@router.get("", response_model=Page[placements.PlacementRead])
def list_placements(
    session: SessionDep,
    user: FacilitatorUser,
    page: PageDep,
    lot_id: Id = None,
    candidate_id: Id = None,
) -> Page[placements.PlacementRead]:
    """Placements, optionally of one lot or one person."""
    rows, total = placements.list_placements(
        session, user, page, lot_id=lot_id, candidate_id=candidate_id
    )
    return Page[placements.PlacementRead](
        items=rows, total=total, limit=page.limit, offset=page.offset
    )


@router.post("", response_model=placements.PlacementRead, status_code=201)
def create_placement(
    session: SessionDep, user: FacilitatorUser, body: placements.PlacementCreate
) -> placements.PlacementRead:
    """Record a placement directly (the person's open proposals elsewhere become obsolete)."""
    return placements.create_placement(session, user, body)


@router.get("/{placement_id}", response_model=placements.PlacementRead)
def get_placement(
    session: SessionDep, user: FacilitatorUser, placement_id: EntityId
) -> placements.PlacementRead:
    """One placement with its total hours."""
    return placements.get_placement(session, user, placement_id)


@router.patch("/{placement_id}", response_model=placements.PlacementRead)
def update_placement(
    session: SessionDep,
    user: FacilitatorUser,
    placement_id: EntityId,
    body: placements.PlacementUpdate,
) -> placements.PlacementRead:
    """Change dates, delivery mode or outcomes (at the end, six months later)."""
    return placements.update_placement(session, user, placement_id, body)


@router.get("/{placement_id}/hours", response_model=placements.HoursRead)
def get_hours(
    session: SessionDep, _: FacilitatorUser, placement_id: EntityId
) -> placements.HoursRead:
    """Hours worked per month."""
    return placements.get_hours(session, placement_id)


@router.put("/{placement_id}/hours", response_model=placements.HoursRead)
def put_hours(
    session: SessionDep,
    user: FacilitatorUser,
    placement_id: EntityId,
    body: placements.HoursIn,
) -> placements.HoursRead:
    """Declare hours for some months (checked: 0 to 220 h, within the placement's dates)."""
    return placements.put_hours(session, user, placement_id, body)
