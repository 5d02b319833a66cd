"""Shortlists of an offer, best offers of a person, and "Pourquoi pas ?".

Plain ``def`` endpoints: scoring is CPU-bound, FastAPI runs these in its thread pool so the event
loop never blocks.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from service import shortlists
from service.api.deps import STANDARD_ERRORS, EntityId, RefsDep
from service.auth import CaseloadUser
from service.db import SessionDep
from service.scoring import ScoringState

router = APIRouter(tags=["matching"], responses=STANDARD_ERRORS)


async def get_scoring(request: Request) -> ScoringState:
    scoring: ScoringState = request.app.state.scoring
    return scoring


ScoringDep = Annotated[ScoringState, Depends(get_scoring)]
K = Annotated[int, Query(ge=1, le=shortlists.MAX_K, description="nombre de résultats")]


@router.get("/offers/{offer_id}/shortlist", response_model=shortlists.ShortlistRead)
def get_offer_shortlist(
    session: SessionDep,
    scoring: ScoringDep,
    refs: RefsDep,
    user: CaseloadUser,
    offer_id: EntityId,
    k: K = 20,
    scope: shortlists.Scope = "all",
) -> shortlists.ShortlistRead:
    """Best candidates for an offer, with explanations (``scope=mine``: a coach's own caseload)."""
    return shortlists.shortlist_for_offer(
        session, scoring, refs, user, offer_id, k=k, scope=scope, today=scoring.today()
    )


@router.get("/candidates/{candidate_id}/offers", response_model=shortlists.CandidateOffersRead)
def get_candidate_offers(
    session: SessionDep,
    scoring: ScoringDep,
    refs: RefsDep,
    user: CaseloadUser,
    candidate_id: EntityId,
    k: K = 10,
) -> shortlists.CandidateOffersRead:
    """Best open offers for one person of the caller's caseload, with explanations."""
    return shortlists.offers_for_candidate(
        session, scoring, refs, user, candidate_id, k=k, today=scoring.today()
    )


@router.get("/candidates/{candidate_id}/why-not/{offer_id}", response_model=shortlists.WhyNotRead)
def get_why_not(
    session: SessionDep,
    scoring: ScoringDep,
    user: CaseloadUser,
    candidate_id: EntityId,
    offer_id: EntityId,
) -> shortlists.WhyNotRead:
    """Why a person is not on an offer's shortlist: every exclusion reason, in French."""
    return shortlists.why_not(session, scoring, user, candidate_id, offer_id, today=scoring.today())
