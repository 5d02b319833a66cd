"""The facilitator's file imports: upload, dry run, confirm (the same functions as the API's);
the offers refused by partial imports and the feed, until resolved.

An offer file whose check finds some invalid offers shows both lists, the offers that would be
imported and the refused ones with their reasons; « Importer les offres valides » then imports
the valid ones only. A file of people stays all or nothing."""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from service.db import SessionDep
from service.errors import AppError, InvalidInput
from service.imports.feed import list_feed_runs
from service.imports.offer_import import dismiss_refused, list_refused
from service.kit.crud import Pagination
from service.kit.deps import EntityId
from service.web.auth import FacilitatorPage, WebContext, csrf_protect
from service.web.templating import render
from service.web.uploads import discard, stash, stashed

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


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
    accept_valid: bool = False,
) -> object:
    from service.imports.offer_import import import_offers
    from service.imports.service import import_candidates, limits_from
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
            accept_valid=accept_valid,
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
                # The check of an offer file shows both lists (valid and refused offers).
                accept_valid=type_fichier == "offres",
            )
        except AppError as exc:
            error, errors = exc.detail, exc.errors
        else:
            stash(settings, web.session_id, digest, data)
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
    partiel: Annotated[bool, Form()] = False,
) -> HTMLResponse:
    path = stashed(request.app.state.settings, web.session_id, empreinte)
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
        accept_valid=partiel and type_fichier == "offres",
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


@router.post("/facilitateur/imports/annuler")
def import_cancel(
    request: Request,
    web: FacilitatorPage,
    empreinte: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Drop a checked file without importing it (its copy is removed at once)."""
    if empreinte:
        discard(request.app.state.settings, web.session_id, empreinte)
    return RedirectResponse("/facilitateur/imports?msg=import_annule", status_code=303)


@router.get("/facilitateur/offres-refusees", response_class=HTMLResponse)
def refused_offers_page(
    request: Request, session: SessionDep, web: FacilitatorPage
) -> HTMLResponse:
    refused, total = list_refused(session, status="pending", page=Pagination(limit=200, offset=0))
    runs, _ = list_feed_runs(session, Pagination(limit=10, offset=0))
    return render(
        request,
        "facilitator/refused_offers.html",
        web,
        page_title="Offres refusées",
        nav="refusees",
        refused=refused,
        total=total,
        runs=runs,
    )


@router.post("/facilitateur/offres-refusees/{refused_id}/ecarter")
def dismiss_refused_offer(
    session: SessionDep, web: FacilitatorPage, refused_id: EntityId
) -> RedirectResponse:
    dismiss_refused(session, web.user, refused_id)
    return RedirectResponse("/facilitateur/offres-refusees?msg=ecartee", status_code=303)
