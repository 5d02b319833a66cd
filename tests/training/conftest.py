"""Fixtures of the training tests: one small synthetic world per session (read-only)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fixtures import REFERENTIALS_DIR
from matching.referentials import CommuneIndex, RomeReferential, load_communes
from training.features import PoolTable, pool_table
from training.history import write_history
from training.synthetic_history import SyntheticHistory, generate_history


@pytest.fixture(scope="session")
def communes_frame() -> pd.DataFrame:
    return load_communes(REFERENTIALS_DIR / "communes.csv.gz")


@pytest.fixture(scope="session")
def small_world(
    rome: RomeReferential, communes: CommuneIndex, communes_frame: pd.DataFrame
) -> SyntheticHistory:
    return generate_history(
        n_rows=3000,
        rome=rome,
        communes=communes,
        communes_frame=communes_frame,
        rng=np.random.default_rng(11),
        n_candidates=2500,
    )


@pytest.fixture(scope="session")
def small_history(small_world: SyntheticHistory) -> pd.DataFrame:
    return small_world.history


@pytest.fixture(scope="session")
def small_history_file(
    small_world: SyntheticHistory, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    folder = tmp_path_factory.mktemp("history")
    return write_history(small_world.history, folder / "history.csv", pool=small_world.pool)


@pytest.fixture(scope="session")
def small_pool_table(
    small_world: SyntheticHistory, rome: RomeReferential, communes: CommuneIndex
) -> PoolTable:
    """Every offer's whole eligible pool, a sample of 100 unlogged pairs per offer."""
    return pool_table(
        small_world.history,
        small_world.pool,
        rome=rome,
        communes=communes,
        unlogged_per_offer=100,
        rng=np.random.default_rng(0),
    )
