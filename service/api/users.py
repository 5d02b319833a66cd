"""Users and their API tokens (admin), and who the caller is (everyone)."""

from __future__ import annotations

from fastapi import APIRouter

from service import services
from service.api.deps import STANDARD_ERRORS, EntityId, PageDep
from service.auth import AdminUser, AnyUser
from service.db import SessionDep
from service.schemas import Page, UserCreate, UserCreated, UserRead, UserUpdate

router = APIRouter(tags=["users"], responses=STANDARD_ERRORS)


@router.get("/me", response_model=UserRead)
def get_me(user: AnyUser) -> UserRead:
    """The account the presented token belongs to."""
    return UserRead.model_validate(user)


@router.get("/users", response_model=Page[UserRead])
def list_users(session: SessionDep, _: AdminUser, page: PageDep) -> Page[UserRead]:
    """Every account."""
    rows, total = services.list_users(session, page)
    return Page[UserRead](
        items=[UserRead.model_validate(u) for u in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("/users", response_model=UserCreated, status_code=201)
def create_user(session: SessionDep, admin: AdminUser, body: UserCreate) -> UserCreated:
    """Create an account; the answer holds its API token, shown this once only."""
    user, token = services.create_user(session, admin, body)
    return UserCreated.model_validate(
        {**UserRead.model_validate(user).model_dump(), "token": token}
    )


@router.get("/users/{user_id}", response_model=UserRead)
def get_user(session: SessionDep, _: AdminUser, user_id: EntityId) -> UserRead:
    """One account."""
    return UserRead.model_validate(services.get_user(session, user_id))


@router.patch("/users/{user_id}", response_model=UserRead)
def update_user(
    session: SessionDep, admin: AdminUser, user_id: EntityId, body: UserUpdate
) -> UserRead:
    """Change an account's role or deactivate it; send the `version` you read."""
    return UserRead.model_validate(services.update_user(session, admin, user_id, body))


@router.post("/users/{user_id}/token", response_model=UserCreated)
def rotate_token(session: SessionDep, admin: AdminUser, user_id: EntityId) -> UserCreated:
    """Replace an account's API token (the old one stops working); shown this once only."""
    user, token = services.rotate_token(session, admin, user_id)
    return UserCreated.model_validate(
        {**UserRead.model_validate(user).model_dump(), "token": token}
    )
