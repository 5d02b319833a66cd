"""The audit log (admin only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from service import services
from service.api.deps import STANDARD_ERRORS, PageDep
from service.auth import AdminUser
from service.db import SessionDep
from service.errors import InvalidInput
from service.repositories import AuditFilter
from service.schemas import AuditRead, Page

router = APIRouter(prefix="/audit", tags=["audit"], responses=STANDARD_ERRORS)

Word = Annotated[str | None, Query(pattern=r"^[a-z_]{1,32}$")]


@router.get("", response_model=Page[AuditRead])
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
    rows, total = services.list_audit(session, where, page)
    return Page[AuditRead](
        items=[AuditRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )
