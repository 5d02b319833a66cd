"""API bodies of an import's answer and of its refusal."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = ["ImportRead"]


class ImportRead(BaseModel):
    """What an import did (or, in a dry run, would do)."""

    kind: Literal["offers", "candidates"]
    dry_run: bool
    format: str = Field(description="csv ou france_travail")
    rows: int = Field(description="lignes valides lues")
    created: int
    updated: int
    unchanged: int
    deactivated: int = Field(0, description="personnes absentes du fichier (--full)")
    companies_created: int = 0
    warnings: list[str] = Field(default_factory=list)
    created_ids: list[str] = Field(
        default_factory=list, description="identifiants externes créés (essai à blanc seulement)"
    )
    updated_ids: list[str] = Field(default_factory=list)
    unchanged_ids: list[str] = Field(default_factory=list)
    deactivated_ids: list[str] = Field(default_factory=list)
    batch: dict[str, Any] | None = Field(
        None, description="le lot de rapprochement lancé après l'import, s'il y en a eu un"
    )

    @property
    def has_changes(self) -> bool:
        """Whether the database changed (never in a dry run)."""
        return not self.dry_run and bool(self.created or self.updated or self.deactivated)


class RowErrorRead(BaseModel):
    line: int | None = Field(description="ligne du fichier (1 = en-tête), ou rang de l'offre JSON")
    column: str | None
    code: str
    message: str


class ImportErrorRead(BaseModel):
    error: str
    detail: str
    errors: list[RowErrorRead] = Field(default_factory=list)
