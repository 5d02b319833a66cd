"""The import and batch benchmark runs end to end on a small sample and prints its table."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_imports.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_imports", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while decorating
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_bench_imports_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load()
    argv = ["--pg", "", "--candidates", "300", "--offers", "150", "--batch-offers", "20"]
    assert bench.main(argv) == 0
    out = capsys.readouterr().out
    assert "| sqlite | batch: 20 offers × 300 candidates |" in out
    assert "| sqlite | import 150 offers (titles normalised) | 150 |" in out
    assert "naive / ours" in out and "≤ 10 s met" in out
