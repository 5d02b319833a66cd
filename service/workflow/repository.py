"""SQL of proposals, their events and placements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, func, or_, select

from service.kit.repository import Repository
from service.models.accounts import User
from service.models.people import Candidate
from service.models.workflow import Placement, PlacementHours, Proposal, ProposalEvent

__all__ = ["PlacementRepository", "ProposalFilter", "ProposalRepository"]


@dataclass(frozen=True)
class ProposalFilter:
    visible_to_coach: int | None = None
    state: str | None = None
    offer_id: int | None = None
    coach_id: int | None = None
    candidate_id: int | None = None
    stale_before: datetime | None = None
    stale_states: tuple[str, ...] = ()


class ProposalRepository(Repository[Proposal]):
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


class PlacementRepository(Repository[Placement]):
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
