"""History schema (read/write/validation), the synthetic generator, features from history."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from matching import columns as col
from matching.engine import MatchingState
from matching.features import pair_components_for
from matching.referentials import CommuneIndex, RomeReferential
from training.features import FEATURES, HistoryFeatures, engine_frames, history_features
from training.history import (
    HISTORY_COLUMNS,
    REPORTING_COLUMNS,
    read_history,
    validate_history,
    write_history,
)
from training.synthetic_history import generate_history


def test_generated_history_follows_the_schema(small_history: pd.DataFrame) -> None:
    h = small_history
    assert tuple(h.columns) == HISTORY_COLUMNS
    assert 2400 <= len(h) <= 3000
    per_offer = h.groupby(col.OFFER_ID).size()
    assert per_offer.max() <= 30 and per_offer.median() >= 10
    hires = h.groupby(col.OFFER_ID)["hired"].sum()
    positions = h.groupby(col.OFFER_ID)[col.OPEN_POSITIONS].first()
    assert (hires <= positions).all()
    assert 0.5 <= hires.sum() / positions.sum() <= 1.0  # about one hire per position
    assert 0.02 <= h["hired"].mean() <= 0.12  # few hires among the people considered
    assert (h["validated"] >= h["hired"]).all() and (h["proposed"] >= h["validated"]).all()
    assert h["scored_on"].nunique() >= 2  # rounds, for time splits


def test_same_seed_same_history(
    rome: RomeReferential, communes: CommuneIndex, communes_frame: pd.DataFrame
) -> None:
    def make(seed: int) -> pd.DataFrame:
        return generate_history(
            n_rows=500,
            rome=rome,
            communes=communes,
            communes_frame=communes_frame,
            rng=np.random.default_rng(seed),
        )

    a, b, c = make(5), make(5), make(6)
    pd.testing.assert_frame_equal(a, b)
    assert not a[["candidate_id", "hired"]].equals(c[["candidate_id", "hired"]])


def test_write_then_read_gives_the_same_frame(small_history: pd.DataFrame, tmp_path: Path) -> None:
    path = write_history(small_history, tmp_path / "h.csv")
    back = read_history(path)
    pd.testing.assert_frame_equal(back, small_history, check_dtype=False)
    assert (back.dtypes == small_history.dtypes).all()
    # a second round trip is byte-identical
    again = write_history(back, tmp_path / "h2.csv")
    assert again.read_bytes() == path.read_bytes()


def _raw(small_history: pd.DataFrame, tmp_path: Path) -> pd.DataFrame:
    path = write_history(small_history.iloc[:50], tmp_path / "h.csv")
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("has_vehicle", "maybe", "has_vehicle.*line 2: expected true or false"),
        ("readiness_stage", "ready", "readiness_stage.*unknown value 'ready'"),
        ("weekly_hours", "35h", "weekly_hours.*not a number"),
        ("start_date", "12/03/2025", "start_date.*not an ISO date"),
        ("open_positions", "0", "open_positions.*must be >= 1"),
        ("outcome", "promoted", "outcome.*unknown value"),
        ("sex", "X", "sex.*unknown value"),
        ("job_experience_years", "abc", "job_experience_years.*numbers"),
    ],
)
def test_bad_values_are_named_with_their_line(
    small_history: pd.DataFrame, tmp_path: Path, column: str, value: str, message: str
) -> None:
    raw = _raw(small_history, tmp_path)
    raw.loc[0, column] = value
    raw.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ValueError, match=message):
        read_history(tmp_path / "bad.csv")


def test_missing_columns_are_listed(small_history: pd.DataFrame, tmp_path: Path) -> None:
    raw = _raw(small_history, tmp_path).drop(columns=["hired", "sex"])
    raw.to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ValueError, match=r"lacks columns \['hired', 'sex'\]"):
        read_history(tmp_path / "bad.csv")


def test_funnel_and_offer_consistency_are_checked(small_history: pd.DataFrame) -> None:
    big_offers = small_history.groupby(col.OFFER_ID).size().sort_values().index[-2:]
    h = small_history[small_history[col.OFFER_ID].isin(big_offers)].copy()
    hired_row = h.index[0]
    bad = h.copy()
    bad.loc[hired_row, "hired"] = True
    bad.loc[hired_row, "validated"] = False
    bad.loc[hired_row, "outcome"] = "emploi_durable"
    with pytest.raises(ValueError, match="hired without a validated proposal"):
        validate_history(bad)
    bad = h.copy()
    bad.loc[hired_row, "hours"] = 35.0
    bad.loc[hired_row, "hired"] = False
    bad.loc[hired_row, "outcome"] = ""
    with pytest.raises(ValueError, match="hours worked without a hire"):
        validate_history(bad)
    bad = h.copy()
    same_offer = bad.index[bad[col.OFFER_ID] == bad.loc[hired_row, col.OFFER_ID]]
    bad.loc[same_offer[-1], col.WEEKLY_HOURS] = 12.0
    with pytest.raises(ValueError, match=r"weekly_hours.*differs from the offer's first row"):
        validate_history(bad)
    bad = pd.concat([h, h.iloc[:1]])
    with pytest.raises(ValueError, match="appears twice"):
        validate_history(bad)


def test_features_equal_the_engine_ranking_components(
    small_history: pd.DataFrame,
    small_features: HistoryFeatures,
    rome: RomeReferential,
    communes: CommuneIndex,
) -> None:
    """Training features are the engine's own components for the same pairs."""
    first_round = small_history[small_history["scored_on"] == small_history["scored_on"].min()]
    cands, jobs, offers = engine_frames(first_round)
    state = MatchingState.build(cands, jobs, offers, rome=rome, communes=communes)
    as_of = first_round["scored_on"].iloc[0]
    ranked = state.ranked_frame(state.top_k_per_offer(as_of=as_of, k=50))
    again = pair_components_for(
        state, ranked[col.CANDIDATE_ID].to_numpy(), ranked[col.OFFER_ID].to_numpy(), as_of=as_of
    )
    np.testing.assert_array_equal(again.components, ranked[list(col.COMPONENTS)].to_numpy())
    assert again.is_rankable.all()
    # and the history's own rows, scored row by row, match their features
    rows = np.flatnonzero((small_history["scored_on"] == as_of).to_numpy())
    np.testing.assert_array_equal(
        small_features.X.to_numpy()[rows],
        pair_components_for(
            state,
            cands[col.CANDIDATE_ID].to_numpy(),
            first_round[col.OFFER_ID].to_numpy(),
            as_of=as_of,
        ).components,
    )


def test_reporting_attributes_never_reach_the_features(
    small_history: pd.DataFrame,
    small_features: HistoryFeatures,
    rome: RomeReferential,
    communes: CommuneIndex,
) -> None:
    assert tuple(small_features.X.columns) == FEATURES
    cands, jobs, offers = engine_frames(small_history)
    for frame in (cands, jobs, offers):
        assert not set(REPORTING_COLUMNS) & set(frame.columns)
    flipped = small_history.assign(
        sex=small_history["sex"].map({"F": "M", "M": "F", "": ""}),
        age_band=small_history["age_band"].map({"<30": "55+", "55+": "<30"}).fillna("30-54"),
    )
    again = history_features(flipped, rome=rome, communes=communes)
    pd.testing.assert_frame_equal(again.X, small_features.X)
