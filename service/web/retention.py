"""Personal data pages: the audit log (admin: filters, CSV export, the chain checked), retention
(admin: periods, runs, simulate or apply), the record of processing (admin, printable) and the
information notice printed from a person's page (their coach, the facilitator)."""

from __future__ import annotations

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
from service.errors import NotFound
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
Word = Annotated[str, Query(pattern=r"^[a-z_]{0,32}$")]
OptionalId = Annotated[int | None, Query(ge=1, le=MAX_ID)]


def _filters(
    user_id: int | None,
    action: str,
    entity_type: str,
    person: int | None,
    entity_id: int | None,
    du: date | None,
    au: date | None,
) -> tuple[dict[str, object], AuditFilter]:
    """The page's filters (as typed, for the form and the links) and the log's filter.
    ``person``: a person's internal number (entity ``candidate``)."""
    if person is not None:
        entity_type, entity_id = "candidate", person
    where = audit_filter(
        user_id=user_id,
        action=action or None,
        entity_type=entity_type or None,
        entity_id=entity_id,
        since=day_start(du) if du else None,
        until=day_start(au + timedelta(days=1)) if au else None,
    )
    typed: dict[str, object] = {
        "user_id": user_id or "",
        "action": action,
        "entity_type": "" if person is not None else entity_type,
        "entity_id": "" if person is not None else (entity_id or ""),
        "person": person or "",
        "du": du.isoformat() if du else "",
        "au": au.isoformat() if au else "",
    }
    return typed, where


def _query(typed: dict[str, object], **extra: object) -> str:
    return urlencode({k: v for k, v in {**typed, **extra}.items() if v not in ("", None)})


@router.get("/admin/journal", response_class=HTMLResponse)
def audit_page(
    request: Request,
    session: SessionDep,
    web: AdminPage,
    user_id: OptionalId = None,
    action: Word = "",
    entity_type: Word = "",
    person: OptionalId = None,
    entity_id: OptionalId = None,
    du: date | None = None,
    au: date | None = None,
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
    user_id: OptionalId = None,
    action: Word = "",
    entity_type: Word = "",
    person: OptionalId = None,
    entity_id: OptionalId = None,
    du: date | None = None,
    au: date | None = None,
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
