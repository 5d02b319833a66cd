"""Rank candidates for offers (and offers for a candidate): pre-filter, exclude, score, top-k.

Path of one block of offers
---------------------------
1. **Reach** (:class:`ReachIndex`): rankable candidates (no static exclusion) are grouped by the
   distance-table row of their commune, sorted by travel limit (declared range plus tolerance)
   descending within a group. For an offer, the communes within reach of *someone* are those
   with ``km[offer_row, row] <= largest limit of the group``; within each such group the
   reachable people are a prefix (limit >= distance), found by one ``searchsorted`` over all
   groups at once. Scoring therefore touches only people who
   can get there; no pair beyond every range is ever built.
2. **Exclusions** (:func:`matching.constraints.exclusion_flags`) on the reachable pairs.
3. **Components** (:func:`matching.components.pair_components`) on the remaining pairs; a pair
   whose person has no target job related to the offer is dropped unless the job needs neither
   a qualification nor experience (:func:`matching.components.is_job_open`); the other
   features the scorer reads if any (:func:`matching.features.pair_features`), and **score** (a
   :class:`~matching.scoring.Scorer`) on the pairs left.
4. **Top-k** per offer: each pair gets an int64 key ``(float32 bits of score) << 32 |
   (2**32 - 1 - tie)``, ``tie`` = the candidate index, plus 2**31 when the person has no related
   target job; unique per offer, so ``argpartition`` + sorting the k kept keys gives the k best
   with an equal score going to a related person first, then to the lower candidate index,
   whatever the block size. A person's best offers (:func:`offers_for`) go further: the
   offers of their own and related trades come before every job merely open to anyone.

Blocks of ``block_size`` offers bound memory (pairs of one block only); the output does not
depend on ``block_size``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from matching import columns as col
from matching.components import JobAffinity, is_job_open, is_related, pair_components
from matching.constraints import is_rankable
from matching.distances import CommuneDistances
from matching.explain import explain_pairs
from matching.features import pair_features
from matching.schema import CandidatePool, OfferSet
from matching.scoring import Scorer, WeightedScorer

__all__ = [
    "DEFAULT_BLOCK_SIZE",
    "RankedPairs",
    "ReachIndex",
    "as_day",
    "offers_for",
    "rankable_pairs",
    "reachable_pairs",
    "score_pairs",
    "shortlist",
    "top_k_per_offer",
]

IdArray = npt.NDArray[np.int32]
I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.integer]
RankArray = npt.NDArray[np.signedinteger[Any]]

DEFAULT_BLOCK_SIZE: Final = 64
_ROW_SCALE: Final = float(2**20)  # > any range in km: keys of different rows never overlap
_MAX_RANGE_KM: Final = 20_000.0
_LOW_MASK: Final = np.int64(0xFFFFFFFF)
_SCORE_TOLERANCE: Final = 1e-5
_UNRELATED: Final = np.int64(1 << 31)
_RELATED_TIER: Final = np.int64(1 << 62)


def as_day(value: dt.date | np.datetime64 | pd.Timestamp | str) -> int:
    """Engine day number (days since 1970-01-01) of a date."""
    day = np.datetime64(pd.Timestamp(value).date(), "D")
    return int((day - np.datetime64("1970-01-01", "D")).astype(np.int64))


@dataclass(frozen=True, eq=False)
class ReachIndex:
    """Rankable candidates grouped by commune for the reach pre-filter.

    Attributes (``r`` rankable candidates, ``m`` rows of the distance table)
    ----------
    candidates : intp (r,), candidate indices, by table row then range descending
    ptr : int64 (m + 1,), group offsets of each table row
    keys : float64 (r,), ``row * 2**20 - limit_km``, ascending
    max_range : float32 (m,), largest travel limit (range plus tolerance) in each group, -1 for
        an empty group
    pool : the rankable candidates in index order (``pool.take(candidates)``): the people one
        offer can reach sit in a few contiguous runs of it, so gathering their columns reads
        memory almost sequentially instead of at random over the whole pool
    """

    candidates: npt.NDArray[np.intp]
    ptr: I64
    keys: npt.NDArray[np.float64]
    max_range: F32
    pool: CandidatePool

    @classmethod
    def build(cls, pool: CandidatePool, distances: CommuneDistances) -> ReachIndex:
        """Index the rankable candidates (``ValueError`` if a commune is not in the table)."""
        rankable = np.flatnonzero(pool.static_flags == 0).astype(np.intp)
        rows = distances.rows(pool.commune[rankable]).astype(np.int64)
        rng = np.minimum(pool.limit_km[rankable], np.float32(_MAX_RANGE_KM))
        keys = rows.astype(np.float64) * _ROW_SCALE - rng.astype(np.float64)
        order = np.argsort(keys, kind="stable")  # by row, then limit descending
        rows, rng, cands, keys = rows[order], rng[order], rankable[order], keys[order]
        m = len(distances)
        ptr = np.zeros(m + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=m), out=ptr[1:])
        max_range = np.full(m, -1.0, dtype=np.float32)
        starts = ptr[:-1][ptr[1:] > ptr[:-1]]
        max_range[rows[starts]] = rng[starts]
        return cls(candidates=cands, ptr=ptr, keys=keys, max_range=max_range, pool=pool.take(cands))

    def grow(self, n_rows: int) -> ReachIndex:
        """The same index over a distance table extended to ``n_rows`` rows (new rows empty)."""
        extra = n_rows - self.max_range.shape[0]
        if extra <= 0:
            return self
        return ReachIndex(
            candidates=self.candidates,
            ptr=np.concatenate([self.ptr, np.full(extra, self.ptr[-1], dtype=np.int64)]),
            keys=self.keys,
            max_range=np.concatenate([self.max_range, np.full(extra, -1.0, dtype=np.float32)]),
            pool=self.pool,
        )


@dataclass(frozen=True, eq=False)
class RankedPairs:
    """Top-k pairs, sorted by offer index then rank.

    Attributes (``n`` pairs)
    ----------
    offer_idx, candidate_idx : int32 (n,), dense indices
    score : float32 (n,)
    components : float32 (n, 3), ``columns.COMPONENTS``
    rank : int16 (n,), 1 = best for the offer (int32 when ``k`` exceeds 32,767, e.g. a full
        ranking of a large pool)
    distance_km : float32 (n,), road distance of the pair
    """

    offer_idx: IdArray
    candidate_idx: IdArray
    score: F32
    components: F32
    rank: RankArray
    distance_km: F32

    def __len__(self) -> int:
        return int(self.offer_idx.shape[0])

    @classmethod
    def concat(cls, parts: list[RankedPairs]) -> RankedPairs:
        if not parts:
            return _empty_ranked()
        return cls(
            offer_idx=np.concatenate([p.offer_idx for p in parts]),
            candidate_idx=np.concatenate([p.candidate_idx for p in parts]),
            score=np.concatenate([p.score for p in parts]),
            components=np.concatenate([p.components for p in parts]),
            rank=np.concatenate([p.rank for p in parts]),
            distance_km=np.concatenate([p.distance_km for p in parts]),
        )


def _empty_ranked() -> RankedPairs:
    return RankedPairs(
        offer_idx=np.zeros(0, np.int32),
        candidate_idx=np.zeros(0, np.int32),
        score=np.zeros(0, np.float32),
        components=np.zeros((0, 3), np.float32),
        rank=np.zeros(0, np.int16),
        distance_km=np.zeros(0, np.float32),
    )


def reachable_pairs(
    index: ReachIndex,
    distances: CommuneDistances,
    offers: OfferSet,
    block_offers: IntArray,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], F32]:
    """Pairs of the block's offers with the rankable candidates who can reach them.

    Returns
    -------
    pair_local : intp (P,), position of the pair's offer in ``block_offers`` (ascending)
    position : intp (P,), the person's row in ``index.pool`` (candidate index:
        ``index.candidates[position]``)
    distance_km : float32 (P,)
    """
    rows = distances.rows(offers.commune[block_offers])
    d = distances.km[rows]
    b, g = np.nonzero(d <= index.max_range)
    dg = d[b, g]
    starts = index.ptr[g]
    ends = np.searchsorted(index.keys, g * _ROW_SCALE - dg.astype(np.float64), side="right")
    counts = ends - starts
    total = int(counts.sum())
    offsets = np.cumsum(counts) - counts
    pos = np.repeat(starts - offsets, counts) + np.arange(total, dtype=np.int64)
    return (
        np.repeat(b, counts),
        pos,
        np.repeat(dg, counts),
    )


def _scorer_input(
    pool: CandidatePool,
    offers: OfferSet,
    affinity: JobAffinity,
    scorer: Scorer,
    *,
    components: F32,
    block_offers: IntArray,
    pair_local: IntArray,
    candidate_idx: IntArray,
    distance_km: F32,
    as_of_day: int,
) -> F32:
    """The matrix ``scorer`` reads: the components, or the features it names."""
    if tuple(scorer.features) == col.COMPONENTS:
        return components
    return pair_features(
        pool,
        offers,
        affinity,
        names=scorer.features,
        block_offers=block_offers,
        pair_local=pair_local,
        candidate_idx=candidate_idx,
        distance_km=distance_km,
        as_of_day=as_of_day,
        components=components,
    )


def score_pairs(
    pool: CandidatePool,
    offers: OfferSet,
    *,
    affinity: JobAffinity,
    scorer: Scorer,
    block_offers: IntArray,
    pair_local: IntArray,
    candidate_idx: IntArray,
    distance_km: F32,
    as_of_day: int,
) -> tuple[npt.NDArray[np.bool_], F32, F32]:
    """Exclude, then score pairs.

    Returns
    -------
    keep : bool (P,), pairs with no exclusion and a job the person may be ranked on
    components : float32 (K, 3), of the kept pairs
    scores : float32 (K,), of the kept pairs
    """
    keep = is_rankable(pool, offers, candidate_idx, block_offers[pair_local], distance_km)
    kept_local, kept_c, kept_d = pair_local[keep], candidate_idx[keep], distance_km[keep]
    comps = pair_components(
        pool,
        offers,
        affinity,
        block_offers=block_offers,
        pair_local=kept_local,
        candidate_idx=kept_c,
        distance_km=kept_d,
        as_of_day=as_of_day,
    )
    is_open = is_job_open(comps[:, 0])
    if not is_open.all():
        keep[np.flatnonzero(keep)[~is_open]] = False
        comps = comps[is_open]
        kept_local, kept_c, kept_d = kept_local[is_open], kept_c[is_open], kept_d[is_open]
    x = _scorer_input(
        pool,
        offers,
        affinity,
        scorer,
        components=comps,
        block_offers=block_offers,
        pair_local=kept_local,
        candidate_idx=kept_c,
        distance_km=kept_d,
        as_of_day=as_of_day,
    )
    scores = np.asarray(scorer.scores(x), dtype=np.float32)
    if scores.size:
        low, high = float(scores.min()), float(scores.max())
        if not (low >= -_SCORE_TOLERANCE and high <= 1.0 + _SCORE_TOLERANCE):  # NaN fails too
            raise ValueError(f"scorer {scorer.name!r} returned scores outside [0, 1]")
        if low < 0.0 or high > 1.0:  # rounding of a model's output
            scores = np.clip(scores, np.float32(0.0), np.float32(1.0))
    return keep, comps, scores


def rankable_pairs(
    pool: CandidatePool,
    offers: OfferSet,
    *,
    distances: CommuneDistances,
    index: ReachIndex | None = None,
    offer_idx: IntArray | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> tuple[IdArray, IdArray, F32]:
    """Every rankable pair of the given offers (default all): an offer's whole eligible pool.

    Returns
    -------
    offer_idx, candidate_idx : int32 (P,), by offer index then candidate index
    distance_km : float32 (P,)
    """
    index = index if index is not None else ReachIndex.build(pool, distances)
    todo = (
        np.arange(len(offers), dtype=np.int64)
        if offer_idx is None
        else np.unique(np.asarray(offer_idx, dtype=np.int64))
    )
    o_parts, c_parts, d_parts = [], [], []
    for start in range(0, todo.shape[0], block_size):
        block = todo[start : start + block_size]
        local, position, dist = reachable_pairs(index, distances, offers, block)
        keep = is_rankable(index.pool, offers, position, block[local], dist)
        o = block[local[keep]].astype(np.int32)
        c = index.candidates[position[keep]].astype(np.int32)
        order = np.lexsort((c, o))
        o_parts.append(o[order])
        c_parts.append(c[order])
        d_parts.append(dist[keep][order])
    if not o_parts:
        return np.zeros(0, np.int32), np.zeros(0, np.int32), np.zeros(0, np.float32)
    return np.concatenate(o_parts), np.concatenate(c_parts), np.concatenate(d_parts)


def _rank_dtype(k: int) -> type[np.int16] | type[np.int32]:
    return np.int16 if k <= np.iinfo(np.int16).max else np.int32


def _top_k_segments(
    keys: I64, segment: IntArray, n_segments: int, k: int
) -> tuple[I64, I64, RankArray]:
    """Best ``k`` keys of each segment (``segment`` ascending, keys unique within a segment).

    Returns (segment, position in ``keys``, rank) of the kept entries, by segment then rank.
    One ``argpartition`` per segment over its own slice (a padded 2-D ``argpartition`` is
    much slower: its many equal padding values defeat introselect), then a sort of the k kept.
    """
    counts = np.bincount(segment, minlength=n_segments)
    bounds = np.zeros(n_segments + 1, dtype=np.int64)
    np.cumsum(counts, out=bounds[1:])
    neg = -keys
    seg_parts: list[I64] = []
    pos_parts: list[I64] = []
    for s in np.flatnonzero(counts):
        lo, hi = int(bounds[s]), int(bounds[s + 1])
        chunk = neg[lo:hi]
        if hi - lo > k:
            sel = np.argpartition(chunk, k - 1)[:k]
            sel = sel[np.argsort(chunk[sel])]
        else:
            sel = np.argsort(chunk)
        pos_parts.append(sel + lo)
        seg_parts.append(np.full(sel.shape[0], s, dtype=np.int64))
    if not pos_parts:
        z = np.zeros(0, np.int64)
        empty: RankArray = np.zeros(0, _rank_dtype(k))
        return z, z, empty
    seg_out = np.concatenate(seg_parts)
    pos = np.concatenate(pos_parts)
    first = np.searchsorted(seg_out, seg_out, side="left")
    rank: RankArray = (np.arange(pos.shape[0]) - first + 1).astype(_rank_dtype(k))
    return seg_out, pos, rank


def _keys(scores: F32, tie: IntArray, skills: F32, *, related_first: bool = False) -> I64:
    """Ranking keys: the score, then a related person (see the module docstring), then the
    lower ``tie`` index (< 2**31); with ``related_first``, every related pair before every
    other whatever the scores (scores in [0, 1] keep their bits below 2**30)."""
    # + 0.0 turns a -0.0 into +0.0, whose bits sort with the other non-negative floats
    positive = np.ascontiguousarray(scores + np.float32(0.0), dtype=np.float32)
    bits = positive.view(np.int32).astype(np.int64)
    related = is_related(skills)
    unrelated = np.where(related, np.int64(0), _UNRELATED)
    out: I64 = (bits << 32) | (_LOW_MASK - tie.astype(np.int64) - unrelated)
    if related_first:
        out |= np.where(related, _RELATED_TIER, np.int64(0))
    return out


def top_k_per_offer(
    pool: CandidatePool,
    offers: OfferSet,
    *,
    distances: CommuneDistances,
    affinity: JobAffinity,
    as_of: dt.date | np.datetime64 | pd.Timestamp | str,
    k: int = 20,
    scorer: Scorer | None = None,
    offer_idx: IntArray | None = None,
    block_size: int = DEFAULT_BLOCK_SIZE,
    index: ReachIndex | None = None,
) -> RankedPairs:
    """The ``k`` best rankable candidates of each offer.

    Parameters
    ----------
    pool, offers : prepared inputs
    distances : table covering every commune of ``pool`` and ``offers``
    affinity : :class:`JobAffinity` of the ROME referential
    as_of : today's date (freshness of the assessments)
    k : shortlist length per offer
    scorer : default :class:`WeightedScorer` with the default weights
    offer_idx : int (B,), offers to rank (default: all), any order; output is by offer index
    block_size : offers scored together (bounds memory: pairs of one block only)
    index : a prebuilt :class:`ReachIndex` of ``pool`` (built if omitted)

    Returns
    -------
    RankedPairs sorted by offer index then rank.
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if block_size < 1:
        raise ValueError(f"block_size must be >= 1, got {block_size}")
    scorer = scorer if scorer is not None else WeightedScorer()
    index = index if index is not None else ReachIndex.build(pool, distances)
    day = as_day(as_of)
    todo = (
        np.arange(len(offers), dtype=np.int64)
        if offer_idx is None
        else np.unique(np.asarray(offer_idx, dtype=np.int64))
    )
    parts = []
    for start in range(0, todo.shape[0], block_size):
        block = todo[start : start + block_size]
        parts.append(_rank_block(pool, offers, distances, affinity, scorer, index, block, k, day))
    return RankedPairs.concat(parts)


def _rank_block(
    pool: CandidatePool,
    offers: OfferSet,
    distances: CommuneDistances,
    affinity: JobAffinity,
    scorer: Scorer,
    index: ReachIndex,
    block: I64,
    k: int,
    day: int,
) -> RankedPairs:
    pair_local, position, dist = reachable_pairs(index, distances, offers, block)
    keep, comps, scores = score_pairs(
        index.pool,
        offers,
        affinity=affinity,
        scorer=scorer,
        block_offers=block,
        pair_local=pair_local,
        candidate_idx=position,
        distance_km=dist,
        as_of_day=day,
    )
    pair_local, dist = pair_local[keep], dist[keep]
    cand = index.candidates[position[keep]]
    seg, pos, rank = _top_k_segments(
        _keys(scores, cand, comps[:, 0]), pair_local, block.shape[0], k
    )
    return RankedPairs(
        offer_idx=block[seg].astype(np.int32),
        candidate_idx=cand[pos].astype(np.int32),
        score=scores[pos],
        components=comps[pos],
        rank=rank,
        distance_km=dist[pos],
    )


def _frame(
    pool: CandidatePool,
    offers: OfferSet,
    ranked: RankedPairs,
    *,
    scorer: Scorer,
    affinity: JobAffinity,
    distances: CommuneDistances,
    as_of_day: int,
    id_column: str,
    explain: bool,
) -> pd.DataFrame:
    block, local = np.unique(ranked.offer_idx, return_inverse=True)
    x = _scorer_input(
        pool,
        offers,
        affinity,
        scorer,
        components=ranked.components,
        block_offers=block,
        pair_local=local,
        candidate_idx=ranked.candidate_idx,
        distance_km=ranked.distance_km,
        as_of_day=as_of_day,
    )
    _, contributions = scorer.score(x)
    ids = (
        pool.ids[ranked.candidate_idx]
        if id_column == col.CANDIDATE_ID
        else offers.ids[ranked.offer_idx]
    )
    data: dict[str, object] = {
        id_column: ids,
        col.RANK: ranked.rank.astype(np.int64),
        col.SCORE: ranked.score,
    }
    for i, name in enumerate(col.COMPONENTS):
        data[name] = ranked.components[:, i]
    for i, name in enumerate(col.COMPONENTS):
        data[f"contribution_{name}"] = np.asarray(contributions, dtype=np.float32)[:, i]
    data["distance_km"] = ranked.distance_km
    data[col.BEYOND_RANGE] = ranked.distance_km > pool.range_km[ranked.candidate_idx]
    if explain:
        data[col.EXPLANATION] = explain_pairs(
            pool,
            offers,
            affinity=affinity,
            distances=distances,
            candidate_idx=ranked.candidate_idx,
            offer_idx=ranked.offer_idx,
            distance_km=ranked.distance_km,
            as_of_day=as_of_day,
        )
    return pd.DataFrame(data)


def shortlist(
    pool: CandidatePool,
    offers: OfferSet,
    offer_id: str,
    k: int = 20,
    *,
    distances: CommuneDistances,
    affinity: JobAffinity,
    as_of: dt.date | np.datetime64 | pd.Timestamp | str,
    scorer: Scorer | None = None,
    index: ReachIndex | None = None,
    explain: bool = True,
) -> pd.DataFrame:
    """Top-``k`` candidates for one offer.

    Returns
    -------
    DataFrame, best first: ``candidate_id``, ``rank``, ``score``, ``skills``, ``mobility``,
    ``readiness``, ``contribution_<component>``, ``distance_km``, ``beyond_range`` (the job lies
    beyond the declared range, within the tolerance), ``explanation`` (French).
    ``KeyError`` for an unknown offer id.
    """
    scorer = scorer if scorer is not None else WeightedScorer()
    o = offers.index_of([offer_id])
    ranked = top_k_per_offer(
        pool,
        offers,
        distances=distances,
        affinity=affinity,
        as_of=as_of,
        k=k,
        scorer=scorer,
        offer_idx=o,
        block_size=1,
        index=index,
    )
    return _frame(
        pool,
        offers,
        ranked,
        scorer=scorer,
        affinity=affinity,
        distances=distances,
        as_of_day=as_day(as_of),
        id_column=col.CANDIDATE_ID,
        explain=explain,
    )


def offers_for(
    pool: CandidatePool,
    offers: OfferSet,
    candidate_id: str,
    k: int = 20,
    *,
    distances: CommuneDistances,
    affinity: JobAffinity,
    as_of: dt.date | np.datetime64 | pd.Timestamp | str,
    scorer: Scorer | None = None,
    explain: bool = True,
) -> pd.DataFrame:
    """Top-``k`` offers for one candidate: the offers of a target job or a related one first,
    then jobs open to anyone (:mod:`matching.components`), each by score (ties broken by the
    lower offer index).

    Returns
    -------
    DataFrame, best first, with ``offer_id`` and the columns of :func:`shortlist`; empty when the
    person is excluded whatever the offer (see :func:`matching.constraints.why_not`).
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    scorer = scorer if scorer is not None else WeightedScorer()
    day = as_day(as_of)
    c = int(pool.index_of([candidate_id])[0])
    ranked = _empty_ranked()
    if pool.static_flags[c] == 0 and len(offers):
        row = distances.rows(pool.commune[c : c + 1])[0]
        d_all = distances.km[row, distances.rows(offers.commune)]
        reach = np.flatnonzero(d_all <= pool.limit_km[c]).astype(np.int64)
        cand = np.full(reach.shape[0], c, dtype=np.int32)
        local = np.arange(reach.shape[0], dtype=np.int64)
        keep, comps, scores = score_pairs(
            pool,
            offers,
            affinity=affinity,
            scorer=scorer,
            block_offers=reach,
            pair_local=local,
            candidate_idx=cand,
            distance_km=d_all[reach],
            as_of_day=day,
        )
        kept = reach[keep]
        _, pos, rank = _top_k_segments(
            _keys(scores, kept, comps[:, 0], related_first=True),
            np.zeros(kept.shape[0], dtype=np.int64),
            1,
            k,
        )
        ranked = RankedPairs(
            offer_idx=kept[pos].astype(np.int32),
            candidate_idx=cand[: pos.shape[0]],
            score=scores[pos],
            components=comps[pos],
            rank=rank,
            distance_km=d_all[kept[pos]],
        )
    return _frame(
        pool,
        offers,
        ranked,
        scorer=scorer,
        affinity=affinity,
        distances=distances,
        as_of_day=day,
        id_column=col.OFFER_ID,
        explain=explain,
    )
