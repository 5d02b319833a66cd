"""Shortlists of an offer, best offers of a person, and "Pourquoi pas ?".

Plain ``def`` endpoints: scoring is CPU-bound, FastAPI runs these in its thread pool so the event
loop never blocks.
"""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

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
    request: Request,
    session: SessionDep,
    user: CaseloadUser,
    offer_id: EntityId,
    k: K = 20,
    scope: shortlists.Scope = "all",
) -> Response:
    """Best candidates for an offer, with explanations (``scope=mine``: a coach's own caseload)."""
    # The most asked-for route, kept lean: app state read directly rather than through two
    # more dependencies, and the answer (a ShortlistRead's fields, documented by
    # response_model) sent as built with orjson, without re-validation.
    state = request.app.state
    scoring: ScoringState = state.scoring
    payload = shortlists.shortlist_payload(
        session,
        scoring,
        state.referentials,
        user,
        offer_id,
        k=k,
        scope=scope,
        today=scoring.today(),
    )
    # Reads done: end the read transaction here, in this thread, which spares the session
    # dependency a thread-pool round trip (the audit entry is still written before the answer).
    session.commit()
    return Response(orjson.dumps(payload), media_type="application/json")


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
