"""Shared test fixtures: the shipped referentials, loaded once per session (read-only)."""

from __future__ import annotations

import pytest

from fixtures import REFERENTIALS_DIR
from matching.referentials import CommuneIndex, RomeReferential, load_commune_index, load_rome


@pytest.fixture(scope="session")
def rome() -> RomeReferential:
    return load_rome(REFERENTIALS_DIR)


@pytest.fixture(scope="session")
def communes() -> CommuneIndex:
    return load_commune_index(REFERENTIALS_DIR)
