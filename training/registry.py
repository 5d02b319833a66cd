"""Model artifacts and the models directory: versions, compatibility checks, the active model.

An artifact is one joblib file ``<models_dir>/<version>.joblib`` holding
``{"format": 2, "model": <a training.model family>, "metadata": {...}}`` and a JSON sidecar
``<version>.json`` with the same metadata minus the held-out offer list (read by
``models list`` without unpickling anything). The metadata carries:

* ``version``: ``m-<YYYYMMDD>-<hash8>``, the training day (UTC) and the first 8 hex digits of
  ``sha256(data_sha256 + hyperparameters + split)``: the same data trained the same way the same
  day gives the same id;
* ``data_sha256`` (sha256 of the history file and its pool file) and ``data_file`` (its name),
  ``n_rows``;
* ``family`` (``logistic``, ``boosting``, ``pairwise``) and ``features``: the engine features
  the model reads, in order (:data:`matching.features.FEATURES` names);
* ``metrics``: pool-level held-out metrics of the model and the baselines;
* ``gate``: the promotion figures (pool recall@10 against the scorer that was current, with
  its bootstrap interval), kept up to date in the sidecar by ``clausematch evaluate``;
* ``params`` (hyperparameters), ``split`` (kind, test size, seed; the joblib also holds the
  held-out offer ids so ``evaluate`` can judge the model on offers it never saw);
* ``libraries``: ``python``, ``numpy``, ``sklearn`` versions it was made with.

:func:`load_artifact` refuses (``IncompatibleModelError``, a ``ValueError``) an artifact that
reads a feature this code does not compute, or made with another scikit-learn major.minor,
another numpy major or another Python major.minor (pickled estimators are not portable across
those), or of another format. The active version is recorded in ``<models_dir>/active.json``.

**Promotion gate.** :func:`activate` refuses (:class:`PromotionRefused`) a model whose gate was
not measured against the scorer the service uses now, or whose pool recall@10 is not ahead of
it with a bootstrap interval above 0, unless ``force``; every decision (activated, refused,
forced) is appended with its figures to ``<models_dir>/activations.jsonl``.

Only load artifacts from a directory you control: joblib files are pickles and can run code.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final, Protocol

import joblib
import numpy as np
import sklearn

from matching.features import FEATURES as ENGINE_FEATURES
from matching.scoring import Scorer
from training.history import pool_path
from training.model import (
    HireModel,
    MonotoneHireModel,
    MonotoneLogisticModel,
    PairwiseRankModel,
    TrainedScorer,
)

__all__ = [
    "ACTIVATIONS_FILE",
    "ACTIVE_FILE",
    "ARTIFACT_FORMAT",
    "HasModelsDir",
    "IncompatibleModelError",
    "ModelArtifact",
    "PromotionRefused",
    "activate",
    "activations",
    "active_version",
    "check_gate",
    "file_sha256",
    "history_sha256",
    "library_versions",
    "list_models",
    "load_active_scorer",
    "load_artifact",
    "make_version",
    "record_gate",
    "resolve_artifact",
    "save_artifact",
    "scorer_label",
]

ARTIFACT_FORMAT: Final = 2
ACTIVE_FILE: Final = "active.json"
ACTIVATIONS_FILE: Final = "activations.jsonl"
_SUFFIX: Final = ".joblib"
_MODELS: Final = (MonotoneLogisticModel, MonotoneHireModel, PairwiseRankModel)


class IncompatibleModelError(ValueError):
    """The artifact cannot be used by this code (features, libraries or format differ)."""


class PromotionRefused(ValueError):
    """A model is not activated: not ahead of the current scorer (message in French)."""


@dataclass(frozen=True, eq=False)
class ModelArtifact:
    """A fitted model and its metadata (see the module docstring)."""

    model: HireModel
    metadata: dict[str, Any]

    @property
    def version(self) -> str:
        return str(self.metadata["version"])

    def scorer(self) -> TrainedScorer:
        """The engine adapter of this model, named by its version."""
        return TrainedScorer(
            model=self.model, version=self.version, features=tuple(self.metadata["features"])
        )


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def history_sha256(path: str | Path) -> str:
    """Hex sha256 of a history file followed by its pool file (when there is one)."""
    digest = hashlib.sha256()
    for p in (Path(path), pool_path(path)):
        if p.is_file():
            digest.update(file_sha256(p).encode())
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of what a pickled model depends on."""
    return {
        "python": platform.python_version(),
        "numpy": np.__version__,
        "sklearn": sklearn.__version__,
    }


def make_version(data_sha256: str, params: Mapping[str, Any], *, day: date | None = None) -> str:
    """``m-<YYYYMMDD>-<hash8>`` (see the module docstring); ``day`` defaults to today (UTC)."""
    today = day if day is not None else datetime.now(UTC).date()
    blob = json.dumps({"data": data_sha256, "params": params}, sort_keys=True, default=str)
    return f"m-{today:%Y%m%d}-{hashlib.sha256(blob.encode()).hexdigest()[:8]}"


def _major_minor(version: str, parts: int) -> tuple[str, ...]:
    return tuple(version.split(".")[:parts])


def _check_compatible(metadata: Mapping[str, Any], where: str) -> None:
    got = tuple(metadata.get("features", ()))
    unknown = [f for f in got if f not in ENGINE_FEATURES]
    if not got or unknown:
        raise IncompatibleModelError(
            f"{where} : le modèle lit des caractéristiques que ce logiciel ne calcule pas"
            f" ({', '.join(unknown) or 'aucune'}) ; réentraînez-le (clausematch train)"
        )
    libs = metadata.get("libraries", {})
    here = library_versions()
    for name, parts in (("sklearn", 2), ("numpy", 1), ("python", 2)):
        theirs = str(libs.get(name, "?"))
        if _major_minor(theirs, parts) != _major_minor(here[name], parts):
            raise IncompatibleModelError(
                f"{where} : fait avec {name} {theirs}, cette installation a {here[name]}"
                f" (même version {'majeure.mineure' if parts == 2 else 'majeure'} requise) ;"
                " réentraînez le modèle"
            )


def _sidecar(metadata: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(metadata)
    split = dict(out.get("split", {}))
    split.pop("test_offers", None)
    out["split"] = split
    return out


def save_artifact(artifact: ModelArtifact, path: str | Path) -> Path:
    """Write the artifact: ``path`` is a directory (``<version>.joblib`` in it) or a file.

    The JSON sidecar is written next to the joblib file (same stem, ``.json``).
    """
    p = Path(path)
    target = p / f"{artifact.version}{_SUFFIX}" if p.suffix != _SUFFIX else p
    target.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format": ARTIFACT_FORMAT, "model": artifact.model, "metadata": artifact.metadata}
    joblib.dump(payload, target)
    sidecar = target.with_suffix(".json")
    sidecar.write_text(json.dumps(_sidecar(artifact.metadata), indent=2, default=str) + "\n")
    return target


def load_artifact(path: str | Path) -> ModelArtifact:
    """Load and check an artifact (``IncompatibleModelError`` when it cannot be used)."""
    p = Path(path)
    if not p.is_file():
        raise FileNotFoundError(f"aucun modèle à {p}")
    payload = joblib.load(p)
    if not isinstance(payload, dict) or payload.get("format") != ARTIFACT_FORMAT:
        found = payload.get("format", "?") if isinstance(payload, dict) else "?"
        raise IncompatibleModelError(
            f"{p.name} : pas un modèle clausematch au format {ARTIFACT_FORMAT} (format {found})"
            " ; réentraînez-le (clausematch train)"
        )
    metadata = payload["metadata"]
    _check_compatible(metadata, p.name)
    model = payload["model"]
    if not isinstance(model, _MODELS):
        raise IncompatibleModelError(f"{p.name} : l'artefact contient un {type(model).__name__}")
    return ModelArtifact(model=model, metadata=metadata)


def resolve_artifact(models_dir: str | Path, version_or_path: str) -> Path:
    """The file of a version id in ``models_dir``, or ``version_or_path`` if it is a file."""
    as_path = Path(version_or_path)
    if as_path.suffix == _SUFFIX and as_path.is_file():
        return as_path
    candidate = Path(models_dir) / f"{version_or_path}{_SUFFIX}"
    if candidate.is_file():
        return candidate
    known = [m["version"] for m in list_models(models_dir)]
    raise FileNotFoundError(
        f"aucun modèle « {version_or_path} » dans {models_dir} (connus : "
        f"{', '.join(known) or 'aucun'})"
    )


def list_models(models_dir: str | Path) -> list[dict[str, Any]]:
    """Sidecar metadata of every artifact in ``models_dir``, newest first, with ``active``."""
    d = Path(models_dir)
    if not d.is_dir():
        return []
    active = active_version(d)
    out = []
    for sidecar in d.glob("*.json"):
        if sidecar.name == ACTIVE_FILE or not sidecar.with_suffix(_SUFFIX).is_file():
            continue
        meta = json.loads(sidecar.read_text())
        meta["active"] = meta.get("version") == active
        out.append(meta)
    return sorted(out, key=lambda m: (str(m.get("created_at", "")), m["version"]), reverse=True)


def active_version(models_dir: str | Path) -> str | None:
    """The active version recorded in ``models_dir``, or ``None``."""
    f = Path(models_dir) / ACTIVE_FILE
    if not f.is_file():
        return None
    version = json.loads(f.read_text()).get("version")
    return str(version) if version else None


def record_gate(models_dir: str | Path, version: str, gate: Mapping[str, Any]) -> None:
    """Store a model's latest promotion figures in its sidecar (``clausematch evaluate``)."""
    sidecar = resolve_artifact(models_dir, version).with_suffix(".json")
    meta = json.loads(sidecar.read_text())
    meta["gate"] = dict(gate)
    sidecar.write_text(json.dumps(meta, indent=2, default=str) + "\n")


def check_gate(metadata: Mapping[str, Any], current_label: str) -> str | None:
    """Why a model may not be promoted over ``current_label`` (French), or ``None``."""
    gate = metadata.get("gate")
    version = metadata.get("version", "?")
    if not gate:
        return (
            f"le modèle {version} n'a pas de mesure sur le vivier entier : lancez "
            f"clausematch evaluate HISTORIQUE.csv --model {version}"
        )
    if gate.get("against") != current_label:
        return (
            f"le modèle {version} a été comparé à {gate.get('against')}, le score actuel est "
            f"{current_label} : lancez clausematch evaluate HISTORIQUE.csv --model {version}"
        )
    g = gate.get("recall@10", {})
    if not (g.get("difference", float("nan")) > 0 and g.get("low", float("nan")) > 0):
        return (
            f"le modèle {version} ne devance pas {current_label} sur le rappel@10 du vivier : "
            f"{g.get('model', float('nan')):.3f} contre {g.get('current', float('nan')):.3f}, "
            f"écart {g.get('difference', float('nan')):+.3f}, intervalle à 95 % "
            f"[{g.get('low', float('nan')):+.3f} ; {g.get('high', float('nan')):+.3f}] "
            "(il doit être au-dessus de 0)"
        )
    return None


def _log_activation(models_dir: Path, record: Mapping[str, Any]) -> None:
    models_dir.mkdir(parents=True, exist_ok=True)
    with (models_dir / ACTIVATIONS_FILE).open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(dict(record), default=str, ensure_ascii=False) + "\n")


def activations(models_dir: str | Path) -> list[dict[str, Any]]:
    """Every recorded activation decision, oldest first."""
    f = Path(models_dir) / ACTIVATIONS_FILE
    if not f.is_file():
        return []
    return [json.loads(line) for line in f.read_text(encoding="utf-8").splitlines() if line]


def activate(
    models_dir: str | Path,
    version_or_path: str,
    *,
    current_label: str,
    force: bool = False,
    reason: str = "",
    actor: str = "",
) -> str:
    """Make a model active (checked loadable and past the gate first); a file outside
    ``models_dir`` is copied in. Returns the active version id.

    Raises :class:`PromotionRefused` (French, with the figures) when the gate refuses and
    ``force`` is false; the refusal is recorded like every activation.
    """
    d = Path(models_dir)
    src = resolve_artifact(d, version_or_path)
    artifact = load_artifact(src)
    sidecar = src.with_suffix(".json")
    meta = json.loads(sidecar.read_text()) if sidecar.is_file() else artifact.metadata
    refusal = check_gate(meta, current_label)
    record = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "version": artifact.version,
        "current": current_label,
        "actor": actor,
        "reason": reason,
        "gate": meta.get("gate"),
        "refusal": refusal,
    }
    if refusal is not None and not force:
        _log_activation(d, {**record, "decision": "refused"})
        raise PromotionRefused(f"activation refusée : {refusal} (ou forcez-la)")
    if src.parent.resolve() != d.resolve():
        d.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, d / f"{artifact.version}{_SUFFIX}")
        (d / f"{artifact.version}.json").write_text(
            json.dumps(_sidecar(meta), indent=2, default=str) + "\n"
        )
    active = {"version": artifact.version, "activated_at": datetime.now(UTC).isoformat()}
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".active-", suffix=".json")
    with os.fdopen(fd, "w") as fh:
        fh.write(json.dumps(active, indent=2) + "\n")
    Path(tmp).replace(d / ACTIVE_FILE)  # atomic: a reader sees the old or the new record
    _log_activation(d, {**record, "decision": "forced" if refusal is not None else "activated"})
    return artifact.version


class HasModelsDir(Protocol):
    """Anything with a ``models_dir`` (e.g. the service's ``Settings`` once it has the field)."""

    @property
    def models_dir(self) -> str | Path: ...


def _models_dir(source: str | Path | HasModelsDir) -> Path:
    if isinstance(source, str | Path):
        return Path(source)
    return Path(source.models_dir)


def load_active_scorer(source: str | Path | HasModelsDir) -> TrainedScorer | None:
    """The engine scorer of the active model, or ``None`` when no model is active.

    ``source`` is the models directory or a settings-like object with ``models_dir``. For the
    service::

        scorer = load_active_scorer(settings) or WeightedScorer()
        state = state.with_scorer(scorer)
        ...  # store scorer_label(scorer) in matches.model_version / match_runs.model_version

    Raises ``IncompatibleModelError`` / ``FileNotFoundError`` when the active record points at an
    artifact that is missing or unusable (a broken deployment should be seen, not hidden).
    Creating the scorer tabulates the model (about a second): load it once per activation.
    """
    models_dir = _models_dir(source)
    version = active_version(models_dir)
    if version is None:
        return None
    return load_artifact(resolve_artifact(models_dir, version)).scorer()


def scorer_label(scorer: Scorer) -> str:
    """What to record as the model version of a score: the artifact version of a trained
    scorer (``m-20261125-1a2b3c4d``), ``<name>-v<version>`` otherwise (``weighted-v1``)."""
    if isinstance(scorer, TrainedScorer):
        return scorer.version
    return f"{scorer.name}-v{scorer.version}"
