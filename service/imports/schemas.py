"""API bodies of an import's answer and of its refusal."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["FeedReport", "FeedRunRead", "ImportRead", "RefusedOfferRead", "RefusedRead"]


class RowErrorRead(BaseModel):
    line: int | None = Field(description="ligne du fichier (1 = en-tête), ou rang de l'offre JSON")
    column: str | None
    code: str
    message: str


class RefusedRead(BaseModel):
    """An offer an import left out, with every reason."""

    line: int | None = Field(description="ligne du fichier, ou rang de l'offre JSON")
    external_id: str = Field(description="référence de l'offre (vide si elle n'en a pas)")
    title: str
    errors: list[RowErrorRead]


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
    accept_valid: bool = Field(
        False, description="import partiel demandé : les offres valides seules sont importées"
    )
    refused: list[RefusedRead] = Field(
        default_factory=list,
        description="offres laissées de côté (import partiel), avec leurs motifs",
    )

    @property
    def has_changes(self) -> bool:
        """Whether the database changed (never in a dry run)."""
        return not self.dry_run and bool(self.created or self.updated or self.deactivated)


class ImportErrorRead(BaseModel):
    error: str
    detail: str
    errors: list[RowErrorRead] = Field(default_factory=list)


class RefusedOfferRead(BaseModel):
    """An offer refused by an import, kept until resolved."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    external_id: str | None
    title: str | None
    origin: str = Field(description="fichier ou flux d'où vient l'offre")
    errors: list[RowErrorRead]
    status: Literal["pending", "resolved", "dismissed"]
    times_seen: int
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None


class FeedRunRead(BaseModel):
    """One run of the France Travail feed."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    source: str
    status: Literal["completed", "failed"]
    parameters: dict[str, Any]
    window_start: datetime
    window_end: datetime
    started_at: datetime
    finished_at: datetime
    counts: dict[str, int]
    message: str


class FeedReport(BaseModel):
    """What one run of the feed did (or, in a dry run, would do)."""

    status: Literal["completed", "failed"]
    dry_run: bool
    run_id: int | None
    window_start: datetime
    window_end: datetime
    fetched: int = Field(description="offres reçues de l'API (avant dédoublonnage)")
    counts: dict[str, int]
    message: str
    import_report: ImportRead | None = None
    batch: dict[str, Any] | None = None
