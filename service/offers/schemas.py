"""API bodies of offers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from pydantic import Field, model_validator

from matching import columns as col
from matching.fields import OFFER_FIELDS
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
    Text,
    Version,
    check_order,
    with_licence_codes,
)
from service.models.offers import SOURCE, STATUS

__all__ = ["OfferCreate", "OfferRead", "OfferUpdate"]


OfferStatus = Annotated[str, Declared(STATUS)]


OfferSource = Annotated[str, Declared(SOURCE)]
ContractType = Annotated[str, Declared(OFFER_FIELDS[col.CONTRACT_TYPE])]

_O = OFFER_FIELDS


class OfferCreate(InputModel):
    external_id: ExternalId
    intitule: Text
    code_ogr: Code | None = None
    code_rome: RomeCode | None = None
    commune_insee: CommuneField
    required_licences: LicenceCodes = []
    required_skills: SkillCodes = []
    experience_years_required: Annotated[float, Declared(_O[col.EXPERIENCE_YEARS_REQUIRED])] = _O[
        col.EXPERIENCE_YEARS_REQUIRED
    ].default
    needs_qualification: bool = Field(
        default=_O[col.NEEDS_QUALIFICATION].default,
        description="le poste demande une qualification ; sans qualification ni expérience "
        "exigées, il est ouvert aux personnes sans métier visé proche",
    )
    weekly_hours: Annotated[float, Declared(_O[col.WEEKLY_HOURS])] = _O[col.WEEKLY_HOURS].default
    has_nights: bool = False
    has_weekends: bool = False
    has_early_starts: bool = False
    start_date: date
    end_date: date | None = None
    contract_type: ContractType
    open_positions: Annotated[int, Declared(_O[col.OPEN_POSITIONS])] = _O[
        col.OPEN_POSITIONS
    ].default
    lot_id: Id | None = None
    company_id: Id | None = None
    status: OfferStatus = STATUS.default
    source: OfferSource = SOURCE.default

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
    experience_years_required: (
        Annotated[float, Declared(_O[col.EXPERIENCE_YEARS_REQUIRED])] | None
    ) = None
    needs_qualification: bool | None = None
    weekly_hours: Annotated[float, Declared(_O[col.WEEKLY_HOURS])] | None = None
    has_nights: bool | None = None
    has_weekends: bool | None = None
    has_early_starts: bool | None = None
    start_date: date | None = None
    end_date: date | None = None
    contract_type: ContractType | None = None
    open_positions: Annotated[int, Declared(_O[col.OPEN_POSITIONS])] | None = None
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
    needs_qualification: bool
    weekly_hours: float
    has_nights: bool
    has_weekends: bool
    has_early_starts: bool
    start_date: date
    end_date: date | None
    contract_type: str
    open_positions: int
    lot_id: int | None
    company_id: int | None
    status: str
    source: str
    version: int
    created_at: datetime
    updated_at: datetime

    @model_validator(mode="before")
    @classmethod
    def _codes(cls, data: Any) -> Any:
        # ORM rows carry licence rows; the API shows their codes.
        return with_licence_codes(cls, data, "required_licences")
