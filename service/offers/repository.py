"""SQL of offers and their required licences."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from service.kit.repository import Repository
from service.models.offers import Offer
from service.models.procurement import Company, Contract, Lot

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

    def texts(self, *, status: str | None) -> list[tuple[int, str, str, str]]:
        """(id, title, company name, ROME fiche) of the offers of a status: what a text search
        reads."""
        stmt = select(Offer.id, Offer.intitule, Company.name, Offer.code_rome).outerjoin(
            Company, Company.id == Offer.company_id
        )
        if status is not None:
            stmt = stmt.where(Offer.status == status)
        return [
            (int(i), str(t), str(c or ""), str(r or ""))
            for i, t, c, r in self.session.execute(stmt)
        ]

    def communes_in_use(self, *, status: str | None) -> list[str]:
        """The distinct communes of the offers of a status."""
        stmt = select(Offer.commune_insee).distinct()
        if status is not None:
            stmt = stmt.where(Offer.status == status)
        return list(self.session.scalars(stmt))

    def search(
        self,
        *,
        status: str | None,
        ids: Iterable[int] | None,
        communes: Iterable[str] | None,
        contract_type: str | None,
        start_from: date | None,
        start_to: date | None,
        clause: str,
        created_after: datetime | None,
        sort: str,
        limit: int,
        offset: int,
    ) -> tuple[list[Offer], int]:
        """Offers by the filters given (``None``: no filter), sorted by ``sort`` (start date,
        publication, title or open positions), then id."""
        stmt = select(Offer)
        if status is not None:
            stmt = stmt.where(Offer.status == status)
        if ids is not None:
            stmt = stmt.where(Offer.id.in_(list(ids)))
        if communes is not None:
            stmt = stmt.where(Offer.commune_insee.in_(list(communes)))
        if contract_type is not None:
            stmt = stmt.where(Offer.contract_type == contract_type)
        if start_from is not None:
            stmt = stmt.where(Offer.start_date >= start_from)
        if start_to is not None:
            stmt = stmt.where(Offer.start_date <= start_to)
        if created_after is not None:
            stmt = stmt.where(Offer.created_at > created_after)
        if clause:
            lots = (
                select(Lot.id)
                .join(Contract, Contract.id == Lot.contract_id)
                .where(
                    Lot.reference.istartswith(clause, autoescape=True)
                    | Contract.reference.istartswith(clause, autoescape=True)
                )
            )
            stmt = stmt.where(Offer.lot_id.in_(lots))
        order = {
            "publication": (Offer.created_at.desc(),),
            "intitule": (func.lower(Offer.intitule),),
            "postes": (Offer.open_positions.desc(),),
        }.get(sort, (Offer.start_date,))
        return self._page(stmt.order_by(*order, Offer.id), limit=limit, offset=offset)

    def titles(self) -> dict[int, str]:
        """Id → title of every offer."""
        return {i: t for i, t in self.session.execute(select(Offer.id, Offer.intitule))}
