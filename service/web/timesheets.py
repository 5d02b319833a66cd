"""Hours in bulk (facilitator): a company's monthly timesheet (upload, check, confirm) and the
month grid of a contract or a company, each cell saved at once with the placements' own rule."""

from __future__ import annotations

import hashlib
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from service.db import SessionDep
from service.errors import AppError, InvalidInput
from service.imports.service import limits_from
from service.procurement.service import get_company, get_contract, list_companies, list_contracts
from service.timesheets.reading import parse_month
from service.timesheets.service import import_hours, month_grid, month_key, timesheet_template
from service.web.auth import FacilitatorPage, WebContext, csrf_protect
from service.web.common import ALL, MAX_ID, person_names
from service.web.forms import refusal
from service.web.templating import render, templates
from service.workflow import placements
from service.workflow import schemas as workflow_schemas

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


def fr_hours(value: float | None) -> str:
    """ "151,67", "60" (hours as a facilitator writes them)."""
    return "" if value is None else f"{round(value, 2):g}".replace(".", ",")


templates.env.filters["fr_hours"] = fr_hours


def _stash(web: WebContext, digest: str) -> Path:
    # One file per session and content: another session cannot confirm it.
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise InvalidInput("relevé à confirmer inconnu : déposez-le de nouveau")
    folder = Path(tempfile.gettempdir()) / "clausematch-web-hours"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / f"{web.session_id}-{digest}"


def _choices(session: SessionDep) -> dict[str, Any]:
    contracts, _ = list_contracts(session, ALL)
    companies, _ = list_companies(session, ALL)
    return {"contracts": contracts, "companies": companies}


@router.get("/facilitateur/heures", response_class=HTMLResponse)
def hours_page(request: Request, session: SessionDep, web: FacilitatorPage) -> HTMLResponse:
    return render(
        request,
        "facilitator/hours.html",
        web,
        page_title="Heures : relevés et grille",
        nav="heures",
        **_choices(session),
    )


@router.post("/facilitateur/heures/releve", response_class=HTMLResponse)
def hours_upload(
    request: Request, session: SessionDep, web: FacilitatorPage, fichier: UploadFile
) -> HTMLResponse:
    settings = request.app.state.settings
    limits = limits_from(settings.import_max_bytes, settings.import_max_rows)
    data = fichier.file.read(settings.import_max_bytes + 1)
    digest = hashlib.sha256(data).hexdigest()
    report = None
    error: str | None = None
    errors: list[dict[str, object]] = []
    if not data:
        error = (
            "Relevé refusé, rien n'a été modifié : le fichier est vide. Choisissez le relevé de "
            "l'entreprise, puis « Vérifier »."
        )
    elif len(data) > settings.import_max_bytes:
        error = (
            "Relevé refusé, rien n'a été modifié : fichier trop volumineux (au plus "
            f"{settings.import_max_bytes // 1_048_576} Mo)."
        )
    else:
        try:
            report = import_hours(
                session,
                data,
                limits=limits,
                user=web.user,
                dry_run=True,
                filename=fichier.filename or "",
            )
        except AppError as exc:
            error, errors = exc.detail, exc.errors or []
        else:
            _stash(web, digest).write_bytes(data)
    return render(
        request,
        "facilitator/hours.html",
        web,
        status_code=422 if error else 200,
        page_title="Heures — vérification du relevé",
        nav="heures",
        report=report,
        error=error,
        row_errors=errors[:200],
        digest=digest,
        filename=fichier.filename or "",
        **_choices(session),
    )


@router.post("/facilitateur/heures/releve/confirmer", response_class=HTMLResponse)
def hours_confirm(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    empreinte: Annotated[str, Form(max_length=64)],
    nom: Annotated[str, Form(max_length=300)] = "",
) -> HTMLResponse:
    settings = request.app.state.settings
    path = _stash(web, empreinte)
    if not path.is_file():
        raise InvalidInput(
            "relevé à confirmer introuvable (déjà appliqué ?) : déposez-le de nouveau"
        )
    report = import_hours(
        session,
        path.read_bytes(),
        limits=limits_from(settings.import_max_bytes, settings.import_max_rows),
        user=web.user,
        filename=nom,
    )
    path.unlink(missing_ok=True)
    return render(
        request,
        "facilitator/hours.html",
        web,
        page_title="Heures — relevé appliqué",
        nav="heures",
        report=report,
        applied=True,
        **_choices(session),
    )


def _scope(marche: str, entreprise: str) -> tuple[int | None, int | None]:
    def number(text: str) -> int | None:
        if not text:
            return None
        if not text.isdigit() or not 1 <= int(text) <= MAX_ID:
            raise InvalidInput("choisissez un marché ou une entreprise dans la liste")
        return int(text)

    contract_id, company_id = number(marche), number(entreprise)
    if (contract_id is None) == (company_id is None):
        raise InvalidInput("choisissez un marché ou une entreprise (l'un des deux)")
    return contract_id, company_id


def _first_month(text: str) -> date | None:
    try:
        return parse_month(text) if text else None
    except ValueError as exc:
        raise InvalidInput(f"depuis : {exc}") from None


def _grid_page(
    request: Request,
    session: SessionDep,
    web: WebContext,
    *,
    marche: str,
    entreprise: str,
    depuis: str,
    typed: dict[str, str] | None = None,
    cell_errors: dict[str, str] | None = None,
    status_code: int = 200,
    saved: int | None = None,
) -> HTMLResponse:
    contract_id, company_id = _scope(marche, entreprise)
    first = _first_month(depuis)
    grid = month_grid(
        session,
        web.user,
        contract_id=contract_id,
        company_id=company_id,
        first_month=first,
        months=12,
        today=date.today(),
    )
    if contract_id is not None:
        contract = get_contract(session, contract_id)
        title = f"marché {contract.reference} — {contract.title}"
    else:
        title = get_company(session, company_id or 0).name
    first_month = date.fromisoformat(grid.months[0] + "-01")
    return render(
        request,
        "facilitator/hours_grid.html",
        web,
        status_code=status_code,
        page_title=f"Grille des heures — {title}",
        nav="heures",
        grid=grid,
        names=person_names(session, {r.candidate_id for r in grid.rows}),
        scope_title=title,
        marche=marche,
        entreprise=entreprise,
        previous=month_key(_shift(first_month, -12)),
        following=month_key(_shift(first_month, 12)),
        depuis=grid.months[0],
        typed=typed or {},
        cell_errors=cell_errors or {},
        saved=saved,
    )


def _shift(month: date, n: int) -> date:
    y, m = divmod(month.month - 1 + n, 12)
    return date(month.year + y, m + 1, 1)


@router.get("/facilitateur/heures/modele.xlsx")
def grid_template(
    session: SessionDep,
    web: FacilitatorPage,
    marche: str = "",
    entreprise: str = "",
    depuis: str = "",
) -> Response:
    """The workbook to send to the company: its placements, one column per month."""
    contract_id, company_id = _scope(marche, entreprise)
    grid = month_grid(
        session,
        web.user,
        contract_id=contract_id,
        company_id=company_id,
        first_month=_first_month(depuis),
        months=12,
        today=date.today(),
    )
    return Response(
        timesheet_template(grid),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": 'attachment; filename="releve-heures.xlsx"'},
    )


@router.get("/facilitateur/heures/grille", response_class=HTMLResponse)
def grid_page(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    marche: str = "",
    entreprise: str = "",
    depuis: str = "",
) -> HTMLResponse:
    return _grid_page(request, session, web, marche=marche, entreprise=entreprise, depuis=depuis)


def _save_cell(
    session: SessionDep, web: WebContext, placement_id: int, month: str, text: str
) -> str | None:
    """Save one cell with the placements' rule; the French reason of a refusal, else None."""
    try:
        first = date.fromisoformat(f"{month}-01")
        value = float(text.replace(",", ".").replace(" ", "").removesuffix("h"))
    except ValueError:
        return f"« {text} » n'est pas un nombre d'heures (ex. 120 ou 37,5)"
    error = refusal(
        lambda: placements.put_hours(
            session,
            web.user,
            placement_id,
            workflow_schemas.HoursIn(items=[workflow_schemas.MonthHours(month=first, hours=value)]),
        ),
        not_found_passes=False,
    )
    # Beside its cell the month and the verdict go without saying.
    return error.removeprefix("heures refusées : ") if error else None


async def _form_fields(request: Request) -> dict[str, str]:
    # The grid's cells are named after their placement and month: read the form whole (the
    # CSRF check has parsed it already).
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


@router.post("/facilitateur/heures/grille", response_class=HTMLResponse)
def grid_save(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    form: Annotated[dict[str, str], Depends(_form_fields)],
) -> Response:
    """The whole grid sent at once (without JavaScript): every changed cell saved, each
    refusal shown beside its cell."""
    marche = form.get("marche", "")[:12]
    entreprise = form.get("entreprise", "")[:12]
    depuis = form.get("depuis", "")[:7]
    contract_id, company_id = _scope(marche, entreprise)
    grid = month_grid(
        session,
        web.user,
        contract_id=contract_id,
        company_id=company_id,
        first_month=_first_month(depuis),
        months=12,
        today=date.today(),
    )
    typed: dict[str, str] = {}
    errors: dict[str, str] = {}
    saved = 0
    for row in grid.rows:
        for month in grid.months:
            name = f"h-{row.placement_id}-{month}"
            raw = form.get(name)
            if raw is None or not row.editable[month]:
                continue
            text = raw.strip()[:20]
            before = row.hours[month]
            if text == "" and before is None:
                continue
            if text == "":
                typed[name], errors[name] = text, "pour retirer des heures, saisissez 0"
                continue
            if before is not None and _same(text, before):
                continue
            error = _save_cell(session, web, row.placement_id, month, text)
            if error:
                typed[name], errors[name] = text, error
            else:
                saved += 1
    return _grid_page(
        request,
        session,
        web,
        marche=marche,
        entreprise=entreprise,
        depuis=depuis,
        typed=typed,
        cell_errors=errors,
        status_code=422 if errors else 200,
        saved=saved,
    )


def _same(text: str, value: float) -> bool:
    try:
        return float(text.replace(",", ".").replace(" ", "").removesuffix("h")) == value
    except ValueError:
        return False


@router.post("/facilitateur/heures/cellule")
def grid_cell(
    session: SessionDep,
    web: FacilitatorPage,
    placement_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    mois: Annotated[str, Form(min_length=7, max_length=7)],
    heures: Annotated[str, Form(max_length=20)] = "",
    marche: Annotated[str, Form(max_length=12)] = "",
    entreprise: Annotated[str, Form(max_length=12)] = "",
) -> JSONResponse:
    """One cell saved at once (the grid's script): the new totals (the placement's, and the
    month's over the grid's scope when given), or the French refusal."""
    text = heures.strip()
    if not text:
        return JSONResponse(
            {"ok": False, "error": "pour retirer des heures, saisissez 0"}, status_code=422
        )
    error = _save_cell(session, web, placement_id, mois, text)
    if error:
        return JSONResponse({"ok": False, "error": error}, status_code=422)
    declared = placements.get_hours(session, placement_id)
    value = next(i.hours for i in declared.items if month_key(i.month) == mois)
    body: dict[str, object] = {
        "ok": True,
        "hours": value,
        "row_total": round(declared.total_hours, 2),
    }
    if marche or entreprise:
        contract_id, company_id = _scope(marche, entreprise)
        column = month_grid(
            session,
            web.user,
            contract_id=contract_id,
            company_id=company_id,
            first_month=date.fromisoformat(f"{mois}-01"),
            months=1,
            today=date.today(),
        )
        body["month_total"] = column.month_totals[mois]
    return JSONResponse(body)
