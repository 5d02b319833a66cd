"""The facilitator's tools: insertion-hours calculator and candidate supply around a site.

Plain ``def`` endpoints: the supply runs the engine (CPU-bound).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from service import tools
from service.api.deps import STANDARD_ERRORS, RefsDep, SettingsDep
from service.api.proposals import ScoringStateDep
from service.auth import ManagerUser
from service.db import SessionDep

router = APIRouter(prefix="/tools", tags=["tools"], responses=STANDARD_ERRORS)


@router.get("/insertion-hours", response_model=tools.HoursEstimate)
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
) -> tools.HoursEstimate:
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


@router.get("/labour-shares", response_model=list[tools.LabourShare])
def list_labour_shares(settings: SettingsDep, _: ManagerUser) -> list[tools.LabourShare]:
    """Default labour share by trade (working assumptions, editable file)."""
    return tools.labour_shares(settings.labour_shares_path)


@router.post("/supply", response_model=tools.SupplyRead)
def post_supply(
    session: SessionDep,
    scoring: ScoringStateDep,
    refs: RefsDep,
    user: ManagerUser,
    body: tools.SupplyIn,
) -> tools.SupplyRead:
    """Candidates within range of a planned site for some trades, by readiness stage."""
    return tools.candidate_supply(session, scoring, refs, user, body, today=scoring.today())
