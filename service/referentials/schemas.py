"""API bodies of the referential lookups."""

from __future__ import annotations

from pydantic import (
    BaseModel,
)

__all__ = ["CommuneRead"]


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
