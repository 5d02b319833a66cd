"""Liveness and schema revision; the only route that needs no token."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from service.db import SessionDep, head_revision
from service.errors import error_body
from service.kit.deps import error_responses
from service.system.repository import SchemaRepository
from service.system.schemas import HealthRead

router = APIRouter(tags=["health"])


logger = logging.getLogger(__name__)


@router.get("/health", response_model=HealthRead, responses=error_responses(503))
def get_health(session: SessionDep) -> HealthRead | JSONResponse:
    """Database reachable and at which migration revision."""
    try:
        revision = SchemaRepository(session).current_revision()
    except SQLAlchemyError as exc:
        logger.warning("health: database unreachable (%s)", type(exc).__name__)
        return JSONResponse(
            error_body("ServiceUnavailable", "base de données injoignable"), status_code=503
        )
    return HealthRead(status="ok", database="ok", revision=revision, head=head_revision())
