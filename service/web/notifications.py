"""Each user's e-mail page: the address and what they receive (the same service as the API)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from service.db import SessionDep
from service.notifications.schemas import PreferencesRead, PreferencesUpdate
from service.notifications.service import get_preferences, update_preferences
from service.web.auth import WebContext, WebUser, csrf_protect
from service.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

Frequency = Literal["off", "daily", "weekly"]


def _page(
    request: Request,
    web: WebContext,
    prefs: PreferencesRead,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "notifications.html",
        web,
        status_code=status_code,
        page_title="Mes e-mails",
        nav="emails",
        prefs=prefs,
        error=error,
        mail_on=bool(request.app.state.settings.smtp_host),
    )


@router.get("/mes-notifications", response_class=HTMLResponse)
def preferences_page(request: Request, session: SessionDep, web: WebUser) -> HTMLResponse:
    return _page(request, web, get_preferences(session, web.user))


@router.post("/mes-notifications", response_class=HTMLResponse)
def preferences_form(
    request: Request,
    session: SessionDep,
    web: WebUser,
    email: Annotated[str, Form(max_length=254)] = "",
    digest: Annotated[Frequency, Form()] = "off",
    proposal_updates: Annotated[bool, Form()] = False,
    inactivity_notices: Annotated[bool, Form()] = False,
    waiting_reminder: Annotated[Frequency, Form()] = "off",
) -> Response:
    try:
        data = PreferencesUpdate(
            email=email,
            digest=digest,
            proposal_updates=proposal_updates,
            inactivity_notices=inactivity_notices,
            waiting_reminder=waiting_reminder,
        )
    except ValidationError:
        typed = PreferencesRead(
            email=email,
            digest=digest,
            proposal_updates=proposal_updates,
            inactivity_notices=inactivity_notices,
            waiting_reminder=waiting_reminder,
        )
        return _page(
            request,
            web,
            typed,
            error="Adresse e-mail invalide (exemple : prenom.nom@orne.fr) : rien n'a été "
            "enregistré.",
            status_code=422,
        )
    update_preferences(session, web.user, data)
    return RedirectResponse("/mes-notifications?msg=emails", status_code=303)
