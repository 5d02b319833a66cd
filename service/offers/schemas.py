"""API bodies of offers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
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
    Text,
    Version,
    check_order,
)

__all__ = ["OfferCreate", "OfferRead", "OfferUpdate"]


ContractType = Literal["CDI", "CDD", "INTERIM", "CDDI", "PRO", "APPRENTISSAGE", "AUTRE"]


OfferStatus = Literal["open", "closed"]


OfferSource = Literal["manual", "orne_emploi", "france_travail", "demo"]


class OfferCreate(InputModel):
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
        check_order(self.start_date, self.end_date, "start_date", "end_date")
        return self


class OfferUpdate(InputModel):
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


class OfferRead(ReadModel):
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
