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
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt
import pandas as pd

from matching import columns as col
from matching.components import JobAffinity
from matching.constraints import Reason, why_not
from matching.distances import DETOUR_FACTOR, CommuneDistances
from matching.fields import TravelTolerance
from matching.ranking import (
    DEFAULT_BLOCK_SIZE,
    RankedPairs,
    ReachIndex,
    offers_for,
    shortlist,
    top_k_per_offer,
)
from matching.referentials import CommuneIndex, RomeReferential
from matching.schema import CandidatePool, OfferSet, prepare_candidates, prepare_offers
from matching.scoring import Scorer, WeightedScorer

__all__ = ["MatchingState"]

DateLike = dt.date | np.datetime64 | pd.Timestamp | str


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

    def why_not(self, candidate_id: str, offer_id: str) -> list[Reason]:
        """Every exclusion reason of a pair, in French (empty when rankable)."""
        return why_not(self.pool, self.offers, candidate_id, offer_id, distances=self.distances)

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
