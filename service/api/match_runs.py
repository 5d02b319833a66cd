"""Batch matching runs: start one (facilitator), list the recorded ones (facilitator, admin)."""

from __future__ import annotations

from fastapi import APIRouter

from service.api.deps import STANDARD_ERRORS, PageDep, SettingsDep
from service.api.imports import ScoringDep, batch_parameters
from service.auth import FacilitatorUser, ManagerUser
from service.batch import BatchRead, MatchRunRead, list_runs, run_batch
from service.db import SessionDep
from service.schemas import Page

__all__ = ["router"]

router = APIRouter(prefix="/match-runs", tags=["matching"], responses=STANDARD_ERRORS)


@router.post("", response_model=BatchRead)
def create_match_run(
    session: SessionDep, settings: SettingsDep, scoring: ScoringDep, user: FacilitatorUser
) -> BatchRead:
    """Score the new or changed open offers against the active pool and record the run."""
    return run_batch(session, scoring, user=user, params=batch_parameters(settings, scoring))


@router.get("", response_model=Page[MatchRunRead])
def list_match_runs(session: SessionDep, _: ManagerUser, page: PageDep) -> Page[MatchRunRead]:
    """Recorded runs, newest first: status, model version, parameters, input hash, counts."""
    runs, total = list_runs(session, limit=page.limit, offset=page.offset)
    return Page[MatchRunRead](items=runs, total=total, limit=page.limit, offset=page.offset)
