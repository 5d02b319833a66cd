"""The prepared state the service keeps in memory, with cheap update paths.

:class:`MatchingState` is immutable: every update returns a new state sharing what did not
change, so a service can swap one reference while requests keep reading the old state.

Update costs (``n`` candidates, ``m`` communes in the distance table):

* candidates added or replaced: validation of the new rows only, one ``take`` over the pool's
  arrays, new communes' rows of the distance table, and a re-sort of the reach index
  (O(n log n)): about 50 ms for 100,000 people whatever the number of changes, so batch them;
* offers added or replaced: validation of the new rows, new communes' table rows, empty
  index groups for them; the candidate side is untouched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from matching import columns as col
from matching.components import JobAffinity, is_job_open
from matching.constraints import Reason, is_rankable, why_not
from matching.distances import DETOUR_FACTOR, CommuneDistances
from matching.explain import why_not_job
from matching.features import PairFeatures, check_feature_names, pair_features
from matching.fields import TravelTolerance
from matching.ranking import (
    DEFAULT_BLOCK_SIZE,
    RankedPairs,
    ReachIndex,
    as_day,
    offers_for,
    rankable_pairs,
    shortlist,
    top_k_per_offer,
)
from matching.referentials import CommuneIndex, RomeReferential
from matching.schema import CandidatePool, OfferSet, prepare_candidates, prepare_offers
from matching.scoring import Scorer, WeightedScorer

__all__ = ["MatchingState"]

DateLike = dt.date | np.datetime64 | pd.Timestamp | str
_EPOCH: Final = np.datetime64("1970-01-01", "D")
_BLOCK_OFFERS: Final = 512


def _days(as_of: DateLike | npt.ArrayLike, n: int) -> npt.NDArray[np.int64]:
    if isinstance(as_of, dt.date | np.datetime64 | pd.Timestamp | str):
        return np.full(n, as_day(as_of), dtype=np.int64)
    days = (np.asarray(as_of, dtype="datetime64[D]") - _EPOCH).astype(np.int64)
    if days.shape != (n,):
        raise ValueError(f"as_of must be one date or one date per pair ({n}), got {days.shape}")
    return days


def _upsert_order(
    old: CandidatePool | OfferSet, new_ids: npt.NDArray[np.object_]
) -> tuple[npt.NDArray[np.int64], dict[str, int]]:
    """Rows of ``old ⊕ new``: old rows in place (replaced by their new version), then new ones.

    Also returns the id → row map of the result (the old map plus the appended ids), so that the
    new pool does not rebuild it.
    """
    n_old = len(old)
    pos = old.lookup(new_ids).astype(np.int64)
    order = np.arange(n_old, dtype=np.int64)
    replaced = pos >= 0
    order[pos[replaced]] = n_old + np.flatnonzero(replaced)
    appended = np.flatnonzero(~replaced)
    positions = dict(old._positions)
    positions.update({str(new_ids[j]): n_old + i for i, j in enumerate(appended)})
    return np.concatenate([order, n_old + appended]), positions


@dataclass(frozen=True, eq=False)
class MatchingState:
    """Prepared pool and offers, distance table, reach index, job affinity and scorer.

    ``tolerance`` is how far beyond a declared travel range a job is still ranked (the pool's
    ``limit_km``); people added later are prepared with the same one.
    """

    pool: CandidatePool
    offers: OfferSet
    distances: CommuneDistances
    index: ReachIndex
    affinity: JobAffinity
    scorer: Scorer
    rome: RomeReferential
    communes: CommuneIndex
    tolerance: TravelTolerance = field(default_factory=TravelTolerance)

    @classmethod
    def build(
        cls,
        candidates: pd.DataFrame,
        candidate_jobs: pd.DataFrame,
        offers: pd.DataFrame,
        *,
        rome: RomeReferential,
        communes: CommuneIndex,
        scorer: Scorer | None = None,
        affinity: JobAffinity | None = None,
        detour_factor: float = DETOUR_FACTOR,
        tolerance: TravelTolerance | None = None,
    ) -> MatchingState:
        """Validate the frames (see :mod:`matching.schema`) and build every structure.

        ``tolerance``: the travel tolerance (default :class:`TravelTolerance`, 5 km or 20 % of
        the declared range; ``TravelTolerance(0, 0)`` for a hard range).
        """
        tolerance = tolerance if tolerance is not None else TravelTolerance()
        pool = prepare_candidates(
            candidates, candidate_jobs, rome=rome, communes=communes, tolerance=tolerance
        )
        offer_set = prepare_offers(offers, rome=rome, communes=communes)
        distances = CommuneDistances.build(
            communes,
            np.concatenate([pool.commune, offer_set.commune]),
            detour_factor=detour_factor,
        )
        return cls(
            pool=pool,
            offers=offer_set,
            distances=distances,
            index=ReachIndex.build(pool, distances),
            affinity=affinity if affinity is not None else JobAffinity.from_rome(rome),
            scorer=scorer if scorer is not None else WeightedScorer(),
            rome=rome,
            communes=communes,
            tolerance=tolerance,
        )

    # -- updates
    def with_candidates(
        self, candidates: pd.DataFrame, candidate_jobs: pd.DataFrame
    ) -> MatchingState:
        """Add new people and replace known ones (by ``candidate_id``; their jobs too)."""
        new = prepare_candidates(
            candidates,
            candidate_jobs,
            rome=self.rome,
            communes=self.communes,
            tolerance=self.tolerance,
        )
        order, positions = _upsert_order(self.pool, new.ids)
        pool = self.pool.concat(new, check_unique=False).take(order)
        pool.__dict__["_positions"] = positions  # seed the cached id map
        distances = self.distances.extend(new.commune)
        return replace(
            self, pool=pool, distances=distances, index=ReachIndex.build(pool, distances)
        )

    def without_candidates(self, candidate_ids: Iterable[str]) -> MatchingState:
        """Drop people (``KeyError`` for an unknown id); the others keep their relative order."""
        drop = self.pool.index_of(candidate_ids)
        keep = np.setdiff1d(np.arange(len(self.pool)), drop)
        pool = self.pool.take(keep)
        return replace(self, pool=pool, index=ReachIndex.build(pool, self.distances))

    def with_offers(self, offers: pd.DataFrame) -> MatchingState:
        """Add new offers and replace known ones (by ``offer_id``)."""
        new = prepare_offers(offers, rome=self.rome, communes=self.communes)
        order, positions = _upsert_order(self.offers, new.ids)
        offer_set = self.offers.concat(new, check_unique=False).take(order)
        offer_set.__dict__["_positions"] = positions  # seed the cached id map
        distances = self.distances.extend(new.commune)
        return replace(
            self, offers=offer_set, distances=distances, index=self.index.grow(len(distances))
        )

    def without_offers(self, offer_ids: Iterable[str]) -> MatchingState:
        """Drop offers (``KeyError`` for an unknown id)."""
        drop = self.offers.index_of(offer_ids)
        keep = np.setdiff1d(np.arange(len(self.offers)), drop)
        return replace(self, offers=self.offers.take(keep))

    def with_scorer(self, scorer: Scorer) -> MatchingState:
        """The same state scored by another scorer (e.g. a newly activated model)."""
        return replace(self, scorer=scorer)

    # -- queries
    def shortlist(
        self, offer_id: str, k: int = 20, *, as_of: DateLike, explain: bool = True
    ) -> pd.DataFrame:
        """Top-``k`` candidates of an offer, see :func:`matching.ranking.shortlist`."""
        return shortlist(
            self.pool,
            self.offers,
            offer_id,
            k,
            distances=self.distances,
            affinity=self.affinity,
            as_of=as_of,
            scorer=self.scorer,
            index=self.index,
            explain=explain,
        )

    def offers_for(
        self, candidate_id: str, k: int = 20, *, as_of: DateLike, explain: bool = True
    ) -> pd.DataFrame:
        """Top-``k`` offers of a person, see :func:`matching.ranking.offers_for`."""
        return offers_for(
            self.pool,
            self.offers,
            candidate_id,
            k,
            distances=self.distances,
            affinity=self.affinity,
            as_of=as_of,
            scorer=self.scorer,
            explain=explain,
        )

    def offers_within_reach(self, candidate_ids: Iterable[str]) -> list[str]:
        """Ids of the offers that any of these people (those this state knows) could reach: an
        offer's commune within the person's travel limit (range plus tolerance), whatever
        their other constraints — a superset of the offers whose ranking they can enter.

        An offer out of reach of everyone who changed keeps the same ranking: what a caller
        holding rankings needs to know to keep the others when people change."""
        idx = self.pool.lookup(candidate_ids)
        idx = idx[idx >= 0]
        if idx.size == 0 or len(self.offers) == 0:
            return []
        rows_c = self.distances.rows(self.pool.commune[idx])
        rows_o = self.distances.rows(self.offers.commune)
        km = self.distances.km[rows_c[:, None], rows_o[None, :]]
        near = (km <= self.pool.limit_km[idx][:, None]).any(axis=0)
        return [str(i) for i in self.offers.ids[near]]

    def top_k_per_offer(
        self,
        *,
        as_of: DateLike,
        k: int = 20,
        offer_ids: Iterable[str] | None = None,
        block_size: int = DEFAULT_BLOCK_SIZE,
    ) -> RankedPairs:
        """Batch top-``k`` over the given offers (default all), see :func:`top_k_per_offer`."""
        idx = None if offer_ids is None else self.offers.index_of(offer_ids)
        return top_k_per_offer(
            self.pool,
            self.offers,
            distances=self.distances,
            affinity=self.affinity,
            as_of=as_of,
            k=k,
            scorer=self.scorer,
            offer_idx=idx,
            block_size=block_size,
            index=self.index,
        )

    def rankable_pairs(
        self, offer_ids: Iterable[str] | None = None
    ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.float32]]:
        """Every rankable pair of the given offers (default all): offer and candidate dense
        indices int32 (P,) and road km float32 (P,), see :func:`matching.ranking.rankable_pairs`.
        """
        idx = None if offer_ids is None else self.offers.index_of(offer_ids)
        o, c, d = rankable_pairs(
            self.pool, self.offers, distances=self.distances, index=self.index, offer_idx=idx
        )
        # A person with no related target job counts only where the job is open to anyone; the
        # skills component does not depend on the day, so any day gives it.
        open_job = self.pair_features(c, o, as_of=_EPOCH, names=(col.COMPONENT_SKILLS,))
        keep = open_job.is_rankable
        return o[keep], c[keep], d[keep]

    def pair_features(
        self,
        candidate_idx: npt.ArrayLike,
        offer_idx: npt.ArrayLike,
        *,
        as_of: DateLike | npt.ArrayLike,
        names: Sequence[str] = col.COMPONENTS,
    ) -> PairFeatures:
        """Features of the pairs ``(candidate_idx[i], offer_idx[i])`` (dense indices, e.g. from
        ``pool.index_of``), each on its own day.

        ``as_of`` is one date for every pair, or datetime64 (P,): each pair's "today" (a
        history's pairs were considered on different days). Excluded pairs are computed too (a
        person may have been hired although the engine would exclude the pair) and flagged.
        Features are computed by one call per (day, block of offers): they take one day, and
        read one row of the fiche table per distinct offer (bounded memory).
        """
        check_feature_names(names)
        # The skills component decides whether the person may be ranked on the job at all
        # (matching.components.is_job_open): computed even when the scorer does not read it.
        wanted = list(names)
        if col.COMPONENT_SKILLS not in wanted:
            wanted.append(col.COMPONENT_SKILLS)
        c = np.asarray(candidate_idx, dtype=np.intp)
        o = np.asarray(offer_idx, dtype=np.intp)
        if c.shape != o.shape:
            raise ValueError(f"{c.shape[0]} candidates but {o.shape[0]} offers")
        n = c.shape[0]
        days = _days(as_of, n)
        distance = np.asarray(
            self.distances.between(self.pool.commune[c], self.offers.commune[o]),
            dtype=np.float32,
        )
        values = np.zeros((n, len(wanted)), dtype=np.float32)
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
                values[rows] = pair_features(
                    self.pool,
                    self.offers,
                    self.affinity,
                    names=wanted,
                    block_offers=block_offers[b0 : b0 + _BLOCK_OFFERS],
                    pair_local=local[in_block] - b0,
                    candidate_idx=c[rows],
                    distance_km=distance[rows],
                    as_of_day=int(day_sorted[lo]),
                )
        rankable = is_rankable(self.pool, self.offers, c, o, distance)
        rankable &= is_job_open(values[:, wanted.index(col.COMPONENT_SKILLS)])
        return PairFeatures(
            names=tuple(names),
            values=values[:, : len(names)],
            distance_km=distance,
            is_rankable=rankable,
        )

    def why_not(self, candidate_id: str, offer_id: str) -> list[Reason]:
        """Every exclusion reason of a pair, in French (empty when rankable)."""
        reasons = why_not(self.pool, self.offers, candidate_id, offer_id, distances=self.distances)
        c = int(self.pool.index_of([candidate_id])[0])
        o = int(self.offers.index_of([offer_id])[0])
        job = why_not_job(self.pool, self.offers, self.affinity, c, o)
        return reasons if job is None else [*reasons, job]

    def ranked_frame(self, ranked: RankedPairs) -> pd.DataFrame:
        """Batch results with external ids: offer, candidate, rank, score, components."""
        data: dict[str, object] = {
            col.OFFER_ID: self.offers.ids[ranked.offer_idx],
            col.CANDIDATE_ID: self.pool.ids[ranked.candidate_idx],
            col.RANK: ranked.rank,
            col.SCORE: ranked.score,
        }
        for i, name in enumerate(col.COMPONENTS):
            data[name] = ranked.components[:, i]
        data["distance_km"] = ranked.distance_km
        data[col.BEYOND_RANGE] = ranked.distance_km > self.pool.range_km[ranked.candidate_idx]
        return pd.DataFrame(data)
