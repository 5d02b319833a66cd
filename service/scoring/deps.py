"""The engine state as a router dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.scoring.state import ScoringState

__all__ = ["ScoringStateDep", "get_scoring_state"]


async def get_scoring_state(request: Request) -> ScoringState:
    """The process's engine state, made at start-up (see :func:`service.main.create_app`).

    An app used without its lifespan gets an empty state here, once; it reads the database at
    its first use.
    """
    scoring: ScoringState | None = getattr(request.app.state, "scoring", None)
    if scoring is None:
        refs = request.app.state.referentials
        scoring = ScoringState(rome=refs.rome, communes=refs.communes)
        request.app.state.scoring = scoring
    return scoring


ScoringStateDep = Annotated[ScoringState, Depends(get_scoring_state)]
