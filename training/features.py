"""History rows → the engine's three components, through :mod:`matching` (same code as serving).

Each history row is its own candidate snapshot (the person as they were on ``scored_on``), so
the engine frames get one candidate per row (id ``h<row>``) and one offer per ``offer_id``;
:func:`matching.features.pair_components_for` then computes the components with each row's
``scored_on`` as the engine's ``as_of``.

Only the columns mapped in :data:`training.history.CANDIDATE_FIELDS`, ``JOB_FIELDS`` and
``OFFER_FIELDS` are copied into the engine frames: the reporting columns (``sex``,
``age_band``) and the outcome columns never reach the feature matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from matching import columns as col
from matching.engine import MatchingState
from matching.features import pair_components_for
from matching.referentials import CommuneIndex, RomeReferential
from training.history import (
    CANDIDATE_FIELDS,
    LABEL,
    OFFER_FIELDS,
    SCORED_ON,
)

__all__ = ["FEATURES", "HistoryFeatures", "engine_frames", "history_features"]

FEATURES: Final[tuple[str, ...]] = tuple(col.COMPONENTS)
"""The model's feature list, in order: the engine's components."""


def engine_frames(history: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The engine's candidate, candidate-job and offer frames of a history (see module doc).

    Returns
    -------
    candidates : one row per history row, ``candidate_id`` = ``h<row position>``
    candidate_jobs : long table of their target jobs
    offers : one row per distinct ``offer_id`` (its first row)
    """
    n = len(history)
    keys = pd.Series([f"h{i}" for i in range(n)], dtype="str")
    candidates = pd.DataFrame({col.CANDIDATE_ID: keys})
    for hist_name, engine_name in CANDIDATE_FIELDS.items():
        candidates[engine_name] = history[hist_name].to_numpy()
    candidates[col.COMMUNE_INSEE] = candidates[col.COMMUNE_INSEE].astype("str")
    counts = history["job_code_rome"].map(len).to_numpy(dtype=np.int64)
    owner = np.repeat(np.arange(n), counts)
    ogr = [x for t in history["job_code_ogr"] for x in t]
    candidate_jobs = pd.DataFrame(
        {
            col.CANDIDATE_ID: keys.to_numpy()[owner],
            col.CODE_OGR: pd.array(ogr, dtype="Int64"),
            col.CODE_ROME: pd.Series([x for t in history["job_code_rome"] for x in t], dtype="str"),
            col.EXPERIENCE_YEARS: np.asarray(
                [x for t in history["job_experience_years"] for x in t], dtype=np.float64
            ),
        }
    )
    first = history.drop_duplicates(col.OFFER_ID)
    offers = pd.DataFrame({col.OFFER_ID: first[col.OFFER_ID].astype("str").to_numpy()})
    for hist_name, engine_name in OFFER_FIELDS.items():
        offers[engine_name] = first[hist_name].to_numpy()
    offers[col.CODE_OGR] = offers[col.CODE_OGR].astype("Int64")
    offers[col.OPEN_POSITIONS] = offers[col.OPEN_POSITIONS].astype(np.int64)
    return candidates, candidate_jobs, offers


@dataclass(frozen=True, eq=False)
class HistoryFeatures:
    """The learning table of a history.

    Attributes (``n`` history rows)
    ----------
    X : DataFrame (n, 3), float32 columns ``FEATURES``
    y : int64 (n,), 1 = hired
    groups : object (n,), ``offer_id`` of each row
    is_rankable : bool (n,), the engine would rank the pair today (no hard constraint)
    distance_km : float32 (n,)
    """

    X: pd.DataFrame
    y: npt.NDArray[np.int64]
    groups: npt.NDArray[np.object_]
    is_rankable: npt.NDArray[np.bool_]
    distance_km: npt.NDArray[np.float32]


def history_features(
    history: pd.DataFrame, *, rome: RomeReferential, communes: CommuneIndex
) -> HistoryFeatures:
    """Components of every history row, computed by the engine (``ValueError`` on bad codes)."""
    candidates, jobs, offers = engine_frames(history)
    state = MatchingState.build(candidates, jobs, offers, rome=rome, communes=communes)
    feats = pair_components_for(
        state,
        candidates[col.CANDIDATE_ID].to_numpy(),
        history[col.OFFER_ID].astype("str").to_numpy(),
        as_of=history[SCORED_ON].to_numpy(dtype="datetime64[D]"),
    )
    table = pd.DataFrame(feats.components, columns=list(FEATURES), index=history.index)
    return HistoryFeatures(
        X=table,
        y=history[LABEL].to_numpy(dtype=np.int64),
        groups=history[col.OFFER_ID].to_numpy(dtype=object),
        is_rankable=feats.is_rankable,
        distance_km=feats.distance_km,
    )
