"""Batch matching: score the new or changed open offers against the whole active pool.

An open offer waits for the batch while no completed run scored its current version (table
``match_run_offers``). :func:`run_batch` takes those offers, keeps each one's ``K`` best
candidates (``K`` = 4 × its list size, :meth:`~matching.engine.MatchingState.top_k_per_offer`),
then chooses the lists with :func:`~matching.capacity.allocate_lists`: an offer's list holds
``slots_per_position × open_positions`` people and one person goes on at most ``max_lists``
lists per run.

The run is recorded with a hash of its inputs (the sorted ``(offer id, version)`` and
``(candidate id, version)`` pairs, the model version and the parameters): a run over the same
inputs as a completed one does nothing. The run row, its matches and its scored offers are written
at the end, in the caller's one transaction: a process killed before the commit leaves nothing
behind (no half-written run), and the next run simply scores the same offers again. Runs left
``running`` by older code or a crash are marked ``failed`` by the next run.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from matching.capacity import allocate_lists, congestion_stats
from matching.engine import MatchingState
from matching.explain import explain_pairs
from matching.ranking import RankedPairs, as_day
from service.accounts.audit import audit
from service.config import Settings
from service.db import utcnow
from service.models.accounts import User
from service.models.scoring import Match, MatchRun, MatchRunOffer
from service.scoring.repository import BatchRepository, PendingOffer
from service.scoring.schemas import BatchRead, MatchRunRead
from service.scoring.state import ScoringState
from training.registry import scorer_label

__all__ = [
    "BatchParameters",
    "input_hash",
    "list_runs",
    "pending_offers",
    "run_batch",
]


K_FACTOR = 4


_OFFERS_PER_STEP = 100


Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class BatchParameters:
    """What decides a run's output besides its inputs (part of the input hash)."""

    as_of: date
    slots_per_position: int = 3
    max_lists: int = 3
    k_factor: int = K_FACTOR

    def as_dict(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "slots_per_position": self.slots_per_position,
            "max_lists": self.max_lists,
            "k_factor": self.k_factor,
        }


def batch_parameters(settings: Settings, scoring: ScoringState) -> BatchParameters:
    """A run's parameters from the settings, dated by the engine state's day."""
    return BatchParameters(
        as_of=scoring.today(),
        slots_per_position=settings.slots_per_position,
        max_lists=settings.batch_max_lists,
    )


@dataclass
class _Edges:
    offer_idx: npt.NDArray[np.int32]
    candidate_idx: npt.NDArray[np.int32]
    score: npt.NDArray[np.float32]
    components: npt.NDArray[np.float32]
    distance_km: npt.NDArray[np.float32]
    rank: npt.NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


def input_hash(
    offers: Iterable[tuple[int, int]],
    candidates: Iterable[tuple[int, int]],
    *,
    model_version: str,
    parameters: dict[str, Any],
) -> str:
    """sha256 over the sorted (offer id, version) and (candidate id, version) pairs, the model
    version and the parameters."""
    h = hashlib.sha256()
    h.update(b"offers:")
    h.update(",".join(f"{i}:{v}" for i, v in sorted(offers)).encode())
    h.update(b"|candidates:")
    h.update(",".join(f"{i}:{v}" for i, v in sorted(candidates)).encode())
    h.update(b"|model:" + model_version.encode())
    h.update(b"|parameters:" + json.dumps(parameters, sort_keys=True).encode())
    return h.hexdigest()


def list_runs(session: Session, *, limit: int, offset: int) -> tuple[list[MatchRunRead], int]:
    """Recorded runs, newest first (what was scored, with which model and parameters)."""
    runs, total = BatchRepository(session).recent_runs(limit=limit, offset=offset)
    return [
        MatchRunRead(
            id=r.id,
            kind=r.kind,
            status=r.status,
            started_at=r.started_at,
            finished_at=r.finished_at,
            duration_s=(
                None
                if r.finished_at is None
                else round((r.finished_at - r.started_at).total_seconds(), 3)
            ),
            model_version=r.model_version,
            parameters=dict(r.parameters or {}),
            n_offers=r.n_offers,
            n_candidates=r.n_candidates,
            n_matches=r.n_matches,
        )
        for r in runs
    ], total


def pending_offers(session: Session, as_of: date) -> list[PendingOffer]:
    """Open offers not ended on ``as_of`` whose current version no completed run has scored."""
    return BatchRepository(session).pending_offers(as_of)


def _score(
    state: MatchingState,
    offers: list[PendingOffer],
    *,
    params: BatchParameters,
    progress: Progress | None,
) -> tuple[_Edges, npt.NDArray[np.int64]]:
    """Top-K edges of the offers, then the capacity-aware choice; capacity per dense offer."""
    dense = state.offers.index_of([str(o.id) for o in offers]).astype(np.int64)
    capacity = np.zeros(len(state.offers), dtype=np.int64)
    capacity[dense] = [params.slots_per_position * max(o.open_positions, 1) for o in offers]
    parts: list[RankedPairs] = []
    order = np.argsort(dense)
    for start in range(0, len(offers), _OFFERS_PER_STEP):
        step = dense[order[start : start + _OFFERS_PER_STEP]]
        k = int(params.k_factor * capacity[step].max())
        ranked = state.top_k_per_offer(
            as_of=params.as_of, k=k, offer_ids=state.offers.ids[step].tolist()
        )
        keep = ranked.rank.astype(np.int64) <= params.k_factor * capacity[ranked.offer_idx]
        parts.append(_take(ranked, keep))
        if progress:
            progress(min(start + _OFFERS_PER_STEP, len(offers)), len(offers))
    ranked = RankedPairs.concat(parts)
    edges = _Edges(
        offer_idx=ranked.offer_idx,
        candidate_idx=ranked.candidate_idx,
        score=ranked.score,
        components=ranked.components,
        distance_km=ranked.distance_km,
    )
    return edges, capacity


def _take(ranked: RankedPairs, keep: npt.NDArray[np.bool_]) -> RankedPairs:
    return RankedPairs(
        offer_idx=ranked.offer_idx[keep],
        candidate_idx=ranked.candidate_idx[keep],
        score=ranked.score[keep],
        components=ranked.components[keep],
        rank=ranked.rank[keep],
        distance_km=ranked.distance_km[keep],
    )


def _allocate(edges: _Edges, capacity: npt.NDArray[np.int64], max_lists: int) -> _Edges:
    """The chosen edges, ranked again inside each offer's list (1 = best score)."""
    chosen = allocate_lists(
        edges.offer_idx, edges.candidate_idx, edges.score, capacity=capacity, max_lists=max_lists
    ).selected
    o = edges.offer_idx[chosen]
    s = edges.score[chosen]
    c = edges.candidate_idx[chosen]
    order = np.lexsort((c, -s, o))
    o, c = o[order], c[order]
    first = np.searchsorted(o, o, side="left")
    rank = (np.arange(o.size) - first + 1).astype(np.int64)
    return _Edges(
        offer_idx=o,
        candidate_idx=c,
        score=s[order],
        components=edges.components[chosen][order],
        distance_km=edges.distance_km[chosen][order],
        rank=rank,
    )


def run_batch(
    session: Session,
    scoring: ScoringState,
    *,
    user: User | None,
    params: BatchParameters,
    progress: Progress | None = None,
    pause_before_commit_s: float = 0.0,
    on_pause: Callable[[], None] | None = None,
) -> BatchRead:
    """Score the pending offers and record the run with its matches (the caller commits)."""
    started = utcnow()
    t0 = time.perf_counter()
    repo = BatchRepository(session)
    repo.lock_batches()
    repo.fail_stale_runs()
    offers = repo.pending_offers(params.as_of)
    if not offers:
        return BatchRead(
            status="nothing_to_do", message="Aucune offre nouvelle ou modifiée à rapprocher."
        )
    # A batch must see every write, whoever made it: no cached check.
    state = scoring.sync(session, max_age_s=0)
    model_version = scorer_label(state.scorer)
    pool = repo.active_pool_versions()
    parameters = params.as_dict()
    digest = input_hash(
        [(o.id, o.version) for o in offers],
        pool,
        model_version=model_version,
        parameters=parameters,
    )
    done = repo.completed_run_with_hash(digest)
    if done is not None:
        return BatchRead(
            status="nothing_to_do",
            run_id=done,
            message=f"Mêmes données que le rapprochement n° {done} : rien à refaire.",
            input_hash=digest,
            model_version=model_version,
        )
    in_state = set(state.offers.ids.tolist())
    offers = [o for o in offers if str(o.id) in in_state]
    if not offers:
        return BatchRead(
            status="nothing_to_do", message="Aucune offre rapprochable (métier ou commune absents)."
        )
    edges, capacity = _score(state, offers, params=params, progress=progress)
    chosen = _allocate(edges, capacity, params.max_lists)
    explanations = explain_pairs(
        state.pool,
        state.offers,
        affinity=state.affinity,
        distances=state.distances,
        candidate_idx=chosen.candidate_idx,
        offer_idx=chosen.offer_idx,
        distance_km=chosen.distance_km,
        as_of_day=as_day(params.as_of),
    )
    stats = congestion_stats(
        chosen.offer_idx, chosen.candidate_idx, np.ones(chosen.rank.size, bool)
    )
    finished: datetime = utcnow()
    run = repo.add_run(
        MatchRun(
            kind="batch",
            started_at=started,
            finished_at=finished,
            created_by=user.id if user else None,
            model_version=model_version,
            parameters={**parameters, "input_hash": digest},
            n_candidates=len(pool),
            n_offers=len(offers),
            n_matches=int(chosen.rank.size),
            status="completed",
        )
    )
    offer_ids = state.offers.ids[chosen.offer_idx]
    candidate_ids = state.pool.ids[chosen.candidate_idx]
    comps = np.round(chosen.components.astype(np.float64), 4)
    repo.insert_rows(
        Match,
        [
            {
                "run_id": run.id,
                "offer_id": int(offer_ids[i]),
                "candidate_id": int(candidate_ids[i]),
                "score": min(max(round(float(chosen.score[i]), 6), 0.0), 1.0),
                "components": {
                    "skills": float(comps[i, 0]),
                    "mobility": float(comps[i, 1]),
                    "readiness": float(comps[i, 2]),
                },
                "explanation": explanations[i],
                "model_version": model_version,
                "rank": int(chosen.rank[i]),
            }
            for i in range(chosen.rank.size)
        ],
    )
    repo.insert_rows(
        MatchRunOffer,
        [{"run_id": run.id, "offer_id": o.id, "offer_version": o.version} for o in offers],
    )
    duration = time.perf_counter() - t0
    audit(
        session,
        user,
        "batch",
        "match_run",
        run.id,
        {"offers": len(offers), "candidates": len(pool), "matches": int(chosen.rank.size)},
    )
    if pause_before_commit_s > 0:
        # Tests only: everything is written but not committed; a kill now must leave nothing.
        if on_pause:
            on_pause()
        time.sleep(pause_before_commit_s)
    return BatchRead(
        status="completed",
        run_id=run.id,
        message=(
            f"Rapprochement n° {run.id} : {len(offers)} offre(s) rapprochée(s) de {len(pool)} "
            f"personne(s), {int(chosen.rank.size)} proposition(s) de liste."
        ),
        n_offers=len(offers),
        n_candidates=len(pool),
        n_matches=int(chosen.rank.size),
        n_people=stats.n_people,
        max_lists_per_person=stats.max_lists_per_person,
        model_version=model_version,
        input_hash=digest,
        duration_s=round(duration, 3),
        parameters=parameters,
    )
