"""The three hire model families: scikit-learn conventions, monotonicity in every feature of
known direction, sample weights; TrainedScorer: the engine's Scorer protocol."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from matching import columns as col
from matching.engine import MatchingState
from matching.features import FEATURES as SPECS
from matching.referentials import CommuneIndex, RomeReferential
from matching.scoring import Scorer
from training.features import ALL_FEATURES, PoolTable, snapshot_states
from training.model import (
    FAMILIES,
    MonotoneHireModel,
    MonotoneLogisticModel,
    PairwiseRankModel,
    TrainedScorer,
    make_model,
)
from training.synthetic_history import SyntheticHistory


@parametrize_with_checks(  # type: ignore[untyped-decorator]
    [
        MonotoneHireModel(max_iter=20, random_state=0),
        MonotoneLogisticModel(),
        PairwiseRankModel(random_state=0),
    ],
    expected_failed_checks=lambda est: (
        {}
        if isinstance(est, MonotoneLogisticModel)
        else {
            "check_sample_weight_equivalence_on_dense_data": (
                "calibration folds (boosting) and drawn pairs (pairwise) differ when rows are"
                " repeated instead of weighted"
            )
        }
    ),
)
def test_sklearn_conventions(estimator: Any, check: Any) -> None:
    check(estimator)


_TOY_FEATURES = ("skills", "distance_km", "hours_ratio")


def _toy(n: int = 4000, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Hires likelier with skills, less likely far away, a bump in a free-direction feature."""
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.random(n), rng.random(n) * 60, rng.random(n)]).astype(np.float32)
    logit = -3.0 + 3.0 * x[:, 0] - 0.05 * x[:, 1] + 1.5 * (np.abs(x[:, 2] - 0.5) < 0.2)
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    groups = np.repeat(np.arange(n // 20), 20).astype(str)
    return pd.DataFrame(x, columns=list(_TOY_FEATURES)), y, groups


@pytest.fixture(scope="module", params=FAMILIES)
def fitted(request: pytest.FixtureRequest) -> Any:
    x, y, groups = _toy()
    params = {"max_iter": 60} if request.param == "boosting" else {}
    model = make_model(request.param, _TOY_FEATURES, random_state=0, **params)
    return model.fit(x, y, groups=groups)


def test_the_score_follows_each_features_known_direction(fitted: Any) -> None:
    rng = np.random.default_rng(4)
    base = pd.DataFrame(
        np.column_stack([rng.random(2000), rng.random(2000) * 60, rng.random(2000)]),
        columns=list(_TOY_FEATURES),
    )
    p = fitted.predict_proba(base)[:, 1]
    for name in _TOY_FEATURES:
        direction = SPECS[name].direction
        if direction == 0:
            continue
        moved = base.copy()
        moved[name] += rng.random(2000) * (1.0 if name == "skills" else 20.0)
        q = fitted.predict_proba(moved)[:, 1]
        assert (direction * (q - p) >= -1e-9).all(), name


def test_a_better_fit_ranks_higher(fitted: Any) -> None:
    x, y, _ = _toy(n=6000, seed=1)
    p = fitted.predict_proba(x)[:, 1]
    assert p[y == 1].mean() > 1.5 * p[y == 0].mean()


def test_sample_weights_count(fitted: Any) -> None:
    x, y, groups = _toy(n=3000, seed=2)
    family = {MonotoneHireModel: "boosting", MonotoneLogisticModel: "logistic"}.get(
        type(fitted), "pairwise"
    )
    params = {"max_iter": 30} if family == "boosting" else {}
    plain = make_model(family, _TOY_FEATURES, random_state=0, **params).fit(x, y, groups=groups)
    weights = np.where(y == 0, 10.0, 1.0)  # ten times as many non-hires
    heavy = make_model(family, _TOY_FEATURES, random_state=0, **params).fit(
        x, y, groups=groups, sample_weight=weights
    )
    assert heavy.predict_proba(x)[:, 1].mean() < plain.predict_proba(x)[:, 1].mean()
    with pytest.raises(ValueError, match="sample_weight"):
        make_model(family, _TOY_FEATURES, random_state=0).fit(
            x, y, groups=groups, sample_weight=-np.ones(len(y))
        )


def test_refuses_bad_constraints_and_one_class() -> None:
    x, y, _ = _toy(n=200)
    with pytest.raises(ValueError, match="monotonic_cst"):
        MonotoneLogisticModel(monotonic_cst=[1, 2, 0]).fit(x, y)
    with pytest.raises(ValueError, match="1 class"):
        MonotoneLogisticModel().fit(x, np.zeros(200, dtype=int))
    with pytest.raises(ValueError, match="famille de modèle inconnue"):
        make_model("forest", _TOY_FEATURES, random_state=0)


def test_same_seed_same_model() -> None:
    x, y, groups = _toy(n=2000)
    for family in FAMILIES:
        params = {"max_iter": 20} if family == "boosting" else {}
        a = make_model(family, _TOY_FEATURES, random_state=3, **params).fit(x, y, groups=groups)
        b = make_model(family, _TOY_FEATURES, random_state=3, **params).fit(x, y, groups=groups)
        np.testing.assert_array_equal(a.predict_proba(x), b.predict_proba(x))


def test_trained_scorer_follows_the_scorer_protocol(small_pool_table: PoolTable) -> None:
    t = small_pool_table
    model = make_model("logistic", ALL_FEATURES, random_state=0).fit(
        t.X, t.hired, sample_weight=t.weight
    )
    scorer = TrainedScorer(model=model, version="m-test", features=ALL_FEATURES)
    assert isinstance(scorer, Scorer)
    x = t.X.to_numpy(dtype=np.float32)[:500]
    scores, contributions = scorer.score(x)
    assert scores.dtype == np.float32 and scores.shape == (500,)
    assert contributions.dtype == np.float32 and contributions.shape == (500, 3)
    assert (scores >= 0).all() and (scores <= 1).all() and (contributions >= 0).all()
    np.testing.assert_allclose(contributions.sum(axis=1), scores, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(scorer.scores(x), scores)
    empty_scores, empty_contrib = scorer.score(np.zeros((0, len(ALL_FEATURES)), np.float32))
    assert empty_scores.shape == (0,) and empty_contrib.shape == (0, 3)
    with pytest.raises(ValueError, match="shape"):
        scorer.score(np.zeros((4, 2), np.float32))


def test_a_trained_scorer_plugs_into_the_engine(
    small_pool_table: PoolTable,
    small_world: SyntheticHistory,
    rome: RomeReferential,
    communes: CommuneIndex,
) -> None:
    """Served through the engine, the model ranks an offer's pool as evaluation scores it."""
    t = small_pool_table
    model = make_model("logistic", ALL_FEATURES, random_state=0).fit(
        t.X, t.hired, sample_weight=t.weight
    )
    scorer = TrainedScorer(model=model, version="m-test", features=ALL_FEATURES)
    snap = snapshot_states(small_world.history, small_world.pool, rome=rome, communes=communes)[0]
    state: MatchingState = snap.state.with_scorer(scorer)
    offer_id = str(snap.days.index[0])
    top = state.shortlist(offer_id, k=10, as_of=snap.days.iloc[0])
    assert len(top) > 0 and top[col.SCORE].is_monotonic_decreasing
    assert ((top[col.SCORE] >= 0) & (top[col.SCORE] <= 1)).all()
    contributions = top[[f"contribution_{c}" for c in col.COMPONENTS]].sum(axis=1)
    np.testing.assert_allclose(contributions, top[col.SCORE], rtol=1e-5, atol=1e-6)
    # the engine's score of a pair is the model's probability of its features
    rows = (t.offer_id == offer_id) & np.isin(t.candidate_id, top[col.CANDIDATE_ID])
    expected = dict(
        zip(t.candidate_id[rows], scorer.scores(t.X[rows].to_numpy(np.float32)), strict=True)
    )
    got = dict(zip(top[col.CANDIDATE_ID], top[col.SCORE], strict=True))
    assert expected and {k: got[k] for k in expected} == pytest.approx(expected, rel=1e-5)
