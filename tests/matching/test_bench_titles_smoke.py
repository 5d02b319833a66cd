"""The title benchmark script runs end to end on a small sample and prints its table."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_titles.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_titles", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while decorating
    spec.loader.exec_module(module)
    return module


def test_bench_titles_smoke(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bench = _load()
    errors = tmp_path / "errors.csv"
    args = ["--folds", "2", "--wratio-sample", "5", "--speed-sample", "50", "--errors", str(errors)]
    assert bench.main(args) == 0
    out = capsys.readouterr().out
    for method in (
        "rapidfuzz WRatio (naive)",
        "index of issue 2",
        "clausematch index",
        "recorded codes (France Travail)",
    ):
        assert method in out
    for column in ("fiche top-1", "fiche top-3", "ref top-1", "ref top-3", "à préciser: vague"):
        assert column in out
    assert "titles/s" in out and "titles/cpu-s" in out and "build s" in out
    assert "vs index of issue 2" in out and "targets:" in out
    assert errors.read_text(encoding="utf-8").startswith("title,cleaned,gold,guesses")
