"""History and pool → the engine's features, through :mod:`matching` (same code as serving).

A model is judged, and learns, on what a coach sees: an offer's **whole eligible pool** (every
person no hard constraint excludes, the travel tolerance included), not only the people the
earlier ranking showed. :func:`pool_table` builds it from a history and its pool file
(:func:`training.history.read_pool`): for each offer, the pool snapshot of its day (the latest
``pool_on`` on or before the offer's first ``scored_on``), every rankable pair of the offer
(:meth:`matching.engine.MatchingState.rankable_pairs`), their features
(:meth:`matching.engine.MatchingState.pair_features`, the offer's day as ``as_of``) and, from the
history, what happened: hired, shown (with the rank), proposed.

Hires the eligible pool misses (a hard constraint excludes the pair, or the person is not in the
snapshot) are counted apart (:attr:`PoolTable.missed_hires`): a ranking can never find them, and
recall counts them as misses.

Only the columns mapped in :data:`training.history.CANDIDATE_FIELDS`, ``JOB_FIELDS`` and
``OFFER_FIELDS`` reach the engine frames: the reporting columns (``sex``, ``age_band``) are
carried beside the feature matrix for the exposure audit and never enter it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from matching import columns as col
from matching.constraints import exclusion_flags
from matching.engine import MatchingState
from matching.exclusions import Exclusion
from matching.features import FEATURES as ENGINE_FEATURES
from matching.fields import TravelTolerance
from matching.referentials import CommuneIndex, RomeReferential
from training.history import (
    CANDIDATE_FIELDS,
    LABEL,
    OFFER_FIELDS,
    POOL_ON,
    REPORTING_COLUMNS,
    SCORED_ON,
)

__all__ = [
    "ALL_FEATURES",
    "FEATURES",
    "PoolTable",
    "Snapshot",
    "engine_frames",
    "excluded_hires",
    "offer_days",
    "pool_table",
    "snapshot_states",
]

FEATURES: Final[tuple[str, ...]] = tuple(col.COMPONENTS)
"""The three components: what the transparent weights read."""
ALL_FEATURES: Final[tuple[str, ...]] = tuple(ENGINE_FEATURES)
"""Every feature the engine computes for a pair (:data:`matching.features.FEATURES`)."""


def _people_frames(
    people: pd.DataFrame, keys: npt.NDArray[np.object_]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Engine candidate and candidate-job frames of history or pool rows, ids ``keys``."""
    n = len(people)
    candidates = pd.DataFrame({col.CANDIDATE_ID: pd.Series(keys, dtype="str")})
    for hist_name, engine_name in CANDIDATE_FIELDS.items():
        candidates[engine_name] = people[hist_name].to_numpy()
    candidates[col.COMMUNE_INSEE] = candidates[col.COMMUNE_INSEE].astype("str")
    counts = people["job_code_rome"].map(len).to_numpy(dtype=np.int64)
    owner = np.repeat(np.arange(n), counts)
    ogr = [x for t in people["job_code_ogr"] for x in t]
    candidate_jobs = pd.DataFrame(
        {
            col.CANDIDATE_ID: pd.Series(keys[owner], dtype="str"),
            col.CODE_OGR: pd.array(ogr, dtype="Int64"),
            col.CODE_ROME: pd.Series([x for t in people["job_code_rome"] for x in t], dtype="str"),
            col.EXPERIENCE_YEARS: np.asarray(
                [x for t in people["job_experience_years"] for x in t], dtype=np.float64
            ),
        }
    )
    return candidates, candidate_jobs


def _offer_frame(history: pd.DataFrame) -> pd.DataFrame:
    first = history.drop_duplicates(col.OFFER_ID)
    offers = pd.DataFrame({col.OFFER_ID: first[col.OFFER_ID].astype("str").to_numpy()})
    for hist_name, engine_name in OFFER_FIELDS.items():
        offers[engine_name] = first[hist_name].to_numpy()
    offers[col.CODE_OGR] = offers[col.CODE_OGR].astype("Int64")
    offers[col.OPEN_POSITIONS] = offers[col.OPEN_POSITIONS].astype(np.int64)
    return offers


def engine_frames(history: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The engine's candidate, candidate-job and offer frames of a history's rows.

    Returns
    -------
    candidates : one row per history row, ``candidate_id`` = ``h<row position>`` (each row is
        the person as they were when considered)
    candidate_jobs : long table of their target jobs
    offers : one row per distinct ``offer_id`` (its first row)
    """
    keys = np.array([f"h{i}" for i in range(len(history))], dtype=object)
    candidates, jobs = _people_frames(history, keys)
    return candidates, jobs, _offer_frame(history)


def offer_days(history: pd.DataFrame) -> pd.Series:
    """Each offer's day: the first ``scored_on`` of its rows (datetime64, by ``offer_id``)."""
    return history.groupby(col.OFFER_ID, sort=False)[SCORED_ON].min()


@dataclass(frozen=True, eq=False)
class PoolTable:
    """Rankable pairs of offers with their features and what happened.

    Attributes (``n`` pairs, ``F`` features; rows by offer)
    ----------
    X : DataFrame (n, F), float32 feature columns
    offer_id, candidate_id : object (n,)
    hired : int64 (n,), 1 = hired on this offer
    logged : bool (n,), the pair is in the history (shown or proposed)
    shown_rank : float64 (n,), best rank shown at, NaN when never shown
    distance_km : float32 (n,)
    weight : float64 (n,), 1, or (unlogged pairs of the offer) / (those kept) for a sample
    reporting : DataFrame (n, 2), ``sex`` and ``age_band`` (audit only, never features)
    hires_per_offer : Series, every hire of each offer in the history (reachable or not)
    missed_hires : DataFrame of the hires no ranking can find: ``offer_id``, ``candidate_id``,
        ``reason`` (:class:`~matching.exclusions.Exclusion` names joined by ``|``, or
        ``not_in_pool``), ``is_excluded_without_tolerance`` — also each hire the tolerance
        brought in (``reason`` empty)
    """

    X: pd.DataFrame
    offer_id: npt.NDArray[np.object_]
    candidate_id: npt.NDArray[np.object_]
    hired: npt.NDArray[np.int64]
    logged: npt.NDArray[np.bool_]
    shown_rank: npt.NDArray[np.float64]
    distance_km: npt.NDArray[np.float32]
    weight: npt.NDArray[np.float64]
    reporting: pd.DataFrame
    hires_per_offer: pd.Series
    missed_hires: pd.DataFrame

    def __len__(self) -> int:
        return int(self.offer_id.shape[0])

    def hire_exclusion_shares(self) -> dict[str, float]:
        """Share of the history's hires a hard constraint excludes, with the travel tolerance
        (``with_tolerance``) and with the declared range as a hard limit (``hard_range``)."""
        total = float(self.hires_per_offer.sum())
        if total == 0:
            return {"with_tolerance": float("nan"), "hard_range": float("nan")}
        missed = self.missed_hires
        excluded = missed["reason"] != ""
        return {
            "with_tolerance": float(excluded.sum()) / total,
            "hard_range": float(missed["is_excluded_without_tolerance"].sum()) / total,
        }


def _snapshot_of(days: pd.Series, pool_days: npt.NDArray[np.datetime64]) -> pd.Series:
    """Index of each offer's pool snapshot: the latest on or before its day, else the first."""
    pos = np.searchsorted(pool_days, days.to_numpy(dtype="datetime64[s]"), side="right") - 1
    return pd.Series(np.maximum(pos, 0), index=days.index)


def _reasons(flags: npt.NDArray[np.uint16]) -> list[str]:
    return ["|".join((f.name or "").lower() for f in Exclusion if int(v) & f) for v in flags]


def pool_table(
    history: pd.DataFrame,
    pool: pd.DataFrame,
    *,
    rome: RomeReferential,
    communes: CommuneIndex,
    offer_ids: npt.ArrayLike | None = None,
    names: tuple[str, ...] = ALL_FEATURES,
    tolerance: TravelTolerance | None = None,
    unlogged_per_offer: int | None = None,
    rng: np.random.Generator | None = None,
) -> PoolTable:
    """The eligible pool of each offer, its features, and what happened (module docstring).

    Parameters
    ----------
    history, pool : a validated history and its pool file
    offer_ids : the offers wanted (default all)
    names : features to compute (:data:`matching.features.FEATURES` names)
    tolerance : the travel tolerance of the ranking judged (default the engine's)
    unlogged_per_offer : keep every logged pair and at most this many of the others per offer,
        at random, weighted up to stand for all of them (``None``: every pair, weight 1)
    rng : the sampling's randomness (required with ``unlogged_per_offer``)

    Raises ``ValueError`` (French) for codes the engine does not know.
    """
    if unlogged_per_offer is not None and rng is None:
        raise ValueError("unlogged_per_offer needs rng")
    wanted = history
    if offer_ids is not None:
        wanted = history[history[col.OFFER_ID].isin(list(np.asarray(offer_ids, dtype=object)))]
    parts: list[dict[str, object]] = []
    missed: list[pd.DataFrame] = []
    for snap in snapshot_states(wanted, pool, rome=rome, communes=communes, tolerance=tolerance):
        part, miss = _snapshot_part(
            snap, names=names, unlogged_per_offer=unlogged_per_offer, rng=rng
        )
        parts.append(part)
        missed.append(miss)
    hires = wanted.groupby(col.OFFER_ID, sort=False)[LABEL].sum().astype(np.int64)
    if not parts:
        raise ValueError("aucune offre à classer dans l'historique")
    cat = {k: np.concatenate([np.asarray(p[k]) for p in parts]) for k in parts[0] if k != "X"}
    x = pd.DataFrame(np.vstack([np.asarray(p["X"]) for p in parts]), columns=list(names))
    return PoolTable(
        X=x,
        offer_id=cat["offer_id"].astype(object),
        candidate_id=cat["candidate_id"].astype(object),
        hired=cat["hired"].astype(np.int64),
        logged=cat["logged"].astype(bool),
        shown_rank=cat["shown_rank"].astype(np.float64),
        distance_km=cat["distance_km"].astype(np.float32),
        weight=cat["weight"].astype(np.float64),
        reporting=pd.DataFrame({c: cat[c].astype(object) for c in REPORTING_COLUMNS}),
        hires_per_offer=hires,
        missed_hires=pd.concat(missed, ignore_index=True),
    )


@dataclass(frozen=True, eq=False)
class Snapshot:
    """The engine state of one pool snapshot with the offers that use it.

    ``state`` holds the snapshot's people and those offers (the travel tolerance given);
    ``rows`` are the offers' history rows, ``people`` the snapshot's pool rows, ``days`` each
    offer's day (index: offer id).
    """

    state: MatchingState
    rows: pd.DataFrame
    people: pd.DataFrame
    days: pd.Series


def snapshot_states(
    history: pd.DataFrame,
    pool: pd.DataFrame,
    *,
    rome: RomeReferential,
    communes: CommuneIndex,
    tolerance: TravelTolerance | None = None,
) -> list[Snapshot]:
    """One engine state per pool snapshot, with the history's offers that use it (each offer
    uses the latest snapshot on or before its day, else the first)."""
    tolerance = tolerance if tolerance is not None else TravelTolerance()
    days = offer_days(history)
    pool_days = np.sort(pool[POOL_ON].unique().astype("datetime64[s]"))
    if pool_days.size == 0:
        raise ValueError("le vivier est vide : aucune personne à classer")
    snapshot = _snapshot_of(days, pool_days)
    out = []
    for s, offer_group in snapshot.groupby(snapshot):
        rows = history[history[col.OFFER_ID].isin(offer_group.index)]
        people = pool[pool[POOL_ON] == pool_days[int(s)]].reset_index(drop=True)
        ids = people[col.CANDIDATE_ID].astype("str").to_numpy(dtype=object)
        candidates, jobs = _people_frames(people, ids)
        state = MatchingState.build(
            candidates,
            jobs,
            _offer_frame(rows),
            rome=rome,
            communes=communes,
            tolerance=tolerance,
        )
        out.append(Snapshot(state=state, rows=rows, people=people, days=days[offer_group.index]))
    return out


def _snapshot_part(
    snap: Snapshot,
    *,
    names: tuple[str, ...],
    unlogged_per_offer: int | None,
    rng: np.random.Generator | None,
) -> tuple[dict[str, object], pd.DataFrame]:
    """The pool table rows of the offers that use one pool snapshot."""
    state, rows, people, days = snap.state, snap.rows, snap.people, snap.days
    o, c, d = state.rankable_pairs()
    offer_ids = state.offers.ids[o]
    person_ids = state.pool.ids[c]
    key = pd.MultiIndex.from_arrays([offer_ids, person_ids])
    logged_rows = rows.set_index([col.OFFER_ID, col.CANDIDATE_ID])
    at = logged_rows.index.get_indexer(key)
    logged = at >= 0
    keep = np.ones(o.shape[0], dtype=bool)
    weight = np.ones(o.shape[0], dtype=np.float64)
    if unlogged_per_offer is not None:
        assert rng is not None
        u = rng.random(o.shape[0])
        frame = pd.DataFrame({"o": o, "u": np.where(logged, -1.0, u)})
        pos = frame.sort_values(["o", "u"], kind="stable").groupby("o").cumcount()
        n_logged = np.bincount(o[logged], minlength=len(state.offers))
        n_all = np.bincount(o, minlength=len(state.offers))
        n_unlogged = n_all - n_logged
        kept = np.minimum(n_unlogged, unlogged_per_offer)
        keep = logged | (pos.reindex(frame.index).to_numpy() < n_logged[o] + kept[o])
        weight = np.where(logged, 1.0, n_unlogged[o] / np.maximum(kept[o], 1))
    o, c, d, at, logged, weight = o[keep], c[keep], d[keep], at[keep], logged[keep], weight[keep]
    feats = state.pair_features(
        c, o, as_of=days.reindex(state.offers.ids).to_numpy()[o], names=names
    )
    hired = np.zeros(o.shape[0], dtype=np.int64)
    shown_rank = np.full(o.shape[0], np.nan)
    hired[logged] = logged_rows[LABEL].to_numpy()[at[logged]]
    shown_rank[logged] = logged_rows["shown_rank"].to_numpy(dtype=np.float64)[at[logged]]
    reporting = people.set_index(col.CANDIDATE_ID).reindex(state.pool.ids[c])
    part: dict[str, object] = {
        "X": feats.values,
        "offer_id": state.offers.ids[o],
        "candidate_id": state.pool.ids[c],
        "hired": hired,
        "logged": logged,
        "shown_rank": shown_rank,
        "distance_km": d,
        "weight": weight,
        **{name: reporting[name].fillna("").to_numpy(dtype=object) for name in REPORTING_COLUMNS},
    }
    return part, _missed_hires(state, rows)


def excluded_hires(
    history: pd.DataFrame,
    pool: pd.DataFrame,
    *,
    rome: RomeReferential,
    communes: CommuneIndex,
    tolerance: TravelTolerance | None = None,
) -> tuple[pd.DataFrame, int]:
    """The history's hires no ranking can reach, as :attr:`PoolTable.missed_hires`, and the
    number of hires (without computing any feature)."""
    parts = [
        _missed_hires(snap.state, snap.rows)
        for snap in snapshot_states(
            history, pool, rome=rome, communes=communes, tolerance=tolerance
        )
    ]
    return pd.concat(parts, ignore_index=True), int(history[LABEL].sum())


def _missed_hires(state: MatchingState, rows: pd.DataFrame) -> pd.DataFrame:
    """The offers' hires a hard constraint excludes (with the tolerance, and without it)."""
    hires = rows[rows[LABEL]]
    out = pd.DataFrame(
        {
            col.OFFER_ID: hires[col.OFFER_ID].to_numpy(dtype=object),
            col.CANDIDATE_ID: hires[col.CANDIDATE_ID].to_numpy(dtype=object),
            "reason": "not_in_pool",
            "is_excluded_without_tolerance": True,
        }
    )
    c = state.pool.lookup(out[col.CANDIDATE_ID])
    present = c >= 0
    o = state.offers.index_of(out.loc[present, col.OFFER_ID]).astype(np.intp)
    cp = c[present].astype(np.intp)
    dist = state.distances.between(state.pool.commune[cp], state.offers.commune[o])
    flags = exclusion_flags(state.pool, state.offers, cp, o, dist)
    hard = (flags & ~np.uint16(Exclusion.TOO_FAR)) != 0
    hard |= dist > state.pool.range_km[cp]
    out.loc[present, "reason"] = _reasons(flags)
    out.loc[present, "is_excluded_without_tolerance"] = hard
    # keep the hires a constraint excludes, and those only the tolerance lets in
    return out[(out["reason"] != "") | out["is_excluded_without_tolerance"]].reset_index(drop=True)
