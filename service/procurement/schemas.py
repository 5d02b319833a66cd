"""API bodies of companies, buyers, contracts and lots."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    Field,
    StringConstraints,
    model_validator,
)

from service.kit.schemas import (
    _NO_NUL,
    CommuneField,
    ExternalId,
    Id,
    InputModel,
    Name,
    ReadModel,
    Reference,
    RomeCode,
    Sector,
    Short,
    Text,
    Version,
    check_order,
)
from service.procurement.siret import is_valid_siret

__all__ = [
    "BuyerCreate",
    "BuyerRead",
    "BuyerUpdate",
    "CompanyCreate",
    "CompanyRead",
    "CompanyUpdate",
    "ContractCreate",
    "ContractRead",
    "ContractUpdate",
    "LotCreate",
    "LotRead",
    "LotUpdate",
]


def _siret(value: str) -> str:
    value = value.replace(" ", "")
    if not is_valid_siret(value):
        raise ValueError("SIRET invalide : 14 chiffres attendus, clé de contrôle (Luhn) fausse")
    return value


Siret = Annotated[str, AfterValidator(_siret)]


class CompanyCreate(InputModel):
    siret: Siret
    name: Name
    legal_form: Short | None = None
    commune_insee: CommuneField | None = None
    sector: Sector | None = None


class CompanyUpdate(InputModel):
    siret: Siret | None = None
    name: Name | None = None
    legal_form: Short | None = None
    commune_insee: CommuneField | None = None
    sector: Sector | None = None
    version: Version


class CompanyRead(ReadModel):
    id: int
    siret: str
    name: str
    legal_form: str | None
    commune_insee: str | None
    sector: str | None
    naf_code: str | None = Field(
        default=None, description="sous-classe NAF rév. 2 (PUT /outreach/companies/{id}/sector)"
    )
    version: int


class BuyerCreate(InputModel):
    name: Name
    external_id: ExternalId | None = None
    siret: Siret | None = None
    kind: Short | None = None
    commune_insee: CommuneField | None = None


class BuyerUpdate(InputModel):
    name: Name | None = None
    external_id: ExternalId | None = None
    siret: Siret | None = None
    kind: Short | None = None
    commune_insee: CommuneField | None = None
    version: Version


class BuyerRead(ReadModel):
    id: int
    external_id: str | None
    name: str
    siret: str | None
    kind: str | None
    commune_insee: str | None
    version: int


LotNumber = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20, pattern=_NO_NUL)
]


InsertionHours = Annotated[float, Field(ge=0, le=1_000_000)]


Nature = Literal["travaux", "services", "fournitures"]


class ContractCreate(InputModel):
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
        check_order(self.start_date, self.end_date, "start_date", "end_date")
        return self


class ContractUpdate(InputModel):
    reference: Reference | None = None
    title: Text | None = None
    nature: Nature | None = None
    commune_insee: CommuneField | None = None
    notified_on: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    version: Version


class ContractRead(ReadModel):
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


class LotCreate(InputModel):
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
        check_order(self.start_date, self.end_date, "start_date", "end_date")
        return self


class LotUpdate(InputModel):
    number: LotNumber | None = None
    reference: Reference | None = None
    trade: Name | None = None
    code_rome: RomeCode | None = None
    insertion_hours: InsertionHours | None = None
    company_id: Id | None = None
    start_date: date | None = None
    end_date: date | None = None
    version: Version


class LotRead(ReadModel):
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
