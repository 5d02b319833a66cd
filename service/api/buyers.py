"""Public buyers (acheteurs)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from service import services
from service.api.deps import STANDARD_ERRORS, EntityId, PageDep, RefsDep
from service.auth import AnyUser, ManagerUser
from service.db import SessionDep
from service.schemas import BuyerCreate, BuyerRead, BuyerUpdate, Page

router = APIRouter(prefix="/buyers", tags=["buyers"], responses=STANDARD_ERRORS)


@router.get("", response_model=Page[BuyerRead])
def list_buyers(
    session: SessionDep,
    _: AnyUser,
    page: PageDep,
) -> Page[BuyerRead]:
    """Public buyers."""
    rows, total = services.list_buyers(session, page)
    return Page[BuyerRead](
        items=[BuyerRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("", response_model=BuyerRead, status_code=201)
def create_buyer(
    session: SessionDep, refs: RefsDep, user: ManagerUser, body: BuyerCreate
) -> BuyerRead:
    """Register a public buyer."""
    return BuyerRead.model_validate(services.create_buyer(session, refs, user, body))


@router.get("/{buyer_id}", response_model=BuyerRead)
def get_buyer(session: SessionDep, _: AnyUser, buyer_id: EntityId) -> BuyerRead:
    """One public buyer."""
    return BuyerRead.model_validate(services.get_buyer(session, buyer_id))


@router.patch("/{buyer_id}", response_model=BuyerRead)
def update_buyer(
    session: SessionDep, refs: RefsDep, user: ManagerUser, buyer_id: EntityId, body: BuyerUpdate
) -> BuyerRead:
    """Change some fields; send the `version` you read."""
    return BuyerRead.model_validate(services.update_buyer(session, refs, user, buyer_id, body))


@router.delete("/{buyer_id}", status_code=204)
def delete_buyer(session: SessionDep, user: ManagerUser, buyer_id: EntityId) -> Response:
    """Delete a buyer that has no contract."""
    services.delete_buyer(session, user, buyer_id)
    return Response(status_code=204)
