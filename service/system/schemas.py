"""API body of the health check."""

from __future__ import annotations

from typing import Literal

from pydantic import (
    BaseModel,
)

__all__ = ["HealthRead"]


class HealthRead(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    revision: str | None
    head: str | None
