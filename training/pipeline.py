"""The steps the ``train`` and ``evaluate`` commands run: history file → artifact → report.

``train``: read and validate the history, compute the components with the engine, split by
offer (group or time), fit :class:`~training.model.MonotoneHireModel` on the training offers,
score the held-out offers, and build a versioned :class:`~training.registry.ModelArtifact`.

``evaluate``: judge a model on held-out offers against the baselines
(:mod:`training.evaluation`). When the history is the model's own training file (same sha256),
the held-out offers are those of the model's split; for another file every row is evaluated.
Without a model, one is trained on the split's training offers first.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from matching import columns as col
from matching.referentials import CommuneIndex, RomeReferential, load_commune_index, load_rome
from training.evaluation import MODEL, Evaluation, evaluate_model, write_report
from training.features import FEATURES, HistoryFeatures, history_features
from training.history import REPORTING_COLUMNS, read_history
from training.model import MonotoneHireModel
from training.registry import ModelArtifact, file_sha256, library_versions, make_version
from training.splits import SplitKind, split_offers

__all__ = [
    "EvaluationResult",
    "TrainResult",
    "evaluate_history",
    "load_referentials",
    "train_from_history",
]


def load_referentials(directory: str | Path) -> tuple[RomeReferential, CommuneIndex]:
    """The ROME referential and the commune index of a referential folder."""
    return load_rome(directory), load_commune_index(directory)


@dataclass(frozen=True, eq=False)
class TrainResult:
    """A trained artifact and what it was made from."""

    artifact: ModelArtifact
    history: pd.DataFrame
    features: HistoryFeatures
    train_rows: npt.NDArray[np.intp]
    test_rows: npt.NDArray[np.intp]
    evaluation: Evaluation
    seconds: dict[str, float] = field(default_factory=dict)


def _fit(
    history: pd.DataFrame,
    feats: HistoryFeatures,
    *,
    data_sha256: str,
    data_file: str,
    split: SplitKind,
    test_size: float,
    random_state: int,
    params: dict[str, Any],
    day: date | None,
) -> tuple[ModelArtifact, npt.NDArray[np.intp], npt.NDArray[np.intp], Evaluation, float]:
    train_rows, test_rows = split_offers(
        history, kind=split, test_size=test_size, random_state=random_state
    )
    model = MonotoneHireModel(random_state=random_state, **params)
    start = time.perf_counter()
    model.fit(feats.X.iloc[train_rows], feats.y[train_rows], groups=feats.groups[train_rows])
    fit_seconds = time.perf_counter() - start
    train_rate = float(feats.y[train_rows].mean())
    evaluation = evaluate_model(
        model,
        feats,
        history.loc[:, list(REPORTING_COLUMNS)],
        test_rows,
        train_hire_rate=train_rate,
        random_state=random_state,
    )
    split_meta = {"kind": split, "test_size": test_size, "random_state": random_state}
    all_params = {**model.get_params(), "random_state": random_state}
    version = make_version(data_sha256, {"params": all_params, "split": split_meta}, day=day)
    held_out = evaluation.metrics.loc[[MODEL, "default weights"]]
    metadata: dict[str, Any] = {
        "version": version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data_sha256": data_sha256,
        "data_file": data_file,
        "n_rows": len(history),
        "n_train_rows": len(train_rows),
        "n_test_rows": len(test_rows),
        "train_hire_rate": train_rate,
        "features": list(FEATURES),
        "params": all_params,
        "split": {
            **split_meta,
            "test_offers": sorted(set(history[col.OFFER_ID].iloc[test_rows].astype("str"))),
        },
        "metrics": {
            name: {k: float(v) for k, v in row.items()} for name, row in held_out.iterrows()
        },
        "libraries": library_versions(),
    }
    return (
        ModelArtifact(model=model, metadata=metadata),
        train_rows,
        test_rows,
        evaluation,
        (fit_seconds),
    )


def train_from_history(
    path: str | Path,
    *,
    rome: RomeReferential,
    communes: CommuneIndex,
    split: SplitKind = "group",
    test_size: float = 0.2,
    random_state: int = 0,
    params: dict[str, Any] | None = None,
    day: date | None = None,
) -> TrainResult:
    """Train a model on a history file (``ValueError`` for a bad file or split)."""
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    sha = file_sha256(path)
    history = read_history(path)
    seconds["read"] = time.perf_counter() - t0
    t1 = time.perf_counter()
    feats = history_features(history, rome=rome, communes=communes)
    seconds["features"] = time.perf_counter() - t1
    artifact, train_rows, test_rows, evaluation, fit_seconds = _fit(
        history,
        feats,
        data_sha256=sha,
        data_file=Path(path).name,
        split=split,
        test_size=test_size,
        random_state=random_state,
        params=dict(params or {}),
        day=day,
    )
    seconds["fit"] = fit_seconds
    seconds["total"] = time.perf_counter() - t0
    artifact.metadata["seconds"] = {k: round(v, 2) for k, v in seconds.items()}
    return TrainResult(
        artifact=artifact,
        history=history,
        features=feats,
        train_rows=train_rows,
        test_rows=test_rows,
        evaluation=evaluation,
        seconds=seconds,
    )


@dataclass(frozen=True, eq=False)
class EvaluationResult:
    evaluation: Evaluation
    metadata: dict[str, Any]
    paths: list[Path]


def evaluate_history(
    path: str | Path,
    out_dir: str | Path,
    *,
    rome: RomeReferential,
    communes: CommuneIndex,
    artifact: ModelArtifact | None = None,
    split: SplitKind = "group",
    test_size: float = 0.2,
    random_state: int = 0,
) -> EvaluationResult:
    """Evaluate ``artifact`` (or a model trained here) on a history; write the report files."""
    if artifact is None:
        result = train_from_history(
            path,
            rome=rome,
            communes=communes,
            split=split,
            test_size=test_size,
            random_state=random_state,
        )
        evaluation = result.evaluation
        evaluation.notes.append(
            "No model given and none active: a model was trained on this history's training"
            f" offers ({split} split, test share {test_size}, seed {random_state}) for this"
            " evaluation; it is not saved."
        )
        metadata = dict(result.artifact.metadata)
    else:
        sha = file_sha256(path)
        history = read_history(path)
        feats = history_features(history, rome=rome, communes=communes)
        metadata = dict(artifact.metadata)
        offers = history[col.OFFER_ID].astype("str")
        if metadata.get("data_sha256") == sha:
            held_out = set(metadata["split"]["test_offers"])
            test_rows = np.flatnonzero(offers.isin(held_out).to_numpy()).astype(np.intp)
            note = "Evaluated on the held-out offers of the model's own training split."
        else:
            test_rows = np.arange(len(history), dtype=np.intp)
            note = (
                "This history is not the model's training file: every row is evaluated (offers"
                " also present in the training file, if any, are not excluded)."
            )
        if test_rows.shape[0] == 0:
            raise ValueError("no held-out row to evaluate")
        evaluation = evaluate_model(
            artifact.model,
            feats,
            history.loc[:, list(REPORTING_COLUMNS)],
            test_rows,
            train_hire_rate=float(metadata.get("train_hire_rate", feats.y.mean())),
            random_state=random_state,
        )
        evaluation.notes.append(note)
    metadata["evaluated_file"] = Path(path).name
    paths = write_report(evaluation, out_dir, metadata=metadata)
    return EvaluationResult(evaluation=evaluation, metadata=metadata, paths=paths)
