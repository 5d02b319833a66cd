"""API bodies of a person's profile and reporting-only data."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, cast

from pydantic import (
    ConfigDict,
    Field,
    model_validator,
)

from matching import columns as col
from matching.fields import (
    CANDIDATE_FIELDS,
    CANDIDATE_JOB_FIELDS,
    default_travel_mode,
    travel_range,
)
from service.kit.schemas import (
    Code,
    CommuneField,
    Declared,
    ExternalId,
    Id,
    InputModel,
    LicenceCodes,
    ReadModel,
    RomeCode,
    SkillCodes,
    Version,
    with_licence_codes,
)
from service.models.people import (
    BIRTH_YEAR,
    EDUCATION_LEVEL,
    EMAIL,
    FIRST_NAME,
    LABOUR_STATUS,
    LAST_NAME,
    PHONE,
    RSA_BENEFICIARY,
    SEX,
)

__all__ = [
    "CandidateCreate",
    "CandidateJobIn",
    "CandidateJobRead",
    "CandidateRead",
    "CandidateUpdate",
    "ReportingRead",
    "ReportingWrite",
]


TravelMode = Literal["voiture", "deux_roues", "transport_commun", "velo", "marche"]


ReadinessStage = Literal["diagnostic", "en_parcours", "pret_emploi"]


_P = CANDIDATE_FIELDS
_J = CANDIDATE_JOB_FIELDS


class CandidateJobIn(InputModel):
    code_ogr: Code | None = None
    code_rome: RomeCode | None = None
    experience_years: Annotated[float, Declared(_J[col.EXPERIENCE_YEARS])] = _J[
        col.EXPERIENCE_YEARS
    ].default

    @model_validator(mode="after")
    def _one_code(self) -> CandidateJobIn:
        if self.code_ogr is None and self.code_rome is None:
            raise ValueError("donnez code_ogr (appellation) ou code_rome (fiche)")
        return self


class CandidateJobRead(ReadModel):
    code_ogr: int | None
    code_rome: str
    experience_years: float


FirstName = Annotated[str, Declared(FIRST_NAME)]
LastName = Annotated[str, Declared(LAST_NAME)]
Phone = Annotated[str, Declared(PHONE)]
Email = Annotated[str, Declared(EMAIL)]


class _CandidateFields(InputModel):
    first_name: FirstName | None = None
    last_name: LastName | None = None
    phone: Phone | None = None
    email: Email | None = None
    commune_insee: CommuneField
    has_vehicle: bool = _P[col.HAS_VEHICLE].default
    travel_mode: Annotated[TravelMode, Declared(_P[col.TRAVEL_MODE])] | None = Field(
        default=None,
        description="par défaut : voiture avec un véhicule, sinon transports en commun",
    )
    max_distance_km: Annotated[float, Declared(_P[col.MAX_DISTANCE_KM])] | None = None
    max_travel_minutes: Annotated[float, Declared(_P[col.MAX_TRAVEL_MINUTES])] | None = None
    readiness_stage: Annotated[ReadinessStage, Declared(_P[col.READINESS_STAGE])]
    readiness_assessed_on: Annotated[date, Declared(_P[col.READINESS_ASSESSED_ON])]
    available_from: date | None = Field(default=None, description="par défaut : aujourd'hui")
    max_weekly_hours: Annotated[float, Declared(_P[col.MAX_WEEKLY_HOURS])] = _P[
        col.MAX_WEEKLY_HOURS
    ].default
    accepts_nights: bool = _P[col.ACCEPTS_NIGHTS].default
    accepts_weekends: bool = _P[col.ACCEPTS_WEEKENDS].default
    accepts_early_starts: bool = _P[col.ACCEPTS_EARLY_STARTS].default
    is_eligible: bool = _P[col.IS_ELIGIBLE].default
    is_active: bool = _P[col.IS_ACTIVE].default
    is_in_clause_job: bool = _P[col.IS_IN_CLAUSE_JOB].default
    licences: LicenceCodes = []
    skills: SkillCodes = []
    jobs: Annotated[list[CandidateJobIn], Field(max_length=20)] = []


class CandidateCreate(_CandidateFields):
    external_id: ExternalId
    coach_id: Id | None = Field(
        default=None, description="coach suivant la personne (un coach ne crée que pour lui-même)"
    )

    @model_validator(mode="after")
    def _defaults(self) -> CandidateCreate:
        # The rules every door applies (matching.fields): the range, the means of travel.
        self.max_distance_km, self.max_travel_minutes = travel_range(
            self.max_distance_km, self.max_travel_minutes
        )
        if self.travel_mode is None:
            self.travel_mode = cast(TravelMode, default_travel_mode(self.has_vehicle))
        if self.available_from is None:
            self.available_from = date.today()
        return self


class CandidateUpdate(InputModel):
    first_name: FirstName | None = None
    last_name: LastName | None = None
    phone: Phone | None = None
    email: Email | None = None
    commune_insee: CommuneField | None = None
    coach_id: Id | None = None
    has_vehicle: bool | None = None
    travel_mode: Annotated[TravelMode, Declared(_P[col.TRAVEL_MODE])] | None = None
    max_distance_km: Annotated[float, Declared(_P[col.MAX_DISTANCE_KM])] | None = None
    max_travel_minutes: Annotated[float, Declared(_P[col.MAX_TRAVEL_MINUTES])] | None = None
    readiness_stage: Annotated[ReadinessStage, Declared(_P[col.READINESS_STAGE])] | None = None
    readiness_assessed_on: Annotated[date, Declared(_P[col.READINESS_ASSESSED_ON])] | None = None
    available_from: date | None = None
    max_weekly_hours: Annotated[float, Declared(_P[col.MAX_WEEKLY_HOURS])] | None = None
    accepts_nights: bool | None = None
    accepts_weekends: bool | None = None
    accepts_early_starts: bool | None = None
    is_eligible: bool | None = None
    is_active: bool | None = None
    is_in_clause_job: bool | None = None
    licences: LicenceCodes | None = None
    skills: SkillCodes | None = None
    jobs: Annotated[list[CandidateJobIn], Field(max_length=20)] | None = None
    version: Version


class CandidateRead(ReadModel):
    id: int
    external_id: str
    coach_id: int
    first_name: str | None
    last_name: str | None
    phone: str | None
    email: str | None
    commune_insee: str
    has_vehicle: bool
    travel_mode: TravelMode
    max_distance_km: float | None
    max_travel_minutes: float | None
    readiness_stage: ReadinessStage
    readiness_assessed_on: date
    available_from: date
    max_weekly_hours: float
    accepts_nights: bool
    accepts_weekends: bool
    accepts_early_starts: bool
    is_eligible: bool
    is_active: bool
    is_in_clause_job: bool
    licences: list[str]
    skills: list[int]
    jobs: list[CandidateJobRead]
    do_not_propose: bool = False
    anonymised_at: datetime | None = None
    version: int
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _codes(cls, data: Any) -> Any:
        # ORM rows carry licence rows; the API shows their codes.
        return with_licence_codes(cls, data, "licences")


class ReportingWrite(InputModel):
    sex: Annotated[Literal["F", "M"], Declared(SEX)] | None = None
    birth_year: Annotated[int, Declared(BIRTH_YEAR)] | None = None
    education_level: (
        Annotated[Literal["ISCED_0_2", "ISCED_3_4", "ISCED_5_8"], Declared(EDUCATION_LEVEL)] | None
    ) = None
    labour_status: (
        Annotated[
            Literal["unemployed", "long_term_unemployed", "inactive", "employed"],
            Declared(LABOUR_STATUS),
        ]
        | None
    ) = None
    disability_recognised: bool | None = None
    rsa_beneficiary: bool = RSA_BENEFICIARY.default


class ReportingRead(ReportingWrite):
    model_config = ConfigDict(from_attributes=True, extra="ignore")
    candidate_id: int
    updated_at: datetime | None = None
