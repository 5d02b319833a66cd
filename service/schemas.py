"""Request and response bodies of the API (pydantic v2)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

from matching.licences import LICENCE_CODES
from service.imports.offers import is_valid_siret

__all__ = [
    "AuditRead",
    "BuyerCreate",
    "BuyerRead",
    "BuyerUpdate",
    "CandidateCreate",
    "CandidateJobIn",
    "CandidateJobRead",
    "CandidateRead",
    "CandidateUpdate",
    "CommuneRead",
    "CompanyCreate",
    "CompanyRead",
    "CompanyUpdate",
    "ContractCreate",
    "ContractRead",
    "ContractUpdate",
    "ErrorRead",
    "HealthRead",
    "LotCreate",
    "LotRead",
    "LotUpdate",
    "OfferCreate",
    "OfferRead",
    "OfferUpdate",
    "Page",
    "ReportingRead",
    "ReportingWrite",
    "UserCreate",
    "UserCreated",
    "UserRead",
    "UserUpdate",
    "is_valid_siret",
]

T = TypeVar("T")

Role = Literal["coach", "facilitator", "admin"]
TravelMode = Literal["voiture", "deux_roues", "transport_commun", "velo", "marche"]
ReadinessStage = Literal["diagnostic", "en_parcours", "pret_emploi"]
ContractType = Literal["CDI", "CDD", "INTERIM", "CDDI", "PRO", "APPRENTISSAGE", "AUTRE"]
OfferStatus = Literal["open", "closed"]
OfferSource = Literal["manual", "orne_emploi", "france_travail", "demo"]


def _siret(value: str) -> str:
    value = value.replace(" ", "")
    if not is_valid_siret(value):
        raise ValueError("SIRET invalide : 14 chiffres attendus, clé de contrôle (Luhn) fausse")
    return value


def _licences(values: list[str]) -> list[str]:
    unknown = sorted({v for v in values if v not in LICENCE_CODES})
    if unknown:
        raise ValueError(f"code de permis ou certificat inconnu : {', '.join(unknown)}")
    return sorted(set(values))


def _rome_code(value: str) -> str:
    value = value.strip().upper()
    if not re.fullmatch(r"[A-N]\d{4}", value):
        raise ValueError(f"code ROME mal formé : {value!r} (une lettre et 4 chiffres, ex. F1703)")
    return value


_NO_NUL = r"^[^\x00]*$"  # PostgreSQL refuses NUL in text
Text = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300, pattern=_NO_NUL)
]
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200, pattern=_NO_NUL)
]
Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
Code = Annotated[int, Field(ge=1, le=2_147_483_647)]
ExternalId = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9_.:-]{1,64}$")
]
Siret = Annotated[str, AfterValidator(_siret)]
LicenceCodes = Annotated[list[str], Field(max_length=30), AfterValidator(_licences)]
SkillCodes = Annotated[list[Code], Field(max_length=200)]
RomeCode = Annotated[str, AfterValidator(_rome_code)]
CommuneField = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=_NO_NUL),
    Field(description="code INSEE (5 caractères) ou nom de commune sans ambiguïté"),
]
Hours = Annotated[float, Field(gt=0, le=60)]
Version = Annotated[
    int, Field(ge=1, le=2_147_483_647, description="version lue : verrou optimiste")
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def _check_order(start: date | None, end: date | None, start_name: str, end_name: str) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError(f"{end_name} ({end}) est avant {start_name} ({start})")


# --------------------------------------------------------------------------- users


class UserCreate(_In):
    username: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{1,63}$")]
    role: Role


class UserUpdate(_In):
    role: Role | None = None
    is_active: bool | None = None
    version: Version


class UserRead(_Out):
    id: int
    username: str
    role: Role
    is_active: bool
    version: int
    created_at: datetime


class UserCreated(UserRead):
    token: str = Field(description="jeton d'API, affiché une seule fois")


# --------------------------------------------------------------------------- candidates


class CandidateJobIn(_In):
    code_ogr: Code | None = None
    code_rome: RomeCode | None = None
    experience_years: Annotated[float, Field(ge=0, le=60)] = 0.0

    @model_validator(mode="after")
    def _one_code(self) -> CandidateJobIn:
        if self.code_ogr is None and self.code_rome is None:
            raise ValueError("donnez code_ogr (appellation) ou code_rome (fiche)")
        return self


class CandidateJobRead(_Out):
    code_ogr: int | None
    code_rome: str
    experience_years: float


class _CandidateFields(_In):
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


class CandidateUpdate(_In):
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


class CandidateRead(_Out):
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


class ReportingWrite(_In):
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


# --------------------------------------------------------------------------- offers


class OfferCreate(_In):
    external_id: ExternalId
    intitule: Text
    code_ogr: Code | None = None
    code_rome: RomeCode | None = None
    commune_insee: CommuneField
    required_licences: LicenceCodes = []
    required_skills: SkillCodes = []
    experience_years_required: Annotated[float, Field(ge=0, le=40)] = 0.0
    weekly_hours: Hours
    has_nights: bool = False
    has_weekends: bool = False
    has_early_starts: bool = False
    start_date: date
    end_date: date | None = None
    contract_type: ContractType
    open_positions: Annotated[int, Field(ge=1, le=1000)] = 1
    lot_id: Id | None = None
    company_id: Id | None = None
    status: OfferStatus = "open"
    source: OfferSource = "manual"

    @model_validator(mode="after")
    def _dates(self) -> OfferCreate:
        _check_order(self.start_date, self.end_date, "start_date", "end_date")
        return self


class OfferUpdate(_In):
    intitule: Text | None = None
    code_ogr: Code | None = None
    code_rome: RomeCode | None = None
    commune_insee: CommuneField | None = None
    required_licences: LicenceCodes | None = None
    required_skills: SkillCodes | None = None
    experience_years_required: Annotated[float, Field(ge=0, le=40)] | None = None
    weekly_hours: Hours | None = None
    has_nights: bool | None = None
    has_weekends: bool | None = None
    has_early_starts: bool | None = None
    start_date: date | None = None
    end_date: date | None = None
    contract_type: ContractType | None = None
    open_positions: Annotated[int, Field(ge=1, le=1000)] | None = None
    lot_id: Id | None = None
    company_id: Id | None = None
    status: OfferStatus | None = None
    version: Version


class OfferRead(_Out):
    id: int
    external_id: str
    intitule: str
    code_ogr: int | None
    code_rome: str | None
    commune_insee: str
    required_licences: list[str]
    required_skills: list[int]
    experience_years_required: float
    weekly_hours: float
    has_nights: bool
    has_weekends: bool
    has_early_starts: bool
    start_date: date
    end_date: date | None
    contract_type: ContractType
    open_positions: int
    lot_id: int | None
    company_id: int | None
    status: OfferStatus
    source: OfferSource
    version: int
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _codes(cls, data: Any) -> Any:
        if hasattr(data, "required_licences") and not isinstance(data, dict):
            fields = {n: getattr(data, n) for n in cls.model_fields if n != "required_licences"}
            fields["required_licences"] = [lic.code for lic in data.required_licences]
            return fields
        return data


# --------------------------------------------------------------------------- companies, buyers


Short = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32, pattern=_NO_NUL)
]
Sector = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=_NO_NUL)
]


class CompanyCreate(_In):
    siret: Siret
    name: Name
    legal_form: Short | None = None
    commune_insee: CommuneField | None = None
    sector: Sector | None = None


class CompanyUpdate(_In):
    siret: Siret | None = None
    name: Name | None = None
    legal_form: Short | None = None
    commune_insee: CommuneField | None = None
    sector: Sector | None = None
    version: Version


class CompanyRead(_Out):
    id: int
    siret: str
    name: str
    legal_form: str | None
    commune_insee: str | None
    sector: str | None
    version: int


class BuyerCreate(_In):
    name: Name
    external_id: ExternalId | None = None
    siret: Siret | None = None
    kind: Short | None = None
    commune_insee: CommuneField | None = None


class BuyerUpdate(_In):
    name: Name | None = None
    external_id: ExternalId | None = None
    siret: Siret | None = None
    kind: Short | None = None
    commune_insee: CommuneField | None = None
    version: Version


class BuyerRead(_Out):
    id: int
    external_id: str | None
    name: str
    siret: str | None
    kind: str | None
    commune_insee: str | None
    version: int


# --------------------------------------------------------------------------- contracts, lots

Reference = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=_NO_NUL)
]
LotNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20, pattern=_NO_NUL)
]
InsertionHours = Annotated[float, Field(ge=0, le=1_000_000)]


Nature = Literal["travaux", "services", "fournitures"]


class ContractCreate(_In):
    buyer_id: Id
    reference: Reference
    title: Text
    nature: Nature | None = None
    commune_insee: CommuneField | None = Field(default=None, description="commune du chantier")
    notified_on: date | None = None
    start_date: date
    end_date: date | None = None

    @model_validator(mode="after")
    def _dates(self) -> ContractCreate:
        _check_order(self.start_date, self.end_date, "start_date", "end_date")
        return self


class ContractUpdate(_In):
    reference: Reference | None = None
    title: Text | None = None
    nature: Nature | None = None
    commune_insee: CommuneField | None = None
    notified_on: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    version: Version


class ContractRead(_Out):
    id: int
    buyer_id: int
    reference: str
    title: str
    nature: Nature | None
    commune_insee: str | None
    notified_on: date | None
    start_date: date
    end_date: date | None
    version: int


class LotCreate(_In):
    contract_id: Id
    number: LotNumber
    reference: Reference | None = Field(
        default=None,
        description="référence du lot portée par les offres ; par défaut <marché>-LOT<numéro>",
    )
    trade: Name
    code_rome: RomeCode | None = None
    insertion_hours: InsertionHours = 0.0
    company_id: Id | None = None
    start_date: date
    end_date: date | None = None

    @model_validator(mode="after")
    def _dates(self) -> LotCreate:
        _check_order(self.start_date, self.end_date, "start_date", "end_date")
        return self


class LotUpdate(_In):
    number: LotNumber | None = None
    reference: Reference | None = None
    trade: Name | None = None
    code_rome: RomeCode | None = None
    insertion_hours: InsertionHours | None = None
    company_id: Id | None = None
    start_date: date | None = None
    end_date: date | None = None
    version: Version


class LotRead(_Out):
    id: int
    reference: str
    contract_id: int
    number: str
    trade: str
    code_rome: str | None
    insertion_hours: float
    company_id: int | None
    start_date: date
    end_date: date | None
    version: int


# --------------------------------------------------------------------------- misc


class CommuneRead(BaseModel):
    code_insee: str
    nom: str
    departement: str
    matched_by: str


class AppellationRead(BaseModel):
    code_ogr: int
    libelle: str
    code_rome: str


class LicenceRead(BaseModel):
    code: str
    libelle: str


class AuditRead(_Out):
    id: int
    at: datetime
    user_id: int | None
    role: str
    action: str
    entity_type: str
    entity_id: int | None
    detail: dict[str, Any] | None


class HealthRead(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    revision: str | None
    head: str | None


class ErrorRead(BaseModel):
    error: str = Field(description="classe de l'erreur : NotFound, Conflict, InvalidInput…")
    detail: str = Field(description="message lisible")
