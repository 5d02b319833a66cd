"""API bodies of users and audit entries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    StringConstraints,
)

from service.kit.schemas import InputModel, ReadModel, Version

__all__ = ["AuditRead", "UserCreate", "UserCreated", "UserRead", "UserUpdate"]


Role = Literal["coach", "facilitator", "admin"]


class UserCreate(InputModel):
    username: Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{1,63}$")]
    role: Role


class UserUpdate(InputModel):
    role: Role | None = None
    is_active: bool | None = None
    version: Version


class UserRead(ReadModel):
    id: int
    username: str
    role: Role
    is_active: bool
    version: int
    created_at: datetime


class UserCreated(UserRead):
    token: str = Field(description="jeton d'API, affiché une seule fois")


class AuditRead(ReadModel):
    id: int
    at: datetime
    user_id: int | None
    role: str
    action: str
    entity_type: str
    entity_id: int | None
    detail: dict[str, Any] | None
