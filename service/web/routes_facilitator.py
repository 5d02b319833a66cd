"""Facilitator's pages: validation queue, proposals' follow-up, contracts and lots with their
hours, placements and monthly hours, imports (upload, dry run, confirm).

Reports, the hours calculator and the supply check are in :mod:`service.web.routes_reports`.
"""

from __future__ import annotations

import hashlib
import tempfile
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from service.db import SessionDep
from service.errors import AppError, InvalidInput, NotFound
from service.people.repository import CandidateRepository
from service.people.service import get_candidate
from service.procurement.service import get_lot, list_contracts, list_lots
from service.reports import common, exports
from service.scoring.state import ScoringState
from service.web.auth import FacilitatorPage, WebContext, csrf_protect
from service.web.common import ALL, MAX_ID, offer_title, resolve_person, stale_days
from service.web.templating import render
from service.workflow import placements, states
from service.workflow import proposals as proposal_service
from service.workflow import schemas as workflow_schemas

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


def _errors_text(exc: ValidationError) -> str:
    return " ; ".join(str(e.get("msg", "")).removeprefix("Value error, ") for e in exc.errors())


def _people(session: Session, ids: set[int]) -> dict[int, str]:
    out = {}
    for cid in ids:
        person = CandidateRepository(session).find(cid)
        if person is not None:
            out[cid] = person.external_id
    return out


# --------------------------------------------------------------------------- validation queue


@router.get("/facilitateur/validation", response_class=HTMLResponse)
def queue(request: Request, session: SessionDep, web: FacilitatorPage) -> HTMLResponse:
    proposals, _ = proposal_service.list_proposals(
        session, web.user, ALL, state="proposed", stale_days=stale_days(request)
    )
    return render(
        request,
        "facilitator/queue.html",
        web,
        page_title="Propositions à valider",
        nav="validation",
        proposals=proposals,
        people=_people(session, {p.candidate_id for p in proposals}),
        offer_titles={p.offer_id: offer_title(session, p.offer_id) for p in proposals},
        reasons=states.REFUSAL_REASONS,
    )


@router.get("/facilitateur/propositions", response_class=HTMLResponse)
def follow_up(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    etat: Annotated[str, Query(max_length=16)] = "validated",
) -> HTMLResponse:
    state = etat if etat in states.STATE_LABELS else None
    proposals, _ = proposal_service.list_proposals(
        session, web.user, ALL, state=state, stale_days=stale_days(request)
    )
    return render(
        request,
        "facilitator/proposals.html",
        web,
        page_title="Suivi des propositions",
        nav="validation",
        proposals=proposals,
        people=_people(session, {p.candidate_id for p in proposals}),
        offer_titles={p.offer_id: offer_title(session, p.offer_id) for p in proposals},
        reasons=states.REFUSAL_REASONS,
        states=states.STATE_LABELS,
        etat=state or "",
        today=date.today(),
        delivery_modes=states.DELIVERY_MODE_LABELS,
        outcomes=states.OUTCOME_LABELS,
    )


@router.post("/facilitateur/propositions/{proposal_id}")
def move_proposal(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    proposal_id: int,
    version: Annotated[int, Form(ge=1)],
    to: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form(max_length=64)] = "",
    reason_text: Annotated[str, Form(max_length=1000)] = "",
    delivery_mode: Annotated[str, Form(max_length=32)] = "",
    contract_type: Annotated[str, Form(max_length=16)] = "",
    start_date: Annotated[str, Form(max_length=10)] = "",
    outcome: Annotated[str, Form(max_length=32)] = "",
    retour: Annotated[Literal["validation", "suivi"], Form()] = "validation",
) -> Response:
    if not 1 <= proposal_id <= MAX_ID:
        raise NotFound(f"proposition {proposal_id} introuvable")
    fields: dict[str, object] = {"to": to, "version": version}
    if reason:
        fields["reason"] = reason
    if reason_text.strip():
        fields["reason_text"] = reason_text.strip()
    if to == "in_post":
        fields["placement"] = {
            "delivery_mode": delivery_mode,
            "contract_type": contract_type,
            "start_date": start_date,
        }
    if to == "ended":
        fields["outcome"] = outcome
    try:
        data = workflow_schemas.TransitionIn.model_validate(fields)
    except ValidationError as exc:
        raise InvalidInput(
            "saisie incomplète : " + _errors_text(exc) + " — revenez à la page et complétez"
        ) from None
    proposal_service.transition(
        session, web.user, proposal_id, data, stale_days=stale_days(request)
    )
    msg = {"validated": "valide", "refused": "refuse"}.get(to, "modifie")
    target = "/facilitateur/validation" if retour == "validation" else "/facilitateur/propositions"
    return RedirectResponse(f"{target}?msg={msg}", status_code=303)


# --------------------------------------------------------------------------- contracts and lots


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


# --------------------------------------------------------------------------- placements and hours


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
        people=_people(session, {r.candidate_id for r in rows}),
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
        error = _errors_text(exc)
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
    try:
        data = workflow_schemas.HoursIn(
            items=[workflow_schemas.MonthHours(month=first_day, hours=value)]
        )
        placements.put_hours(session, web.user, placement_id, data)
    except ValidationError as exc:
        error = _errors_text(exc)
    except AppError as exc:
        if exc.status_code == 404:
            raise
        error = exc.detail
    else:
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
    try:
        data = workflow_schemas.PlacementUpdate.model_validate(fields)
        placements.update_placement(session, web.user, placement_id, data)
    except ValidationError as exc:
        error = _errors_text(exc)
    except AppError as exc:
        if exc.status_code == 404:
            raise
        error = exc.detail
    else:
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


# --------------------------------------------------------------------------- imports


def _stash_dir() -> Path:
    d = Path(tempfile.gettempdir()) / "clausematch-web-imports"
    d.mkdir(mode=0o700, exist_ok=True)
    return d


def _stash_path(web: WebContext, digest: str) -> Path:
    # One file per session and content: another session cannot confirm it.
    if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise InvalidInput("fichier à confirmer inconnu : déposez-le de nouveau")
    return _stash_dir() / f"{web.session_id}-{digest}"


def _run_import(
    request: Request,
    session: SessionDep,
    web: WebContext,
    *,
    kind: str,
    data: bytes,
    filename: str,
    dry_run: bool,
    full: bool,
) -> object:
    from service.imports.service import import_candidates, import_offers, limits_from
    from service.referentials.titles import get_title_normaliser
    from service.scoring.batch import batch_parameters, run_batch

    settings = request.app.state.settings
    refs = request.app.state.referentials
    scoring = request.app.state.scoring
    limits = limits_from(settings.import_max_bytes, settings.import_max_rows)
    normaliser = get_title_normaliser(settings)
    if kind == "offres":
        report = import_offers(
            session,
            data,
            filename=filename or "offres",
            refs=refs,
            normalise_titles=normaliser,
            limits=limits,
            user=web.user,
            dry_run=dry_run,
        )
        if not dry_run and report.has_changes:
            session.flush()
            batch = run_batch(
                session, scoring, user=web.user, params=batch_parameters(settings, scoring)
            )
            report.batch = batch.model_dump(mode="json")
        return report
    return import_candidates(
        session,
        data,
        refs=refs,
        normalise_titles=normaliser,
        limits=limits,
        user=web.user,
        today=scoring.today(),
        dry_run=dry_run,
        full=full,
        filename=filename,
    )


@router.get("/facilitateur/imports", response_class=HTMLResponse)
def imports_page(request: Request, web: FacilitatorPage) -> HTMLResponse:
    return render(request, "facilitator/imports.html", web, page_title="Imports", nav="imports")


@router.post("/facilitateur/imports", response_class=HTMLResponse)
def import_upload(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    fichier: UploadFile,
    type_fichier: Annotated[Literal["offres", "personnes"], Form()] = "offres",
    complet: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    settings = request.app.state.settings
    data = fichier.file.read(settings.import_max_bytes + 1)
    errors: list[dict[str, object]] | None = None
    report: object | None = None
    error: str | None = None
    digest = hashlib.sha256(data).hexdigest()
    if not data:
        error = "Le fichier est vide : choisissez le fichier exporté, puis « Vérifier »."
    elif len(data) > settings.import_max_bytes:
        error = (
            f"Fichier trop volumineux (au plus {settings.import_max_bytes // (1024 * 1024)} Mo)."
        )
    else:
        try:
            report = _run_import(
                request,
                session,
                web,
                kind=type_fichier,
                data=data,
                filename=fichier.filename or "",
                dry_run=True,
                full=complet,
            )
        except AppError as exc:
            error, errors = exc.detail, exc.errors
        else:
            _stash_path(web, digest).write_bytes(data)
    return render(
        request,
        "facilitator/imports.html",
        web,
        status_code=422 if error else 200,
        page_title="Imports — vérification",
        nav="imports",
        report=report,
        error=error,
        row_errors=(errors or [])[:200],
        digest=digest,
        filename=fichier.filename or "",
        type_fichier=type_fichier,
        complet=complet,
    )


@router.post("/facilitateur/imports/confirmer", response_class=HTMLResponse)
def import_confirm(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    empreinte: Annotated[str, Form(max_length=64)],
    type_fichier: Annotated[Literal["offres", "personnes"], Form()],
    nom: Annotated[str, Form(max_length=300)] = "",
    complet: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    path = _stash_path(web, empreinte)
    if not path.is_file():
        raise InvalidInput(
            "fichier à confirmer introuvable (déjà appliqué ?) : déposez-le de nouveau"
        )
    report = _run_import(
        request,
        session,
        web,
        kind=type_fichier,
        data=path.read_bytes(),
        filename=nom,
        dry_run=False,
        full=complet,
    )
    path.unlink(missing_ok=True)
    return render(
        request,
        "facilitator/imports.html",
        web,
        page_title="Imports — appliqué",
        nav="imports",
        report=report,
        applied=True,
        type_fichier=type_fichier,
    )
