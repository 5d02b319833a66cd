"""SQL of the industry outreach."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import delete, func, select

from service.kit.repository import Repository
from service.models.outreach import (
    CompanyContact,
    OutreachAttendance,
    OutreachEvent,
    OutreachTestimony,
    TenderAnswer,
)
from service.models.procurement import Company, Contract, Lot

__all__ = ["OutreachRepository"]


class OutreachRepository(Repository[OutreachEvent]):
    model = OutreachEvent

    # ---------------------------------------------------------------- companies and contacts

    def company(self, company_id: int) -> Company | None:
        return self.session.get(Company, company_id)

    def companies(self) -> list[Company]:
        return list(self.session.scalars(select(Company).order_by(Company.name, Company.id)))

    def contact_counts(self) -> dict[int, int]:
        stmt = select(CompanyContact.company_id, func.count()).group_by(CompanyContact.company_id)
        return {int(c): int(n) for c, n in self.session.execute(stmt)}

    def contacts_of(self, company_id: int) -> list[CompanyContact]:
        stmt = (
            select(CompanyContact)
            .where(CompanyContact.company_id == company_id)
            .order_by(CompanyContact.name, CompanyContact.id)
        )
        return list(self.session.scalars(stmt))

    def contact(self, contact_id: int) -> CompanyContact | None:
        return self.session.get(CompanyContact, contact_id)

    def contact_names(self, ids: Collection[int]) -> dict[int, str]:
        if not ids:
            return {}
        stmt = select(CompanyContact.id, CompanyContact.name).where(CompanyContact.id.in_(ids))
        return {int(i): str(n) for i, n in self.session.execute(stmt)}

    # ---------------------------------------------------------------- events

    def events(self) -> list[OutreachEvent]:
        stmt = select(OutreachEvent).order_by(OutreachEvent.held_on.desc(), OutreachEvent.id)
        return list(self.session.scalars(stmt))

    def event(self, event_id: int) -> OutreachEvent | None:
        return self.session.get(OutreachEvent, event_id)

    def attendances(self, event_id: int | None = None) -> list[OutreachAttendance]:
        stmt = select(OutreachAttendance).order_by(OutreachAttendance.id)
        if event_id is not None:
            stmt = stmt.where(OutreachAttendance.event_id == event_id)
        return list(self.session.scalars(stmt))

    def attendance(self, event_id: int, company_id: int) -> OutreachAttendance | None:
        stmt = select(OutreachAttendance).where(
            OutreachAttendance.event_id == event_id, OutreachAttendance.company_id == company_id
        )
        return self.session.scalars(stmt).one_or_none()

    def remove_attendance(self, event_id: int, company_id: int) -> int:
        result = self.session.execute(
            delete(OutreachAttendance).where(
                OutreachAttendance.event_id == event_id,
                OutreachAttendance.company_id == company_id,
            )
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def testimonies(self, event_id: int | None = None) -> list[OutreachTestimony]:
        stmt = select(OutreachTestimony).order_by(OutreachTestimony.id)
        if event_id is not None:
            stmt = stmt.where(OutreachTestimony.event_id == event_id)
        return list(self.session.scalars(stmt))

    def testimony(self, testimony_id: int) -> OutreachTestimony | None:
        return self.session.get(OutreachTestimony, testimony_id)

    def event_dates(self) -> dict[int, date]:
        stmt = select(OutreachEvent.id, OutreachEvent.held_on)
        return {int(i): d for i, d in self.session.execute(stmt)}

    # ---------------------------------------------------------------- tenders

    def lot(self, lot_id: int) -> Lot | None:
        return self.session.get(Lot, lot_id)

    def tender_answers(self, company_id: int | None = None) -> list[TenderAnswer]:
        stmt = select(TenderAnswer).order_by(TenderAnswer.answered_on, TenderAnswer.id)
        if company_id is not None:
            stmt = stmt.where(TenderAnswer.company_id == company_id)
        return list(self.session.scalars(stmt))

    def tender_answer(self, answer_id: int) -> TenderAnswer | None:
        return self.session.get(TenderAnswer, answer_id)

    def tender_answer_for(self, company_id: int, lot_id: int) -> TenderAnswer | None:
        stmt = select(TenderAnswer).where(
            TenderAnswer.company_id == company_id, TenderAnswer.lot_id == lot_id
        )
        return self.session.scalars(stmt).one_or_none()

    def lot_references(self, lot_ids: Collection[int]) -> dict[int, tuple[str, str]]:
        """Lot id → (lot reference, contract reference)."""
        if not lot_ids:
            return {}
        stmt = (
            select(Lot.id, Lot.reference, Contract.reference)
            .join(Contract, Contract.id == Lot.contract_id)
            .where(Lot.id.in_(lot_ids))
        )
        return {int(i): (str(lr), str(cr)) for i, lr, cr in self.session.execute(stmt)}

    def awarded_lots(self) -> list[tuple[int, date]]:
        """(company, date the lot was won) for every awarded lot: the contract's notification,
        else the lot's start."""
        stmt = (
            select(Lot.company_id, func.coalesce(Contract.notified_on, Lot.start_date))
            .join(Contract, Contract.id == Lot.contract_id)
            .where(Lot.company_id.is_not(None))
        )
        return [(int(c), d) for c, d in self.session.execute(stmt) if c is not None]

    def lots_won_by(self, company_id: int) -> list[tuple[int, str, str, date]]:
        """(lot id, lot reference, contract title, date won) of the lots awarded to a company."""
        stmt = (
            select(
                Lot.id,
                Lot.reference,
                Contract.title,
                func.coalesce(Contract.notified_on, Lot.start_date),
            )
            .join(Contract, Contract.id == Lot.contract_id)
            .where(Lot.company_id == company_id)
            .order_by(Lot.reference)
        )
        return [(int(i), str(r), str(t), d) for i, r, t, d in self.session.execute(stmt)]

    def all_lots(self) -> list[tuple[int, str, str]]:
        stmt = (
            select(Lot.id, Lot.reference, Contract.title)
            .join(Contract, Contract.id == Lot.contract_id)
            .order_by(Lot.reference)
        )
        return [(int(i), str(r), str(t)) for i, r, t in self.session.execute(stmt)]
