"""Pages of the people followed: a coach's caseload, a person's page (best offers, proposals) and
the form of their profile.

Every read of a person goes through the service functions (scoping: another coach's person is a
404; audit)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from matching import columns as col
from matching.columns import READINESS_STAGES
from matching.fields import CANDIDATE_FIELDS
from service.db import SessionDep
from service.errors import AppError, NotFound
from service.models.people import Candidate
from service.people.schemas import CandidateUpdate
from service.people.service import get_candidate, list_candidates, update_candidate
from service.scoring import schemas as scoring_schemas
from service.scoring import shortlists
from service.web.auth import CaseloadPage, CoachPage, WebContext, csrf_protect
from service.web.common import (
    ALL,
    MAX_ID,
    PAGE,
    commune_label,
    offer_title,
    referentials,
    scoring_state,
    stale_days,
)
from service.web.forms import FormData, form_fields, read_form, validation_messages
from service.web.templating import render
from service.workflow import proposals as proposal_service
from service.workflow import states

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


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
        fields=form_fields(
            PROFILE_FIELDS,
            values,
            errors=errors,
            notes={
                col.COMMUNE_INSEE: "Code INSEE ou nom de la commune ; aujourd'hui : "
                f"{commune_label(request, person.commune_insee)}."
            },
            today=date.today(),
        ),
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
