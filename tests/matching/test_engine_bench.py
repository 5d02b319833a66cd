"""Smoke test: the engine benchmark runs on a small pool and agrees with its naive path."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_engine.py"


@pytest.mark.slow
def test_bench_engine_small(capsys: pytest.CaptureFixture[str]) -> None:
    spec = importlib.util.spec_from_file_location("bench_engine", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.main(["--candidates", "1500", "--offers", "30", "--k", "5"]) == 0
    out = capsys.readouterr().out
    assert "naive path gives identical results: yes" in out
    assert "batch top-5, 30 offers" in out
