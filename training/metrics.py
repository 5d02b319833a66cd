"""Ranking, calibration and exposure metrics over offers (groups of history rows).

Every ranking metric ranks the rows of each offer by score, best first; ties are broken by
``tie_breaker`` (lower first) and then by row order, so results are deterministic. Offers with
no hire have no ideal ranking: NDCG, recall and precision are averaged over the offers with at
least one hire (the number of such offers is returned alongside).

* ``NDCG@k`` = DCG@k / ideal DCG@k with gain 1 for a hire, discount ``1 / log2(rank + 1)``.
* ``recall@k`` = hires in the top ``k`` / hires of the offer.
* ``precision@k`` = hires in the top ``k`` / ``min(k, rows of the offer)``.
* ``ECE`` (expected calibration error) = ``sum_b n_b / n * |mean(y)_b - mean(p)_b|`` over
  ``n_bins`` equal-width probability bins.
* Exposure ratio of a group (e.g. women) = its share of the top-``k`` rows of each offer (or
  of any selection of rows, such as batch lists) / its share of all rows (the people
  considered: for pool-level figures, every eligible person of each offer); flagged outside
  [0.8, 1.25] (the "four-fifths" rule and its inverse).
* **Pool level** (:func:`pool_recall`): the rows of an offer are its whole eligible pool, and
  recall@k = hires in the top ``k`` / *every* hire of the offer, including those the pool does
  not hold (a hard constraint excluded them): what a coach reading the list would have found.
  :func:`bootstrap_difference` gives a percentile interval, over offers, of the mean difference
  of two rankings' per-offer figures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "EXPOSURE_RANGE",
    "RankingMetrics",
    "bootstrap_difference",
    "expected_calibration_error",
    "exposure_ratios",
    "pool_recall",
    "ranking_metrics",
    "ranks_within",
    "reliability_table",
    "selection_exposure",
]

EXPOSURE_RANGE: Final = (0.8, 1.25)


@dataclass(frozen=True)
class RankingMetrics:
    """Mean metrics over the offers with at least one hire."""

    ndcg: dict[int, float]
    recall: dict[int, float]
    precision: dict[int, float]
    n_offers: int
    n_offers_with_hire: int


def _order(
    scores: npt.NDArray[np.floating],
    group_codes: npt.NDArray[np.intp],
    tie_breaker: npt.NDArray[np.floating] | None,
) -> npt.NDArray[np.intp]:
    n = scores.shape[0]
    tie = np.zeros(n) if tie_breaker is None else np.asarray(tie_breaker, dtype=np.float64)
    order: npt.NDArray[np.intp] = np.lexsort(
        (np.arange(n), tie, -np.asarray(scores, dtype=np.float64), group_codes)
    )
    return order


def _ranks(
    scores: npt.NDArray[np.floating],
    groups: npt.ArrayLike,
    tie_breaker: npt.NDArray[np.floating] | None,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.int64], int]:
    """Group code and 1-based rank within the group of every row."""
    codes, uniques = pd.factorize(pd.Series(np.asarray(groups, dtype=object)), sort=False)
    codes = codes.astype(np.intp)
    order = _order(scores, codes, tie_breaker)
    sorted_codes = codes[order]
    start = np.searchsorted(sorted_codes, sorted_codes, side="left")
    rank = np.empty(codes.shape[0], dtype=np.int64)
    rank[order] = np.arange(codes.shape[0]) - start + 1
    return codes, rank, len(uniques)


def ranks_within(
    scores: npt.ArrayLike,
    groups: npt.ArrayLike,
    tie_breaker: npt.NDArray[np.floating] | None = None,
) -> npt.NDArray[np.int64]:
    """1-based rank of every row within its group, best score first (ties: ``tie_breaker``
    lower first, then row order), int64 (n,)."""
    _, rank, _ = _ranks(np.asarray(scores, dtype=np.float64), groups, tie_breaker)
    return rank


def pool_recall(
    hired: npt.ArrayLike,
    scores: npt.ArrayLike,
    groups: npt.ArrayLike,
    total_hires: pd.Series,
    *,
    k: int,
    tie_breaker: npt.NDArray[np.floating] | None = None,
) -> tuple[pd.Series, pd.Series]:
    """Per-offer recall@k and NDCG@k of an offer's hires over its whole eligible pool.

    Parameters
    ----------
    hired : (n,) 1 for a hire; scores, groups : (n,), each offer's eligible pool
    total_hires : every hire of each offer (index: offer), those out of the pool included

    Returns
    -------
    recall, ndcg : Series over the offers with at least one hire (index: offer), in [0, 1]. A
    hire out of the pool is a miss for both (the ideal DCG counts every hire).
    """
    y = np.asarray(hired, dtype=np.float64)
    g = np.asarray(groups, dtype=object)
    rank = ranks_within(scores, g, tie_breaker)
    top = rank <= k
    frame = pd.DataFrame({"g": g, "hit": y * top, "gain": y * top / np.log2(rank + 1.0)})
    found = frame.groupby("g", sort=False)[["hit", "gain"]].sum()
    wanted = total_hires[total_hires > 0]
    found = found.reindex(wanted.index).fillna(0.0)
    ideal_table = np.concatenate([[0.0], np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))])
    ideal = ideal_table[np.minimum(wanted.to_numpy(dtype=np.int64), k)]
    recall = found["hit"] / wanted
    ndcg = found["gain"] / pd.Series(ideal, index=wanted.index)
    return recall.astype(np.float64), ndcg.astype(np.float64)


def bootstrap_difference(
    a: pd.Series,
    b: pd.Series,
    *,
    n_boot: int = 2000,
    level: float = 0.95,
    random_state: int = 0,
) -> tuple[float, float, float]:
    """Mean of ``a - b`` over offers and its percentile bootstrap interval (offers resampled
    with replacement), as (mean, low, high). ``a`` and ``b`` share their index (offers)."""
    diff = (a - b.reindex(a.index)).to_numpy(dtype=np.float64)
    if diff.size == 0:
        return float("nan"), float("nan"), float("nan")
    rng = np.random.default_rng(random_state)
    draws = rng.integers(0, diff.size, size=(n_boot, diff.size))
    means = diff[draws].mean(axis=1)
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(means, [tail, 1.0 - tail])
    return float(diff.mean()), float(low), float(high)


def ranking_metrics(
    y_true: npt.ArrayLike,
    scores: npt.ArrayLike,
    groups: npt.ArrayLike,
    *,
    ks: tuple[int, ...] = (5, 10),
    tie_breaker: npt.NDArray[np.floating] | None = None,
) -> RankingMetrics:
    """NDCG@k, recall@k and precision@k of hires, averaged over offers with a hire.

    Parameters
    ----------
    y_true : (n,) 1 for a hire, 0 otherwise
    scores : (n,) higher ranks first
    groups : (n,) offer of each row
    ks : cut-offs
    tie_breaker : float (n,), lower first among equal scores (default: row order)
    """
    y = np.asarray(y_true, dtype=np.float64)
    s = np.asarray(scores, dtype=np.float64)
    codes, rank, n_groups = _ranks(s, groups, tie_breaker)
    hires = np.bincount(codes, weights=y, minlength=n_groups)
    sizes = np.bincount(codes, minlength=n_groups)
    has = hires > 0
    n_has = int(has.sum())
    discount = 1.0 / np.log2(rank + 1.0)
    ndcg: dict[int, float] = {}
    recall: dict[int, float] = {}
    precision: dict[int, float] = {}
    for k in ks:
        top = rank <= k
        dcg = np.bincount(codes, weights=y * discount * top, minlength=n_groups)
        ideal_n = np.minimum(hires, k).astype(np.int64)
        ideal_table = np.concatenate([[0.0], np.cumsum(1.0 / np.log2(np.arange(2, k + 2)))])
        idcg = ideal_table[ideal_n]
        hit = np.bincount(codes, weights=y * top, minlength=n_groups)
        if n_has:
            ndcg[k] = float(np.mean(dcg[has] / idcg[has]))
            recall[k] = float(np.mean(hit[has] / hires[has]))
            precision[k] = float(np.mean(hit[has] / np.minimum(k, sizes[has])))
        else:
            ndcg[k] = recall[k] = precision[k] = float("nan")
    return RankingMetrics(
        ndcg=ndcg, recall=recall, precision=precision, n_offers=n_groups, n_offers_with_hire=n_has
    )


def reliability_table(
    y_true: npt.ArrayLike,
    proba: npt.ArrayLike,
    *,
    n_bins: int = 10,
    strategy: Literal["uniform", "quantile"] = "uniform",
) -> pd.DataFrame:
    """Per probability bin: ``bin_low``, ``bin_high``, ``count``, ``mean_predicted``,
    ``observed_rate`` (empty bins dropped).

    ``uniform``: equal-width bins over [0, 1] (the ECE's); ``quantile``: bins holding about the
    same number of rows (more points where rare-event probabilities crowd near 0).
    """
    y = np.asarray(y_true, dtype=np.float64)
    p = np.clip(np.asarray(proba, dtype=np.float64), 0.0, 1.0)
    if strategy == "quantile" and p.size:
        edges = np.unique(np.quantile(p, np.linspace(0.0, 1.0, n_bins + 1)))
        edges[0], edges[-1] = 0.0, 1.0
        n_bins = max(1, edges.shape[0] - 1)
    else:
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    b = np.minimum(np.digitize(p, edges[1:-1], right=False), n_bins - 1)
    count = np.bincount(b, minlength=n_bins)
    sum_p = np.bincount(b, weights=p, minlength=n_bins)
    sum_y = np.bincount(b, weights=y, minlength=n_bins)
    keep = count > 0
    safe = np.maximum(count, 1)
    return pd.DataFrame(
        {
            "bin_low": edges[:-1][keep],
            "bin_high": edges[1:][keep],
            "count": count[keep],
            "mean_predicted": (sum_p / safe)[keep],
            "observed_rate": (sum_y / safe)[keep],
        }
    )


def expected_calibration_error(
    y_true: npt.ArrayLike, proba: npt.ArrayLike, *, n_bins: int = 10
) -> float:
    """ECE over ``n_bins`` equal-width bins (see the module docstring)."""
    table = reliability_table(y_true, proba, n_bins=n_bins)
    n = float(table["count"].sum())
    if n == 0:
        return float("nan")
    gap = (table["observed_rate"] - table["mean_predicted"]).abs()
    return float((table["count"] * gap).sum() / n)


def exposure_ratios(
    attributes: pd.DataFrame,
    scores: npt.ArrayLike,
    groups: npt.ArrayLike,
    *,
    k: int = 10,
    tie_breaker: npt.NDArray[np.floating] | None = None,
) -> pd.DataFrame:
    """Exposure of each value of each reporting attribute on the top-``k`` of every offer.

    Parameters
    ----------
    attributes : DataFrame (n, a), one column per attribute (e.g. ``sex``, ``age_band``); an
        empty value is reported as ``(unknown)``
    scores, groups : (n,), as for :func:`ranking_metrics`

    Returns
    -------
    DataFrame ``attribute``, ``value``, ``pool_count``, ``pool_share``, ``shortlist_count``,
    ``shortlist_share``, ``ratio`` (shortlist share / pool share), ``flagged`` (ratio outside
    ``EXPOSURE_RANGE``).
    """
    rank = ranks_within(scores, groups, tie_breaker)
    return selection_exposure(attributes, rank <= k)


def selection_exposure(attributes: pd.DataFrame, selected: npt.ArrayLike) -> pd.DataFrame:
    """Exposure of each value of each attribute in a selection of rows (e.g. batch lists), as
    :func:`exposure_ratios` (same columns)."""
    top = np.asarray(selected, dtype=bool)
    rows = []
    for name in attributes.columns:
        values = attributes[name].astype("str").replace("", "(unknown)").to_numpy()
        n_pool, n_top = values.shape[0], int(top.sum())
        for value in sorted(set(values)):
            is_value = values == value
            pool = int(is_value.sum())
            short = int((is_value & top).sum())
            pool_share = pool / n_pool if n_pool else float("nan")
            short_share = short / n_top if n_top else float("nan")
            ratio = short_share / pool_share if pool_share else float("nan")
            rows.append(
                {
                    "attribute": name,
                    "value": value,
                    "pool_count": pool,
                    "pool_share": pool_share,
                    "shortlist_count": short,
                    "shortlist_share": short_share,
                    "ratio": ratio,
                    "flagged": bool(not EXPOSURE_RANGE[0] <= ratio <= EXPOSURE_RANGE[1]),
                }
            )
    return pd.DataFrame(rows)
