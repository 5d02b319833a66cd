"""Public contracts (marchés) of a buyer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from service import services
from service.api.deps import STANDARD_ERRORS, EntityId, PageDep, RefsDep
from service.auth import AnyUser, ManagerUser
from service.db import SessionDep
from service.schemas import ContractCreate, ContractRead, ContractUpdate, Page

router = APIRouter(prefix="/contracts", tags=["contracts"], responses=STANDARD_ERRORS)


@router.get("", response_model=Page[ContractRead])
def list_contracts(
    session: SessionDep,
    _: AnyUser,
    page: PageDep,
    buyer_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Page[ContractRead]:
    """Contracts, optionally of one buyer."""
    rows, total = services.list_contracts(session, page, buyer_id=buyer_id)
    return Page[ContractRead](
        items=[ContractRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("", response_model=ContractRead, status_code=201)
def create_contract(
    session: SessionDep, refs: RefsDep, user: ManagerUser, body: ContractCreate
) -> ContractRead:
    """Register a contract of a buyer."""
    return ContractRead.model_validate(services.create_contract(session, refs, user, body))


@router.get("/{contract_id}", response_model=ContractRead)
def get_contract(session: SessionDep, _: AnyUser, contract_id: EntityId) -> ContractRead:
    """One contract."""
    return ContractRead.model_validate(services.get_contract(session, contract_id))


@router.patch("/{contract_id}", response_model=ContractRead)
def update_contract(
    session: SessionDep,
    refs: RefsDep,
    user: ManagerUser,
    contract_id: EntityId,
    body: ContractUpdate,
) -> ContractRead:
    """Change some fields; send the `version` you read."""
    return ContractRead.model_validate(
        services.update_contract(session, refs, user, contract_id, body)
    )


@router.delete("/{contract_id}", status_code=204)
def delete_contract(session: SessionDep, user: ManagerUser, contract_id: EntityId) -> Response:
    """Delete a contract that has no lot."""
    services.delete_contract(session, user, contract_id)
    return Response(status_code=204)
