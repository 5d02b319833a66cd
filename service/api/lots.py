"""Lots of a contract, with their committed insertion hours."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from service import services
from service.api.deps import STANDARD_ERRORS, EntityId, PageDep, RefsDep
from service.auth import AnyUser, ManagerUser
from service.db import SessionDep
from service.schemas import LotCreate, LotRead, LotUpdate, Page

router = APIRouter(prefix="/lots", tags=["lots"], responses=STANDARD_ERRORS)


@router.get("", response_model=Page[LotRead])
def list_lots(
    session: SessionDep,
    _: AnyUser,
    page: PageDep,
    contract_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Page[LotRead]:
    """Lots, optionally of one contract."""
    rows, total = services.list_lots(session, page, contract_id=contract_id)
    return Page[LotRead](
        items=[LotRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("", response_model=LotRead, status_code=201)
def create_lot(session: SessionDep, refs: RefsDep, user: ManagerUser, body: LotCreate) -> LotRead:
    """Register a lot of a contract."""
    return LotRead.model_validate(services.create_lot(session, refs, user, body))


@router.get("/{lot_id}", response_model=LotRead)
def get_lot(session: SessionDep, _: AnyUser, lot_id: EntityId) -> LotRead:
    """One lot."""
    return LotRead.model_validate(services.get_lot(session, lot_id))


@router.patch("/{lot_id}", response_model=LotRead)
def update_lot(
    session: SessionDep, refs: RefsDep, user: ManagerUser, lot_id: EntityId, body: LotUpdate
) -> LotRead:
    """Change some fields; send the `version` you read."""
    return LotRead.model_validate(services.update_lot(session, refs, user, lot_id, body))


@router.delete("/{lot_id}", status_code=204)
def delete_lot(session: SessionDep, user: ManagerUser, lot_id: EntityId) -> Response:
    """Delete a lot no offer refers to."""
    services.delete_lot(session, user, lot_id)
    return Response(status_code=204)
