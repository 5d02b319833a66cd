"""Pages of the people followed: a coach's caseload, a person's page (best offers, proposals) and
the form of their profile.

Every read of a person goes through the service functions (scoping: another coach's person is a
404; audit)."""

from __future__ import annotations

from typing import Annotated, Final, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from matching.columns import READINESS_STAGES
from matching.licences import LICENCE_LABELS
from service.db import SessionDep
from service.errors import NotFound
from service.kit.crud import Pagination
from service.models.people import display_name
from service.people.service import get_candidate, list_candidates
from service.scoring import schemas as scoring_schemas
from service.scoring import shortlists
from service.web.auth import CaseloadPage, CoachPage, csrf_protect
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
from service.web.templating import render
from service.workflow import proposals as proposal_service
from service.workflow import states

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


CASELOAD_SORTS: Final = {
    "nom": "nom",
    "disponibilite": "disponibilité",
    "evaluation": "date d'évaluation",
    "etape": "étape",
}


@router.get("/coach/suivi", response_class=HTMLResponse)
def caseload(
    request: Request,
    session: SessionDep,
    web: CoachPage,
    q: Annotated[str, Query(max_length=64)] = "",
    etape: Annotated[str, Query(max_length=20)] = "",
    actif: Annotated[Literal["oui", "non", "tous"], Query()] = "oui",
    tri: Annotated[str, Query(max_length=20)] = "nom",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    is_active = {"oui": True, "non": False, "tous": None}[actif]
    sort = tri if tri in CASELOAD_SORTS else "nom"
    people, total = list_candidates(
        session,
        web.user,
        Pagination(limit=PAGE, offset=(page - 1) * PAGE),
        is_active=is_active,
        q=q,
        readiness_stage=etape if etape in READINESS_STAGES else None,
        sort=sort,
    )
    return render(
        request,
        "coach/caseload.html",
        web,
        page_title="Mon suivi",
        nav="suivi",
        people=people,
        total=total,
        q=q,
        etape=etape,
        actif=actif,
        tri=sort,
        sorts=CASELOAD_SORTS,
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
    if person.is_active and person.is_eligible and not person.do_not_propose:
        offers = shortlists.offers_for_candidate(
            session,
            scoring,
            referentials(request),
            web.user,
            person.id,
            k=10,
            today=scoring.today(),
        )
    elif person.anonymised_at is not None:
        not_ranked = "Cette personne a été anonymisée : elle n'est plus classée ni proposée."
    elif person.do_not_propose:
        not_ranked = (
            "Cette personne est marquée « ne pas proposer » : elle n'est classée sur aucune "
            "offre et personne ne peut la proposer. Sa fiche est conservée."
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
    refs = referentials(request)
    name = display_name(person.first_name, person.last_name, person.external_id)
    return render(
        request,
        "person.html",
        web,
        page_title=name,
        nav="suivi",
        person=person,
        person_label=name,
        jobs=[(refs.job_label(j.code_ogr, j.code_rome), j.experience_years) for j in person.jobs],
        licences=[LICENCE_LABELS.get(lic.code, lic.code) for lic in person.licences],
        skills=sorted(refs.skill_labels(person.skills).values()),
        commune=commune_label(request, person.commune_insee),
        offers=offers,
        not_ranked=not_ranked,
        proposals=proposals,
        offer_titles=offer_titles,
        open_offer_ids=open_offer_ids,
    )
