"""Pages of the offers: the list, an offer with its shortlist and "Pourquoi pas ?", the coach's
new offers and digest."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from service.db import SessionDep, utcnow
from service.errors import AppError, NotFound
from service.kit.crud import Pagination
from service.models.people import Candidate
from service.offers.service import get_offer, list_offers
from service.scoring import schemas as scoring_schemas
from service.scoring import shortlists
from service.scoring.digest import coach_digest
from service.web.auth import CaseloadPage, CoachPage, csrf_protect
from service.web.common import (
    ALL,
    MAX_ID,
    PAGE,
    commune_label,
    referentials,
    resolve_person,
    scoring_state,
    stale_days,
)
from service.web.templating import render
from service.workflow import proposals as proposal_service
from service.workflow import states

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


@router.get("/offres", response_class=HTMLResponse)
def offers_page(
    request: Request,
    session: SessionDep,
    web: CaseloadPage,
    rome: Annotated[str, Query(max_length=5)] = "",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    rows, total = list_offers(
        session,
        Pagination(limit=PAGE, offset=(page - 1) * PAGE),
        status="open",
        code_rome=rome.strip().upper() or None,
    )
    return render(
        request,
        "offers.html",
        web,
        page_title="Offres ouvertes",
        nav="offres",
        offers=rows,
        total=total,
        rome=rome,
        page=page,
        pages=max(1, (total + PAGE - 1) // PAGE),
        commune=lambda insee: commune_label(request, insee),
    )


@router.get("/offres/{offer_id}", response_class=HTMLResponse)
def offer_page(
    request: Request,
    session: SessionDep,
    web: CaseloadPage,
    offer_id: int,
    portee: Annotated[Literal["mine", "all", ""], Query()] = "",
    personne: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    if not 1 <= offer_id <= MAX_ID:
        raise NotFound(f"offre {offer_id} introuvable")
    offer = get_offer(session, offer_id)
    scoring = scoring_state(request)
    scope: Literal["mine", "all"] = portee or ("mine" if web.user.role == "coach" else "all")
    shortlist: scoring_schemas.ShortlistRead | None = None
    unranked: str | None = None
    try:
        shortlist = shortlists.shortlist_for_offer(
            session,
            scoring,
            referentials(request),
            web.user,
            offer.id,
            k=20,
            scope=scope,
            today=scoring.today(),
        )
    except AppError as exc:
        if exc.status_code == 404:
            raise
        unranked = exc.detail
    proposed: set[int] = set()
    if web.user.role == "coach":
        mine, _ = proposal_service.list_proposals(
            session, web.user, ALL, offer_id=offer.id, stale_days=stale_days(request)
        )
        proposed = {p.candidate_id for p in mine if p.state in states.ACTIVE_STATES}
    why: scoring_schemas.WhyNotRead | None = None
    why_error: str | None = None
    why_person: Candidate | None = None
    if personne.strip():
        try:
            why_person = resolve_person(session, web, personne)
            why = shortlists.why_not(
                session, scoring, web.user, why_person.id, offer.id, today=scoring.today()
            )
        except AppError as exc:
            why_error = exc.detail
    return render(
        request,
        "offer.html",
        web,
        page_title=offer.intitule,
        nav="offres",
        offer=offer,
        commune=commune_label(request, offer.commune_insee),
        shortlist=shortlist,
        unranked=unranked,
        scope=scope,
        personne=personne,
        why=why,
        why_error=why_error,
        why_person=why_person,
        proposed=proposed,
    )


@router.get("/coach/nouvelles-offres", response_class=HTMLResponse)
def new_offers(request: Request, session: SessionDep, web: CoachPage) -> HTMLResponse:
    since: datetime = web.previous_visit_at or (utcnow() - timedelta(days=14))
    rows, _ = list_offers(session, ALL, status="open")
    fresh = sorted(
        (o for o in rows if o.created_at > since), key=lambda o: o.created_at, reverse=True
    )
    return render(
        request,
        "coach/new_offers.html",
        web,
        page_title="Nouvelles offres",
        nav="nouvelles",
        offers=fresh,
        since=since,
        is_first_visit=web.previous_visit_at is None,
        commune=lambda insee: commune_label(request, insee),
    )


@router.get("/coach/resume", response_class=HTMLResponse)
def digest_page(request: Request, session: SessionDep, web: CoachPage) -> HTMLResponse:
    digest = coach_digest(session, web.user, refs=referentials(request), peek=True, actor=web.user)
    return render(
        request, "coach/digest.html", web, page_title="Mon résumé", nav="resume", digest=digest
    )


@router.post("/coach/resume/lu")
def digest_read(request: Request, session: SessionDep, web: CoachPage) -> Response:
    coach_digest(session, web.user, refs=referentials(request), peek=False, actor=web.user)
    return RedirectResponse("/coach/resume?msg=lu", status_code=303)
