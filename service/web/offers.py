"""Pages of the offers: the list, an offer with its shortlist and "Pourquoi pas ?", the coach's
new offers and digest."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from matching.fields import CONTRACT_LABELS
from service.db import SessionDep, utcnow
from service.errors import AppError, InvalidInput, NotFound
from service.kit.crud import Pagination
from service.models.offers import Offer
from service.models.people import Candidate
from service.offers.service import OFFER_SORTS, OfferSearch, get_offer, search_offers
from service.reports.common import bassin_labels
from service.scoring import schemas as scoring_schemas
from service.scoring import shortlists
from service.scoring.digest import coach_digest
from service.web.auth import CaseloadPage, CoachPage, csrf_protect
from service.web.common import (
    ALL,
    MAX_ID,
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


def _day(text: str, label: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise InvalidInput(f"{label} : « {text} » n'est pas une date (JJ/MM/AAAA)") from None


def _radius(text: str) -> float | None:
    if not text.strip():
        return None
    try:
        km = float(text.strip().replace(",", "."))
    except ValueError:
        raise InvalidInput(f"Rayon : « {text} » n'est pas un nombre de kilomètres") from None
    if not 0 <= km <= MAX_RADIUS_KM:
        raise InvalidInput(f"Rayon : entre 0 et {MAX_RADIUS_KM} km")
    return km


MAX_RADIUS_KM = 300
OFFERS_PAGE = 20
"""Offers per page of the search (cards on a phone: a short page)."""


@router.get("/offres", response_class=HTMLResponse)
def offers_page(
    request: Request,
    session: SessionDep,
    web: CaseloadPage,
    q: Annotated[str, Query(max_length=100)] = "",
    commune: Annotated[str, Query(max_length=100)] = "",
    km: Annotated[str, Query(max_length=10)] = "",
    bassin: Annotated[str, Query(max_length=8)] = "",
    contrat: Annotated[str, Query(max_length=16)] = "",
    debut_min: Annotated[str, Query(max_length=10)] = "",
    debut_max: Annotated[str, Query(max_length=10)] = "",
    marche: Annotated[str, Query(max_length=64)] = "",
    nouvelles: Annotated[str, Query(max_length=3)] = "",
    rome: Annotated[str, Query(max_length=5)] = "",
    tri: Annotated[str, Query(max_length=16)] = "debut",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    refs = referentials(request)
    bassins = bassin_labels(request.app.state.settings.referentials_dir / "bassins_emploi.csv")
    since = web.previous_visit_at or (utcnow() - timedelta(days=14))
    error = ""
    rows: list[Offer] = []
    total = 0
    try:
        search = OfferSearch(
            text=" ".join(x for x in (q, rome) if x),
            commune=commune,
            radius_km=_radius(km),
            bassin=bassin if bassin in bassins else "",
            contract_type=contrat if contrat in CONTRACT_LABELS else None,
            start_from=_day(debut_min, "Début à partir du"),
            start_to=_day(debut_max, "Début au plus tard le"),
            clause=marche,
            created_after=since if nouvelles == "oui" else None,
            sort=tri,
        )
        window = Pagination(limit=OFFERS_PAGE, offset=(page - 1) * OFFERS_PAGE)
        rows, total = search_offers(session, refs, window, search, status="open")
    except InvalidInput as exc:
        error = exc.detail
    params = {
        "q": q,
        "commune": commune,
        "km": km,
        "bassin": bassin,
        "contrat": contrat,
        "debut_min": debut_min,
        "debut_max": debut_max,
        "marche": marche,
        "nouvelles": nouvelles,
        "rome": rome,
    }
    return render(
        request,
        "offers.html",
        web,
        page_title="Offres ouvertes",
        nav="offres",
        offers=rows,
        total=total,
        error=error,
        params=params,
        query=urlencode({k: v for k, v in params.items() if v}),
        tri=tri if tri in OFFER_SORTS else "debut",
        sorts=OFFER_SORTS,
        bassins=sorted(bassins.items(), key=lambda x: x[1]),
        contracts=CONTRACT_LABELS,
        since=since,
        page=page,
        pages=max(1, (total + OFFERS_PAGE - 1) // OFFERS_PAGE),
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
    """The offers published since the coach's previous visit that rank people of their
    caseload, grouped by offer, each with its best three."""
    since: datetime = web.previous_visit_at or (utcnow() - timedelta(days=14))
    fresh, _ = search_offers(
        session,
        referentials(request),
        ALL,
        OfferSearch(created_after=since, sort="publication"),
        status="open",
    )
    scoring = scoring_state(request)
    groups = shortlists.caseload_offers(
        session, scoring, web.user, [o.id for o in fresh], today=scoring.today()
    )
    by_id = {o.id: o for o in fresh}
    return render(
        request,
        "coach/new_offers.html",
        web,
        page_title="Nouvelles offres",
        nav="nouvelles",
        groups=[(by_id[g.offer_id], g) for g in groups],
        n_fresh=len(fresh),
        since=since,
        is_first_visit=web.previous_visit_at is None,
        commune=lambda insee: commune_label(request, insee),
    )


DIGEST_PAGE = 10
"""Offers per page of the coach's digest (the best first)."""


@router.get("/coach/resume", response_class=HTMLResponse)
def digest_page(
    request: Request,
    session: SessionDep,
    web: CoachPage,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    digest = coach_digest(session, web.user, refs=referentials(request), peek=True, actor=web.user)
    pages = max(1, (len(digest.offers) + DIGEST_PAGE - 1) // DIGEST_PAGE)
    return render(
        request,
        "coach/digest.html",
        web,
        page_title="Mon résumé",
        nav="resume",
        digest=digest,
        shown=digest.offers[(page - 1) * DIGEST_PAGE : page * DIGEST_PAGE],
        page=page,
        pages=pages,
    )


@router.post("/coach/resume/lu")
def digest_read(request: Request, session: SessionDep, web: CoachPage) -> Response:
    coach_digest(session, web.user, refs=referentials(request), peek=False, actor=web.user)
    return RedirectResponse("/coach/resume?msg=lu", status_code=303)
