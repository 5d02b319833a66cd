"""Login, logout and the home page (which sends each role to its first page)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from service.db import SessionDep, utcnow
from service.web.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    LoginRequired,
    WebUser,
    attempt_login,
    client_address,
    csrf_protect,
    get_web_context,
    logout,
    set_cookie,
)
from service.web.templating import render
from service.web.uploads import discard_session_uploads

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    """Browsers ask for /favicon.ico: the site's icon."""
    return RedirectResponse("/static/favicon.svg", status_code=301)


HOMES = {
    "coach": "/coach/suivi",
    "facilitator": "/facilitateur/tableau-de-bord",
    "admin": "/admin/utilisateurs",
}


def _safe_next(target: str | None) -> str | None:
    # Only a path of this site: never another host (open redirect).
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _login_page(
    request: Request,
    *,
    message: str | None,
    username: str = "",
    suite: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html",
        None,
        status_code=status_code,
        login_csrf=token,
        message=message,
        username=username,
        suite=suite or "",
    )
    set_cookie(request, response, LOGIN_CSRF_COOKIE, token, max_age=3600)
    return response


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> Response:
    try:
        context = get_web_context(request, session)
    except LoginRequired:
        return RedirectResponse("/connexion", status_code=303)
    return RedirectResponse(HOMES[context.user.role], status_code=303)


@router.get("/connexion", response_class=HTMLResponse)
def login_form(request: Request, suite: str | None = None, expire: int = 0) -> HTMLResponse:
    message = "Votre session a expiré : reconnectez-vous." if expire else None
    return _login_page(request, message=message, suite=_safe_next(suite))


@router.post("/connexion", response_class=HTMLResponse)
def login(
    request: Request,
    session: SessionDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    suite: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    settings = request.app.state.settings
    outcome = attempt_login(
        session, settings, username, password, now=utcnow(), address=client_address(request)
    )
    if outcome.user is None or outcome.session_token is None:
        return _login_page(
            request,
            message=outcome.message,
            username=username[:64],
            suite=_safe_next(suite),
            status_code=401,
        )
    target = _safe_next(suite) or HOMES[outcome.user.role]
    response = RedirectResponse(target, status_code=303)
    set_cookie(
        request,
        response,
        SESSION_COOKIE,
        outcome.session_token,
        max_age=int(settings.web_session_hours * 3600),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/")
    return response


@router.post("/deconnexion")
def sign_out(request: Request, session: SessionDep, context: WebUser) -> Response:
    logout(session, context, now=utcnow())
    # Files of people checked for an import and never confirmed go with the session.
    discard_session_uploads(request.app.state.settings, context.session_id)
    response = RedirectResponse("/connexion?msg=deconnecte", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
