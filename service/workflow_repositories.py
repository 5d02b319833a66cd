"""SQL of the pre-selection workflow, placements and reports (kept apart from
:mod:`service.repositories`, which other parts of the service edit). They flush, never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from service.models import (
    Buyer,
    Candidate,
    CandidateReporting,
    Company,
    Contract,
    Lot,
    Offer,
    Placement,
    PlacementHours,
    Proposal,
    ProposalEvent,
    User,
)
from service.repositories import _Repository

__all__ = [
    "PlacementRepository",
    "ProposalFilter",
    "ProposalRepository",
    "ReportRepository",
]


@dataclass(frozen=True)
class ProposalFilter:
    visible_to_coach: int | None = None
    state: str | None = None
    offer_id: int | None = None
    coach_id: int | None = None
    candidate_id: int | None = None
    stale_before: datetime | None = None
    stale_states: tuple[str, ...] = ()


class ProposalRepository(_Repository[Proposal]):
    model = Proposal

    def get(self, proposal_id: int) -> Proposal | None:
        """The proposal as stored now (the optimistic lock compares with its version)."""
        return self.get_by_id(proposal_id)

    def add_event(self, event: ProposalEvent) -> None:
        self.session.add(event)
        self.session.flush()

    def active_for_pair(
        self, candidate_id: int, offer_id: int, states: Sequence[str]
    ) -> Proposal | None:
        stmt = select(Proposal).where(
            Proposal.candidate_id == candidate_id,
            Proposal.offer_id == offer_id,
            Proposal.state.in_(states),
        )
        return self.session.scalars(stmt).first()

    def open_for_candidate(
        self, candidate_id: int, states: Sequence[str], *, except_id: int | None = None
    ) -> list[Proposal]:
        stmt = (
            select(Proposal)
            .where(Proposal.candidate_id == candidate_id, Proposal.state.in_(states))
            .order_by(Proposal.id)
        )
        if except_id is not None:
            stmt = stmt.where(Proposal.id != except_id)
        return list(self.session.scalars(stmt))

    def _filtered(self, where: ProposalFilter) -> Select[Proposal]:
        stmt = select(Proposal).join(Candidate, Candidate.id == Proposal.candidate_id)
        if where.visible_to_coach is not None:
            stmt = stmt.where(Candidate.coach_id == where.visible_to_coach)
        if where.coach_id is not None:
            stmt = stmt.where(Candidate.coach_id == where.coach_id)
        if where.state is not None:
            stmt = stmt.where(Proposal.state == where.state)
        if where.offer_id is not None:
            stmt = stmt.where(Proposal.offer_id == where.offer_id)
        if where.candidate_id is not None:
            stmt = stmt.where(Proposal.candidate_id == where.candidate_id)
        if where.stale_before is not None:
            stmt = stmt.where(
                Proposal.state.in_(where.stale_states),
                Proposal.state_changed_at < where.stale_before,
            )
        return stmt

    def page(self, where: ProposalFilter, *, limit: int, offset: int) -> tuple[list[Proposal], int]:
        stmt = self._filtered(where)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = self.session.scalars(
            stmt.order_by(Proposal.state_changed_at, Proposal.id).limit(limit).offset(offset)
        ).all()
        return list(rows), int(total or 0)

    def events(self, proposal_id: int) -> list[ProposalEvent]:
        stmt = (
            select(ProposalEvent)
            .where(ProposalEvent.proposal_id == proposal_id)
            .order_by(ProposalEvent.id)
        )
        return list(self.session.scalars(stmt))

    def usernames(self, ids: set[int]) -> dict[int, str]:
        if not ids:
            return {}
        stmt = select(User.id, User.username).where(User.id.in_(ids))
        return {int(i): str(n) for i, n in self.session.execute(stmt)}


class PlacementRepository(_Repository[Placement]):
    model = Placement

    def get(self, placement_id: int) -> Placement | None:
        return self.get_by_id(placement_id)

    def for_proposal(self, proposal_id: int) -> Placement | None:
        stmt = select(Placement).where(Placement.proposal_id == proposal_id)
        return self.session.scalars(stmt).one_or_none()

    def page(
        self,
        *,
        lot_id: int | None,
        candidate_id: int | None,
        limit: int,
        offset: int,
    ) -> tuple[list[Placement], int]:
        stmt = select(Placement)
        if lot_id is not None:
            stmt = stmt.where(Placement.lot_id == lot_id)
        if candidate_id is not None:
            stmt = stmt.where(Placement.candidate_id == candidate_id)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery()))
        rows = self.session.scalars(stmt.order_by(Placement.id).limit(limit).offset(offset)).all()
        return list(rows), int(total or 0)

    def hours(self, placement_id: int) -> list[PlacementHours]:
        stmt = (
            select(PlacementHours)
            .where(PlacementHours.placement_id == placement_id)
            .order_by(PlacementHours.month)
        )
        return list(self.session.scalars(stmt))

    def upsert_hours(self, placement_id: int, month: date, hours: float) -> None:
        row = self.session.get(PlacementHours, (placement_id, month))
        if row is None:
            self.session.add(PlacementHours(placement_id=placement_id, month=month, hours=hours))
        else:
            row.hours = hours
        self.session.flush()

    def has_current(self, candidate_id: int, today: date) -> bool:
        """Whether the person has a placement not ended by ``today``."""
        stmt = select(Placement.id).where(
            Placement.candidate_id == candidate_id,
            or_(Placement.end_date.is_(None), Placement.end_date >= today),
            Placement.outcome_at_end.is_(None),
        )
        return self.session.scalar(select(stmt.exists())) or False

    def total_hours(self, placement_id: int) -> float:
        stmt = select(func.coalesce(func.sum(PlacementHours.hours), 0.0)).where(
            PlacementHours.placement_id == placement_id
        )
        return float(self.session.scalar(stmt) or 0.0)


class ReportRepository:
    """Flat rows for the reports; aggregation happens in pandas (small tables)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lots(self, *, buyer_id: int | None, contract_id: int | None) -> list[dict[str, Any]]:
        stmt = (
            select(
                Lot.id.label("lot_id"),
                Lot.reference.label("lot_reference"),
                Lot.trade,
                Lot.insertion_hours,
                Lot.start_date.label("lot_start"),
                Lot.end_date.label("lot_end"),
                Contract.id.label("contract_id"),
                Contract.reference.label("contract_reference"),
                Contract.title.label("contract_title"),
                Contract.commune_insee.label("contract_commune"),
                Contract.end_date.label("contract_end"),
                Buyer.id.label("buyer_id"),
                Buyer.name.label("buyer"),
                Buyer.commune_insee.label("buyer_commune"),
                Company.name.label("company"),
            )
            .join(Contract, Contract.id == Lot.contract_id)
            .join(Buyer, Buyer.id == Contract.buyer_id)
            .outerjoin(Company, Company.id == Lot.company_id)
            .order_by(Contract.reference, Lot.reference)
        )
        if buyer_id is not None:
            stmt = stmt.where(Buyer.id == buyer_id)
        if contract_id is not None:
            stmt = stmt.where(Contract.id == contract_id)
        return [dict(r._mapping) for r in self.session.execute(stmt)]

    def placement_hours(
        self, *, month_from: date | None, month_to: date | None
    ) -> list[dict[str, Any]]:
        """One row per placement and month worked, with the person's RSA status."""
        stmt = (
            select(
                PlacementHours.placement_id,
                PlacementHours.month,
                PlacementHours.hours,
                Placement.lot_id,
                Placement.candidate_id,
                Placement.delivery_mode,
                func.coalesce(CandidateReporting.rsa_beneficiary, True).label("rsa"),
            )
            .join(Placement, Placement.id == PlacementHours.placement_id)
            .outerjoin(
                CandidateReporting, CandidateReporting.candidate_id == Placement.candidate_id
            )
            .order_by(PlacementHours.placement_id, PlacementHours.month)
        )
        if month_from is not None:
            stmt = stmt.where(PlacementHours.month >= month_from)
        if month_to is not None:
            stmt = stmt.where(PlacementHours.month <= month_to)
        return [dict(r._mapping) for r in self.session.execute(stmt)]

    def placements(self, *, start_to: date | None, end_from: date | None) -> list[dict[str, Any]]:
        """Placements overlapping [end_from, start_to], with the person's reporting attributes
        (statistics only) and the lot's contract."""
        stmt = (
            select(
                Placement.id.label("placement_id"),
                Placement.candidate_id,
                Placement.lot_id,
                Placement.delivery_mode,
                Placement.start_date,
                Placement.end_date,
                Placement.outcome_at_end,
                Placement.outcome_6_months,
                Lot.contract_id,
                Contract.buyer_id,
                Contract.commune_insee.label("contract_commune"),
                Buyer.commune_insee.label("buyer_commune"),
                CandidateReporting.sex,
                CandidateReporting.birth_year,
                CandidateReporting.education_level,
                CandidateReporting.labour_status,
                CandidateReporting.disability_recognised,
                func.coalesce(CandidateReporting.rsa_beneficiary, True).label("rsa"),
            )
            .join(Lot, Lot.id == Placement.lot_id)
            .join(Contract, Contract.id == Lot.contract_id)
            .join(Buyer, Buyer.id == Contract.buyer_id)
            .outerjoin(
                CandidateReporting, CandidateReporting.candidate_id == Placement.candidate_id
            )
            .order_by(Placement.id)
        )
        if start_to is not None:
            stmt = stmt.where(Placement.start_date <= start_to)
        if end_from is not None:
            stmt = stmt.where(or_(Placement.end_date.is_(None), Placement.end_date >= end_from))
        return [dict(r._mapping) for r in self.session.execute(stmt)]

    def proposals(
        self, *, created_from: datetime | None, created_to: datetime | None
    ) -> list[dict[str, Any]]:
        """Proposals with their coach, offer commune and lot (to filter by contract/buyer)."""
        stmt = (
            select(
                Proposal.id.label("proposal_id"),
                Proposal.state,
                Proposal.created_at,
                Candidate.coach_id,
                User.username.label("coach"),
                Offer.commune_insee.label("offer_commune"),
                Lot.contract_id,
                Contract.buyer_id,
            )
            .join(Candidate, Candidate.id == Proposal.candidate_id)
            .join(User, User.id == Candidate.coach_id)
            .join(Offer, Offer.id == Proposal.offer_id)
            .outerjoin(Lot, Lot.id == Offer.lot_id)
            .outerjoin(Contract, Contract.id == Lot.contract_id)
            .order_by(Proposal.id)
        )
        conditions = []
        if created_from is not None:
            conditions.append(Proposal.created_at >= created_from)
        if created_to is not None:
            conditions.append(Proposal.created_at < created_to)
        if conditions:
            stmt = stmt.where(and_(*conditions))
        return [dict(r._mapping) for r in self.session.execute(stmt)]

    def events(self, proposal_ids: Sequence[int]) -> list[dict[str, Any]]:
        if not proposal_ids:
            return []
        stmt = select(
            ProposalEvent.proposal_id, ProposalEvent.to_state, ProposalEvent.reason
        ).where(ProposalEvent.proposal_id.in_(list(proposal_ids)))
        return [dict(r._mapping) for r in self.session.execute(stmt)]

    def readiness(self, candidate_ids: Sequence[int]) -> dict[int, str]:
        if not candidate_ids:
            return {}
        stmt = select(Candidate.id, Candidate.readiness_stage).where(
            Candidate.id.in_(list(candidate_ids))
        )
        return {int(i): str(s) for i, s in self.session.execute(stmt)}
