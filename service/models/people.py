"""People followed, their target jobs and licences, and the reporting-only table.

A person's identity (first and last name, phone, e-mail) is declared here too, beside the
columns that hold it: the coach who follows the person and the facilitator read it; the engine's
frames never select it (:mod:`service.scoring.frames`), other coaches never see it, and no log
line carries it.

The reporting-only attributes (FSE+ statistics and bias audits; the engine never reads them) are
declared here, once, beside the table that stores them (:class:`~matching.fields.FieldSpec`):
the API, the candidate file import and the reports read these declarations, so a value refused
at one door is refused at every door with the same sentence. The fields the engine reads are
declared in :mod:`matching.fields`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Final

import email_validator
import phonenumbers
import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from matching.columns import READINESS_STAGES, TRAVEL_MODES
from matching.fields import FieldSpec
from matching.text import fold
from service.db import Base, UTCDateTime, utcnow
from service.models.common import Timestamps, check_in

__all__ = [
    "BIRTH_YEAR",
    "DISABILITY",
    "EDUCATION_LEVEL",
    "EMAIL",
    "FIRST_NAME",
    "IDENTITY_FIELDS",
    "LABOUR_STATUS",
    "LAST_NAME",
    "PHONE",
    "REPORTING_FIELDS",
    "RSA_BENEFICIARY",
    "SEX",
    "Candidate",
    "CandidateJob",
    "CandidateLicence",
    "CandidateReporting",
    "display_name",
    "name_key",
]


# ---------------------------------------------------------------- identity fields

_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ '’.-]+[^\W\d_]+)*\.?$")


def _name(label: str) -> Callable[[str], str]:
    def normalise(text: str) -> str:
        clean = " ".join(text.split())
        if not _NAME_CHARS.fullmatch(clean):
            raise ValueError(
                f"{label} : « {clean} » ne ressemble pas à un {label.lower()} (lettres, espaces, "
                "tirets et apostrophes seulement)."
            )
        return clean

    return normalise


def _phone(text: str) -> str:
    try:
        number = phonenumbers.parse(text, "FR")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError(
            f"Téléphone : « {text.strip()} » n'est pas un numéro valide (ex. 06 12 34 56 78 ou "
            "+33 6 12 34 56 78)."
        )
    fmt = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if number.country_code == 33
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, fmt)


def _email(text: str) -> str:
    try:
        return str(
            email_validator.validate_email(text.strip(), check_deliverability=False).normalized
        )
    except email_validator.EmailNotValidError:
        raise ValueError(
            f"E-mail : « {text.strip()} » n'est pas une adresse valide (ex. prenom.nom@exemple.fr)."
        ) from None


FIRST_NAME: Final = FieldSpec.text("first_name", "prénom", 100, _name("Prénom"), "bad_first_name")


LAST_NAME: Final = FieldSpec.text("last_name", "nom", 100, _name("Nom"), "bad_last_name")


PHONE: Final = FieldSpec.text(
    "phone", "téléphone", 32, _phone, "bad_phone", help="numéro français ou international (+…)"
)


EMAIL: Final = FieldSpec.text("email", "e-mail", 254, _email, "bad_email")


IDENTITY_FIELDS: Final[dict[str, FieldSpec]] = {
    f.name: f for f in (FIRST_NAME, LAST_NAME, PHONE, EMAIL)
}
"""What a person's own coach and the facilitator read to reach them; never the engine."""


def display_name(first_name: str | None, last_name: str | None, external_id: str) -> str:
    """ "Marie Dupont", or the follow-up id of a person whose name is not recorded."""
    return " ".join(x for x in (first_name, last_name) if x) or external_id


def name_key(first_name: str | None, last_name: str | None) -> str | None:
    """The folded "last first" a caseload search compares with ("Hélène Lefèvre" →
    "lefevre helene"); ``None`` without a name."""
    text = " ".join(x for x in (last_name, first_name) if x)
    return fold(text) or None


# ---------------------------------------------------------------- reporting-only fields

SEX: Final = FieldSpec.choice(
    "sex",
    "sexe",
    {"F": "femme", "M": "homme"},
    "F ou H",
    nullable=True,
    error_code="bad_sex",
    aliases={"f": "F", "femme": "F", "h": "M", "homme": "M", "m": "M"},
)


BIRTH_YEAR: Final = FieldSpec.number(
    "birth_year",
    "année de naissance",
    "",
    (lambda today: today.year - 80, lambda today: today.year - 15),
    "bad_birth_year",
    kind="int",
    integer=True,
    nullable=True,
    help="entre 80 et 15 ans avant l'année en cours",
)


EDUCATION_LEVEL: Final = FieldSpec.choice(
    "education_level",
    "niveau de formation",
    {
        "ISCED_0_2": "CITE 0 à 2 (jusqu'au premier cycle du secondaire)",
        "ISCED_3_4": "CITE 3 ou 4 (second cycle du secondaire, post-secondaire)",
        "ISCED_5_8": "CITE 5 à 8 (supérieur)",
    },
    "un niveau CITE",
    nullable=True,
    error_code="bad_education",
    aliases={
        "cite 0 2": "ISCED_0_2",
        "cite 3 4": "ISCED_3_4",
        "cite 5 8": "ISCED_5_8",
        "0 2": "ISCED_0_2",
        "3 4": "ISCED_3_4",
        "5 8": "ISCED_5_8",
    },
)


LABOUR_STATUS: Final = FieldSpec.choice(
    "labour_status",
    "situation sur le marché du travail",
    {
        "unemployed": "demandeur d'emploi",
        "long_term_unemployed": "demandeur d'emploi de longue durée",
        "inactive": "inactif",
        "employed": "en emploi",
    },
    "une situation connue",
    nullable=True,
    error_code="bad_labour_status",
    aliases={
        "demandeur d emploi": "unemployed",
        "chomeur": "unemployed",
        "demandeur d emploi de longue duree": "long_term_unemployed",
        "chomeur de longue duree": "long_term_unemployed",
        "longue duree": "long_term_unemployed",
        "inactif": "inactive",
        "inactive": "inactive",
    },
)


DISABILITY: Final = FieldSpec(
    name="disability_recognised",
    kind="bool",
    label="reconnaissance de travailleur handicapé (RQTH)",
    nullable=True,
    error_code="bad_disability",
)


RSA_BENEFICIARY: Final = FieldSpec(
    name="rsa_beneficiary", kind="bool", label="bénéficiaire du RSA", default=True
)


REPORTING_FIELDS: Final[dict[str, FieldSpec]] = {
    f.name: f
    for f in (SEX, BIRTH_YEAR, EDUCATION_LEVEL, LABOUR_STATUS, DISABILITY, RSA_BENEFICIARY)
}


SEXES: Final = tuple(SEX.choices or ())


EDUCATION_LEVELS: Final = tuple(EDUCATION_LEVEL.choices or ())


LABOUR_STATUSES: Final = tuple(LABOUR_STATUS.choices or ())


class Candidate(Timestamps, Base):
    """A person followed by a coach: their identity and what the engine reads."""

    __tablename__ = "candidates"
    __table_args__ = (
        sa.CheckConstraint(check_in("travel_mode", TRAVEL_MODES), name="travel_mode"),
        sa.CheckConstraint(check_in("readiness_stage", READINESS_STAGES), name="readiness_stage"),
        sa.CheckConstraint(
            "max_distance_km IS NULL OR max_distance_km >= 0", name="max_distance_km"
        ),
        sa.CheckConstraint(
            "max_travel_minutes IS NULL OR max_travel_minutes >= 0", name="max_travel_minutes"
        ),
        sa.CheckConstraint("max_weekly_hours >= 0", name="max_weekly_hours"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    coach_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    first_name: Mapped[str | None] = mapped_column(sa.String(100))
    last_name: Mapped[str | None] = mapped_column(sa.String(100))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    name_key: Mapped[str | None] = mapped_column(sa.String(210), index=True)
    """:func:`name_key` of the names, kept by whoever writes them (the search compares it)."""
    commune_insee: Mapped[str] = mapped_column(sa.String(5))
    has_vehicle: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    travel_mode: Mapped[str] = mapped_column(sa.String(20))
    max_distance_km: Mapped[float | None] = mapped_column(sa.Float)
    max_travel_minutes: Mapped[float | None] = mapped_column(sa.Float)
    readiness_stage: Mapped[str] = mapped_column(sa.String(20))
    readiness_assessed_on: Mapped[date] = mapped_column(sa.Date)
    available_from: Mapped[date] = mapped_column(sa.Date)
    max_weekly_hours: Mapped[float] = mapped_column(sa.Float)
    accepts_nights: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    accepts_weekends: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    accepts_early_starts: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    is_eligible: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    is_active: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    is_in_clause_job: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    skills: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    do_not_propose: Mapped[bool] = mapped_column(
        sa.Boolean, default=False, server_default=sa.false()
    )
    """« Ne pas proposer » (limitation, objection): the engine's frames leave the person out (no
    ranking, no shortlist, batch list or digest) and no proposal is made; the record stays."""
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When identity, contact, free text and exact dates were removed (:mod:`service.people.
    privacy`); the row stays under a pseudonym so that hours, placements and counts stay right."""
    version: Mapped[int] = mapped_column(sa.Integer)

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
    __table_args__ = (sa.CheckConstraint("experience_years >= 0", name="experience_years"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="CASCADE"), index=True
    )
    code_ogr: Mapped[int | None] = mapped_column(sa.Integer)
    code_rome: Mapped[str] = mapped_column(sa.String(5), index=True)
    experience_years: Mapped[float] = mapped_column(sa.Float, default=0.0)


class CandidateLicence(Base):
    __tablename__ = "candidate_licences"

    candidate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True, index=True)


class CandidateReporting(Base):
    """Statistics-only attributes (FSE+ indicators, bias audits). The engine never reads them."""

    __tablename__ = "candidate_reporting"
    __table_args__ = (
        sa.CheckConstraint(f"sex IS NULL OR {check_in('sex', SEXES)}", name="sex"),
        sa.CheckConstraint(
            f"education_level IS NULL OR {check_in('education_level', EDUCATION_LEVELS)}",
            name="education_level",
        ),
        sa.CheckConstraint(
            f"labour_status IS NULL OR {check_in('labour_status', LABOUR_STATUSES)}",
            name="labour_status",
        ),
    )

    candidate_id: Mapped[int] = mapped_column(
        sa.ForeignKey("candidates.id", ondelete="CASCADE"), primary_key=True
    )
    sex: Mapped[str | None] = mapped_column(sa.String(1))
    birth_year: Mapped[int | None] = mapped_column(sa.Integer)
    education_level: Mapped[str | None] = mapped_column(sa.String(16))
    labour_status: Mapped[str | None] = mapped_column(sa.String(32))
    disability_recognised: Mapped[bool | None] = mapped_column(sa.Boolean)
    rsa_beneficiary: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
