"""API bodies of retention runs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from service.kit.schemas import InputModel, ReadModel

__all__ = ["CategoryCount", "RetentionRunCreate", "RetentionRunRead", "RetentionRunResult"]


class RetentionRunCreate(InputModel):
    dry_run: bool = Field(False, description="lister sans rien changer")


class CategoryCount(ReadModel):
    category: str
    label: str
    count: int


class RetentionRunResult(ReadModel):
    """What a run did, or (``dry_run``) would do, by category."""

    dry_run: bool
    run_id: int | None
    categories: list[CategoryCount]
    refused: list[int] = Field(
        description="n° interne des personnes dont l'anonymisation est refusée"
    )
    audit_head_seq: int | None
    audit_head_hash: str | None


class RetentionRunRead(ReadModel):
    id: int
    started_at: datetime
    finished_at: datetime | None
    user_id: int | None
    periods: dict[str, Any]
    counts: dict[str, int]
    audit_head_seq: int | None
    audit_head_hash: str | None
