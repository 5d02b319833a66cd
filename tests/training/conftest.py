"""Fixtures of the training tests: one small synthetic history per session (read-only)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fixtures import REFERENTIALS_DIR
from matching.referentials import CommuneIndex, RomeReferential, load_communes
from training.features import HistoryFeatures, history_features
from training.synthetic_history import generate_history


@pytest.fixture(scope="session")
def communes_frame() -> pd.DataFrame:
    return load_communes(REFERENTIALS_DIR / "communes.csv.gz")


@pytest.fixture(scope="session")
def small_history(
    rome: RomeReferential, communes: CommuneIndex, communes_frame: pd.DataFrame
) -> pd.DataFrame:
    return generate_history(
        n_rows=3000,
        rome=rome,
        communes=communes,
        communes_frame=communes_frame,
        rng=np.random.default_rng(11),
    )


@pytest.fixture(scope="session")
def small_features(
    small_history: pd.DataFrame, rome: RomeReferential, communes: CommuneIndex
) -> HistoryFeatures:
    return history_features(small_history, rome=rome, communes=communes)
