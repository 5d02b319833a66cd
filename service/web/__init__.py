"""Web pages in French for coaches, the facilitator and the administrator.

:func:`install_web` adds the pages' routers (kept out of the OpenAPI document), the static files,
and error pages: on a page URL an application error becomes an HTML page in French (404 for
another coach's person, 403 for another role's page or a form without its CSRF token); the JSON
API keeps its own error shape.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Final
from urllib.parse import quote

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.errors import AppError, format_validation_errors
from service.web import (
    accounts,
    admin,
    clauses,
    dashboard,
    imports,
    login,
    notifications,
    offers,
    outreach,
    people,
    placements,
    privacy,
    profile,
    proposals,
    reports,
    retention,
    timesheets,
)
from service.web.auth import CsrfRefused, LoginRequired, RoleRefused

__all__ = ["WEB_PREFIXES", "install_web", "is_page"]

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

WEB_PREFIXES: Final = (
    "/connexion",
    "/deconnexion",
    "/coach",
    "/personnes",
    "/offres",
    "/propositions",
    "/facilitateur",
    "/admin",
    "/mes-notifications",
    "/compte",
    "/static",
    "/favicon.ico",
)

_TITLES: Final = {
    400: "Requête incorrecte",
    403: "Accès refusé",
    404: "Page introuvable",
    405: "Action impossible",
    409: "Conflit",
    413: "Fichier trop volumineux",
    422: "Saisie invalide",
}

Handler = Callable[[Request, Exception], Awaitable[Response]]


def is_page(path: str) -> bool:
    """Whether ``path`` is a web page (else the JSON API answers)."""
    return path == "/" or any(path == p or path.startswith(p + "/") for p in WEB_PREFIXES)


def _error_page(request: Request, status: int, message: str) -> Response:
    from service.web.templating import render

    context = getattr(request.state, "web_context", None)
    return render(
        request,
        "error.html",
        context,
        status_code=status,
        title=_TITLES.get(status, "Erreur"),
        message=message,
        status=status,
    )


def _login_redirect(request: Request, exc: LoginRequired) -> Response:
    target = request.url.path
    if request.url.query:
        target += "?" + request.url.query
    url = "/connexion"
    params = []
    if request.method == "GET" and target not in {"/", "/connexion"}:
        params.append(f"suite={quote(target, safe='')}")
    if exc.message:
        params.append("expire=1")
    if params:
        url += "?" + "&".join(params)
    return RedirectResponse(url, status_code=303)


def _wrap(original: Handler | None, page: Callable[[Request, Exception], Response]) -> Handler:
    async def handler(request: Request, exc: Exception) -> Response:
        if is_page(request.url.path) or original is None:
            return page(request, exc)
        return await original(request, exc)

    return handler


def _app_error_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, AppError)
    return _error_page(request, exc.status_code, exc.detail)


def _validation_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    return _error_page(
        request,
        422,
        "Le formulaire ou l'adresse contient une valeur invalide : "
        + format_validation_errors(exc.errors()),
    )


def _http_page(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    messages = {
        404: "Cette page n'existe pas. Revenez à l'accueil par le menu.",
        405: "Cette action ne se fait pas ainsi : utilisez les boutons de la page.",
    }
    return _error_page(request, exc.status_code, messages.get(exc.status_code, str(exc.detail)))


def _conflict_page(request: Request, _: Exception) -> Response:
    return _error_page(
        request,
        409,
        "Quelqu'un a modifié ces données en même temps que vous : rien n'a été enregistré. "
        "Rechargez la page et recommencez.",
    )


PAGE_ROUTERS: Final = (
    login.router,
    profile.router,  # before people.router: /personnes/metiers is not a person's id
    people.router,
    privacy.router,
    offers.router,
    proposals.router,
    placements.router,
    imports.router,
    reports.router,
    dashboard.router,
    admin.router,
    notifications.router,
    retention.router,
    timesheets.router,
    clauses.router,
    outreach.router,
    accounts.router,
)
"""The page routers, one per domain (every one checks the CSRF token of its forms)."""


def install_web(app: FastAPI) -> None:
    """Add the web pages to ``app`` (call after the API's error handlers are registered)."""

    for router in PAGE_ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    for exc_class, page in (
        (AppError, _app_error_page),
        (RequestValidationError, _validation_page),
        (StarletteHTTPException, _http_page),
        (IntegrityError, _conflict_page),
        (StaleDataError, _conflict_page),
    ):
        original = app.exception_handlers.get(exc_class)
        app.add_exception_handler(exc_class, _wrap(original, page))  # type: ignore[arg-type]

    async def login_required(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, LoginRequired)
        return _login_redirect(request, exc)

    async def csrf_refused(request: Request, _: Exception) -> Response:
        return _error_page(
            request,
            403,
            "Ce formulaire a expiré ou ne vient pas de clausematch (jeton de sécurité absent ou "
            "invalide). Rien n'a été modifié : rechargez la page et recommencez.",
        )

    async def role_refused(request: Request, _: Exception) -> Response:
        return _error_page(
            request,
            403,
            "Cette page n'est pas accessible avec votre rôle. Utilisez le menu pour revenir à "
            "vos pages.",
        )

    app.add_exception_handler(LoginRequired, login_required)
    app.add_exception_handler(CsrfRefused, csrf_refused)
    app.add_exception_handler(RoleRefused, role_refused)
