"""API bodies of a timesheet import and of the month grid."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field

__all__ = ["GridRead", "GridRow", "HoursImportLine", "HoursImportRead"]


class HoursImportLine(BaseModel):
    """One month of one placement the file sets."""

    line: int = Field(description="ligne du fichier (1 = en-tête)")
    placement_id: int
    follow_up_id: str = Field(description="identifiant de suivi de la personne")
    lot_reference: str
    month: date
    hours: float
    previous_hours: float | None = Field(description="heures déjà déclarées pour ce mois")
    change: Literal["created", "replaced", "unchanged"]


class HoursImportRead(BaseModel):
    """What a timesheet import did (or, in a dry run, would do). A month already declared is
    **replaced** by the file's figure, never added to it: importing the same file twice changes
    nothing the second time."""

    kind: Literal["hours"] = "hours"
    dry_run: bool
    format: str = Field(description="csv ou xlsx")
    rows: int = Field(description="lignes valides lues")
    created: int = Field(description="mois déclarés pour la première fois")
    updated: int = Field(description="mois dont les heures sont remplacées")
    unchanged: int = Field(description="mois déjà déclarés avec ces heures")
    hours_total: float = Field(description="total des heures du fichier")
    placements: int = Field(description="placements concernés")
    warnings: list[str] = Field(default_factory=list)
    lines: list[HoursImportLine] = Field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return not self.dry_run and bool(self.created or self.updated)


class GridRow(BaseModel):
    """One placement in the month grid: a person on a lot, their hours by month."""

    placement_id: int
    candidate_id: int
    follow_up_id: str
    lot_id: int
    lot_reference: str
    start_date: date
    end_date: date | None
    hours: dict[str, float | None] = Field(
        description="heures par mois (AAAA-MM) ; null : rien de déclaré"
    )
    editable: dict[str, bool] = Field(description="mois dans les dates du placement")
    total_hours: float = Field(description="total des heures du placement, tous mois compris")


class GridRead(BaseModel):
    """The month grid of a contract or a company: placements in rows, months in columns."""

    months: list[str] = Field(description="mois affichés (AAAA-MM)")
    rows: list[GridRow]
    month_totals: dict[str, float]
