"""MonotoneHireModel: scikit-learn conventions, monotonicity, calibration, feature checks;
TrainedScorer: the engine's Scorer protocol."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from matching.scoring import Scorer
from training.features import FEATURES, HistoryFeatures
from training.model import MonotoneHireModel, TrainedScorer


@parametrize_with_checks([MonotoneHireModel(max_iter=20, random_state=0)])  # type: ignore[untyped-decorator]
def test_sklearn_conventions(estimator: Any, check: Any) -> None:
    check(estimator)


def _toy(n: int = 4000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Hires more likely with every component, with a threshold and an interaction."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, 3)).astype(np.float32)
    logit = -3.0 + 2.0 * x[:, 0] + 1.5 * (x[:, 1] > 0.5) + 2.0 * x[:, 0] * x[:, 2]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    groups = np.repeat(np.arange(n // 20), 20).astype(str)
    return pd.DataFrame(x, columns=list(FEATURES)), y, groups


@pytest.fixture(scope="module", params=["isotonic", "sigmoid"])
def fitted(request: pytest.FixtureRequest) -> MonotoneHireModel:
    x, y, groups = _toy()
    return MonotoneHireModel(calibration=request.param, random_state=0).fit(x, y, groups=groups)


@pytest.mark.parametrize("feature", range(3))
def test_raising_one_component_never_lowers_the_probability(
    fitted: MonotoneHireModel, feature: int
) -> None:
    steps = np.linspace(0.0, 1.0, 21, dtype=np.float32)
    others = np.linspace(0.0, 1.0, 6, dtype=np.float32)
    rows = []
    for a, b in itertools.product(others, others):
        block = np.empty((steps.shape[0], 3), dtype=np.float32)
        fixed = [i for i in range(3) if i != feature]
        block[:, fixed[0]] = a
        block[:, fixed[1]] = b
        block[:, feature] = steps
        rows.append(block)
    grid = np.vstack(rows)
    p = fitted.predict_proba(pd.DataFrame(grid, columns=list(FEATURES)))[:, 1]
    p = p.reshape(len(rows), steps.shape[0])
    assert (np.diff(p, axis=1) >= -1e-12).all()


def test_served_table_is_monotone_and_close_to_the_model(fitted: MonotoneHireModel) -> None:
    scorer = TrainedScorer(model=fitted, version="m-test")
    rng = np.random.default_rng(4)
    base = rng.random((3000, 3)).astype(np.float32)
    for feature in range(3):
        up = base.copy()
        up[:, feature] = np.minimum(1.0, up[:, feature] + rng.random(3000).astype(np.float32) / 4)
        assert (scorer.score(up)[0] >= scorer.score(base)[0] - 1e-6).all()
    direct = fitted.predict_proba(pd.DataFrame(base, columns=list(FEATURES)))[:, 1]
    assert np.abs(scorer.score(base)[0] - direct).mean() < 0.01
    exact = TrainedScorer(model=fitted, version="m-test", grid_size=0)
    np.testing.assert_allclose(exact.score(base)[0], direct, rtol=1e-6)


def test_probabilities_are_calibrated_on_fresh_data(fitted: MonotoneHireModel) -> None:
    from training.metrics import expected_calibration_error

    x, y, _ = _toy(n=20000, seed=1)
    assert expected_calibration_error(y, fitted.predict_proba(x)[:, 1]) < 0.03


def test_refuses_a_table_with_a_missing_or_extra_column(fitted: MonotoneHireModel) -> None:
    x, _, _ = _toy(n=10)
    with pytest.raises(ValueError, match="missing:\n- mobility"):
        fitted.predict_proba(x.drop(columns=["mobility"]))
    with (
        pytest.warns(UserWarning, match="valid feature names"),
        pytest.raises(ValueError, match="expecting 3 features"),
    ):
        fitted.predict_proba(x.to_numpy()[:, :2])
    with pytest.raises(ValueError, match="feature names"):
        fitted.predict_proba(x.assign(sex=1.0))
    with pytest.raises(ValueError, match="feature names"):
        fitted.predict_proba(x.rename(columns={"readiness": "age"}))


def test_fit_rejects_one_class_and_multiclass() -> None:
    x, _, _ = _toy(n=100)
    with pytest.raises(ValueError, match="1 class"):
        MonotoneHireModel().fit(x, np.zeros(100, dtype=int))
    with pytest.raises(ValueError, match="Only binary"):
        MonotoneHireModel().fit(x, np.arange(100) % 3)


def test_same_seed_same_model() -> None:
    x, y, groups = _toy(n=2000)
    a = MonotoneHireModel(random_state=3).fit(x, y, groups=groups).predict_proba(x)
    b = MonotoneHireModel(random_state=3).fit(x, y, groups=groups).predict_proba(x)
    np.testing.assert_array_equal(a, b)


def test_trained_scorer_follows_the_scorer_protocol(fitted: MonotoneHireModel) -> None:
    scorer = TrainedScorer(model=fitted, version="m-test")
    assert isinstance(scorer, Scorer)
    comps = np.random.default_rng(2).random((500, 3)).astype(np.float32)
    comps[0] = 0.0
    scores, contributions = scorer.score(comps)
    assert scores.dtype == np.float32 and scores.shape == (500,)
    assert contributions.dtype == np.float32 and contributions.shape == (500, 3)
    assert (scores >= 0).all() and (scores <= 1).all()
    assert (contributions >= 0).all()
    np.testing.assert_allclose(contributions.sum(axis=1), scores, rtol=1e-5, atol=1e-6)
    expected = fitted.predict_proba(pd.DataFrame(comps, columns=list(FEATURES)))[:, 1]
    assert np.abs(scores - expected).mean() < 0.01
    empty_scores, empty_contrib = scorer.score(np.zeros((0, 3), np.float32))
    assert empty_scores.shape == (0,) and empty_contrib.shape == (0, 3)
    with pytest.raises(ValueError, match="shape"):
        scorer.score(np.zeros((4, 2), np.float32))


def test_a_trained_scorer_plugs_into_the_engine(
    small_features: HistoryFeatures, rome: Any, communes: Any, small_history: pd.DataFrame
) -> None:
    from matching.engine import MatchingState
    from training.features import engine_frames

    f = small_features
    model = MonotoneHireModel(max_iter=30, random_state=0).fit(f.X, f.y, groups=f.groups)
    cands, jobs, offers = engine_frames(small_history.iloc[:400])
    state = MatchingState.build(cands, jobs, offers, rome=rome, communes=communes)
    state = state.with_scorer(TrainedScorer(model=model, version="m-test"))
    offer_id = str(offers["offer_id"].iloc[0])
    top = state.shortlist(offer_id, k=5, as_of="2025-01-06")
    assert len(top) > 0
    assert top["score"].is_monotonic_decreasing
    assert ((top["score"] >= 0) & (top["score"] <= 1)).all()
