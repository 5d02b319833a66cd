"""The steps the ``train`` and ``evaluate`` commands run: history file → artifact → report.

``train``: read and check the history and its pool file, split the offers (group or time), learn
from each training offer's whole eligible pool (every logged pair and a weighted sample of the
others, :func:`training.features.pool_table`), fit a model of the chosen family, judge it on the
held-out offers' whole pools against the current scorer (:mod:`training.evaluation`), and build
a versioned :class:`~training.registry.ModelArtifact` carrying its promotion figures.

``evaluate``: the same judgement for a given model. When the history is the model's own training
data (same sha256), the held-out offers are those of the model's split; for another history
every offer is evaluated. Without a model, one is trained on the split's training offers first.

Bad input (a history of another schema version, missing columns, no hire, a single offer, no
pool file) raises ``ValueError`` with a French message before anything is written.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from matching import columns as col
from matching.fields import TravelTolerance
from matching.referentials import CommuneIndex, RomeReferential, load_commune_index, load_rome
from matching.scoring import Scorer, WeightedScorer
from training.evaluation import Evaluation, evaluate_scorers, write_report
from training.features import ALL_FEATURES, PoolTable, pool_table
from training.history import LABEL, read_history, read_pool
from training.model import FAMILIES, TrainedScorer, make_model
from training.registry import (
    ModelArtifact,
    history_sha256,
    library_versions,
    make_version,
    scorer_label,
)
from training.splits import SplitKind, split_offers

__all__ = [
    "DEFAULT_FAMILY",
    "EvaluationResult",
    "TrainResult",
    "evaluate_history",
    "load_referentials",
    "train_from_history",
]

DEFAULT_FAMILY: Final = "pairwise"
UNLOGGED_PER_OFFER: Final = 200


def load_referentials(directory: str | Path) -> tuple[RomeReferential, CommuneIndex]:
    """The ROME referential and the commune index of a referential folder."""
    return load_rome(directory), load_commune_index(directory)


@dataclass(frozen=True, eq=False)
class _Data:
    history: pd.DataFrame
    pool: pd.DataFrame
    sha256: str
    name: str


def _read(path: str | Path) -> _Data:
    """The history and its pool file, checked (French errors)."""
    history = read_history(path)
    pool = read_pool(path)
    n_offers = history[col.OFFER_ID].nunique()
    if n_offers < 2:
        raise ValueError(
            f"l'historique ne compte qu'une offre ({n_offers}) : il en faut au moins deux pour "
            "séparer apprentissage et test"
        )
    if not history[LABEL].any():
        raise ValueError("l'historique ne contient aucune embauche : rien à apprendre")
    return _Data(history, pool, history_sha256(path), Path(path).name)


def _positions(history: pd.DataFrame) -> pd.Series:
    return history.groupby(col.OFFER_ID, sort=False)[col.OPEN_POSITIONS].first()


def _judge(
    data: _Data,
    test: npt.NDArray[np.object_],
    model: Scorer,
    current: Scorer,
    *,
    rome: RomeReferential,
    communes: CommuneIndex,
    tolerance: TravelTolerance | None,
    random_state: int,
) -> tuple[PoolTable, Evaluation]:
    """The held-out offers' whole eligible pools, and the model judged on them."""
    table = pool_table(
        data.history,
        data.pool,
        rome=rome,
        communes=communes,
        offer_ids=test,
        names=tuple(ALL_FEATURES),
        tolerance=tolerance,
    )
    evaluation = evaluate_scorers(
        model,
        current,
        table,
        _positions(data.history),
        current_label=scorer_label(current),
        random_state=random_state,
    )
    return table, evaluation


@dataclass(frozen=True, eq=False)
class TrainResult:
    """A trained artifact and what it was made from."""

    artifact: ModelArtifact
    history: pd.DataFrame
    train_table: PoolTable
    test_table: PoolTable
    evaluation: Evaluation
    seconds: dict[str, float] = field(default_factory=dict)


def _split(
    data: _Data, split: SplitKind, test_size: float, random_state: int
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    train_rows, test_rows = split_offers(
        data.history, kind=split, test_size=test_size, random_state=random_state
    )
    offers = data.history[col.OFFER_ID].astype("str").to_numpy(dtype=object)
    train, test = np.unique(offers[train_rows]), np.unique(offers[test_rows])
    hires = data.history.groupby(col.OFFER_ID)[LABEL].sum()
    if hires.reindex(train).sum() == 0:
        raise ValueError("aucune embauche parmi les offres d'apprentissage : rien à apprendre")
    if hires.reindex(test).sum() == 0:
        raise ValueError(
            "aucune embauche parmi les offres de test : le modèle ne peut pas être jugé "
            "(changez --test-size ou --seed)"
        )
    return train, test


def train_from_history(
    path: str | Path,
    *,
    rome: RomeReferential,
    communes: CommuneIndex,
    current: Scorer | None = None,
    family: str = DEFAULT_FAMILY,
    features: tuple[str, ...] = ALL_FEATURES,
    split: SplitKind = "group",
    test_size: float = 0.2,
    random_state: int = 0,
    params: dict[str, Any] | None = None,
    tolerance: TravelTolerance | None = None,
    unlogged_per_offer: int = UNLOGGED_PER_OFFER,
    day: date | None = None,
) -> TrainResult:
    """Train a model on a history file and its pool (``ValueError`` in French for bad input).

    ``current`` is the scorer the service uses now (default the transparent weights): the
    model's promotion figures are measured against it.
    """
    if family not in FAMILIES:
        raise ValueError(f"famille de modèle inconnue : {family} (attendu : {', '.join(FAMILIES)})")
    current = current if current is not None else WeightedScorer()
    tolerance = tolerance if tolerance is not None else TravelTolerance()
    seconds: dict[str, float] = {}
    t0 = time.perf_counter()
    data = _read(path)
    seconds["read"] = time.perf_counter() - t0
    train, test = _split(data, split, test_size, random_state)
    t1 = time.perf_counter()
    train_table = pool_table(
        data.history,
        data.pool,
        rome=rome,
        communes=communes,
        offer_ids=train,
        names=features,
        tolerance=tolerance,
        unlogged_per_offer=unlogged_per_offer,
        rng=np.random.default_rng(random_state),
    )
    seconds["features"] = time.perf_counter() - t1
    model = make_model(family, features, random_state=random_state, **dict(params or {}))
    t2 = time.perf_counter()
    model.fit(
        train_table.X,
        train_table.hired,
        groups=train_table.offer_id,
        sample_weight=train_table.weight,
    )
    seconds["fit"] = time.perf_counter() - t2
    split_meta = {"kind": split, "test_size": test_size, "random_state": random_state}
    all_params = {k: v for k, v in model.get_params().items() if k != "monotonic_cst"}
    version = make_version(
        data.sha256,
        {"family": family, "features": features, "params": all_params, "split": split_meta},
        day=day,
    )
    scorer = TrainedScorer(model=model, version=version, features=features)
    t3 = time.perf_counter()
    test_table, evaluation = _judge(
        data,
        test,
        scorer,
        current,
        rome=rome,
        communes=communes,
        tolerance=tolerance,
        random_state=random_state,
    )
    seconds["evaluation"] = time.perf_counter() - t3
    metadata: dict[str, Any] = {
        "version": version,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "data_sha256": data.sha256,
        "data_file": data.name,
        "n_rows": len(data.history),
        "n_train_offers": len(train),
        "n_train_pairs": len(train_table),
        "n_test_offers": len(test),
        "family": family,
        "features": list(features),
        "params": all_params,
        "tolerance": {"km": tolerance.km, "share": tolerance.share},
        "split": {**split_meta, "test_offers": sorted(test.tolist())},
        "metrics": {
            name: {k: float(v) for k, v in row.items()}
            for name, row in evaluation.metrics.iterrows()
        },
        "gate": evaluation.gate(),
        "libraries": library_versions(),
    }
    seconds["total"] = time.perf_counter() - t0
    metadata["seconds"] = {k: round(v, 2) for k, v in seconds.items()}
    return TrainResult(
        artifact=ModelArtifact(model=model, metadata=metadata),
        history=data.history,
        train_table=train_table,
        test_table=test_table,
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
    current: Scorer | None = None,
    family: str = DEFAULT_FAMILY,
    split: SplitKind = "group",
    test_size: float = 0.2,
    random_state: int = 0,
    tolerance: TravelTolerance | None = None,
) -> EvaluationResult:
    """Evaluate ``artifact`` (or a model trained here) on a history; write the report files.

    Everything is read and checked before the report folder is written.
    """
    current = current if current is not None else WeightedScorer()
    if artifact is None:
        result = train_from_history(
            path,
            rome=rome,
            communes=communes,
            current=current,
            family=family,
            split=split,
            test_size=test_size,
            random_state=random_state,
            tolerance=tolerance,
        )
        evaluation = result.evaluation
        evaluation.notes.append(
            "No model given and none active: a model was trained on this history's training"
            f" offers ({split} split, test share {test_size}, seed {random_state}) for this"
            " evaluation; it is not saved."
        )
        metadata = dict(result.artifact.metadata)
    else:
        data = _read(path)
        metadata = dict(artifact.metadata)
        offers = data.history[col.OFFER_ID].astype("str")
        if metadata.get("data_sha256") == data.sha256:
            test = np.array(sorted(metadata["split"]["test_offers"]), dtype=object)
            note = "Evaluated on the held-out offers of the model's own training split."
        else:
            test = np.unique(offers.to_numpy(dtype=object))
            note = (
                "This history is not the model's training data: every offer is evaluated"
                " (offers also present in the training data, if any, are not excluded)."
            )
        hires = data.history.groupby(col.OFFER_ID)[LABEL].sum().reindex(test)
        if hires.sum() == 0:
            raise ValueError("aucune embauche parmi les offres évaluées : rien à juger")
        _, evaluation = _judge(
            data,
            test,
            artifact.scorer(),
            current,
            rome=rome,
            communes=communes,
            tolerance=tolerance,
            random_state=random_state,
        )
        evaluation.notes.append(note)
        metadata["gate"] = {
            **evaluation.gate(),
            "history": data.name,
            "history_sha256": data.sha256,
            "evaluated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    metadata["evaluated_file"] = Path(path).name
    paths = write_report(evaluation, out_dir, metadata=metadata)
    return EvaluationResult(evaluation=evaluation, metadata=metadata, paths=paths)
