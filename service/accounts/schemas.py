"""API bodies of users and audit entries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    Field,
    StringConstraints,
)

from service.kit.schemas import InputModel, ReadModel, Version

__all__ = [
    "AccountSetup",
    "AuditRead",
    "ChainRead",
    "TokenRead",
    "UserCreate",
    "UserCreated",
    "UserRead",
    "UserUpdate",
]


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
    pending_role: Role | None = Field(
        default=None, description="rôle demandé, en attente de la validation d'un facilitateur"
    )
    token_expires_at: datetime | None = None
    version: int
    created_at: datetime


class UserCreated(UserRead):
    token: str | None = Field(
        default=None, description="jeton d'API, affiché une seule fois (à son titulaire)"
    )
    setup_code: str | None = Field(
        default=None,
        description=(
            "code d'activation à usage unique, à remettre à la personne : elle choisit son mot "
            "de passe et obtient son jeton avec (POST /account/setup)"
        ),
    )


class TokenRead(ReadModel):
    token: str = Field(description="jeton d'API, affiché une seule fois")
    expires_at: datetime


class AccountSetup(InputModel):
    code: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=1000)] | None = None


class AuditRead(ReadModel):
    id: int
    at: datetime
    user_id: int | None
    role: str
    action: str
    entity_type: str
    entity_id: int | None
    detail: dict[str, Any] | None
    seq: int | None = None
    hash: str | None = None


class ChainRead(ReadModel):
    """The audit chain's state: ``ok``, the entries checked from the latest checkpoint, its head
    (number and hash, to keep outside the database) and the first broken entry (French)."""

    ok: bool
    checked: int
    start_seq: int
    head_seq: int
    head_hash: str
    first_broken: str | None
    first_broken_seq: int | None
    problems: list[str]
