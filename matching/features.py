"""Components of given (candidate, offer) pairs: the features a trained scorer learns from.

The ranking path (:mod:`matching.ranking`) builds its own pairs (reach pre-filter, exclusions)
and scores them. Training needs the components of pairs someone else chose (the pairs of an
outcome history, each with its own date) computed by the same code, so that a model sees at
training time exactly what it will see at serving time. :func:`pair_components_for` does that
on a :class:`~matching.engine.MatchingState` with the engine's public pieces only
(:func:`matching.components.pair_components`, :func:`matching.constraints.is_rankable`, the
state's distance table). Excluded pairs are scored too (a person may have been hired despite
what the engine would say today) and flagged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from matching.components import is_job_open, pair_components
from matching.constraints import is_rankable
from matching.engine import MatchingState
from matching.ranking import as_day

__all__ = ["PairFeatures", "pair_components_for"]

F32 = npt.NDArray[np.float32]
DateLike = dt.date | np.datetime64 | pd.Timestamp | str
_EPOCH: Final = np.datetime64("1970-01-01", "D")
_BLOCK_OFFERS: Final = 512


@dataclass(frozen=True, eq=False)
class PairFeatures:
    """Components and context of pairs, in the order they were asked for.

    Attributes (``P`` pairs)
    ----------
    components : float32 (P, 3), ``columns.COMPONENTS`` (skills, mobility, readiness)
    distance_km : float32 (P,), road distance from the state's commune table
    is_rankable : bool (P,), no hard constraint excludes the pair (see
        :mod:`matching.constraints`) and the person has a related target job or the job is open
        to anyone (:func:`matching.components.is_job_open`); excluded pairs still get their
        components
    """

    components: F32
    distance_km: F32
    is_rankable: npt.NDArray[np.bool_]


def _days(as_of: DateLike | npt.ArrayLike, n: int) -> npt.NDArray[np.int64]:
    if isinstance(as_of, dt.date | np.datetime64 | pd.Timestamp | str):
        return np.full(n, as_day(as_of), dtype=np.int64)
    days = (np.asarray(as_of, dtype="datetime64[D]") - _EPOCH).astype(np.int64)
    if days.shape != (n,):
        raise ValueError(f"as_of must be one date or one date per pair ({n}), got {days.shape}")
    return days


def pair_components_for(
    state: MatchingState,
    candidate_ids: Iterable[str],
    offer_ids: Iterable[str],
    *,
    as_of: DateLike | npt.ArrayLike,
) -> PairFeatures:
    """Components of the pairs ``(candidate_ids[i], offer_ids[i])``.

    Parameters
    ----------
    state : the prepared pool and offers (its scorer is not used)
    candidate_ids, offer_ids : str (P,), external ids (``KeyError`` names unknown ones)
    as_of : one date for every pair, or datetime64 (P,): each pair's "today" (freshness of the
        assessment is judged on it)

    Returns
    -------
    PairFeatures, row ``i`` for pair ``i``.
    """
    c = state.pool.index_of(candidate_ids).astype(np.intp)
    o = state.offers.index_of(offer_ids).astype(np.intp)
    if c.shape != o.shape:
        raise ValueError(f"{c.shape[0]} candidate ids but {o.shape[0]} offer ids")
    n = c.shape[0]
    days = _days(as_of, n)
    distance = state.distances.between(state.pool.commune[c], state.offers.commune[o])
    distance = np.asarray(distance, dtype=np.float32)
    components = np.zeros((n, 3), dtype=np.float32)
    # one call per (day, block of offers): pair_components takes one day, and reads one row of
    # the fiche table per distinct offer of the call (bounded memory)
    order = np.lexsort((o, days))
    day_sorted, o_sorted = days[order], o[order]
    day_start = np.flatnonzero(np.r_[True, day_sorted[1:] != day_sorted[:-1]])
    day_end = np.r_[day_start[1:], n]
    for lo, hi in zip(day_start, day_end, strict=True):
        sel = order[lo:hi]
        block_offers, local = np.unique(o_sorted[lo:hi], return_inverse=True)
        for b0 in range(0, block_offers.shape[0], _BLOCK_OFFERS):
            in_block = (local >= b0) & (local < b0 + _BLOCK_OFFERS)
            rows = sel[in_block]
            components[rows] = pair_components(
                state.pool,
                state.offers,
                state.affinity,
                block_offers=block_offers[b0 : b0 + _BLOCK_OFFERS],
                pair_local=local[in_block] - b0,
                candidate_idx=c[rows],
                distance_km=distance[rows],
                as_of_day=int(day_sorted[lo]),
            )
    rankable = is_rankable(state.pool, state.offers, c, o, distance)
    rankable &= is_job_open(components[:, 0])
    return PairFeatures(components=components, distance_km=distance, is_rankable=rankable)
