"""SQL of the reports: clause execution, placements, hours, proposals, the outcome history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from service.models.accounts import User
from service.models.offers import Offer
from service.models.people import Candidate, CandidateReporting
from service.models.procurement import Buyer, Company, Contract, Lot
from service.models.scoring import Exposure, Match, MatchRun
from service.models.workflow import Placement, PlacementHours, Proposal, ProposalEvent

__all__ = [
    "HOUR_COLUMNS",
    "PLACEMENT_COLUMNS",
    "PROPOSAL_COLUMNS",
    "HistoryRepository",
    "ReportRepository",
]


# The columns of the rows the report queries return, in their order.
HOUR_COLUMNS: Final = (
    "placement_id",
    "month",
    "hours",
    "lot_id",
    "candidate_id",
    "delivery_mode",
    "rsa",
)
PLACEMENT_COLUMNS: Final = (
    "placement_id",
    "candidate_id",
    "lot_id",
    "delivery_mode",
    "start_date",
    "end_date",
    "outcome_at_end",
    "outcome_6_months",
    "contract_id",
    "buyer_id",
    "contract_commune",
    "buyer_commune",
    "sex",
    "birth_year",
    "education_level",
    "labour_status",
    "disability_recognised",
    "rsa",
)
PROPOSAL_COLUMNS: Final = (
    "proposal_id",
    "state",
    "created_at",
    "coach_id",
    "coach",
    "offer_commune",
    "contract_id",
    "buyer_id",
)


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
    ) -> list[tuple[Any, ...]]:
        """One row per placement and month worked, with the person's RSA status (columns
        :data:`HOUR_COLUMNS`; tuples, not dicts: tens of thousands of rows)."""
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
        return [tuple(r) for r in self.session.execute(stmt)]

    def placements(self, *, start_to: date | None, end_from: date | None) -> list[tuple[Any, ...]]:
        """Placements overlapping [end_from, start_to], with the person's reporting attributes
        (statistics only) and the lot's contract (columns :data:`PLACEMENT_COLUMNS`)."""
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
        return [tuple(r) for r in self.session.execute(stmt)]

    def proposals(
        self, *, created_from: datetime | None, created_to: datetime | None
    ) -> list[tuple[Any, ...]]:
        """Proposals with their coach, offer commune and lot (to filter by contract/buyer;
        columns :data:`PROPOSAL_COLUMNS`)."""
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
        return [tuple(r) for r in self.session.execute(stmt)]

    def events(self, proposal_ids: Sequence[int]) -> list[dict[str, Any]]:
        if not proposal_ids:
            return []
        stmt = select(
            ProposalEvent.proposal_id, ProposalEvent.to_state, ProposalEvent.reason
        ).where(ProposalEvent.proposal_id.in_(list(proposal_ids)))
        return [dict(r._mapping) for r in self.session.execute(stmt)]


class HistoryRepository:
    """The SQL of the outcome history export: proposals, their moves, hours, outcomes, lists."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def proposal_moves(self) -> list[Any]:
        """(proposal id, state reached, when) of every move."""
        stmt = select(ProposalEvent.proposal_id, ProposalEvent.to_state, ProposalEvent.at)
        return list(self.session.execute(stmt))

    def hours_by_proposal(self) -> dict[int, float]:
        """Hours declared on the placement of each proposal that led to one."""
        stmt = (
            select(Placement.proposal_id, func.coalesce(func.sum(PlacementHours.hours), 0.0))
            .join(PlacementHours, PlacementHours.placement_id == Placement.id, isouter=True)
            .where(Placement.proposal_id.is_not(None))
            .group_by(Placement.proposal_id)
        )
        return {int(p): float(t) for p, t in self.session.execute(stmt) if p is not None}

    def outcome_by_proposal(self) -> dict[int, str | None]:
        stmt = select(Placement.proposal_id, Placement.outcome_at_end).where(
            Placement.proposal_id.is_not(None)
        )
        return {int(p): o for p, o in self.session.execute(stmt) if p is not None}

    def proposals(self) -> list[Proposal]:
        return list(self.session.scalars(select(Proposal).order_by(Proposal.id)))

    def listed(self) -> list[Any]:
        """(person id, offer id, rank, score, model version, run start) of every pair a
        completed batch run put on a list."""
        stmt = (
            select(
                Match.candidate_id,
                Match.offer_id,
                Match.rank,
                Match.score,
                Match.model_version,
                MatchRun.started_at,
            )
            .join(MatchRun, Match.run_id == MatchRun.id)
            .where(MatchRun.status == "completed")
        )
        return list(self.session.execute(stmt))

    def exposures(self) -> list[Any]:
        """(person id, offer id, rank, score, model version, when, channel) of every pair shown
        on a shortlist page, in a digest or among a person's best offers."""
        stmt = select(
            Exposure.candidate_id,
            Exposure.offer_id,
            Exposure.rank,
            Exposure.score,
            Exposure.model_version,
            Exposure.shown_at,
            Exposure.channel,
        )
        return list(self.session.execute(stmt))

    def placement_periods(self) -> list[Any]:
        """(person id, start, end) of every placement (end ``None``: still running)."""
        stmt = select(Placement.candidate_id, Placement.start_date, Placement.end_date)
        return list(self.session.execute(stmt))

    def reporting(self) -> dict[int, CandidateReporting]:
        """The reporting-only rows of everyone (for the bias audit's columns only)."""
        return {r.candidate_id: r for r in self.session.scalars(select(CandidateReporting))}
