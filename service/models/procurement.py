"""Companies, buyers, contracts (marchés) and lots."""

from __future__ import annotations

from datetime import date
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base
from service.models.common import Timestamps, check_in

__all__ = ["Buyer", "Company", "Contract", "Lot"]


CONTRACT_NATURES: Final = ("travaux", "services", "fournitures")


class Company(Timestamps, Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    siret: Mapped[str] = mapped_column(sa.String(14), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    legal_form: Mapped[str | None] = mapped_column(sa.String(32))
    commune_insee: Mapped[str | None] = mapped_column(sa.String(5))
    sector: Mapped[str | None] = mapped_column(sa.String(64))
    # Sector as NAF rév. 2 sub-class (``43.99C``), for the industry outreach (0010_desk).
    naf_code: Mapped[str | None] = mapped_column(sa.String(6), index=True)
    version: Mapped[int] = mapped_column(sa.Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Buyer(Timestamps, Base):
    """A public buyer (*acheteur*)."""

    __tablename__ = "buyers"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    siret: Mapped[str | None] = mapped_column(sa.String(14), unique=True)
    kind: Mapped[str | None] = mapped_column(sa.String(32))
    commune_insee: Mapped[str | None] = mapped_column(sa.String(5))
    version: Mapped[int] = mapped_column(sa.Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Contract(Timestamps, Base):
    """A public contract (*marché*)."""

    __tablename__ = "contracts"
    __table_args__ = (
        sa.UniqueConstraint("buyer_id", "reference"),
        sa.CheckConstraint(
            f"nature IS NULL OR {check_in('nature', CONTRACT_NATURES)}", name="nature"
        ),
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(sa.ForeignKey("buyers.id"), index=True)
    reference: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(300))
    nature: Mapped[str | None] = mapped_column(sa.String(16))
    commune_insee: Mapped[str | None] = mapped_column(sa.String(5))
    notified_on: Mapped[date | None] = mapped_column(sa.Date)
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    version: Mapped[int] = mapped_column(sa.Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Lot(Timestamps, Base):
    """A lot of a contract, carrying the insertion hours the awarded company committed to.

    ``reference`` is the lot reference offers carry (the engine's ``lot_ref``)."""

    __tablename__ = "lots"
    __table_args__ = (
        sa.UniqueConstraint("contract_id", "number"),
        sa.CheckConstraint("insertion_hours >= 0", name="insertion_hours"),
        sa.CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(64), unique=True)
    contract_id: Mapped[int] = mapped_column(sa.ForeignKey("contracts.id"), index=True)
    number: Mapped[str] = mapped_column(sa.String(20))
    trade: Mapped[str] = mapped_column(sa.String(200))
    code_rome: Mapped[str | None] = mapped_column(sa.String(5))
    insertion_hours: Mapped[float] = mapped_column(sa.Float, default=0.0)
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    start_date: Mapped[date] = mapped_column(sa.Date)
    end_date: Mapped[date | None] = mapped_column(sa.Date)
    version: Mapped[int] = mapped_column(sa.Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
