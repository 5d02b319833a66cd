"""Pieces every domain's API schemas share: base models, the page envelope, common field types."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

from matching.fields import FieldSpec
from matching.licences import LICENCE_CODES

__all__ = [
    "Code",
    "CommuneField",
    "Declared",
    "ErrorRead",
    "ExternalId",
    "Id",
    "InputModel",
    "LicenceCodes",
    "Name",
    "Page",
    "ReadModel",
    "Reference",
    "RomeCode",
    "Sector",
    "Short",
    "SkillCodes",
    "Text",
    "Version",
    "check_order",
    "with_licence_codes",
]


T = TypeVar("T")


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


LicenceCodes = Annotated[list[str], Field(max_length=30), AfterValidator(_licences)]


SkillCodes = Annotated[list[Code], Field(max_length=200)]


RomeCode = Annotated[str, AfterValidator(_rome_code)]


CommuneField = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=100, pattern=_NO_NUL),
    Field(description="code INSEE (5 caractères) ou nom de commune sans ambiguïté"),
]


Version = Annotated[
    int, Field(ge=1, le=2_147_483_647, description="version lue : verrou optimiste")
]


class InputModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ReadModel(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def check_order(start: date | None, end: date | None, start_name: str, end_name: str) -> None:
    if start is not None and end is not None and end < start:
        raise ValueError(f"{end_name} ({end}) est avant {start_name} ({start})")


Short = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32, pattern=_NO_NUL)
]


Sector = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=_NO_NUL)
]


Reference = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64, pattern=_NO_NUL)
]


class ErrorRead(BaseModel):
    error: str = Field(description="classe de l'erreur : NotFound, Conflict, InvalidInput…")
    detail: str = Field(description="message lisible")


@dataclass(frozen=True, eq=False)
class Declared:
    """Pydantic metadata for a declared field (:mod:`matching.fields`):
    ``Annotated[float, Declared(CANDIDATE_FIELDS["max_distance_km"])]``.

    The field's own rule checks the value, so the API refuses with the same French sentence as
    a file import or a web form; the OpenAPI document shows its bounds and choices. Choices are
    checked before pydantic's parsing (an unknown code gets the field's sentence, not
    pydantic's), numbers after it ("12" has become 12.0).
    """

    spec: FieldSpec

    def _check(self, value: Any) -> Any:
        if value is None:
            return value
        return self.spec.clean(value, today=date.today())

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        schema = handler(source)
        if self.spec.choices is not None:
            return core_schema.no_info_before_validator_function(self._check, schema)
        return core_schema.no_info_after_validator_function(self._check, schema)

    def __get_pydantic_json_schema__(
        self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        out = handler(schema)
        spec = self.spec
        lo, hi = spec.minimum, spec.maximum
        if isinstance(lo, int | float):
            out["exclusiveMinimum" if spec.exclusive_minimum else "minimum"] = lo
        if isinstance(hi, int | float):
            out["maximum"] = hi
        if spec.choices is not None:
            out["enum"] = list(spec.choices)
        if spec.max_length is not None:
            out["maxLength"] = spec.max_length
        if spec.help:
            out["description"] = spec.help
        return out


def with_licence_codes(model: type[BaseModel], data: Any, field: str) -> Any:
    """An ORM row's fields for a read schema, its licence rows (``field``) as their codes."""
    if hasattr(data, field) and not isinstance(data, dict):
        out = {name: getattr(data, name) for name in model.model_fields if name != field}
        out[field] = [lic.code for lic in getattr(data, field)]
        return out
    return data
