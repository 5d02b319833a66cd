"""A model artefact carries no person-level data: trained on a history in which one person has a
distinctive follow-up id (and hires), the saved model, its sidecar and the activation log hold no
trace of it; what anonymisation leaves in the database is then all there is."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from matching import columns as col
from service.cli import main
from training.history import pool_path

FOLLOW_UP_ID = "RSA-QX-778899"


def test_a_trained_artefact_holds_no_follow_up_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    history = tmp_path / "history.csv"
    assert main(["history", "generate", "-o", str(history), "--rows", "4000", "--seed", "3"]) == 0
    frame = pd.read_csv(history, dtype=str, keep_default_na=False)
    hired = frame[frame["hired"].str.lower().isin(("true", "1"))]
    person = hired[col.CANDIDATE_ID].iloc[0]
    pool_file = pool_path(history)
    for path in (history, pool_file):
        rows = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert (rows[col.CANDIDATE_ID] == person).any()
        rows.loc[rows[col.CANDIDATE_ID] == person, col.CANDIDATE_ID] = FOLLOW_UP_ID
        rows.to_csv(path, index=False, lineterminator="\n")
    assert FOLLOW_UP_ID in history.read_text("utf-8")

    models = tmp_path / "models"
    # Activation may be refused by the promotion gate: the decision is logged either way.
    assert main(["train", str(history), "--models-dir", str(models), "--activate"]) in (0, 1)
    capsys.readouterr()
    files = [p for p in models.rglob("*") if p.is_file()]
    assert any(p.suffix == ".joblib" for p in files)
    for path in files:
        assert FOLLOW_UP_ID.encode() not in path.read_bytes(), path.name
