"""SQLAlchemy models of the service.

The engine's inputs (:mod:`matching.columns`) map onto ``candidates`` (+ ``candidate_jobs``,
``candidate_licences``) and ``offers`` (+ ``offer_licences``). Attributes kept for statistics
only (FSE+ reporting, bias audits) live in ``candidate_reporting``, which the engine loader
never reads.

Licences are child tables (one row per code) rather than a JSON list: the codes are a closed
vocabulary, both backends can then answer "who holds a CACES R482" or "which offers require a
permis C" with plain SQL and an index, and removing a code is an ordinary DELETE. Skills (ROME
skill codes) are only consumed by the engine as a set, never queried one by one, so they stay a
JSON list of integers.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matching.columns import CONTRACT_TYPES, READINESS_STAGES, TRAVEL_MODES
from service.db import Base, UTCDateTime, utcnow

__all__ = [
    "DELIVERY_MODES",
    "INTERMEDIARIES",
    "OFFER_SOURCES",
    "OFFER_STATUSES",
    "OUTCOMES",
    "PROPOSAL_STATES",
    "ROLES",
    "AuditEntry",
    "Buyer",
    "Candidate",
    "CandidateJob",
    "CandidateLicence",
    "CandidateReporting",
    "Company",
    "Contract",
    "Lot",
    "Match",
    "MatchRun",
    "Offer",
    "OfferLicence",
    "Placement",
    "PlacementHours",
    "Proposal",
    "ProposalEvent",
    "User",
]

ROLES: Final = ("coach", "facilitator", "admin")
OFFER_STATUSES: Final = ("open", "closed")
OFFER_SOURCES: Final = ("manual", "orne_emploi", "france_travail", "demo")
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
SEXES: Final = ("F", "M")
EDUCATION_LEVELS: Final = ("ISCED_0_2", "ISCED_3_4", "ISCED_5_8")
LABOUR_STATUSES: Final = ("unemployed", "long_term_unemployed", "inactive", "employed")
CONTRACT_NATURES: Final = ("travaux", "services", "fournitures")


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class _Timestamps:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class User(_Timestamps, Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Candidate(_Timestamps, Base):
    """A person followed by a coach: what the engine reads, nothing more."""

    __tablename__ = "candidates"
    __table_args__ = (
        CheckConstraint(_in("travel_mode", TRAVEL_MODES), name="travel_mode"),
        CheckConstraint(_in("readiness_stage", READINESS_STAGES), name="readiness_stage"),
        CheckConstraint("max_distance_km IS NULL OR max_distance_km >= 0", name="max_distance_km"),
        CheckConstraint(
            "max_travel_minutes IS NULL OR max_travel_minutes >= 0", name="max_travel_minutes"
        ),
        CheckConstraint("max_weekly_hours >= 0", name="max_weekly_hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    commune_insee: Mapped[str] = mapped_column(String(5))
    has_vehicle: Mapped[bool] = mapped_column(Boolean, default=False)
    travel_mode: Mapped[str] = mapped_column(String(20))
    max_distance_km: Mapped[float | None] = mapped_column(Float)
    max_travel_minutes: Mapped[float | None] = mapped_column(Float)
    readiness_stage: Mapped[str] = mapped_column(String(20))
    readiness_assessed_on: Mapped[date] = mapped_column(Date)
    available_from: Mapped[date] = mapped_column(Date)
    max_weekly_hours: Mapped[float] = mapped_column(Float)
    accepts_nights: Mapped[bool] = mapped_column(Boolean, default=False)
    accepts_weekends: Mapped[bool] = mapped_column(Boolean, default=False)
    accepts_early_starts: Mapped[bool] = mapped_column(Boolean, default=False)
    is_eligible: Mapped[bool] = mapped_column(Boolean, default=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_in_clause_job: Mapped[bool] = mapped_column(Boolean, default=False)
    skills: Mapped[list[int]] = mapped_column(JSON, default=list)
    version: Mapped[int] = mapped_column(Integer)

    jobs: Mapped[list[CandidateJob]] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True, order_by="CandidateJob.id"
    )
    licences: Mapped[list[CandidateLicence]] = relationship(
        lazy="raise",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="CandidateLicence.code",
    )
    reporting: Mapped[CandidateReporting | None] = relationship(
        lazy="raise", cascade="all, delete-orphan", passive_deletes=True
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class CandidateJob(Base):
    """A job a person targets, with their experience in it."""

    __tablename__ = "candidate_jobs"
    __table_args__ = (CheckConstraint("experience_years >= 0", name="experience_years"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    code_ogr: Mapped[int | None] = mapped_column(Integer)
    code_rome: Mapped[str] = mapped_column(String(5), index=True)
    experience_years: Mapped[float] = mapped_column(Float, default=0.0)


class CandidateLicence(Base):
    __tablename__ = "candidate_licences"

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class CandidateReporting(Base):
    """Statistics-only attributes (FSE+ indicators, bias audits). The engine never reads them."""

    __tablename__ = "candidate_reporting"
    __table_args__ = (
        CheckConstraint(f"sex IS NULL OR {_in('sex', SEXES)}", name="sex"),
        CheckConstraint(
            f"education_level IS NULL OR {_in('education_level', EDUCATION_LEVELS)}",
            name="education_level",
        ),
        CheckConstraint(
            f"labour_status IS NULL OR {_in('labour_status', LABOUR_STATUSES)}",
            name="labour_status",
        ),
    )

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    sex: Mapped[str | None] = mapped_column(String(1))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    education_level: Mapped[str | None] = mapped_column(String(16))
    labour_status: Mapped[str | None] = mapped_column(String(32))
    disability_recognised: Mapped[bool | None] = mapped_column(Boolean)
    rsa_beneficiary: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Company(_Timestamps, Base):
    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    siret: Mapped[str] = mapped_column(String(14), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_form: Mapped[str | None] = mapped_column(String(32))
    commune_insee: Mapped[str | None] = mapped_column(String(5))
    sector: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Buyer(_Timestamps, Base):
    """A public buyer (*acheteur*)."""

    __tablename__ = "buyers"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    siret: Mapped[str | None] = mapped_column(String(14), unique=True)
    kind: Mapped[str | None] = mapped_column(String(32))
    commune_insee: Mapped[str | None] = mapped_column(String(5))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Contract(_Timestamps, Base):
    """A public contract (*marché*)."""

    __tablename__ = "contracts"
    __table_args__ = (
        UniqueConstraint("buyer_id", "reference"),
        CheckConstraint(f"nature IS NULL OR {_in('nature', CONTRACT_NATURES)}", name="nature"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("buyers.id"), index=True)
    reference: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(300))
    nature: Mapped[str | None] = mapped_column(String(16))
    commune_insee: Mapped[str | None] = mapped_column(String(5))
    notified_on: Mapped[date | None] = mapped_column(Date)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Lot(_Timestamps, Base):
    """A lot of a contract, carrying the insertion hours the awarded company committed to.

    ``reference`` is the lot reference offers carry (the engine's ``lot_ref``)."""

    __tablename__ = "lots"
    __table_args__ = (
        UniqueConstraint("contract_id", "number"),
        CheckConstraint("insertion_hours >= 0", name="insertion_hours"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    number: Mapped[str] = mapped_column(String(20))
    trade: Mapped[str] = mapped_column(String(200))
    code_rome: Mapped[str | None] = mapped_column(String(5))
    insertion_hours: Mapped[float] = mapped_column(Float, default=0.0)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class Offer(_Timestamps, Base):
    """A job offer; the engine reads it through :mod:`matching.columns`."""

    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint(_in("status", OFFER_STATUSES), name="status"),
        CheckConstraint(_in("source", OFFER_SOURCES), name="source"),
        CheckConstraint(_in("contract_type", CONTRACT_TYPES), name="contract_type"),
        CheckConstraint("weekly_hours >= 0", name="weekly_hours"),
        CheckConstraint("experience_years_required >= 0", name="experience_years_required"),
        CheckConstraint("open_positions >= 1", name="open_positions"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
        Index("ix_offers_status_start_date", "status", "start_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(String(64), unique=True)
    intitule: Mapped[str] = mapped_column(String(300))
    code_ogr: Mapped[int | None] = mapped_column(Integer)
    code_rome: Mapped[str | None] = mapped_column(String(5), index=True)
    commune_insee: Mapped[str] = mapped_column(String(5))
    required_skills: Mapped[list[int]] = mapped_column(JSON, default=list)
    experience_years_required: Mapped[float] = mapped_column(Float, default=0.0)
    weekly_hours: Mapped[float] = mapped_column(Float)
    has_nights: Mapped[bool] = mapped_column(Boolean, default=False)
    has_weekends: Mapped[bool] = mapped_column(Boolean, default=False)
    has_early_starts: Mapped[bool] = mapped_column(Boolean, default=False)
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    contract_type: Mapped[str] = mapped_column(String(16))
    open_positions: Mapped[int] = mapped_column(Integer, default=1)
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"), index=True)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"), index=True)
    status: Mapped[str] = mapped_column(String(8), default="open")
    source: Mapped[str] = mapped_column(String(20), default="manual")
    version: Mapped[int] = mapped_column(Integer)

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
        ForeignKey("offers.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class MatchRun(Base):
    """One scoring run (batch or on demand): inputs, model version, counts."""

    __tablename__ = "match_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), default="batch")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    model_version: Mapped[str] = mapped_column(String(64))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    n_candidates: Mapped[int] = mapped_column(Integer, default=0)
    n_offers: Mapped[int] = mapped_column(Integer, default=0)
    n_matches: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(16), default="running")


class Match(Base):
    """One scored pair kept by a run."""

    __tablename__ = "matches"
    __table_args__ = (
        UniqueConstraint("run_id", "offer_id", "candidate_id"),
        CheckConstraint("score >= 0 AND score <= 1", name="score"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("match_runs.id", ondelete="CASCADE"))
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id", ondelete="CASCADE"), index=True)
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    score: Mapped[float] = mapped_column(Float)
    components: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    explanation: Mapped[str] = mapped_column(Text, default="")
    model_version: Mapped[str] = mapped_column(String(64))
    rank: Mapped[int] = mapped_column(Integer)


class Proposal(_Timestamps, Base):
    """A coach proposes a person on an offer; the facilitator moves it along the workflow
    (:mod:`service.workflow`). The engine's view of the pair when proposed is kept as a snapshot:
    score, components, explanation and model version, or the exclusion reasons of a pair the
    engine did not rank (proposed by hand). ``comment`` is the coach's free text: never logged,
    never in the audit detail."""

    __tablename__ = "proposals"
    __table_args__ = (CheckConstraint(_in("state", PROPOSAL_STATES), name="state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(String(16), default="proposed")
    state_reason: Mapped[str | None] = mapped_column(String(64))
    state_reason_text: Mapped[str | None] = mapped_column(Text)
    state_changed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    comment: Mapped[str | None] = mapped_column(Text)
    is_manual: Mapped[bool] = mapped_column(Boolean, default=False)
    score: Mapped[float | None] = mapped_column(Float)
    components: Mapped[dict[str, float] | None] = mapped_column(JSON)
    explanation: Mapped[str | None] = mapped_column(Text)
    model_version: Mapped[str | None] = mapped_column(String(64))
    rank: Mapped[int | None] = mapped_column(Integer)
    exclusion_reasons: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class ProposalEvent(Base):
    """One dated, signed move of a proposal (``from_state`` is NULL for the creation)."""

    __tablename__ = "proposal_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        ForeignKey("proposals.id", ondelete="CASCADE"), index=True
    )
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64))
    reason_text: Mapped[str | None] = mapped_column(Text)
    comment: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


DELIVERY_MODES: Final = (
    "direct_hire",
    "mise_a_disposition",
    "geiq",
    "sous_traitance_siae",
    "co_traitance_siae",
)
INTERMEDIARIES: Final = ("ETTI", "AI")
OUTCOMES: Final = ("emploi_durable", "emploi_transition", "sortie_positive", "other", "unknown")


class Placement(_Timestamps, Base):
    """A person working on a lot with a clause: how (delivery mode), from when to when, and the
    outcome at the end and six months later. Hours worked are in ``placement_hours``."""

    __tablename__ = "placements"
    __table_args__ = (
        CheckConstraint(_in("delivery_mode", DELIVERY_MODES), name="delivery_mode"),
        CheckConstraint(
            f"intermediary IS NULL OR {_in('intermediary', INTERMEDIARIES)}", name="intermediary"
        ),
        CheckConstraint(_in("contract_type", CONTRACT_TYPES), name="contract_type"),
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates"),
        CheckConstraint(
            f"outcome_at_end IS NULL OR {_in('outcome_at_end', OUTCOMES)}", name="outcome_at_end"
        ),
        CheckConstraint(
            f"outcome_6_months IS NULL OR {_in('outcome_6_months', OUTCOMES)}",
            name="outcome_6_months",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    lot_id: Mapped[int] = mapped_column(ForeignKey("lots.id"), index=True)
    proposal_id: Mapped[int | None] = mapped_column(ForeignKey("proposals.id"), unique=True)
    delivery_mode: Mapped[str] = mapped_column(String(24))
    intermediary: Mapped[str | None] = mapped_column(String(8))
    contract_type: Mapped[str] = mapped_column(String(16))
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date | None] = mapped_column(Date)
    outcome_at_end: Mapped[str | None] = mapped_column(String(24))
    outcome_6_months: Mapped[str | None] = mapped_column(String(24))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class PlacementHours(Base):
    """Hours worked in one month (``month`` is its first day) on a placement."""

    __tablename__ = "placement_hours"
    __table_args__ = (CheckConstraint("hours >= 0 AND hours <= 220", name="hours"),)

    placement_id: Mapped[int] = mapped_column(
        ForeignKey("placements.id", ondelete="CASCADE"), primary_key=True
    )
    month: Mapped[date] = mapped_column(Date, primary_key=True)
    hours: Mapped[float] = mapped_column(Float)


class AuditEntry(Base):
    """Who read or changed what, when. ``detail`` names fields, never values about a person."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity", "entity_type", "entity_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    entity_type: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


# Tables kept in modules of their own share this metadata. Importing them here means whoever
# imports the models (Alembic's env.py, the app, the tests) sees every table.
from service import models_batch as _models_batch  # noqa: E402, F401
