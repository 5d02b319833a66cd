"""MonotoneHireModel: scikit-learn conventions, monotonicity, calibration, feature checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from matching.scoring import Scorer
from training.features import FEATURES
from training.model import MonotoneHireModel, TrainedScorer


@parametrize_with_checks([MonotoneHireModel(max_iter=20, random_state=0)])
def test_sklearn_conventions(estimator, check) -> None:  # type: ignore[no-untyped-def]
    check(estimator)
