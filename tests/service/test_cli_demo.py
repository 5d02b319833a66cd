"""`clausematch demo run` (what `make run` calls), without starting the server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import service.cli
from service.config import get_settings


@pytest.fixture
def empty_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'demo.sqlite'}"
    monkeypatch.setenv("CLAUSEMATCH_DATABASE_URL", url)
    monkeypatch.setenv("CLAUSEMATCH_MODELS_DIR", str(tmp_path / "models"))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def test_demo_run_sets_up_an_empty_database(
    empty_db: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert service.cli.main(["demo", "run", "--no-serve"]) == 0
    out = capsys.readouterr().out
    assert "Données de démonstration chargées" in out and "2000 candidates" in out
    assert "coach-alencon" in out and "demo-facilitateur" in out  # token table, web passwords
    assert "Rapprochement n° 1" in out  # the digests have something to show
    assert "Exemple : les 5 meilleures candidatures" in out and "Même métier" in out
    # Twice: nothing is created again and the batch has nothing new to do.
    assert service.cli.main(["demo", "run", "--no-serve"]) == 0
    again = capsys.readouterr().out
    assert "créés : rien" in again and "Aucune offre nouvelle" in again
