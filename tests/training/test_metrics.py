"""Metrics on hand-built rankings, calibration error and exposure ratios."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from training.metrics import (
    expected_calibration_error,
    exposure_ratios,
    ranking_metrics,
    reliability_table,
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
