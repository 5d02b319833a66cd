"""Companies, buyers, contracts and lots (read: everyone; write: facilitator and admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from service.accounts.auth import AnyUser, ManagerUser
from service.db import SessionDep
from service.kit.deps import STANDARD_ERRORS, EntityId, PageDep
from service.kit.schemas import Page
from service.procurement import service as procurement_service
from service.procurement.schemas import (
    BuyerCreate,
    BuyerRead,
    BuyerUpdate,
    CompanyCreate,
    CompanyRead,
    CompanyUpdate,
    ContractCreate,
    ContractRead,
    ContractUpdate,
    LotCreate,
    LotRead,
    LotUpdate,
)
from service.referentials.deps import RefsDep

__all__ = ["buyers_router", "companies_router", "contracts_router", "lots_router"]


companies_router = APIRouter(prefix="/companies", tags=["companies"], responses=STANDARD_ERRORS)


@companies_router.get("", response_model=Page[CompanyRead])
def list_companies(
    session: SessionDep,
    _: AnyUser,
    page: PageDep,
) -> Page[CompanyRead]:
    """Companies."""
    rows, total = procurement_service.list_companies(session, page)
    return Page[CompanyRead](
        items=[CompanyRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@companies_router.post("", response_model=CompanyRead, status_code=201)
def create_company(
    session: SessionDep, refs: RefsDep, user: ManagerUser, body: CompanyCreate
) -> CompanyRead:
    """Register a company (SIRET checked with its Luhn key)."""
    return CompanyRead.model_validate(procurement_service.create_company(session, refs, user, body))


@companies_router.get("/{company_id}", response_model=CompanyRead)
def get_company(session: SessionDep, _: AnyUser, company_id: EntityId) -> CompanyRead:
    """One company."""
    return CompanyRead.model_validate(procurement_service.get_company(session, company_id))


@companies_router.patch("/{company_id}", response_model=CompanyRead)
def update_company(
    session: SessionDep, refs: RefsDep, user: ManagerUser, company_id: EntityId, body: CompanyUpdate
) -> CompanyRead:
    """Change some fields; send the `version` you read."""
    return CompanyRead.model_validate(
        procurement_service.update_company(session, refs, user, company_id, body)
    )


@companies_router.delete("/{company_id}", status_code=204)
def delete_company(session: SessionDep, user: ManagerUser, company_id: EntityId) -> Response:
    """Delete a company that holds no lot and no offer."""
    procurement_service.delete_company(session, user, company_id)
    return Response(status_code=204)


buyers_router = APIRouter(prefix="/buyers", tags=["buyers"], responses=STANDARD_ERRORS)


@buyers_router.get("", response_model=Page[BuyerRead])
def list_buyers(
    session: SessionDep,
    _: AnyUser,
    page: PageDep,
) -> Page[BuyerRead]:
    """Public buyers."""
    rows, total = procurement_service.list_buyers(session, page)
    return Page[BuyerRead](
        items=[BuyerRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@buyers_router.post("", response_model=BuyerRead, status_code=201)
def create_buyer(
    session: SessionDep, refs: RefsDep, user: ManagerUser, body: BuyerCreate
) -> BuyerRead:
    """Register a public buyer."""
    return BuyerRead.model_validate(procurement_service.create_buyer(session, refs, user, body))


@buyers_router.get("/{buyer_id}", response_model=BuyerRead)
def get_buyer(session: SessionDep, _: AnyUser, buyer_id: EntityId) -> BuyerRead:
    """One public buyer."""
    return BuyerRead.model_validate(procurement_service.get_buyer(session, buyer_id))


@buyers_router.patch("/{buyer_id}", response_model=BuyerRead)
def update_buyer(
    session: SessionDep, refs: RefsDep, user: ManagerUser, buyer_id: EntityId, body: BuyerUpdate
) -> BuyerRead:
    """Change some fields; send the `version` you read."""
    return BuyerRead.model_validate(
        procurement_service.update_buyer(session, refs, user, buyer_id, body)
    )


@buyers_router.delete("/{buyer_id}", status_code=204)
def delete_buyer(session: SessionDep, user: ManagerUser, buyer_id: EntityId) -> Response:
    """Delete a buyer that has no contract."""
    procurement_service.delete_buyer(session, user, buyer_id)
    return Response(status_code=204)


contracts_router = APIRouter(prefix="/contracts", tags=["contracts"], responses=STANDARD_ERRORS)


@contracts_router.get("", response_model=Page[ContractRead])
def list_contracts(
    session: SessionDep,
    _: AnyUser,
    page: PageDep,
    buyer_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Page[ContractRead]:
    """Contracts, optionally of one buyer."""
    rows, total = procurement_service.list_contracts(session, page, buyer_id=buyer_id)
    return Page[ContractRead](
        items=[ContractRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@contracts_router.post("", response_model=ContractRead, status_code=201)
def create_contract(
    session: SessionDep, refs: RefsDep, user: ManagerUser, body: ContractCreate
) -> ContractRead:
    """Register a contract of a buyer."""
    return ContractRead.model_validate(
        procurement_service.create_contract(session, refs, user, body)
    )


@contracts_router.get("/{contract_id}", response_model=ContractRead)
def get_contract(session: SessionDep, _: AnyUser, contract_id: EntityId) -> ContractRead:
    """One contract."""
    return ContractRead.model_validate(procurement_service.get_contract(session, contract_id))


@contracts_router.patch("/{contract_id}", response_model=ContractRead)
def update_contract(
    session: SessionDep,
    refs: RefsDep,
    user: ManagerUser,
    contract_id: EntityId,
    body: ContractUpdate,
) -> ContractRead:
    """Change some fields; send the `version` you read."""
    return ContractRead.model_validate(
        procurement_service.update_contract(session, refs, user, contract_id, body)
    )


@contracts_router.delete("/{contract_id}", status_code=204)
def delete_contract(session: SessionDep, user: ManagerUser, contract_id: EntityId) -> Response:
    """Delete a contract that has no lot."""
    procurement_service.delete_contract(session, user, contract_id)
    return Response(status_code=204)


lots_router = APIRouter(prefix="/lots", tags=["lots"], responses=STANDARD_ERRORS)


@lots_router.get("", response_model=Page[LotRead])
def list_lots(
    session: SessionDep,
    _: AnyUser,
    page: PageDep,
    contract_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Page[LotRead]:
    """Lots, optionally of one contract."""
    rows, total = procurement_service.list_lots(session, page, contract_id=contract_id)
    return Page[LotRead](
        items=[LotRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@lots_router.post("", response_model=LotRead, status_code=201)
def create_lot(session: SessionDep, refs: RefsDep, user: ManagerUser, body: LotCreate) -> LotRead:
    """Register a lot of a contract."""
    return LotRead.model_validate(procurement_service.create_lot(session, refs, user, body))


@lots_router.get("/{lot_id}", response_model=LotRead)
def get_lot(session: SessionDep, _: AnyUser, lot_id: EntityId) -> LotRead:
    """One lot."""
    return LotRead.model_validate(procurement_service.get_lot(session, lot_id))


@lots_router.patch("/{lot_id}", response_model=LotRead)
def update_lot(
    session: SessionDep, refs: RefsDep, user: ManagerUser, lot_id: EntityId, body: LotUpdate
) -> LotRead:
    """Change some fields; send the `version` you read."""
    return LotRead.model_validate(procurement_service.update_lot(session, refs, user, lot_id, body))


@lots_router.delete("/{lot_id}", status_code=204)
def delete_lot(session: SessionDep, user: ManagerUser, lot_id: EntityId) -> Response:
    """Delete a lot no offer refers to."""
    procurement_service.delete_lot(session, user, lot_id)
    return Response(status_code=204)
