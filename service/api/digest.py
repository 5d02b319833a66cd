"""A coach's digest: new matches for their caseload since the last one."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from service.api.deps import STANDARD_ERRORS, RefsDep
from service.auth import require_roles
from service.db import SessionDep
from service.digest import DigestRead, coach_digest
from service.models import User

__all__ = ["router"]

router = APIRouter(prefix="/coaches", tags=["matching"], responses=STANDARD_ERRORS)

CoachUser = Annotated[User, Depends(require_roles("coach"))]


@router.get("/me/digest", response_model=DigestRead)
def get_my_digest(
    session: SessionDep,
    refs: RefsDep,
    user: CoachUser,
    peek: Annotated[bool, Query(description="regarder sans marquer comme lu")] = False,
) -> DigestRead:
    """New matches for my caseload since my last digest, by offer, explained; marks them read."""
    return coach_digest(session, user, refs=refs, peek=peek, actor=user)
