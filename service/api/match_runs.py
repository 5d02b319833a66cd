"""Batch matching runs: start one (facilitator)."""

from __future__ import annotations

from fastapi import APIRouter

from service.api.deps import STANDARD_ERRORS, SettingsDep
from service.api.imports import ScoringDep, batch_parameters
from service.auth import FacilitatorUser
from service.batch import BatchRead, run_batch
from service.db import SessionDep

__all__ = ["router"]

router = APIRouter(prefix="/match-runs", tags=["matching"], responses=STANDARD_ERRORS)


@router.post("", response_model=BatchRead)
def create_match_run(
    session: SessionDep, settings: SettingsDep, scoring: ScoringDep, user: FacilitatorUser
) -> BatchRead:
    """Score the new or changed open offers against the active pool and record the run."""
    return run_batch(session, scoring, user=user, params=batch_parameters(settings, scoring))
