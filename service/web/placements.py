"""Pages of the clause's execution: contracts and lots with their hours, placements, the hours
of each month and how each placement ended."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from service.db import SessionDep
from service.errors import AppError, NotFound
from service.people.service import get_candidate
from service.procurement.service import get_lot, list_contracts, list_lots
from service.reports import common, exports
from service.scoring.state import ScoringState
from service.web.auth import FacilitatorPage, WebContext, csrf_protect
from service.web.common import ALL, MAX_ID, person_names, resolve_person
from service.web.forms import errors_text, refusal
from service.web.templating import render
from service.workflow import placements, states
from service.workflow import schemas as workflow_schemas

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


@router.get("/facilitateur/marches", response_class=HTMLResponse)
def contracts_page(request: Request, session: SessionDep, web: FacilitatorPage) -> HTMLResponse:
    contracts, _ = list_contracts(session, ALL)
    lots, _ = list_lots(session, ALL)
    # Hours done and the lots behind schedule: the execution report's own figures.
    execution = exports.build_report(
        session,
        request.app.state.referentials,
        web.user,
        "execution",
        common.ReportFilter(),
        today=ScoringState.today(),
        tolerance=request.app.state.settings.report_risk_tolerance,
    )
    progress: dict[str, dict[str, Any]] = {
        str(row["lot"]): {str(k): v for k, v in row.items()}
        for row in execution.tables["lots"].to_dict("records")
    }
    by_contract: dict[int, list[object]] = {}
    for lot in lots:
        by_contract.setdefault(lot.contract_id, []).append(lot)
    return render(
        request,
        "facilitator/contracts.html",
        web,
        page_title="Marchés et lots",
        nav="marches",
        contracts=contracts,
        lots=by_contract,
        progress=progress,
        tolerance=request.app.state.settings.report_risk_tolerance,
    )


def _placements_list(
    request: Request,
    session: SessionDep,
    web: WebContext,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    rows, _ = placements.list_placements(session, web.user, ALL)
    all_lots, _ = list_lots(session, ALL)
    lots = {lot.id: lot for lot in all_lots}
    return render(
        request,
        "facilitator/placements.html",
        web,
        status_code=status_code,
        page_title="Placements et heures",
        nav="placements",
        placements=rows,
        people=person_names(session, {r.candidate_id for r in rows}),
        lots=lots,
        delivery_modes=states.DELIVERY_MODE_LABELS,
        error=error,
        form=form or {},
        today=date.today(),
    )


@router.get("/facilitateur/placements", response_class=HTMLResponse)
def placements_page(request: Request, session: SessionDep, web: FacilitatorPage) -> HTMLResponse:
    return _placements_list(request, session, web)


@router.post("/facilitateur/placements", response_class=HTMLResponse)
def create_placement_form(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    personne: Annotated[str, Form(max_length=64)] = "",
    lot_id: Annotated[str, Form(max_length=12)] = "",
    delivery_mode: Annotated[str, Form(max_length=32)] = "",
    contract_type: Annotated[str, Form(max_length=16)] = "",
    start_date: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    form = {
        "personne": personne,
        "lot_id": lot_id,
        "delivery_mode": delivery_mode,
        "contract_type": contract_type,
        "start_date": start_date,
    }
    try:
        person = resolve_person(session, web, personne)
        data = workflow_schemas.PlacementCreate.model_validate(
            {
                "candidate_id": person.id,
                "lot_id": lot_id,
                "delivery_mode": delivery_mode,
                "contract_type": contract_type,
                "start_date": start_date,
            }
        )
        created = placements.create_placement(session, web.user, data)
    except ValidationError as exc:
        error = errors_text(exc)
    except AppError as exc:
        error = exc.detail
    else:
        return RedirectResponse(f"/facilitateur/placements/{created.id}?msg=modifie", 303)
    return _placements_list(
        request,
        session,
        web,
        error=f"Placement non créé : {error}",
        form=form,
        status_code=422,
    )


def _placement_page(
    request: Request,
    session: SessionDep,
    web: WebContext,
    placement_id: int,
    *,
    error: str | None = None,
    month: str = "",
    hours: str = "",
    outcome_error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    if not 1 <= placement_id <= MAX_ID:
        raise NotFound(f"placement {placement_id} introuvable")
    placement = placements.get_placement(session, web.user, placement_id)
    person = get_candidate(session, web.user, placement.candidate_id)
    lot = get_lot(session, placement.lot_id)
    declared = placements.get_hours(session, placement_id)
    return render(
        request,
        "facilitator/placement.html",
        web,
        status_code=status_code,
        page_title=f"Placement {placement.id}",
        nav="placements",
        placement=placement,
        person=person,
        lot=lot,
        declared=declared,
        error=error,
        month=month,
        hours=hours,
        outcomes=states.OUTCOME_LABELS,
        outcome_error=outcome_error,
    )


@router.get("/facilitateur/placements/{placement_id}", response_class=HTMLResponse)
def placement_page(
    request: Request, session: SessionDep, web: FacilitatorPage, placement_id: int
) -> HTMLResponse:
    return _placement_page(request, session, web, placement_id)


@router.post("/facilitateur/placements/{placement_id}/heures", response_class=HTMLResponse)
def record_hours(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    placement_id: int,
    month: Annotated[str, Form(max_length=10)] = "",
    hours: Annotated[str, Form(max_length=20)] = "",
) -> Response:
    try:
        first_day = date.fromisoformat(f"{month}-01" if len(month) == 7 else month)
        value = float(hours.replace(",", ".").strip())
    except ValueError:
        return _placement_page(
            request,
            session,
            web,
            placement_id,
            error="Indiquez le mois (AAAA-MM) et un nombre d'heures (ex. 120 ou 37,5).",
            month=month,
            hours=hours,
            status_code=422,
        )
    error = refusal(
        lambda: placements.put_hours(
            session,
            web.user,
            placement_id,
            workflow_schemas.HoursIn(
                items=[workflow_schemas.MonthHours(month=first_day, hours=value)]
            ),
        )
    )
    if error is None:
        return RedirectResponse(
            f"/facilitateur/placements/{placement_id}?msg=heures", status_code=303
        )
    return _placement_page(
        request,
        session,
        web,
        placement_id,
        error=f"Heures non enregistrées : {error}",
        month=month,
        hours=hours,
        status_code=422,
    )


@router.post("/facilitateur/placements/{placement_id}/situation", response_class=HTMLResponse)
def record_outcomes(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    placement_id: int,
    version: Annotated[int, Form(ge=1)],
    end_date: Annotated[str, Form(max_length=10)] = "",
    outcome_at_end: Annotated[str, Form(max_length=32)] = "",
    outcome_6_months: Annotated[str, Form(max_length=32)] = "",
) -> Response:
    fields: dict[str, object] = {
        "version": version,
        "end_date": end_date or None,
        "outcome_at_end": outcome_at_end or None,
        "outcome_6_months": outcome_6_months or None,
    }
    error = refusal(
        lambda: placements.update_placement(
            session,
            web.user,
            placement_id,
            workflow_schemas.PlacementUpdate.model_validate(fields),
        )
    )
    if error is None:
        return RedirectResponse(
            f"/facilitateur/placements/{placement_id}?msg=modifie", status_code=303
        )
    return _placement_page(
        request,
        session,
        web,
        placement_id,
        outcome_error=f"Situation non enregistrée : {error}",
        status_code=409 if "modifié" in error else 422,
    )
