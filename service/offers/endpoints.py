"""Job offers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from service.accounts.auth import AnyUser, FacilitatorUser
from service.db import SessionDep
from service.kit.deps import STANDARD_ERRORS, EntityId, PageDep
from service.kit.schemas import Page
from service.offers import service as offers_service
from service.offers.schemas import OfferCreate, OfferRead, OfferStatus, OfferUpdate
from service.referentials.deps import RefsDep

router = APIRouter(prefix="/offers", tags=["offers"], responses=STANDARD_ERRORS)


@router.get("", response_model=Page[OfferRead])
def list_offers(
    session: SessionDep,
    _: AnyUser,
    page: PageDep,
    status: OfferStatus | None = None,
    code_rome: Annotated[str | None, Query(pattern=r"^[A-N]\d{4}$")] = None,
    lot_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Page[OfferRead]:
    """Offers, filtered by status, ROME fiche or lot."""
    rows, total = offers_service.list_offers(
        session, page, status=status, code_rome=code_rome, lot_id=lot_id
    )
    return Page[OfferRead](
        items=[OfferRead.model_validate(o) for o in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("", response_model=OfferRead, status_code=201)
def create_offer(
    session: SessionDep, refs: RefsDep, user: FacilitatorUser, body: OfferCreate
) -> OfferRead:
    """Create an offer (the ROME fiche is derived from the appellation when omitted)."""
    return OfferRead.model_validate(offers_service.create_offer(session, refs, user, body))


@router.get("/{offer_id}", response_model=OfferRead)
def get_offer(session: SessionDep, _: AnyUser, offer_id: EntityId) -> OfferRead:
    """One offer."""
    return OfferRead.model_validate(offers_service.get_offer(session, offer_id))


@router.patch("/{offer_id}", response_model=OfferRead)
def update_offer(
    session: SessionDep, refs: RefsDep, user: FacilitatorUser, offer_id: EntityId, body: OfferUpdate
) -> OfferRead:
    """Change some fields of an offer; send the `version` you read."""
    return OfferRead.model_validate(
        offers_service.update_offer(session, refs, user, offer_id, body)
    )


@router.delete("/{offer_id}", status_code=204)
def delete_offer(session: SessionDep, user: FacilitatorUser, offer_id: EntityId) -> Response:
    """Delete an offer (its matches go with it; refused while proposals refer to it)."""
    offers_service.delete_offer(session, user, offer_id)
    return Response(status_code=204)
