"""Hours in bulk (facilitator): a company's monthly timesheet, and the month grid."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response, UploadFile

from service.accounts.auth import FacilitatorUser
from service.db import SessionDep
from service.errors import InvalidInput
from service.imports.schemas import ImportErrorRead
from service.imports.service import limits_from, too_large
from service.kit.deps import STANDARD_ERRORS, SettingsDep
from service.timesheets.reading import parse_month
from service.timesheets.schemas import GridRead, HoursImportRead
from service.timesheets.service import (
    MAX_GRID_MONTHS,
    import_hours,
    month_grid,
    timesheet_template,
)

__all__ = ["router"]

router = APIRouter(tags=["hours"], responses=STANDARD_ERRORS)


@router.post(
    "/imports/hours",
    response_model=HoursImportRead,
    responses={
        413: {"model": ImportErrorRead, "description": "fichier trop volumineux"},
        422: {"model": ImportErrorRead, "description": "relevé refusé, ligne par ligne"},
    },
)
def post_hours_import(
    session: SessionDep,
    settings: SettingsDep,
    user: FacilitatorUser,
    file: UploadFile,
    dry_run: Annotated[bool, Query(description="essai à blanc : rien n'est écrit")] = False,
) -> HoursImportRead:
    """Import a company's monthly timesheet (CSV or xlsx); a month declared is replaced."""
    limits = limits_from(settings.import_max_bytes, settings.import_max_rows)
    data = file.file.read(settings.import_max_bytes + 1)
    if len(data) > settings.import_max_bytes:
        raise too_large(len(data), limits)
    return import_hours(
        session, data, limits=limits, user=user, dry_run=dry_run, filename=file.filename or ""
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/hours/template",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}, "description": "classeur Excel"}},
)
def get_hours_template(
    session: SessionDep,
    user: FacilitatorUser,
    contract_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    company_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    first_month: Annotated[
        str | None, Query(alias="from", description="premier mois (AAAA-MM)", max_length=20)
    ] = None,
    months: Annotated[int, Query(ge=1, le=MAX_GRID_MONTHS)] = 12,
) -> Response:
    """The timesheet a company fills in (xlsx): its placements, one column per month."""
    grid = get_hours_grid(session, user, contract_id, company_id, first_month, months)
    return Response(
        timesheet_template(grid),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="releve-heures.xlsx"'},
    )


@router.get("/hours/grid", response_model=GridRead)
def get_hours_grid(
    session: SessionDep,
    user: FacilitatorUser,
    contract_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    company_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    first_month: Annotated[
        str | None, Query(alias="from", description="premier mois (AAAA-MM)", max_length=20)
    ] = None,
    months: Annotated[int, Query(ge=1, le=MAX_GRID_MONTHS)] = 12,
) -> GridRead:
    """Placements of a contract or a company in rows, months in columns, hours in the cells."""
    start = None
    if first_month:
        try:
            start = parse_month(first_month)
        except ValueError as exc:
            raise InvalidInput(f"from : {exc}") from None
    return month_grid(
        session,
        user,
        contract_id=contract_id,
        company_id=company_id,
        first_month=start,
        months=months,
        today=date.today(),
    )
