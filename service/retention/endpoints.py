"""Retention runs (admin: run or simulate; admin and facilitator: read)."""

from __future__ import annotations

from fastapi import APIRouter

from service.accounts.audit import audit
from service.accounts.auth import AdminUser, ManagerUser
from service.db import SessionDep, utcnow
from service.kit.deps import STANDARD_ERRORS, PageDep, SettingsDep
from service.kit.schemas import Page
from service.kit.times import PARIS
from service.retention.schemas import (
    CategoryCount,
    RetentionRunCreate,
    RetentionRunRead,
    RetentionRunResult,
)
from service.retention.service import (
    CATEGORIES,
    Periods,
    RetentionResult,
    anonymise_inactive,
    list_runs,
    run_retention,
)

__all__ = ["result_read", "router"]

router = APIRouter(prefix="/retention", tags=["retention"], responses=STANDARD_ERRORS)


def result_read(result: RetentionResult) -> RetentionRunResult:
    return RetentionRunResult(
        dry_run=result.dry_run,
        run_id=result.run_id,
        categories=[
            CategoryCount(category=k, label=label, count=result.counts[k])
            for k, label in CATEGORIES.items()
        ],
        refused=result.refused,
        audit_head_seq=result.audit_head_seq,
        audit_head_hash=result.audit_head_hash,
    )


@router.get("/runs", response_model=Page[RetentionRunRead])
def list_retention_runs(
    session: SessionDep, _: ManagerUser, page: PageDep
) -> Page[RetentionRunRead]:
    """Applied retention runs, newest first."""
    rows, total = list_runs(session, limit=page.limit, offset=page.offset)
    return Page[RetentionRunRead](
        items=[RetentionRunRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("/runs", response_model=RetentionRunResult)
def create_retention_run(
    session: SessionDep, admin: AdminUser, settings: SettingsDep, body: RetentionRunCreate
) -> RetentionRunResult:
    """Apply the retention periods (or list what they would do, with `dry_run`)."""
    now = utcnow()
    result = run_retention(
        session,
        periods=Periods.from_settings(settings),
        anonymise=anonymise_inactive(now.astimezone(PARIS).date()),
        now=now,
        user=admin,
        drop_dir=settings.drop_dir,
        dry_run=body.dry_run,
    )
    if body.dry_run:
        audit(session, admin, "retention_dry_run", "retention_run", None, {"counts": result.counts})
    return result_read(result)
