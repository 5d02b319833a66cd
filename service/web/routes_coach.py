"""Pages of the coach (caseload, new offers, proposals, digest) and the pages a coach and the
facilitator share (a person's page, offers and their shortlists, "Pourquoi pas ?").

Every read of a person goes through the service functions (scoping: another coach's person is a
404; audit)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from matching import columns as col
from matching.columns import READINESS_STAGES
from matching.fields import CANDIDATE_FIELDS
from service.db import SessionDep, utcnow
from service.errors import AppError, NotFound
from service.kit.crud import Pagination
from service.models.people import Candidate
from service.offers.service import get_offer, list_offers
from service.people.repository import CandidateRepository
from service.people.schemas import CandidateUpdate
from service.people.service import get_candidate, list_candidates, update_candidate
from service.scoring import schemas as scoring_schemas
from service.scoring import shortlists
from service.scoring.digest import coach_digest
from service.web.auth import CaseloadPage, CoachPage, WebContext, csrf_protect
from service.web.common import (
    ALL,
    MAX_ID,
    PAGE,
    commune_label,
    offer_title,
    referentials,
    resolve_person,
    scoring_state,
    stale_days,
)
from service.web.forms import form_fields, read_form, validation_messages
from service.web.templating import render
from service.workflow import proposals as proposal_service
from service.workflow import schemas as workflow_schemas
from service.workflow import states

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

# --------------------------------------------------------------------------- caseload


@router.get("/coach/suivi", response_class=HTMLResponse)
def caseload(
    request: Request,
    session: SessionDep,
    web: CoachPage,
    q: Annotated[str, Query(max_length=64)] = "",
    etape: Annotated[str, Query(max_length=20)] = "",
    actif: Annotated[Literal["oui", "non", "tous"], Query()] = "oui",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    is_active = {"oui": True, "non": False, "tous": None}[actif]
    people, _ = list_candidates(session, web.user, ALL, is_active=is_active)
    needle = q.strip().lower()
    if needle:
        people = [p for p in people if needle in p.external_id.lower()]
    if etape in READINESS_STAGES:
        people = [p for p in people if p.readiness_stage == etape]
    people.sort(key=lambda p: p.external_id)
    total = len(people)
    shown = people[(page - 1) * PAGE : page * PAGE]
    return render(
        request,
        "coach/caseload.html",
        web,
        page_title="Mon suivi",
        nav="suivi",
        people=shown,
        total=total,
        q=q,
        etape=etape,
        actif=actif,
        page=page,
        pages=max(1, (total + PAGE - 1) // PAGE),
        stages=READINESS_STAGES,
        commune=lambda insee: commune_label(request, insee),
    )


# --------------------------------------------------------------------------- a person


@router.get("/personnes/{candidate_id}", response_class=HTMLResponse)
def person_page(
    request: Request,
    session: SessionDep,
    web: CaseloadPage,
    candidate_id: int,
) -> HTMLResponse:
    if not 1 <= candidate_id <= MAX_ID:
        raise NotFound(f"personne {candidate_id} introuvable")
    person = get_candidate(session, web.user, candidate_id)
    scoring = scoring_state(request)
    offers: scoring_schemas.CandidateOffersRead | None = None
    not_ranked: str | None = None
    if person.is_active and person.is_eligible:
        offers = shortlists.offers_for_candidate(
            session,
            scoring,
            referentials(request),
            web.user,
            person.id,
            k=10,
            today=scoring.today(),
        )
    else:
        not_ranked = (
            "Cette personne n'est pas classée sur les offres : "
            + ("son suivi est inactif" if not person.is_active else "elle n'est pas éligible")
            + ". Mettez sa fiche à jour pour la voir de nouveau dans les listes."
        )
    proposals, _ = proposal_service.list_proposals(
        session, web.user, ALL, candidate_id=person.id, stale_days=stale_days(request)
    )
    offer_titles = {p.offer_id: offer_title(session, p.offer_id) for p in proposals}
    open_offer_ids = {p.offer_id for p in proposals if p.state in states.ACTIVE_STATES}
    return render(
        request,
        "person.html",
        web,
        page_title=f"Personne {person.external_id}",
        nav="suivi",
        person=person,
        commune=commune_label(request, person.commune_insee),
        offers=offers,
        not_ranked=not_ranked,
        proposals=proposals,
        offer_titles=offer_titles,
        open_offer_ids=open_offer_ids,
    )


PROFILE_FIELDS: Final = tuple(
    CANDIDATE_FIELDS[name]
    for name in (
        col.COMMUNE_INSEE,
        col.TRAVEL_MODE,
        col.HAS_VEHICLE,
        col.MAX_DISTANCE_KM,
        col.MAX_TRAVEL_MINUTES,
        col.READINESS_STAGE,
        col.READINESS_ASSESSED_ON,
        col.AVAILABLE_FROM,
        col.MAX_WEEKLY_HOURS,
        col.ACCEPTS_NIGHTS,
        col.ACCEPTS_WEEKENDS,
        col.ACCEPTS_EARLY_STARTS,
        col.IS_ACTIVE,
    )
)
"""What a coach keeps up to date on a person's page (the engine reads every one of them)."""


async def submitted_form(request: Request) -> dict[str, str]:
    """The fields of a submitted form, as text (files are not expected here)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormData = Annotated[dict[str, str], Depends(submitted_form)]


def _profile_page(
    request: Request,
    web: WebContext,
    person: Candidate,
    values: dict[str, Any],
    *,
    errors: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "person_profile.html",
        web,
        status_code=status_code,
        page_title=f"Profil de {person.external_id}",
        nav="suivi",
        person=person,
        fields=form_fields(PROFILE_FIELDS, values, errors=errors, today=date.today()),
        message=message,
        has_errors=bool(errors or message),
    )


@router.get("/personnes/{candidate_id}/profil", response_class=HTMLResponse)
def profile_form(
    request: Request, session: SessionDep, web: CaseloadPage, candidate_id: int
) -> HTMLResponse:
    if not 1 <= candidate_id <= MAX_ID:
        raise NotFound(f"personne {candidate_id} introuvable")
    person = get_candidate(session, web.user, candidate_id)
    values = {spec.name: getattr(person, spec.name) for spec in PROFILE_FIELDS}
    return _profile_page(request, web, person, values)


@router.post("/personnes/{candidate_id}/profil", response_class=HTMLResponse)
def save_profile(
    request: Request,
    session: SessionDep,
    web: CaseloadPage,
    candidate_id: int,
    form: FormData,
) -> Response:
    """The same schema and service function as ``PATCH /candidates/{id}``: same rules, same
    sentences; nothing is changed unless every field is accepted."""
    if not 1 <= candidate_id <= MAX_ID:
        raise NotFound(f"personne {candidate_id} introuvable")
    person = get_candidate(session, web.user, candidate_id)
    values, errors = read_form(PROFILE_FIELDS, form)
    shown = {**values, **{k: form.get(k, "") for k in errors}}
    if not errors:
        try:
            data = CandidateUpdate(**values, version=form.get("version", ""))
        except ValidationError as exc:
            errors = validation_messages(exc)
    if errors:
        return _profile_page(request, web, person, shown, errors=errors, status_code=422)
    try:
        update_candidate(session, referentials(request), web.user, candidate_id, data)
    except AppError as exc:
        session.rollback()
        person = get_candidate(session, web.user, candidate_id)
        return _profile_page(request, web, person, shown, message=exc.detail, status_code=422)
    return RedirectResponse(f"/personnes/{candidate_id}?msg=profil", status_code=303)


@router.post("/personnes/{candidate_id}/proposer")
def propose(
    request: Request,
    session: SessionDep,
    web: CoachPage,
    candidate_id: int,
    offer_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    comment: Annotated[str, Form(max_length=4000)] = "",
    retour: Annotated[Literal["personne", "offre"], Form()] = "personne",
    source: Annotated[Literal["shortlist", "manual"], Form()] = "shortlist",
) -> Response:
    scoring = scoring_state(request)
    proposal_service.create_proposal(
        session,
        scoring,
        web.user,
        workflow_schemas.ProposalCreate(
            candidate_id=candidate_id,
            offer_id=offer_id,
            comment=comment.strip() or None,
            source=source,
        ),
        today=scoring.today(),
        stale_days=stale_days(request),
    )
    target = f"/offres/{offer_id}" if retour == "offre" else f"/personnes/{candidate_id}"
    return RedirectResponse(f"{target}?msg=propose", status_code=303)


# --------------------------------------------------------------------------- offers


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


# --------------------------------------------------------------------------- new offers


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


# --------------------------------------------------------------------------- proposals


@router.get("/coach/propositions", response_class=HTMLResponse)
def my_proposals(
    request: Request,
    session: SessionDep,
    web: CoachPage,
    etat: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    state = etat if etat in states.STATE_LABELS else None
    proposals, _ = proposal_service.list_proposals(
        session, web.user, ALL, state=state, stale_days=stale_days(request)
    )
    people = {p.candidate_id: CandidateRepository(session).find(p.candidate_id) for p in proposals}
    return render(
        request,
        "coach/proposals.html",
        web,
        page_title="Mes propositions",
        nav="propositions",
        proposals=proposals,
        people={k: v.external_id for k, v in people.items() if v is not None},
        offer_titles={p.offer_id: offer_title(session, p.offer_id) for p in proposals},
        etat=state or "",
        states=states.STATE_LABELS,
    )


@router.get("/propositions/{proposal_id}", response_class=HTMLResponse)
def proposal_page(
    request: Request, session: SessionDep, web: CaseloadPage, proposal_id: int
) -> HTMLResponse:
    if not 1 <= proposal_id <= MAX_ID:
        raise NotFound(f"proposition {proposal_id} introuvable")
    proposal = proposal_service.get_proposal(
        session, web.user, proposal_id, stale_days=stale_days(request)
    )
    events = proposal_service.list_events(session, web.user, proposal_id)
    person = get_candidate(session, web.user, proposal.candidate_id)
    return render(
        request,
        "proposal.html",
        web,
        page_title=f"Proposition {proposal.id}",
        nav="propositions" if web.user.role == "coach" else "validation",
        proposal=proposal,
        events=events,
        person=person,
        offer_title=offer_title(session, proposal.offer_id),
        states=states.STATE_LABELS,
        reasons={**states.REFUSAL_REASONS},
    )


@router.post("/coach/propositions/{proposal_id}/retirer")
def withdraw(
    request: Request,
    session: SessionDep,
    web: CoachPage,
    proposal_id: int,
    version: Annotated[int, Form(ge=1)],
) -> Response:
    proposal_service.transition(
        session,
        web.user,
        proposal_id,
        workflow_schemas.TransitionIn(to="withdrawn", version=version),
        stale_days=stale_days(request),
    )
    return RedirectResponse("/coach/propositions?msg=modifie", status_code=303)


# --------------------------------------------------------------------------- digest


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
