"""Personal data pages: the audit log (admin: filters, CSV export, the chain checked), retention
(admin: periods, runs, simulate or apply), the record of processing (admin, printable) and the
information notice printed from a person's page (their coach, the facilitator)."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from service.accounts.audit import (
    audit,
    audit_filter,
    audit_usernames,
    export_audit,
    list_audit,
    verify_chain,
)
from service.accounts.repository import AuditFilter, AuditRepository
from service.db import SessionDep, utcnow
from service.errors import InvalidInput, NotFound
from service.kit.crud import Pagination
from service.kit.times import PARIS, day_start
from service.models.people import display_name
from service.people.service import get_candidate
from service.retention.endpoints import result_read
from service.retention.repository import RetentionRepository
from service.retention.service import (
    CATEGORIES,
    Periods,
    anonymise_inactive,
    list_runs,
    run_retention,
)
from service.transparency.documents import (
    NOTICE_TITLE,
    REGISTER_TITLE,
    information_notice,
    periods_text,
    record_of_processing,
)
from service.web.auth import AdminPage, CaseloadPage, WebContext, csrf_protect
from service.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

PAGE_SIZE = 50
MAX_ID = 2_147_483_647


Text = Annotated[str, Query(max_length=40)]


def _number(value: str, label: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_ID:
        raise InvalidInput(f"{label} : « {value} » n'est pas un numéro (un nombre entier positif)")
    return int(value)


def _date(value: str, label: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{label} : « {value} » n'est pas une date (AAAA-MM-JJ)") from None


def _filters(
    user_id: str,
    action: str,
    entity_type: str,
    person: str,
    entity_id: str,
    du: str,
    au: str,
) -> tuple[dict[str, object], AuditFilter]:
    """The page's filters (as typed, for the form and the links) and the log's filter, with a
    French error for a bad value (an empty field means no filter). ``person``: a person's
    internal number (entity ``candidate``)."""
    uid = _number(user_id, "Utilisateur")
    pid = _number(person, "N° interne de la personne")
    eid = _number(entity_id, "N° de l'objet")
    start, end = _date(du, "Du"), _date(au, "Au")
    if not re.fullmatch(r"[a-z_]{0,32}", action) or not re.fullmatch(r"[a-z_]{0,32}", entity_type):
        raise InvalidInput("Action et objet : lettres minuscules et « _ » seulement")
    if start is not None and end is not None and end < start:
        raise InvalidInput(f"Au ({end:%d/%m/%Y}) est avant Du ({start:%d/%m/%Y})")
    if pid is not None:
        entity_type, eid = "candidate", pid
    where = audit_filter(
        user_id=uid,
        action=action or None,
        entity_type=entity_type or None,
        entity_id=eid,
        since=day_start(start) if start else None,
        until=day_start(end + timedelta(days=1)) if end else None,
    )
    typed: dict[str, object] = {
        "user_id": uid or "",
        "action": action,
        "entity_type": "" if pid is not None else entity_type,
        "entity_id": "" if pid is not None else (eid or ""),
        "person": pid or "",
        "du": start.isoformat() if start else "",
        "au": end.isoformat() if end else "",
    }
    return typed, where


def _query(typed: dict[str, object], **extra: object) -> str:
    return urlencode({k: v for k, v in {**typed, **extra}.items() if v not in ("", None)})


@router.get("/admin/journal", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: SessionDep,
    web: AdminPage,
    user_id: Text = "",
    action: Text = "",
    entity_type: Text = "",
    person: Text = "",
    entity_id: Text = "",
    du: Text = "",
    au: Text = "",
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    verifier: Literal["", "1"] = "",
) -> HTMLResponse:
    typed, where = _filters(user_id, action, entity_type, person, entity_id, du, au)
    rows, total = list_audit(
        session, where, Pagination(limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    )
    chain = verify_chain(session) if verifier else None
    audit(
        session,
        web.user,
        "list",
        "audit_log",
        None,
        {"page": page, "filters": sorted(k for k, v in typed.items() if v not in ("", None))},
    )
    if chain is not None:
        audit(session, web.user, "verify", "audit_log", None, {"ok": chain.ok})
    pages = max(1, -(-total // PAGE_SIZE))
    return render(
        request,
        "admin/audit.html",
        web,
        page_title="Journal d'audit",
        nav="journal",
        rows=rows,
        total=total,
        page=page,
        pages=pages,
        typed=typed,
        users=audit_usernames(session),
        actions=AuditRepository(session).actions(),
        chain=chain,
        query=lambda **extra: _query(typed, **extra),
    )


@router.get("/admin/journal.csv")
def audit_export_page(
    session: SessionDep,
    web: AdminPage,
    user_id: Text = "",
    action: Text = "",
    entity_type: Text = "",
    person: Text = "",
    entity_id: Text = "",
    du: Text = "",
    au: Text = "",
) -> Response:
    _, where = _filters(user_id, action, entity_type, person, entity_id, du, au)
    data, _ = export_audit(session, web.user, where)
    stamp = utcnow().astimezone(PARIS).strftime("%Y%m%d-%H%M")
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="journal-audit-{stamp}.csv"'},
    )


def _retention_page(
    request: Request,
    session: SessionDep,
    web: WebContext,
    *,
    result: object = None,
    status_code: int = 200,
) -> HTMLResponse:
    settings = request.app.state.settings
    runs, total = list_runs(session, limit=20, offset=0)
    notices = RetentionRepository(session).notices_page(limit=50)
    return render(
        request,
        "admin/retention.html",
        web,
        status_code=status_code,
        page_title="Durées de conservation",
        nav="conservation",
        periods=periods_text(settings),
        drop_dir=settings.drop_dir,
        runs=runs,
        total=total,
        notices=notices,
        users=audit_usernames(session),
        categories=CATEGORIES,
        result=result,
    )


@router.get("/admin/conservation", response_class=HTMLResponse)
def retention_page(request: Request, session: SessionDep, web: AdminPage) -> HTMLResponse:
    return _retention_page(request, session, web)


@router.post("/admin/conservation", response_class=HTMLResponse)
def retention_run_form(
    request: Request,
    session: SessionDep,
    web: AdminPage,
    mode: Annotated[Literal["simuler", "appliquer"], Form()],
) -> HTMLResponse:
    settings = request.app.state.settings
    now = utcnow()
    result = run_retention(
        session,
        periods=Periods.from_settings(settings),
        anonymise=anonymise_inactive(now.astimezone(PARIS).date()),
        now=now,
        user=web.user,
        drop_dir=settings.drop_dir,
        dry_run=mode == "simuler",
    )
    if result.dry_run:
        audit(
            session, web.user, "retention_dry_run", "retention_run", None, {"counts": result.counts}
        )
    return _retention_page(request, session, web, result=result_read(result))


@router.get("/admin/registre", response_class=HTMLResponse)
def register_page(request: Request, web: AdminPage) -> HTMLResponse:
    settings = request.app.state.settings
    return render(
        request,
        "document.html",
        web,
        page_title=REGISTER_TITLE,
        nav="registre",
        title=REGISTER_TITLE,
        intro="Registre des activités de traitement (RGPD, article 30), établi à partir des "
        "réglages du service : les durées sont celles que la purge de conservation applique.",
        sections=record_of_processing(settings),
        person=None,
    )


@router.get("/personnes/{candidate_id}/information", response_class=HTMLResponse)
def notice_page(
    request: Request, session: SessionDep, web: CaseloadPage, candidate_id: int
) -> HTMLResponse:
    if not 1 <= candidate_id <= MAX_ID:
        raise NotFound(f"personne {candidate_id} introuvable")
    person = get_candidate(session, web.user, candidate_id)
    audit(session, web.user, "information_notice", "candidate", person.id)
    name = display_name(person.first_name, person.last_name, person.external_id)
    return render(
        request,
        "document.html",
        web,
        page_title=f"{NOTICE_TITLE} — {name}",
        nav="suivi",
        title=NOTICE_TITLE,
        intro=f"Remis à {name} (n° de suivi {person.external_id}) le "
        f"{utcnow().astimezone(PARIS):%d/%m/%Y}.",
        sections=information_notice(request.app.state.settings),
        person=person,
    )
