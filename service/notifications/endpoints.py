"""E-mail: each user's own preferences; the outbox for the admin (no content, no address)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from service.accounts.auth import AdminUser, AnyUser
from service.db import SessionDep
from service.kit.deps import STANDARD_ERRORS, PageDep
from service.kit.schemas import Page
from service.notifications.schemas import MailRead, PreferencesRead, PreferencesUpdate
from service.notifications.service import get_preferences, list_outbox, update_preferences

__all__ = ["outbox_router", "preferences_router"]


preferences_router = APIRouter(prefix="/me", tags=["notifications"], responses=STANDARD_ERRORS)
outbox_router = APIRouter(
    prefix="/notifications", tags=["notifications"], responses=STANDARD_ERRORS
)


@preferences_router.get("/notifications", response_model=PreferencesRead)
def get_my_notifications(session: SessionDep, user: AnyUser) -> PreferencesRead:
    """My e-mail address and what I receive."""
    return get_preferences(session, user)


@preferences_router.put("/notifications", response_model=PreferencesRead)
def put_my_notifications(
    session: SessionDep, user: AnyUser, data: PreferencesUpdate
) -> PreferencesRead:
    """Change my e-mail address and what I receive (no address: nothing is sent)."""
    return update_preferences(session, user, data)


@outbox_router.get("/outbox", response_model=Page[MailRead])
def get_outbox(
    session: SessionDep,
    user: AdminUser,
    page: PageDep,
    status: Annotated[
        Literal["queued", "sending", "sent", "failed", "cancelled"] | None,
        Query(description="état des messages"),
    ] = None,
) -> Page[MailRead]:
    """Messages queued, sent or failed (kind, state, attempts, error; never their content)."""
    items, total = list_outbox(session, status=status, page=page)
    return Page[MailRead](items=items, total=total, limit=page.limit, offset=page.offset)
