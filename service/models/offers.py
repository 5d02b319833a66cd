"""Clause offers and their required licences.

An offer's own fields (its state and origin) are declared here, beside the table; its engine
fields are declared in :mod:`matching.fields`.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matching.columns import CONTRACT_TYPES
from matching.fields import FieldSpec
from service.db import Base
from service.models.common import Timestamps, check_in

__all__ = ["OFFER_SOURCES", "OFFER_STATUSES", "SOURCE", "STATUS", "Offer", "OfferLicence"]


STATUS: Final = FieldSpec.choice(
    "status",
    "état de l'offre",
    {"open": "ouverte", "closed": "fermée"},
    "un état d'offre",
    default="open",
)


SOURCE: Final = FieldSpec.choice(
    "source",
    "origine",
    {
        "manual": "saisie",
        "orne_emploi": "Orne emploi",
        "france_travail": "France Travail",
        "demo": "démonstration",
    },
    "une origine connue",
    default="manual",
)


OFFER_STATUSES: Final = tuple(STATUS.choices or ())


OFFER_SOURCES: Final = tuple(SOURCE.choices or ())


class Offer(Timestamps, Base):
    """A job offer; the engine reads it through :mod:`matching.columns`."""

    __tablename__ = "offers"
    __table_args__ = (
        sa.CheckConstraint(check_in("status", OFFER_STATUSES), name="status"),
        sa.CheckConstraint(check_in("source", OFFER_SOURCES), name="source"),
        sa.CheckConstraint(check_in("contract_type", CONTRACT_TYPES), name="contract_type"),
        sa.CheckConstraint("weekly_hours >= 0", name="weekly_hours"),
        sa.CheckConstraint("experience_years_required >= 0", name="experience_years_required"),
        sa.CheckConstraint("open_positions >= 1", name="open_positions"),
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
        sa.Index("ix_offers_status_start_date", "status", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    intitule: Mapped[str] = mapped_column(sa.String(300))
    code_ogr: Mapped[int | None] = mapped_column(sa.Integer)
    code_rome: Mapped[str | None] = mapped_column(sa.String(5), index=True)
    commune_insee: Mapped[str] = mapped_column(sa.String(5))
    required_skills: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    experience_years_required: Mapped[float] = mapped_column(sa.Float, default=0.0)
    needs_qualification: Mapped[bool] = mapped_column(
        sa.Boolean, default=True, server_default=sa.true()
    )
    weekly_hours: Mapped[float] = mapped_column(sa.Float)
    has_nights: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    has_weekends: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    has_early_starts: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    contract_type: Mapped[str] = mapped_column(sa.String(16))
    open_positions: Mapped[int] = mapped_column(sa.Integer, default=1)
    lot_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lots.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    status: Mapped[str] = mapped_column(sa.String(8), default="open")
    source: Mapped[str] = mapped_column(sa.String(20), default="manual")
    version: Mapped[int] = mapped_column(sa.Integer)

    required_licences: Mapped[list[OfferLicence]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="OfferLicence.code",
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class OfferLicence(Base):
    __tablename__ = "offer_licences"

    offer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True, index=True)
