"""End to end: history generate → train → evaluate → models list / activate (with the gate);
bad input gets a French error and writes nothing to the models folder."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from service.cli import main
from service.cli.training import FAMILIES
from training import model
from training.history import pool_path


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    history = tmp_path_factory.mktemp("cli") / "history.csv"
    assert main(["history", "generate", "-o", str(history), "--rows", "4000", "--seed", "3"]) == 0
    return history


def test_generate_train_evaluate_list_activate(
    generated: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = generated
    assert history.is_file() and pool_path(history).is_file()
    assert "Hidden true model" in history.with_suffix(".md").read_text()
    models = tmp_path / "models"

    assert main(["train", str(history), "--models-dir", str(models)]) == 0
    out = capsys.readouterr().out
    [artifact] = models.glob("m-*.joblib")
    version = artifact.stem
    assert version in out and "rappel@10" in out and "écart au score actuel" in out
    sidecar = json.loads(artifact.with_suffix(".json").read_text())
    gate = sidecar["gate"]
    assert gate["against"] == "weighted-v0.5-0.25-0.25" and gate["metric"] == "pool recall@10"

    assert main(["models", "list", "--models-dir", str(models), "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [m["version"] for m in listed] == [version] and not listed[0]["active"]

    # activation follows the gate; a forced one needs a reason, and is recorded
    code = main(["models", "activate", version, "--models-dir", str(models)])
    err = capsys.readouterr().err
    if gate["passed"]:
        assert code == 0
    else:
        assert code == 1 and "activation refusée" in err and "rappel@10" in err
        assert main(["models", "activate", version, "--force", "--models-dir", str(models)]) == 1
        assert "motif" in capsys.readouterr().err
        forced = ["models", "activate", version, "--force", "--reason", "essai"]
        assert main([*forced, "--models-dir", str(models)]) == 0
    assert json.loads((models / "active.json").read_text())["version"] == version
    log = (models / "activations.jsonl").read_text().splitlines()
    decisions = [json.loads(line)["decision"] for line in log]
    assert decisions in (["activated"], ["refused", "forced"])
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
        "current",
        "default weights",
        "distance only",
        "random",
    }
    # the active model is judged against the weights, not against itself
    assert summary["gate"]["against"] == "weighted-v0.5-0.25-0.25"
    card = (report / "model_card.md").read_text()
    assert "Annex III" in card and "right for real people" in card and "Pool recall@10" in card
    text = (report / "report.md").read_text()
    assert "held-out offers of the model's own training split" in text
    assert "whole eligible pool" in text


def _broken(history: Path, folder: Path, change: str) -> Path:
    frame = pd.read_csv(history, dtype=str, keep_default_na=False)
    pool = pd.read_csv(pool_path(history), dtype=str, keep_default_na=False)
    if change == "no hires":
        frame = frame.assign(hired="false", outcome="", hours="0", validated="false")
    elif change == "one offer":
        frame = frame[frame["offer_id"] == frame["offer_id"].iloc[0]]
    elif change == "missing columns":
        frame = frame.drop(columns=["hired", "shown"])
    elif change == "other version":
        frame = frame.drop(columns=["schema_version", "shown", "shown_rank"])
    elif change == "no pool":
        pool = pool.iloc[0:0]
    out = folder / f"{change.replace(' ', '_')}.csv"
    frame.to_csv(out, index=False)
    if change != "no pool":
        pool.to_csv(pool_path(out), index=False)
    return out


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("no hires", "aucune embauche"),
        ("one offer", "qu'une offre"),
        ("missing columns", "colonnes manquantes shown, hired"),
        ("other version", "ancien format"),
        ("no pool", "vivier introuvable"),
    ],
)
def test_bad_input_gets_a_french_error_and_writes_nothing(
    generated: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    change: str,
    message: str,
) -> None:
    bad = _broken(generated, tmp_path, change)
    models = tmp_path / "models"
    assert main(["train", str(bad), "--models-dir", str(models)]) == 1
    assert message in capsys.readouterr().err
    report = tmp_path / "report"
    assert main(["evaluate", str(bad), "--models-dir", str(models), "-o", str(report)]) == 1
    assert message in capsys.readouterr().err
    assert not models.exists() and not report.exists()


def test_unknown_model_and_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["models", "activate", "m-nope", "--models-dir", str(tmp_path / "m")]) == 1
    assert "aucun modèle « m-nope »" in capsys.readouterr().err
    assert main(["evaluate", str(tmp_path / "missing.csv"), "--models-dir", str(tmp_path)]) == 1
    assert "historique introuvable" in capsys.readouterr().err


def test_the_command_line_knows_the_model_families() -> None:
    assert FAMILIES == model.FAMILIES
