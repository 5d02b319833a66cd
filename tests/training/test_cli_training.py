"""End to end: history generate → train → evaluate → models list / activate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.cli import main


def test_generate_train_evaluate_list_activate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = tmp_path / "history.csv"
    models = tmp_path / "models"
    assert main(["history", "generate", "-o", str(history), "--rows", "5000", "--seed", "3"]) == 0
    assert history.is_file() and history.with_suffix(".md").is_file()
    assert "Hidden true model" in history.with_suffix(".md").read_text()

    assert main(["train", str(history), "--models-dir", str(models)]) == 0
    out = capsys.readouterr().out
    [artifact] = models.glob("m-*.joblib")
    version = artifact.stem
    assert version in out

    assert main(["train", str(history), "--split", "time", "-o", str(tmp_path / "t.joblib")]) == 0
    assert (tmp_path / "t.joblib").is_file() and (tmp_path / "t.json").is_file()
    capsys.readouterr()

    assert main(["models", "list", "--models-dir", str(models), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [m["version"] for m in listed] == [version] and not listed[0]["active"]

    assert main(["models", "activate", version, "--models-dir", str(models)]) == 0
    assert json.loads((models / "active.json").read_text())["version"] == version
    assert main(["models", "list", "--models-dir", str(models)]) == 0
    assert f"* {version}" in capsys.readouterr().out

    report = tmp_path / "report"
    assert main(["evaluate", str(history), "--models-dir", str(models), "-o", str(report)]) == 0
    for name in (
        "report.md",
        "model_card.md",
        "metrics.json",
        "reliability.png",
        "metrics.png",
        "exposure.png",
    ):
        assert (report / name).is_file(), name
    summary = json.loads((report / "metrics.json").read_text())
    assert summary["model"]["version"] == version
    assert set(summary["metrics"]) == {
        "model",
        "default weights",
        "job match only",
        "distance only",
        "random",
    }
    card = (report / "model_card.md").read_text()
    assert "Annex III" in card and "right for real people" in card
    assert "held-out offers of the model's own training split" in (report / "report.md").read_text()


def test_bad_input_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("offer_id,candidate_id\nO1,C1\n")
    assert main(["train", str(bad), "--models-dir", str(tmp_path / "m")]) == 1
    assert "lacks columns" in capsys.readouterr().err
    assert main(["models", "activate", "m-nope", "--models-dir", str(tmp_path / "m")]) == 1
    assert main(["evaluate", str(tmp_path / "missing.csv"), "--models-dir", str(tmp_path)]) == 1
