"""SQL of companies, buyers, contracts and lots."""

from __future__ import annotations

from sqlalchemy import select

from service.kit.repository import Repository
from service.models.offers import Offer
from service.models.procurement import Buyer, Company, Contract, Lot

__all__ = ["BuyerRepository", "CompanyRepository", "ContractRepository", "LotRepository"]


class CompanyRepository(Repository[Company]):
    model = Company

    def get_by_siret(self, siret: str) -> Company | None:
        return self.session.scalars(select(Company).where(Company.siret == siret)).one_or_none()

    def page(self, *, limit: int, offset: int) -> tuple[list[Company], int]:
        return self._page(select(Company).order_by(Company.id), limit=limit, offset=offset)

    def is_referenced(self, company_id: int) -> bool:
        return self._exists(select(Lot.id).where(Lot.company_id == company_id)) or self._exists(
            select(Offer.id).where(Offer.company_id == company_id)
        )


class BuyerRepository(Repository[Buyer]):
    model = Buyer

    def get_by_name(self, name: str) -> Buyer | None:
        return self.session.scalars(select(Buyer).where(Buyer.name == name)).one_or_none()

    def get_by_siret(self, siret: str) -> Buyer | None:
        return self.session.scalars(select(Buyer).where(Buyer.siret == siret)).one_or_none()

    def get_by_external_id(self, external_id: str) -> Buyer | None:
        stmt = select(Buyer).where(Buyer.external_id == external_id)
        return self.session.scalars(stmt).one_or_none()

    def page(self, *, limit: int, offset: int) -> tuple[list[Buyer], int]:
        return self._page(select(Buyer).order_by(Buyer.id), limit=limit, offset=offset)

    def is_referenced(self, buyer_id: int) -> bool:
        return self._exists(select(Contract.id).where(Contract.buyer_id == buyer_id))


class ContractRepository(Repository[Contract]):
    model = Contract

    def get_by_reference(self, buyer_id: int, reference: str) -> Contract | None:
        stmt = select(Contract).where(
            Contract.buyer_id == buyer_id, Contract.reference == reference
        )
        return self.session.scalars(stmt).one_or_none()

    def page(self, *, buyer_id: int | None, limit: int, offset: int) -> tuple[list[Contract], int]:
        stmt = select(Contract).order_by(Contract.id)
        if buyer_id is not None:
            stmt = stmt.where(Contract.buyer_id == buyer_id)
        return self._page(stmt, limit=limit, offset=offset)

    def is_referenced(self, contract_id: int) -> bool:
        return self._exists(select(Lot.id).where(Lot.contract_id == contract_id))


class LotRepository(Repository[Lot]):
    model = Lot

    def get_by_number(self, contract_id: int, number: str) -> Lot | None:
        stmt = select(Lot).where(Lot.contract_id == contract_id, Lot.number == number)
        return self.session.scalars(stmt).one_or_none()

    def get_by_reference(self, reference: str) -> Lot | None:
        return self.session.scalars(select(Lot).where(Lot.reference == reference)).one_or_none()

    def page(self, *, contract_id: int | None, limit: int, offset: int) -> tuple[list[Lot], int]:
        stmt = select(Lot).order_by(Lot.id)
        if contract_id is not None:
            stmt = stmt.where(Lot.contract_id == contract_id)
        return self._page(stmt, limit=limit, offset=offset)

    def is_referenced(self, lot_id: int) -> bool:
        return self._exists(select(Offer.id).where(Offer.lot_id == lot_id))
