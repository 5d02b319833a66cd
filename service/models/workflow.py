"""Proposals, their events, placements and their monthly hours."""

from __future__ import annotations

from datetime import date, datetime
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from matching.columns import CONTRACT_TYPES
from service.db import Base, UTCDateTime, utcnow
from service.models.common import Timestamps, check_in

__all__ = [
    "DELIVERY_MODES",
    "INTERMEDIARIES",
    "OUTCOMES",
    "PROPOSAL_STATES",
    "Placement",
    "PlacementHours",
    "Proposal",
    "ProposalEvent",
]


PROPOSAL_STATES: Final = (
    "proposed",
    "validated",
    "refused",
    "presented",
    "hired",
    "not_retained",
    "in_post",
    "ended",
    "obsolete",
    "withdrawn",
)


class Proposal(Timestamps, Base):
    """A coach proposes a person on an offer; the facilitator moves it along the workflow
    (:mod:`service.workflow.proposals`). The engine's view of the pair when proposed is kept as a
    snapshot: score, components, explanation and model version, or the exclusion reasons of a
    pair the engine did not rank (proposed by hand). ``comment`` is the coach's free text: never
    logged, never in the audit detail."""

    __tablename__ = "proposals"
    __table_args__ = (sa.CheckConstraint(check_in("state", PROPOSAL_STATES), name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidates.id"), index=True)
    offer_id: Mapped[int] = mapped_column(sa.ForeignKey("offers.id"), index=True)
    proposed_by: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(sa.String(16), default="proposed")
    state_reason: Mapped[str | None] = mapped_column(sa.String(64))
    state_reason_text: Mapped[str | None] = mapped_column(sa.Text)
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    is_manual: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    score: Mapped[float | None] = mapped_column(sa.Float)
    components: Mapped[dict[str, float] | None] = mapped_column(sa.JSON)
    explanation: Mapped[str | None] = mapped_column(sa.Text)
    model_version: Mapped[str | None] = mapped_column(sa.String(64))
    rank: Mapped[int | None] = mapped_column(sa.Integer)
    exclusion_reasons: Mapped[list[dict[str, str]] | None] = mapped_column(sa.JSON)
    version: Mapped[int] = mapped_column(sa.Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ProposalEvent(Base):
    """One dated, signed move of a proposal (``from_state`` is NULL for the creation)."""

    __tablename__ = "proposal_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    from_state: Mapped[str | None] = mapped_column(sa.String(16))
    to_state: Mapped[str] = mapped_column(sa.String(16))
    reason: Mapped[str | None] = mapped_column(sa.String(64))
    reason_text: Mapped[str | None] = mapped_column(sa.Text)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))


DELIVERY_MODES: Final = (
    "direct_hire",
    "mise_a_disposition",
    "geiq",
    "sous_traitance_siae",
    "co_traitance_siae",
    "ea_esat",
)


INTERMEDIARIES: Final = ("ETTI", "AI")


OUTCOMES: Final = (
    "emploi_durable",
    "formation_qualifiante",
    "emploi_transition",
    "sortie_positive",
    "other",
    "unknown",
)


class Placement(Timestamps, Base):
    """A person working on a lot with a clause: how (delivery mode), from when to when, and the
    outcome at the end and six months later. Hours worked are in ``placement_hours``."""

    __tablename__ = "placements"
    __table_args__ = (
        sa.CheckConstraint(check_in("delivery_mode", DELIVERY_MODES), name="delivery_mode"),
        sa.CheckConstraint(
            f"intermediary IS NULL OR {check_in('intermediary', INTERMEDIARIES)}",
            name="intermediary",
        ),
        sa.CheckConstraint(check_in("contract_type", CONTRACT_TYPES), name="contract_type"),
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
        sa.CheckConstraint(
            f"outcome_at_end IS NULL OR {check_in('outcome_at_end', OUTCOMES)}",
            name="outcome_at_end",
        ),
        sa.CheckConstraint(
            f"outcome_6_months IS NULL OR {check_in('outcome_6_months', OUTCOMES)}",
            name="outcome_6_months",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(sa.ForeignKey("candidates.id"), index=True)
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("proposals.id"), unique=True)
    delivery_mode: Mapped[str] = mapped_column(sa.String(24))
    intermediary: Mapped[str | None] = mapped_column(sa.String(8))
    contract_type: Mapped[str] = mapped_column(sa.String(16))
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    outcome_at_end: Mapped[str | None] = mapped_column(sa.String(24))
    outcome_6_months: Mapped[str | None] = mapped_column(sa.String(24))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(sa.Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class PlacementHours(Base):
    """Hours worked in one month (``month`` is its first day) on a placement."""

    __tablename__ = "placement_hours"
    __table_args__ = (sa.CheckConstraint("hours >= 0 AND hours <= 220", name="hours"),)

    placement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("placements.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    hours: Mapped[float] = mapped_column(sa.Float)
