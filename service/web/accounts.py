"""Accounts seen by the people who own or approve them: the facilitator's approval of access
to people (accounts asked for by an administrator), new setup codes for coaches and
facilitators, and the public page where a person activates their account with their one-time
code (their own password and API token). Same service functions as the API."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse

from service.accounts.passwords import MIN_PASSWORD_LENGTH
from service.accounts.repository import UserRepository
from service.accounts.service import (
    account_policy,
    approve_access,
    issue_setup_code,
    list_pending,
    refuse_access,
    setup_account,
)
from service.db import SessionDep, utcnow
from service.errors import AppError
from service.kit.deps import EntityId
from service.models.accounts import PEOPLE_ROLES
from service.web.auth import (
    LOGIN_CSRF_COOKIE,
    FacilitatorPage,
    WebContext,
    csrf_protect,
    set_cookie,
)
from service.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

SETUP_PATH = "/compte/activation"


def _accounts_page(
    request: Request,
    session: SessionDep,
    web: WebContext,
    *,
    issued: dict[str, Any] | None = None,
    message: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    accounts = [u for u in UserRepository(session).all_ordered() if u.role in PEOPLE_ROLES]
    return render(
        request,
        "facilitator/accounts.html",
        web,
        status_code=status_code,
        page_title="Comptes",
        nav="comptes",
        pending=list_pending(session),
        accounts=accounts,
        issued=issued,
        message=message,
        setup_hours=f"{request.app.state.settings.account_setup_hours:g}",
    )


@router.get("/facilitateur/comptes", response_class=HTMLResponse)
def accounts_page(request: Request, session: SessionDep, web: FacilitatorPage) -> HTMLResponse:
    return _accounts_page(request, session, web)


@router.post("/facilitateur/comptes/{user_id}/valider", response_class=HTMLResponse)
def approve_form(
    request: Request, session: SessionDep, web: FacilitatorPage, user_id: EntityId
) -> HTMLResponse:
    user, code = approve_access(
        session,
        web.user,
        user_id,
        policy=account_policy(request.app.state.settings),
        now=utcnow(),
    )
    issued = {"username": user.username, "role": user.role, "code": code}
    return _accounts_page(request, session, web, issued=issued)


@router.post("/facilitateur/comptes/{user_id}/refuser", response_class=HTMLResponse)
def refuse_form(
    request: Request, session: SessionDep, web: FacilitatorPage, user_id: EntityId
) -> HTMLResponse:
    user = refuse_access(session, web.user, user_id)
    return _accounts_page(request, session, web, message=f"Demande pour {user.username} refusée.")


@router.post("/facilitateur/comptes/{user_id}/code", response_class=HTMLResponse)
def setup_code_form(
    request: Request, session: SessionDep, web: FacilitatorPage, user_id: EntityId
) -> HTMLResponse:
    user, code = issue_setup_code(
        session,
        web.user,
        user_id,
        policy=account_policy(request.app.state.settings),
        now=utcnow(),
    )
    issued = {"username": user.username, "role": user.role, "code": code}
    return _accounts_page(request, session, web, issued=issued)


def _setup_page(
    request: Request,
    *,
    error: str | None = None,
    token: str | None = None,
    username: str | None = None,
    expires: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    csrf = secrets.token_urlsafe(32)
    response = render(
        request,
        "account_setup.html",
        None,
        status_code=status_code,
        login_csrf=csrf,
        error=error,
        token=token,
        username=username,
        expires=expires,
        min_length=MIN_PASSWORD_LENGTH,
    )
    set_cookie(request, response, LOGIN_CSRF_COOKIE, csrf, max_age=3600)
    return response


@router.get(SETUP_PATH, response_class=HTMLResponse)
def setup_form(request: Request) -> HTMLResponse:
    return _setup_page(request)


@router.post(SETUP_PATH, response_class=HTMLResponse)
def setup_submit(
    request: Request,
    session: SessionDep,
    code: Annotated[str, Form(max_length=64)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    confirmation: Annotated[str, Form(max_length=1000)] = "",
) -> HTMLResponse:
    if not code.strip() or not password:
        return _setup_page(
            request, error="Saisissez le code reçu et un mot de passe.", status_code=422
        )
    if password != confirmation:
        return _setup_page(
            request,
            error="Les deux saisies du mot de passe diffèrent : rien n'a été changé.",
            status_code=422,
        )
    try:
        user, token = setup_account(
            session,
            code.strip(),
            password,
            policy=account_policy(request.app.state.settings),
            now=utcnow(),
        )
    except AppError as exc:
        detail = exc.detail[:1].upper() + exc.detail[1:] + "."
        return _setup_page(request, error=detail, status_code=exc.status_code)
    expires = f"{user.token_expires_at:%d/%m/%Y}" if user.token_expires_at else None
    return _setup_page(request, token=token, username=user.username, expires=expires)
