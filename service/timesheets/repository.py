"""SQL of timesheets: people by follow-up id, lots by reference, placements and their hours."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from sqlalchemy import insert, select, update

from service.kit.repository import Repository
from service.models.people import Candidate
from service.models.procurement import Contract, Lot
from service.models.workflow import Placement, PlacementHours

__all__ = ["TimesheetRepository"]


class TimesheetRepository(Repository[Placement]):
    model = Placement

    def candidate_ids(self, external_ids: Collection[str]) -> dict[str, int]:
        """Follow-up id → internal id, for the ids that exist."""
        if not external_ids:
            return {}
        stmt = select(Candidate.external_id, Candidate.id).where(
            Candidate.external_id.in_(sorted(set(external_ids)))
        )
        return {str(e): int(i) for e, i in self.session.execute(stmt)}

    def lots_by_reference(self, references: Collection[str]) -> dict[str, Lot]:
        if not references:
            return {}
        stmt = select(Lot).where(Lot.reference.in_(sorted(set(references))))
        return {lot.reference: lot for lot in self.session.scalars(stmt)}

    def lots_by_contract_reference(self, references: Collection[str]) -> list[tuple[str, Lot]]:
        """(contract reference, lot) for every lot of the contracts with these references."""
        if not references:
            return []
        stmt = (
            select(Contract.reference, Lot)
            .join(Lot, Lot.contract_id == Contract.id)
            .where(Contract.reference.in_(sorted(set(references))))
        )
        return [(str(r), lot) for r, lot in self.session.execute(stmt)]

    def placements_of(
        self, candidate_ids: Collection[int], lot_ids: Collection[int]
    ) -> list[Placement]:
        if not candidate_ids or not lot_ids:
            return []
        stmt = (
            select(Placement)
            .where(
                Placement.candidate_id.in_(sorted(set(candidate_ids))),
                Placement.lot_id.in_(sorted(set(lot_ids))),
            )
            .order_by(Placement.start_date, Placement.id)
        )
        return list(self.session.scalars(stmt))

    def hours_of(self, placement_ids: Collection[int]) -> dict[tuple[int, date], float]:
        """(placement id, month) → hours declared."""
        if not placement_ids:
            return {}
        stmt = select(PlacementHours).where(
            PlacementHours.placement_id.in_(sorted(set(placement_ids)))
        )
        return {(h.placement_id, h.month): float(h.hours) for h in self.session.scalars(stmt)}

    def write_hours(
        self, created: list[tuple[int, date, float]], replaced: list[tuple[int, date, float]]
    ) -> None:
        """New months inserted and declared months replaced, each in one statement."""
        if created:
            self.session.execute(
                insert(PlacementHours),
                [{"placement_id": p, "month": m, "hours": h} for p, m, h in created],
            )
        if replaced:
            self.session.execute(
                update(PlacementHours),
                [{"placement_id": p, "month": m, "hours": h} for p, m, h in replaced],
            )
        self.session.flush()

    def lots_for(self, *, contract_id: int | None, company_id: int | None) -> list[Lot]:
        stmt = select(Lot).order_by(Lot.contract_id, Lot.number, Lot.id)
        if contract_id is not None:
            stmt = stmt.where(Lot.contract_id == contract_id)
        if company_id is not None:
            stmt = stmt.where(Lot.company_id == company_id)
        return list(self.session.scalars(stmt))

    def placements_on(self, lot_ids: Collection[int]) -> list[Placement]:
        if not lot_ids:
            return []
        stmt = (
            select(Placement)
            .where(Placement.lot_id.in_(sorted(set(lot_ids))))
            .order_by(Placement.lot_id, Placement.start_date, Placement.id)
        )
        return list(self.session.scalars(stmt))

    def follow_up_ids(self, candidate_ids: Collection[int]) -> dict[int, str]:
        if not candidate_ids:
            return {}
        stmt = select(Candidate.id, Candidate.external_id).where(
            Candidate.id.in_(sorted(set(candidate_ids)))
        )
        return {int(i): str(e) for i, e in self.session.execute(stmt)}
