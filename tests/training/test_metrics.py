"""Metrics on hand-built rankings, calibration error and exposure ratios."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from training.metrics import (
    bootstrap_difference,
    expected_calibration_error,
    exposure_ratios,
    pool_recall,
    ranking_metrics,
    reliability_table,
    selection_exposure,
)


def test_ndcg_recall_precision_by_hand() -> None:
    # offer A: 4 rows, the hire ranked 2nd; offer B: 3 rows, hires ranked 1st and 3rd;
    # offer C: no hire (left out of the means)
    groups = ["A"] * 4 + ["B"] * 3 + ["C"] * 2
    scores = [0.9, 0.8, 0.7, 0.1, 0.5, 0.4, 0.3, 0.9, 0.1]
    hired = [0, 1, 0, 0, 1, 0, 1, 0, 0]
    m = ranking_metrics(hired, scores, groups, ks=(1, 2, 10))
    ndcg_a = (1 / math.log2(3)) / 1.0
    ndcg_b = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert m.ndcg[10] == pytest.approx((ndcg_a + ndcg_b) / 2)
    assert m.recall[1] == pytest.approx((0 + 0.5) / 2)
    assert m.recall[2] == pytest.approx((1 + 0.5) / 2)
    assert m.recall[10] == pytest.approx(1.0)
    assert m.precision[2] == pytest.approx((0.5 + 0.5) / 2)
    assert m.precision[10] == pytest.approx((1 / 4 + 2 / 3) / 2)
    assert (m.n_offers, m.n_offers_with_hire) == (3, 2)


def test_perfect_ranking_has_ndcg_one_and_ties_follow_the_tie_breaker() -> None:
    groups = ["A"] * 3
    m = ranking_metrics([0, 0, 1], [0.1, 0.2, 0.9], groups, ks=(1,))
    assert m.ndcg[1] == 1.0 and m.recall[1] == 1.0
    # all tied: row order decides, unless a tie breaker says otherwise
    assert ranking_metrics([0, 0, 1], [0.5] * 3, groups, ks=(1,)).recall[1] == 0.0
    tie = np.array([2.0, 1.0, 0.0])
    assert ranking_metrics([0, 0, 1], [0.5] * 3, groups, ks=(1,), tie_breaker=tie).recall[1] == 1.0


def test_expected_calibration_error_by_hand() -> None:
    # bin [0.1, 0.2): predicted 0.1 x4, observed 1/4 -> gap 0.15; bin [0.9, 1]: 0.9 x4, 3/4 -> 0.15
    p = [0.1] * 4 + [0.9] * 4
    y = [1, 0, 0, 0, 1, 1, 1, 0]
    assert expected_calibration_error(y, p) == pytest.approx(0.15)
    assert expected_calibration_error([0, 1, 0, 1], [0.5] * 4) == pytest.approx(0.0)
    table = reliability_table(y, p)
    assert table["count"].tolist() == [4, 4]


def test_exposure_ratio_by_hand() -> None:
    # two offers of 4 people; top 2 of each. Women are half the pool but 3 of the 4 top places.
    attrs = pd.DataFrame(
        {
            "sex": ["F", "F", "M", "M", "F", "M", "F", "M"],
            "age_band": ["<30", "30-54", "30-54", "55+", "30-54", "30-54", "", "30-54"],
        }
    )
    scores = [0.9, 0.8, 0.2, 0.1, 0.9, 0.8, 0.3, 0.1]
    groups = ["A"] * 4 + ["B"] * 4
    out = exposure_ratios(attrs, scores, groups, k=2).set_index(["attribute", "value"])
    assert out.loc[("sex", "F"), "ratio"] == pytest.approx((3 / 4) / (4 / 8))
    assert out.loc[("sex", "M"), "ratio"] == pytest.approx((1 / 4) / (4 / 8))
    assert bool(out.loc[("sex", "F"), "flagged"]) and bool(out.loc[("sex", "M"), "flagged"])
    assert out.loc[("age_band", "30-54"), "ratio"] == pytest.approx((3 / 4) / (5 / 8))
    assert not bool(out.loc[("age_band", "30-54"), "flagged"])  # 1.2, inside [0.8, 1.25]
    assert out.loc[("age_band", "(unknown)"), "pool_count"] == 1


def test_pool_recall_counts_hires_out_of_the_pool_as_misses() -> None:
    # offer A's pool: 4 people, the hire 2nd; offer B: 3 people, one hire 1st and one hire the
    # pool does not hold (a hard constraint excluded them); offer C: no hire
    groups = ["A"] * 4 + ["B"] * 3 + ["C"] * 2
    scores = [0.9, 0.8, 0.7, 0.1, 0.5, 0.4, 0.3, 0.9, 0.1]
    hired = [0, 1, 0, 0, 1, 0, 0, 0, 0]
    total = pd.Series({"A": 1, "B": 2, "C": 0})
    recall, ndcg = pool_recall(hired, scores, groups, total, k=2)
    assert recall.to_dict() == {"A": 1.0, "B": 0.5}
    assert ndcg["A"] == pytest.approx(1 / math.log2(3))
    assert ndcg["B"] == pytest.approx(1 / (1 + 1 / math.log2(3)))
    recall1, _ = pool_recall(hired, scores, groups, total, k=1)
    assert recall1.to_dict() == {"A": 0.0, "B": 0.5}


def test_bootstrap_interval_of_a_difference() -> None:
    a = pd.Series(np.r_[np.ones(60), np.zeros(40)], index=[f"o{i}" for i in range(100)])
    b = pd.Series(np.r_[np.ones(30), np.zeros(70)], index=a.index)
    mean, low, high = bootstrap_difference(a, b, random_state=1)
    assert mean == pytest.approx(0.3) and 0.15 < low < 0.3 < high < 0.45
    same = bootstrap_difference(a, a)
    assert same == (0.0, 0.0, 0.0)
    assert all(math.isnan(v) for v in bootstrap_difference(a.iloc[:0], b.iloc[:0]))
    again = bootstrap_difference(a, b, random_state=1)
    assert again == (mean, low, high)


def test_exposure_of_a_selection() -> None:
    attrs = pd.DataFrame({"sex": ["F", "F", "M", "M"]})
    out = selection_exposure(attrs, [True, True, True, False]).set_index("value")
    assert out.loc["F", "ratio"] == pytest.approx((2 / 3) / 0.5)
    assert out.loc["M", "ratio"] == pytest.approx((1 / 3) / 0.5) and out.loc["M", "flagged"]
