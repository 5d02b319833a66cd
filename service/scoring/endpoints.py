"""Shortlists, best offers of a person, "Pourquoi pas ?", batch runs, digests and the
facilitator's tools.

Plain ``def`` endpoints where the engine scores: scoring is CPU-bound, FastAPI runs these in its
thread pool so the event loop never blocks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Annotated, Any, Final

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy.orm import Session

from service.accounts.auth import (
    CaseloadUser,
    CoachUser,
    FacilitatorUser,
    ManagerUser,
)
from service.db import SessionDep
from service.kit.deps import STANDARD_ERRORS, EntityId, PageDep, SettingsDep
from service.kit.schemas import Page
from service.models.accounts import User
from service.referentials.deps import RefsDep
from service.scoring import schemas as scoring_schemas
from service.scoring import shortlists, tools
from service.scoring.batch import batch_parameters, list_runs, run_batch
from service.scoring.deps import ScoringStateDep
from service.scoring.digest import coach_digest
from service.scoring.schemas import BatchRead, DigestRead, MatchRunRead, Scope
from service.scoring.state import ScoringState

__all__ = ["digest_router", "match_runs_router", "shortlists_router", "tools_router"]


shortlists_router = APIRouter(tags=["matching"], responses=STANDARD_ERRORS)


K = Annotated[int, Query(ge=1, le=shortlists.MAX_K, description="nombre de résultats")]
DEFAULT_K: Final = 20
DEFAULT_SCOPE: Final[Scope] = "all"
"""A shortlist's defaults (the route's, and the fast route's in front of it)."""


@shortlists_router.get("/offers/{offer_id}/shortlist", response_model=scoring_schemas.ShortlistRead)
async def get_offer_shortlist(
    request: Request,
    session: SessionDep,
    user: CaseloadUser,
    offer_id: EntityId,
    k: K = DEFAULT_K,
    scope: Scope = DEFAULT_SCOPE,
) -> Response:
    """Best candidates for an offer, with explanations (``scope=mine``: a coach's own caseload)."""
    # The most asked-for route, kept lean: app state read directly rather than through two
    # more dependencies, and the answer (a ShortlistRead's fields, documented by
    # response_model) sent as built with orjson, without re-validation. Most requests for a
    # list remembered for the current engine state never get here: the fast route in front
    # of the application answers them with this same function
    # (service/scoring/fast_route.py). The others come here: a remembered list is answered on
    # the event loop, with no query (a microseconds' walk over twenty rows); otherwise in a
    # thread, where ranking and reading the database do not hold up other requests. Every
    # refusal (token, role, parameters, unknown offer) is this route's.
    answer = shortlist_answer(request.app.state, session, user, offer_id, k=k, scope=scope)
    try:
        payload = answer(memory_only=True)
    except shortlists.NotInMemory:
        payload = await run_in_threadpool(_then_end_reads, session, answer)
    return Response(orjson.dumps(payload), media_type="application/json")


def shortlist_answer(
    state: Any, session: Session, user: User, offer_id: int, *, k: int, scope: Scope
) -> Callable[..., dict[str, Any]]:
    """The shortlist's answer for the application ``state``, to call (with ``memory_only``
    or not): for this route and for the fast route in front of it, with the same day."""
    scoring: ScoringState = state.scoring
    return partial(
        shortlists.shortlist_payload,
        session,
        scoring,
        state.referentials,
        user,
        offer_id,
        k=k,
        scope=scope,
        today=scoring.today(),
    )


def _then_end_reads(session: Session, answer: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """``answer()``, then the end of its read transaction, here in this thread: that spares the
    session dependency a thread-pool round trip (the audit entry is still written before the
    answer leaves)."""
    payload = answer()
    if session.in_transaction():
        session.commit()
    return payload


@shortlists_router.get(
    "/candidates/{candidate_id}/offers", response_model=scoring_schemas.CandidateOffersRead
)
def get_candidate_offers(
    session: SessionDep,
    scoring: ScoringStateDep,
    refs: RefsDep,
    user: CaseloadUser,
    candidate_id: EntityId,
    k: K = 10,
) -> scoring_schemas.CandidateOffersRead:
    """Best open offers for one person of the caller's caseload, with explanations."""
    return shortlists.offers_for_candidate(
        session, scoring, refs, user, candidate_id, k=k, today=scoring.today()
    )


@shortlists_router.get(
    "/candidates/{candidate_id}/why-not/{offer_id}", response_model=scoring_schemas.WhyNotRead
)
def get_why_not(
    session: SessionDep,
    scoring: ScoringStateDep,
    user: CaseloadUser,
    candidate_id: EntityId,
    offer_id: EntityId,
) -> scoring_schemas.WhyNotRead:
    """Why a person is not on an offer's shortlist: every exclusion reason, in French."""
    return shortlists.why_not(session, scoring, user, candidate_id, offer_id, today=scoring.today())


match_runs_router = APIRouter(prefix="/match-runs", tags=["matching"], responses=STANDARD_ERRORS)


@match_runs_router.post("", response_model=BatchRead)
def create_match_run(
    session: SessionDep, settings: SettingsDep, scoring: ScoringStateDep, user: FacilitatorUser
) -> BatchRead:
    """Score the new or changed open offers against the active pool and record the run."""
    return run_batch(session, scoring, user=user, params=batch_parameters(settings, scoring))


@match_runs_router.get("", response_model=Page[MatchRunRead])
def list_match_runs(session: SessionDep, _: ManagerUser, page: PageDep) -> Page[MatchRunRead]:
    """Recorded runs, newest first: status, model version, parameters, input hash, counts."""
    runs, total = list_runs(session, limit=page.limit, offset=page.offset)
    return Page[MatchRunRead](items=runs, total=total, limit=page.limit, offset=page.offset)


digest_router = APIRouter(prefix="/coaches", tags=["matching"], responses=STANDARD_ERRORS)


@digest_router.get("/me/digest", response_model=DigestRead)
def get_my_digest(
    session: SessionDep,
    refs: RefsDep,
    user: CoachUser,
    peek: Annotated[bool, Query(description="regarder sans marquer comme lu")] = False,
) -> DigestRead:
    """New matches for my caseload since my last digest, by offer, explained; marks them read."""
    return coach_digest(session, user, refs=refs, peek=peek, actor=user)


tools_router = APIRouter(prefix="/tools", tags=["tools"], responses=STANDARD_ERRORS)


@tools_router.get("/insertion-hours", response_model=scoring_schemas.HoursEstimate)
def get_insertion_hours(
    settings: SettingsDep,
    _: ManagerUser,
    amount: Annotated[float, Query(gt=0, description="montant du lot HT, en euros")],
    rate: Annotated[float, Query(gt=0, le=1, description="taux d'insertion (0,05 = 5 %)")],
    labour_share: Annotated[
        float | None, Query(gt=0, le=1, description="part de main-d'œuvre (0,5 = 50 %)")
    ] = None,
    trade: Annotated[
        str | None, Query(description="corps de métier de la table, si pas de part donnée")
    ] = None,
    hourly_cost: Annotated[
        float | None, Query(gt=0, description="coût horaire chargé (€/h)")
    ] = None,
) -> scoring_schemas.HoursEstimate:
    """Insertion hours of a lot: amount × labour share × rate ÷ hourly cost, assumptions shown."""
    return tools.estimate_hours(
        amount_eur=amount,
        insertion_rate=rate,
        hourly_cost_eur=hourly_cost
        if hourly_cost is not None
        else settings.insertion_hourly_cost_eur,
        labour_share=labour_share,
        trade=trade,
        shares_path=settings.labour_shares_path,
    )


@tools_router.get("/labour-shares", response_model=list[scoring_schemas.LabourShare])
def list_labour_shares(settings: SettingsDep, _: ManagerUser) -> list[scoring_schemas.LabourShare]:
    """Default labour share by trade (working assumptions, editable file)."""
    return tools.labour_shares(settings.labour_shares_path)


@tools_router.post("/supply", response_model=scoring_schemas.SupplyRead)
def post_supply(
    session: SessionDep,
    scoring: ScoringStateDep,
    refs: RefsDep,
    user: ManagerUser,
    body: scoring_schemas.SupplyIn,
) -> scoring_schemas.SupplyRead:
    """Candidates within range of a planned site for some trades, by readiness stage."""
    return tools.candidate_supply(session, scoring, refs, user, body, today=scoring.today())
