"""Users (admin) and the audit log (admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from service.accounts import audit
from service.accounts import service as accounts_service
from service.accounts.auth import AdminUser, AnyUser
from service.accounts.repository import AuditFilter
from service.accounts.schemas import AuditRead, UserCreate, UserCreated, UserRead, UserUpdate
from service.db import SessionDep
from service.errors import InvalidInput
from service.kit.deps import STANDARD_ERRORS, EntityId, PageDep
from service.kit.schemas import Page

__all__ = ["audit_router", "users_router"]


users_router = APIRouter(tags=["users"], responses=STANDARD_ERRORS)


@users_router.get("/me", response_model=UserRead)
def get_me(user: AnyUser) -> UserRead:
    """The account the presented token belongs to."""
    return UserRead.model_validate(user)


@users_router.get("/users", response_model=Page[UserRead])
def list_users(session: SessionDep, _: AdminUser, page: PageDep) -> Page[UserRead]:
    """Every account."""
    rows, total = accounts_service.list_users(session, page)
    return Page[UserRead](
        items=[UserRead.model_validate(u) for u in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@users_router.post("/users", response_model=UserCreated, status_code=201)
def create_user(session: SessionDep, admin: AdminUser, body: UserCreate) -> UserCreated:
    """Create an account; the answer holds its API token, shown this once only."""
    user, token = accounts_service.create_user(session, admin, body)
    return UserCreated.model_validate(
        {**UserRead.model_validate(user).model_dump(), "token": token}
    )


@users_router.get("/users/{user_id}", response_model=UserRead)
def get_user(session: SessionDep, _: AdminUser, user_id: EntityId) -> UserRead:
    """One account."""
    return UserRead.model_validate(accounts_service.get_user(session, user_id))


@users_router.patch("/users/{user_id}", response_model=UserRead)
def update_user(
    session: SessionDep, admin: AdminUser, user_id: EntityId, body: UserUpdate
) -> UserRead:
    """Change an account's role or deactivate it; send the `version` you read."""
    return UserRead.model_validate(accounts_service.update_user(session, admin, user_id, body))


@users_router.post("/users/{user_id}/token", response_model=UserCreated)
def rotate_token(session: SessionDep, admin: AdminUser, user_id: EntityId) -> UserCreated:
    """Replace an account's API token (the old one stops working); shown this once only."""
    user, token = accounts_service.rotate_token(session, admin, user_id)
    return UserCreated.model_validate(
        {**UserRead.model_validate(user).model_dump(), "token": token}
    )


audit_router = APIRouter(prefix="/audit", tags=["audit"], responses=STANDARD_ERRORS)


Word = Annotated[str | None, Query(pattern=r"^[a-z_]{1,32}$")]


@audit_router.get("", response_model=Page[AuditRead])
def list_audit(
    session: SessionDep,
    _: AdminUser,
    page: PageDep,
    user_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    entity_type: Word = None,
    entity_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    action: Word = None,
    since: Annotated[
        datetime | None, Query(alias="from", description="à partir de (inclus), ISO 8601")
    ] = None,
    until: Annotated[
        datetime | None, Query(alias="to", description="jusqu'à (exclu), ISO 8601")
    ] = None,
) -> Page[AuditRead]:
    """Audit entries, newest first, filtered by user, entity, action and time."""
    for name, value in (("from", since), ("to", until)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(f"{name} : donnez un fuseau horaire (ex. 2026-01-31T00:00:00Z)")
    if since is not None and until is not None and until < since:
        raise InvalidInput(f"to ({until}) est avant from ({since})")
    where = AuditFilter(
        user_id=user_id,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        since=since,
        until=until,
    )
    rows, total = audit.list_audit(session, where, page)
    return Page[AuditRead](
        items=[AuditRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )
