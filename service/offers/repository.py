"""SQL of offers and their required licences."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from service.kit.repository import Repository
from service.models.offers import Offer

__all__ = ["OfferRepository"]


class OfferRepository(Repository[Offer]):
    model = Offer
    eager = (selectinload(Offer.required_licences),)

    def get_by_external_id(self, external_id: str) -> Offer | None:
        stmt = select(Offer).where(Offer.external_id == external_id)
        return self.session.scalars(stmt).one_or_none()

    def page(
        self,
        *,
        status: str | None,
        code_rome: str | None,
        lot_id: int | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Offer], int]:
        stmt = select(Offer).order_by(Offer.id)
        if status is not None:
            stmt = stmt.where(Offer.status == status)
        if code_rome is not None:
            stmt = stmt.where(Offer.code_rome == code_rome)
        if lot_id is not None:
            stmt = stmt.where(Offer.lot_id == lot_id)
        return self._page(stmt, limit=limit, offset=offset)

    def titles(self) -> dict[int, str]:
        """Id → title of every offer."""
        return {i: t for i, t in self.session.execute(select(Offer.id, Offer.intitule))}
