"""Companies (entreprises attributaires, identified by SIRET)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from service import services
from service.api.deps import STANDARD_ERRORS, EntityId, PageDep, RefsDep
from service.auth import AnyUser, ManagerUser
from service.db import SessionDep
from service.schemas import CompanyCreate, CompanyRead, CompanyUpdate, Page

router = APIRouter(prefix="/companies", tags=["companies"], responses=STANDARD_ERRORS)


@router.get("", response_model=Page[CompanyRead])
def list_companies(
    session: SessionDep,
    _: AnyUser,
    page: PageDep,
) -> Page[CompanyRead]:
    """Companies."""
    rows, total = services.list_companies(session, page)
    return Page[CompanyRead](
        items=[CompanyRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("", response_model=CompanyRead, status_code=201)
def create_company(
    session: SessionDep, refs: RefsDep, user: ManagerUser, body: CompanyCreate
) -> CompanyRead:
    """Register a company (SIRET checked with its Luhn key)."""
    return CompanyRead.model_validate(services.create_company(session, refs, user, body))


@router.get("/{company_id}", response_model=CompanyRead)
def get_company(session: SessionDep, _: AnyUser, company_id: EntityId) -> CompanyRead:
    """One company."""
    return CompanyRead.model_validate(services.get_company(session, company_id))


@router.patch("/{company_id}", response_model=CompanyRead)
def update_company(
    session: SessionDep, refs: RefsDep, user: ManagerUser, company_id: EntityId, body: CompanyUpdate
) -> CompanyRead:
    """Change some fields; send the `version` you read."""
    return CompanyRead.model_validate(
        services.update_company(session, refs, user, company_id, body)
    )


@router.delete("/{company_id}", status_code=204)
def delete_company(session: SessionDep, user: ManagerUser, company_id: EntityId) -> Response:
    """Delete a company that holds no lot and no offer."""
    services.delete_company(session, user, company_id)
    return Response(status_code=204)
