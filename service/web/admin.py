"""Administrator's pages: users and roles, web passwords, model versions."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from service.accounts.audit import audit
from service.accounts.schemas import UserCreate, UserUpdate
from service.accounts.service import (
    account_policy,
    create_user,
    get_user,
    list_users,
    set_password,
    update_user,
)
from service.db import SessionDep, utcnow
from service.errors import AppError, InvalidInput
from service.kit.crud import Pagination
from service.scoring.state import current_scorer_label
from service.web.auth import AdminPage, WebContext, csrf_protect
from service.web.templating import render
from training import registry

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


Role = Literal["coach", "facilitator", "admin"]


def _models_dir(request: Request) -> Path:
    models_dir: Path = request.app.state.settings.models_dir
    return models_dir


def _users_page(
    request: Request,
    session: SessionDep,
    web: WebContext,
    *,
    error: str | None = None,
    created: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    users, _ = list_users(session, Pagination(limit=10_000, offset=0))
    return render(
        request,
        "admin/users.html",
        web,
        status_code=status_code,
        page_title="Utilisateurs",
        nav="utilisateurs",
        users=users,
        error=error,
        created=created,
        setup_hours=f"{request.app.state.settings.account_setup_hours:g}",
    )


@router.get("/admin/utilisateurs", response_class=HTMLResponse)
def users_page(request: Request, session: SessionDep, web: AdminPage) -> HTMLResponse:
    return _users_page(request, session, web)


@router.post("/admin/utilisateurs", response_class=HTMLResponse)
def create_user_form(
    request: Request,
    session: SessionDep,
    web: AdminPage,
    username: Annotated[str, Form(max_length=64)] = "",
    role: Annotated[Role, Form()] = "coach",
) -> HTMLResponse:
    try:
        data = UserCreate(username=username.strip(), role=role)
    except ValidationError:
        return _users_page(
            request,
            session,
            web,
            error="Identifiant invalide : 2 à 64 caractères, minuscules, chiffres, « . _ - ».",
            status_code=422,
        )
    try:
        user, _, code = create_user(
            session,
            web.user,
            data,
            policy=account_policy(request.app.state.settings),
            now=utcnow(),
        )
    except AppError as exc:
        return _users_page(request, session, web, error=exc.detail, status_code=exc.status_code)
    created = {"username": user.username, "role": data.role, "setup_code": code}
    return _users_page(request, session, web, created=created)


@router.post("/admin/utilisateurs/{user_id}")
def update_user_form(
    session: SessionDep,
    web: AdminPage,
    user_id: int,
    version: Annotated[int, Form(ge=1)],
    role: Annotated[Role, Form()],
    actif: Annotated[Literal["oui", "non"], Form()],
) -> Response:
    user = update_user(
        session,
        web.user,
        user_id,
        UserUpdate(role=role, is_active=actif == "oui", version=version),
        now=utcnow(),
    )
    msg = "demande" if user.pending_role is not None else "modifie"
    return RedirectResponse(f"/admin/utilisateurs?msg={msg}", status_code=303)


@router.post("/admin/utilisateurs/{user_id}/mot-de-passe")
def set_password_form(
    session: SessionDep,
    web: AdminPage,
    user_id: int,
    password: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    user = get_user(session, user_id)
    try:
        set_password(session, web.user, user, password)
    except ValueError as exc:
        raise InvalidInput(f"{exc} : revenez à la page et recommencez") from None
    return RedirectResponse("/admin/utilisateurs?msg=modifie", status_code=303)


def _models_page(
    request: Request,
    web: WebContext,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    settings = request.app.state.settings
    return render(
        request,
        "admin/models.html",
        web,
        status_code=status_code,
        page_title="Versions du modèle",
        nav="modeles",
        models=registry.list_models(_models_dir(request)),
        models_dir=str(_models_dir(request)),
        current=current_scorer_label(settings),
        error=error,
    )


@router.get("/admin/modeles", response_class=HTMLResponse)
def models_page(request: Request, web: AdminPage) -> HTMLResponse:
    return _models_page(request, web)


@router.post("/admin/modeles/activer", response_model=None)
def activate_model(
    request: Request,
    session: SessionDep,
    web: AdminPage,
    version: Annotated[str, Form(max_length=200)],
    forcer: Annotated[Literal["", "oui"], Form()] = "",
    motif: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    known = {str(m.get("version")): m for m in registry.list_models(_models_dir(request))}
    if version not in known:
        raise InvalidInput(f"version inconnue : {version}")
    force = forcer == "oui"
    if force and not motif.strip():
        return _models_page(
            request, web, error="Une activation forcée demande un motif.", status_code=422
        )
    current = current_scorer_label(request.app.state.settings)
    figures = {"version": version, "current": current, "gate": known[version].get("gate")}
    try:
        registry.activate(
            _models_dir(request),
            version,
            current_label=current,
            force=force,
            reason=motif.strip(),
            actor=web.user.username,
        )
    except registry.PromotionRefused as exc:
        # The refusal is recorded with its figures (no free text in the audit log).
        audit(session, web.user, "refuse_model", "model", None, figures)
        return _models_page(request, web, error=str(exc), status_code=422)
    except (registry.IncompatibleModelError, FileNotFoundError) as exc:
        raise InvalidInput(f"activation impossible : {exc}") from None
    # The running service notices the new active version at its next scoring (scorer_key).
    audit(
        session,
        web.user,
        "activate_model",
        "model",
        None,
        {**figures, "forced": force, "has_reason": bool(motif.strip())},
    )
    return RedirectResponse("/admin/modeles?msg=modele", status_code=303)
