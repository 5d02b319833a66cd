"""API bodies of a person's profile and reporting-only data."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    ConfigDict,
    Field,
    model_validator,
)

from service.kit.schemas import (
    Code,
    CommuneField,
    ExternalId,
    Hours,
    Id,
    InputModel,
    LicenceCodes,
    ReadModel,
    RomeCode,
    SkillCodes,
    Version,
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


class CandidateJobIn(InputModel):
    code_ogr: Code | None = None
    code_rome: RomeCode | None = None
    experience_years: Annotated[float, Field(ge=0, le=60)] = 0.0

    @model_validator(mode="after")
    def _one_code(self) -> CandidateJobIn:
        if self.code_ogr is None and self.code_rome is None:
            raise ValueError("donnez code_ogr (appellation) ou code_rome (fiche)")
        return self


class CandidateJobRead(ReadModel):
    code_ogr: int | None
    code_rome: str
    experience_years: float


class _CandidateFields(InputModel):
    commune_insee: CommuneField
    has_vehicle: bool = False
    travel_mode: TravelMode
    max_distance_km: Annotated[float, Field(ge=0, le=500)] | None = None
    max_travel_minutes: Annotated[float, Field(ge=0, le=600)] | None = None
    readiness_stage: ReadinessStage
    readiness_assessed_on: date
    available_from: date
    max_weekly_hours: Hours
    accepts_nights: bool = False
    accepts_weekends: bool = False
    accepts_early_starts: bool = False
    is_eligible: bool = True
    is_active: bool = True
    is_in_clause_job: bool = False
    licences: LicenceCodes = []
    skills: SkillCodes = []
    jobs: Annotated[list[CandidateJobIn], Field(max_length=20)] = []


class CandidateCreate(_CandidateFields):
    external_id: ExternalId
    coach_id: Id | None = Field(
        default=None, description="coach suivant la personne (un coach ne crée que pour lui-même)"
    )

    @model_validator(mode="after")
    def _range(self) -> CandidateCreate:
        if self.max_distance_km is None and self.max_travel_minutes is None:
            raise ValueError("donnez max_distance_km ou max_travel_minutes")
        return self


class CandidateUpdate(InputModel):
    commune_insee: CommuneField | None = None
    coach_id: Id | None = None
    has_vehicle: bool | None = None
    travel_mode: TravelMode | None = None
    max_distance_km: Annotated[float, Field(ge=0, le=500)] | None = None
    max_travel_minutes: Annotated[float, Field(ge=0, le=600)] | None = None
    readiness_stage: ReadinessStage | None = None
    readiness_assessed_on: date | None = None
    available_from: date | None = None
    max_weekly_hours: Hours | None = None
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
    version: int
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _codes(cls, data: Any) -> Any:
        # ORM rows carry licence rows; the API shows their codes.
        if hasattr(data, "licences") and not isinstance(data, dict):
            fields = {name: getattr(data, name) for name in cls.model_fields if name != "licences"}
            fields["licences"] = [lic.code for lic in data.licences]
            return fields
        return data


class ReportingWrite(InputModel):
    sex: Literal["F", "M"] | None = None
    birth_year: Annotated[int, Field(ge=1900, le=2100)] | None = None
    education_level: Literal["ISCED_0_2", "ISCED_3_4", "ISCED_5_8"] | None = None
    labour_status: Literal["unemployed", "long_term_unemployed", "inactive", "employed"] | None = (
        None
    )
    disability_recognised: bool | None = None
    rsa_beneficiary: bool = True


class ReportingRead(ReportingWrite):
    model_config = ConfigDict(from_attributes=True, extra="ignore")
    candidate_id: int
    updated_at: datetime | None = None
