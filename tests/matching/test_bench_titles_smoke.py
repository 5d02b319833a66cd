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


def test_bench_titles_smoke(capsys: pytest.CaptureFixture[str]) -> None:
    bench = _load()
    assert bench.main(["--sample", "200", "--folds", "2", "--wratio-sample", "10"]) == 0
    out = capsys.readouterr().out
    for method in ("wratio (subsample)", "tfidf-char-nn", "index, labels only"):
        assert method in out
    assert "index, labels + examples" in out
    assert "titles/s" in out and "titles/cpu-s" in out and "acc@1" in out and "build s" in out
    assert "vs tfidf-char-nn" in out
