"""Offer splits without leakage; artifacts, versions, compatibility and the active model."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from matching import columns as col
from matching.scoring import WeightedScorer
from training.features import ALL_FEATURES, PoolTable
from training.model import TrainedScorer, make_model
from training.registry import (
    IncompatibleModelError,
    ModelArtifact,
    PromotionRefused,
    activate,
    activations,
    active_version,
    check_gate,
    library_versions,
    list_models,
    load_active_scorer,
    load_artifact,
    make_version,
    record_gate,
    save_artifact,
    scorer_label,
)
from training.splits import split_offers


@pytest.mark.parametrize("kind", ["group", "time"])
def test_no_offer_on_both_sides_of_a_split(small_history: pd.DataFrame, kind: Any) -> None:
    train, test = split_offers(small_history, kind=kind, test_size=0.25, random_state=1)
    assert len(train) + len(test) == len(small_history)
    assert not set(train) & set(test)
    offers = small_history[col.OFFER_ID].to_numpy()
    assert not set(offers[train]) & set(offers[test])
    share = len(set(offers[test])) / len(set(offers))
    assert 0.15 <= share <= 0.4


def test_time_split_puts_the_latest_offers_in_test(small_history: pd.DataFrame) -> None:
    train, test = split_offers(small_history, kind="time", test_size=0.3)
    decided = small_history["decided_on"].to_numpy()
    assert decided[train].max() < decided[test].min()


def test_split_rejects_bad_arguments(small_history: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="test_size"):
        split_offers(small_history, test_size=1.5)
    with pytest.raises(ValueError, match="split kind"):
        split_offers(small_history, kind="random")  # type: ignore[arg-type]
    one_offer = small_history[small_history[col.OFFER_ID] == small_history[col.OFFER_ID].iloc[0]]
    with pytest.raises(ValueError, match="at least 2 offers"):
        split_offers(one_offer)


@pytest.fixture(scope="module")
def artifact(small_pool_table: PoolTable) -> ModelArtifact:
    t = small_pool_table
    model = make_model("logistic", ALL_FEATURES, random_state=0).fit(
        t.X, t.hired, sample_weight=t.weight
    )
    metadata = {
        "version": make_version("ab" * 32, {"alpha": 1e-4}, day=date(2026, 11, 25)),
        "created_at": "2026-11-25T12:00:00+00:00",
        "data_sha256": "ab" * 32,
        "data_file": "h.csv",
        "n_rows": len(t),
        "family": "logistic",
        "features": list(ALL_FEATURES),
        "metrics": {"model": {"recall@10": 0.5}},
        "split": {"kind": "group", "test_size": 0.2, "random_state": 0, "test_offers": ["x"]},
        "libraries": library_versions(),
    }
    return ModelArtifact(model=model, metadata=metadata)


def _gate(against: str, low: float) -> dict[str, object]:
    figures = {"model": 0.5, "current": 0.45, "difference": 0.05, "low": low, "high": 0.09}
    return {"against": against, "recall@10": figures, "recall@20": figures}


def test_version_id_format() -> None:
    v = make_version("00" * 32, {"a": 1}, day=date(2026, 11, 25))
    assert v.startswith("m-20261125-") and len(v) == len("m-20261125-") + 8
    assert v == make_version("00" * 32, {"a": 1}, day=date(2026, 11, 25))
    assert v != make_version("00" * 32, {"a": 2}, day=date(2026, 11, 25))


def test_save_load_list_activate(artifact: ModelArtifact, tmp_path: Path) -> None:
    models = tmp_path / "models"
    assert list_models(models) == [] and active_version(models) is None
    assert load_active_scorer(models) is None  # the service then uses the default weights
    path = save_artifact(artifact, models)
    assert path.name == f"{artifact.version}.joblib"
    sidecar = json.loads(path.with_suffix(".json").read_text())
    assert "test_offers" not in sidecar["split"] and sidecar["features"] == list(ALL_FEATURES)
    [listed] = list_models(models)
    assert listed["version"] == artifact.version and not listed["active"]
    record_gate(models, artifact.version, _gate("weighted-v1", 0.01))
    assert activate(models, artifact.version, current_label="weighted-v1") == artifact.version
    assert list_models(models)[0]["active"] and list_models(models)[0]["gate"]["against"]
    scorer = load_active_scorer(models)
    assert isinstance(scorer, TrainedScorer) and scorer.version == artifact.version
    assert scorer.features == ALL_FEATURES
    assert scorer_label(scorer) == artifact.version
    assert scorer_label(WeightedScorer()) == "weighted-v1"

    class SettingsLike:
        models_dir = models

    from_settings = load_active_scorer(SettingsLike())
    assert from_settings is not None and from_settings.version == artifact.version
    scores, _ = scorer.score(np.full((3, len(ALL_FEATURES)), 0.5, dtype=np.float32))
    assert ((scores >= 0) & (scores <= 1)).all()
    with pytest.raises(FileNotFoundError, match="aucun modèle « m-nope »"):
        activate(models, "m-nope", current_label="weighted-v1")


def test_the_gate_refuses_unless_ahead_of_the_current_scorer_or_forced(
    artifact: ModelArtifact, tmp_path: Path
) -> None:
    models = tmp_path / "models"
    save_artifact(artifact, models)
    v = artifact.version
    with pytest.raises(PromotionRefused, match="n'a pas de mesure sur le vivier"):
        activate(models, v, current_label="weighted-v1")
    record_gate(models, v, _gate("weighted-v1", -0.02))
    with pytest.raises(PromotionRefused, match=r"ne devance pas.*\[-0.020 ; \+0.090\]"):
        activate(models, v, current_label="weighted-v1")
    # measured against another scorer than the one in use now
    record_gate(models, v, _gate("m-20260101-00000000", 0.02))
    with pytest.raises(PromotionRefused, match="comparé à m-20260101-00000000"):
        activate(models, v, current_label="weighted-v1")
    assert active_version(models) is None
    assert activate(models, v, current_label="weighted-v1", force=True, reason="essai") == v
    log = activations(models)
    assert [a["decision"] for a in log] == ["refused", "refused", "refused", "forced"]
    assert log[1]["gate"]["recall@10"]["low"] == -0.02 and log[-1]["reason"] == "essai"
    assert check_gate({"version": v, "gate": _gate("w", 0.01)}, "w") is None


def test_an_artifact_file_elsewhere_is_copied_in_on_activation(
    artifact: ModelArtifact, tmp_path: Path
) -> None:
    path = save_artifact(
        ModelArtifact(
            model=artifact.model, metadata={**artifact.metadata, "gate": _gate("w-v1", 0.01)}
        ),
        tmp_path / "elsewhere" / "model.joblib",
    )
    models = tmp_path / "models"
    assert activate(models, str(path), current_label="w-v1") == artifact.version
    assert (models / f"{artifact.version}.joblib").is_file()


def test_loading_an_artifact_with_an_unknown_feature_fails_clearly(
    artifact: ModelArtifact, tmp_path: Path
) -> None:
    other = ModelArtifact(
        model=artifact.model,
        metadata={**artifact.metadata, "features": ["skills", "mobility", "readiness", "age"]},
    )
    path = save_artifact(other, tmp_path)
    with pytest.raises(IncompatibleModelError, match=r"ne calcule pas \(age\)"):
        load_artifact(path)
    with pytest.raises(IncompatibleModelError, match="ne calcule pas"):
        activate(tmp_path, other.version, current_label="w", force=True, reason="x")


@pytest.mark.parametrize(("library", "version"), [("sklearn", "0.24.2"), ("python", "3.9.1")])
def test_loading_an_artifact_from_other_library_versions_fails_clearly(
    artifact: ModelArtifact, tmp_path: Path, library: str, version: str
) -> None:
    libs = {**artifact.metadata["libraries"], library: version}
    other = ModelArtifact(model=artifact.model, metadata={**artifact.metadata, "libraries": libs})
    path = save_artifact(other, tmp_path)
    with pytest.raises(IncompatibleModelError, match=f"fait avec {library} {version}"):
        load_artifact(path)


def test_a_file_that_is_not_an_artifact_or_of_an_older_format_is_refused(
    tmp_path: Path,
) -> None:
    import joblib

    joblib.dump({"hello": 1}, tmp_path / "x.joblib")
    with pytest.raises(IncompatibleModelError, match="pas un modèle clausematch au format 2"):
        load_artifact(tmp_path / "x.joblib")
    joblib.dump({"format": 1, "model": None, "metadata": {}}, tmp_path / "old.joblib")
    with pytest.raises(IncompatibleModelError, match=r"\(format 1\).*réentraînez"):
        load_artifact(tmp_path / "old.joblib")
