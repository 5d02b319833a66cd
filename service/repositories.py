"""Repositories: every SQL statement of the service lives here. They flush, never commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from alembic.runtime.migration import MigrationContext
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from service.db import Base
from service.models import (
    AuditEntry,
    Buyer,
    Candidate,
    CandidateReporting,
    Company,
    Contract,
    Lot,
    Offer,
    User,
)

__all__ = [
    "AuditFilter",
    "AuditRepository",
    "BuyerRepository",
    "CandidateRepository",
    "CompanyRepository",
    "ContractRepository",
    "LotRepository",
    "OfferRepository",
    "ReportingRepository",
    "SchemaRepository",
    "UserRepository",
]

M = TypeVar("M", bound=Base)


class _Repository(Generic[M]):
    model: type[M]
    eager: tuple[ORMOption, ...] = ()

    def __init__(self, session: Session) -> None:
        self.session = session

    def get_by_id(self, entity_id: int) -> M | None:
        stmt = (
            select(self.model)
            .where(self.model.id == entity_id)  # type: ignore[attr-defined]
            .options(*self.eager)
            .execution_options(populate_existing=True)
        )
        return self.session.scalars(stmt).one_or_none()

    def add(self, obj: M) -> M:
        self.session.add(obj)
        self.session.flush()
        return obj

    def delete(self, obj: M) -> None:
        self.session.delete(obj)
        self.session.flush()

    def flush(self) -> None:
        self.session.flush()

    def _page(self, stmt: Select[M], *, limit: int, offset: int) -> tuple[list[M], int]:
        total = self.session.scalar(
            select(func.count()).select_from(stmt.order_by(None).subquery())
        )
        rows = self.session.scalars(stmt.options(*self.eager).limit(limit).offset(offset)).all()
        return list(rows), int(total or 0)

    def _exists(self, stmt: Select[Any]) -> bool:
        return self.session.scalar(select(stmt.exists())) or False


class UserRepository(_Repository[User]):
    model = User

    def get_by_token_hash(self, token_hash: str) -> User | None:
        return self.session.scalars(select(User).where(User.token_hash == token_hash)).one_or_none()

    def get_by_username(self, username: str) -> User | None:
        return self.session.scalars(select(User).where(User.username == username)).one_or_none()

    def page(self, *, limit: int, offset: int) -> tuple[list[User], int]:
        return self._page(select(User).order_by(User.id), limit=limit, offset=offset)


class CandidateRepository(_Repository[Candidate]):
    model = Candidate
    eager = (selectinload(Candidate.jobs), selectinload(Candidate.licences))

    def get_by_external_id(self, external_id: str) -> Candidate | None:
        stmt = select(Candidate).where(Candidate.external_id == external_id)
        return self.session.scalars(stmt).one_or_none()

    def page(
        self,
        *,
        coach_id: int | None,
        is_active: bool | None,
        commune_insee: str | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Candidate], int]:
        stmt = select(Candidate).order_by(Candidate.id)
        if coach_id is not None:
            stmt = stmt.where(Candidate.coach_id == coach_id)
        if is_active is not None:
            stmt = stmt.where(Candidate.is_active == is_active)
        if commune_insee is not None:
            stmt = stmt.where(Candidate.commune_insee == commune_insee)
        return self._page(stmt, limit=limit, offset=offset)

    def for_engine(self, *, active_only: bool) -> list[Candidate]:
        """Every candidate with jobs and licences loaded (never the reporting table)."""
        stmt = select(Candidate).options(*self.eager).order_by(Candidate.id)
        if active_only:
            stmt = stmt.where(Candidate.is_active.is_(True))
        return list(self.session.scalars(stmt))


class ReportingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, candidate_id: int) -> CandidateReporting | None:
        return self.session.get(CandidateReporting, candidate_id)

    def add(self, row: CandidateReporting) -> CandidateReporting:
        self.session.add(row)
        self.session.flush()
        return row


class OfferRepository(_Repository[Offer]):
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

    def for_engine(self, *, statuses: tuple[str, ...]) -> list[tuple[Offer, str | None]]:
        """Offers of the given statuses that have a ROME fiche (the others wait for title
        normalisation), with their licences and their lot's reference."""
        stmt = (
            select(Offer, Lot.reference)
            .outerjoin(Lot, Offer.lot_id == Lot.id)
            .where(Offer.status.in_(statuses), Offer.code_rome.is_not(None))
            .options(*self.eager)
            .order_by(Offer.id)
        )
        return [(offer, ref) for offer, ref in self.session.execute(stmt)]


class CompanyRepository(_Repository[Company]):
    model = Company

    def get_by_siret(self, siret: str) -> Company | None:
        return self.session.scalars(select(Company).where(Company.siret == siret)).one_or_none()

    def page(self, *, limit: int, offset: int) -> tuple[list[Company], int]:
        return self._page(select(Company).order_by(Company.id), limit=limit, offset=offset)

    def is_referenced(self, company_id: int) -> bool:
        return self._exists(select(Lot.id).where(Lot.company_id == company_id)) or self._exists(
            select(Offer.id).where(Offer.company_id == company_id)
        )


class BuyerRepository(_Repository[Buyer]):
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


class ContractRepository(_Repository[Contract]):
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


class LotRepository(_Repository[Lot]):
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


@dataclass(frozen=True)
class AuditFilter:
    user_id: int | None = None
    entity_type: str | None = None
    entity_id: int | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditRepository(_Repository[AuditEntry]):
    model = AuditEntry

    def page(self, where: AuditFilter, *, limit: int, offset: int) -> tuple[list[AuditEntry], int]:
        stmt = select(AuditEntry).order_by(AuditEntry.id.desc())
        if where.user_id is not None:
            stmt = stmt.where(AuditEntry.user_id == where.user_id)
        if where.entity_type is not None:
            stmt = stmt.where(AuditEntry.entity_type == where.entity_type)
        if where.entity_id is not None:
            stmt = stmt.where(AuditEntry.entity_id == where.entity_id)
        if where.action is not None:
            stmt = stmt.where(AuditEntry.action == where.action)
        if where.since is not None:
            stmt = stmt.where(AuditEntry.at >= where.since)
        if where.until is not None:
            stmt = stmt.where(AuditEntry.at < where.until)
        return self._page(stmt, limit=limit, offset=offset)


class SchemaRepository:
    """What the database says about its own schema."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def current_revision(self) -> str | None:
        return MigrationContext.configure(self.session.connection()).get_current_revision()
