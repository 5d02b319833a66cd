"""The hire model: a monotone, calibrated scikit-learn classifier, and its engine adapter.

:class:`MonotoneHireModel` learns ``P(hired | components)`` from an outcome history.

* **Monotone**: a :class:`~sklearn.ensemble.HistGradientBoostingClassifier` with
  ``monotonic_cst=+1`` on every feature, so a better job match, a shorter trip (a higher
  mobility component) or a readier person never lowers the score (DESIGN.md §4.4).
* **Calibrated**: :class:`~sklearn.calibration.CalibratedClassifierCV` (isotonic by default)
  over ``n_splits`` folds; with ``groups`` (the offer ids) the folds are
  :class:`~sklearn.model_selection.GroupKFold` splits, so no offer sits on both sides of a
  calibration fold. Isotonic regression is non-decreasing, a non-decreasing map of a monotone
  score is monotone, and the average over folds of monotone functions is monotone: the
  calibrated probability keeps the constraint. A sigmoid calibration is checked to come out
  increasing (``ValueError`` otherwise).

:class:`TrainedScorer` plugs a fitted model into the engine (:class:`matching.scoring.Scorer`).
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from training.features import FEATURES

__all__ = ["MonotoneHireModel", "TrainedScorer"]

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
_MIN_SPLITS: Final = 2


class MonotoneHireModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Monotone gradient boosting with calibrated probabilities (binary: hired or not).

    Parameters
    ----------
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization
        Passed to :class:`~sklearn.ensemble.HistGradientBoostingClassifier` (no early stopping:
        a fixed number of trees keeps fits reproducible and cheap).
    monotonic : bool
        Constrain the score to increase with every feature (the production setting).
    calibration : {"isotonic", "sigmoid"}
        Calibration method of :class:`~sklearn.calibration.CalibratedClassifierCV`.
    n_splits : int
        Calibration folds (reduced to the smallest class count when the data is tiny).
    n_jobs : int or None
        OpenMP threads of the boosting during ``fit`` and ``predict_proba`` (None: the
        library's default, all cores). 1 by default: on a shared machine, OpenMP threads
        competing for busy cores make a fit tens of times slower (measured: 0.9 s with 1 thread
        against 34 s with the default on 2 loaded cores).
    random_state : int, RandomState or None
        Seeds the fold shuffling and the boosting.

    Attributes
    ----------
    classes_ : ndarray (2,)
    n_features_in_ : int
    feature_names_in_ : ndarray of str, when fitted on a DataFrame with string column names
    calibrated_ : the fitted :class:`~sklearn.calibration.CalibratedClassifierCV`
    n_iter_ : int, boosting iterations of the fold models (the largest)
    """

    def __init__(
        self,
        *,
        max_iter: int = 150,
        learning_rate: float = 0.08,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 40,
        l2_regularization: float = 1.0,
        monotonic: bool = True,
        calibration: Literal["isotonic", "sigmoid"] = "isotonic",
        n_splits: int = 3,
        n_jobs: int | None = 1,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.monotonic = monotonic
        self.calibration = calibration
        self.n_splits = n_splits
        self.n_jobs = n_jobs
        self.random_state = random_state

    def _threads(self) -> AbstractContextManager[Any]:
        if self.n_jobs is None:
            return nullcontext()
        limits: AbstractContextManager[Any] = threadpool_limits(
            limits=self.n_jobs, user_api="openmp"
        )
        return limits

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        # increasing in every feature by construction: arbitrary test data (class 1 at low
        # feature values) cannot be fitted well, which is the point of the constraint
        tags.classifier_tags.poor_score = self.monotonic
        return tags

    def fit(self, x: Any, y: Any, groups: npt.ArrayLike | None = None) -> MonotoneHireModel:
        """Fit on a feature table (n, n_features) and binary labels (n,).

        ``groups`` (n,), e.g. the offer id of each row, makes the calibration folds grouped.
        """
        x, y = validate_data(self, x, y, dtype=np.float64)
        check_classification_targets(y)
        y_type = type_of_target(y, input_name="y", raise_unknown=True)
        if y_type != "binary":
            raise ValueError(
                f"Only binary classification is supported. The type of the target is {y_type}."
            )
        self.classes_, y_enc = np.unique(y, return_inverse=True)
        if self.classes_.shape[0] != 2:
            raise ValueError(
                f"MonotoneHireModel needs both classes in y; got 1 class ({self.classes_[0]!r})"
            )
        if self.calibration not in ("isotonic", "sigmoid"):
            raise ValueError(
                f"calibration must be 'isotonic' or 'sigmoid', got {self.calibration!r}"
            )
        n_features = x.shape[1]
        booster = HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            monotonic_cst=[1] * n_features if self.monotonic else None,
            early_stopping=False,
            random_state=self.random_state,
        )
        min_count = int(np.bincount(y_enc).min())
        n_splits = max(_MIN_SPLITS, min(self.n_splits, min_count))
        if groups is not None:
            g = np.asarray(groups)
            if g.shape[0] != x.shape[0]:
                raise ValueError(f"groups has {g.shape[0]} rows, X has {x.shape[0]}")
            n_splits = min(n_splits, np.unique(g).shape[0])
            splits = list(GroupKFold(n_splits=n_splits).split(x, y_enc, g))
        else:
            if min_count < _MIN_SPLITS:
                raise ValueError(
                    f"MonotoneHireModel needs at least {_MIN_SPLITS} samples of each class,"
                    f" got {min_count} of one class"
                )
            cv = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=self.random_state)
            splits = list(cv.split(x, y_enc))
        self.calibrated_ = CalibratedClassifierCV(booster, method=self.calibration, cv=splits)
        with self._threads():
            self.calibrated_.fit(x, y_enc)
        self.n_iter_ = max(
            int(c.estimator.n_iter_) for c in self.calibrated_.calibrated_classifiers_
        )
        if self.calibration == "sigmoid":
            slopes = [float(c.calibrators[0].a_) for c in self.calibrated_.calibrated_classifiers_]
            if any(a > 0 for a in slopes):  # sklearn's sigmoid is 1 / (1 + exp(a * f + b))
                raise ValueError(
                    "sigmoid calibration came out decreasing (slope > 0): use 'isotonic'"
                )
        return self

    def predict_proba(self, x: Any) -> F64:
        """Calibrated probabilities, float64 (n, 2); column 1 = hired."""
        check_is_fitted(self)
        x = validate_data(self, x, dtype=np.float64, reset=False)
        with self._threads():
            proba: F64 = self.calibrated_.predict_proba(x)
        return proba

    def predict(self, x: Any) -> npt.NDArray[Any]:
        """The more likely class of each row, (n,)."""
        check_is_fitted(self)
        proba = self.predict_proba(x)
        out: npt.NDArray[Any] = self.classes_[np.argmax(proba, axis=1)]
        return out


@dataclass(frozen=True, eq=False)
class TrainedScorer:
    """A fitted :class:`MonotoneHireModel` as a :class:`matching.scoring.Scorer`.

    ``score`` is the calibrated probability of a hire, in [0, 1], monotone in every component.

    Serving speed: a boosted ensemble costs tens of microseconds per pair, too slow for batch
    runs over millions of pairs. The scorer therefore tabulates the model once, at creation, on
    a regular grid of ``grid_size`` points per component over [0, 1] (33³ = 35,937 points, about
    a second) and serves the multilinear interpolation of that table (well under a microsecond
    per pair). Interpolating a table that is non-decreasing along every axis gives a function
    that is non-decreasing in every component (within a cell the partial derivative is a
    non-negative average of the table's steps), so monotonicity holds by construction; the
    table is made non-decreasing explicitly (cumulative maximum) against rounding. The served
    score differs from ``model.predict_proba`` by a smoothing of the model's steps; evaluation
    reports judge this served score. ``grid_size=0`` serves the model directly.

    Contributions (no SHAP): with ``s(x)`` the score and ``b`` the baseline (all components 0,
    the worst value), the raw part of component ``i`` is ``d_i = s(x) - s(x with x_i = b_i)``,
    never negative by monotonicity. The parts are rescaled to sum to the score:
    ``contribution_i = s(x) * d_i / sum_j d_j``; when every ``d_i`` is 0 (the score does not
    depend on any single component there) the score is split equally. Costs 4 evaluations per
    pair.
    """

    model: MonotoneHireModel
    version: str
    name: str = "trained"
    features: tuple[str, ...] = FEATURES
    baseline: tuple[float, ...] = field(default=(0.0, 0.0, 0.0))
    grid_size: int = 33
    table: F32 | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.grid_size and self.table is None:
            object.__setattr__(self, "table", self._tabulate())

    def _model_proba(self, x: npt.NDArray[np.floating]) -> F32:
        frame = pd.DataFrame(np.asarray(x, dtype=np.float32), columns=list(self.features))
        p = self.model.predict_proba(frame)[:, 1]
        out: F32 = np.clip(p, 0.0, 1.0).astype(np.float32)
        return out

    def _tabulate(self) -> F32:
        k = len(self.features)
        axis = np.linspace(0.0, 1.0, self.grid_size, dtype=np.float32)
        mesh = np.stack(np.meshgrid(*([axis] * k), indexing="ij"), axis=-1).reshape(-1, k)
        table = self._model_proba(mesh).reshape((self.grid_size,) * k)
        for a in range(k):
            table = np.maximum.accumulate(table, axis=a)
        out: F32 = table.astype(np.float32)
        return out

    def _proba(self, x: F32) -> F32:
        if self.table is None:
            return self._model_proba(x)
        g = self.grid_size
        k = x.shape[1]
        pos = np.clip(x, 0.0, 1.0) * np.float32(g - 1)
        low = np.minimum(pos.astype(np.intp), g - 2)
        frac = pos - low
        flat = self.table.ravel()
        strides = np.array([g ** (k - 1 - a) for a in range(k)], dtype=np.intp)
        base = low @ strides
        out = np.zeros(x.shape[0], dtype=np.float32)
        for corner in range(1 << k):
            bits = [(corner >> (k - 1 - a)) & 1 for a in range(k)]
            weight = np.ones(x.shape[0], dtype=np.float32)
            for a, bit in enumerate(bits):
                weight *= frac[:, a] if bit else np.float32(1.0) - frac[:, a]
            out += weight * flat[base + int(np.dot(bits, strides))]
        result: F32 = np.clip(out, 0.0, 1.0).astype(np.float32)
        return result

    def score(self, components: F32) -> tuple[F32, F32]:
        """Scores float32 (P,) in [0, 1] and contributions float32 (P, 3) summing to them."""
        comp = np.asarray(components, dtype=np.float32)
        k = len(self.features)
        if comp.ndim != 2 or comp.shape[1] != k:
            raise ValueError(f"components must have shape (n, {k}), got {comp.shape}")
        n = comp.shape[0]
        if n == 0:
            return np.zeros(0, np.float32), np.zeros((0, k), np.float32)
        stacked = np.tile(comp, (k + 1, 1))
        for i in range(k):
            stacked[(i + 1) * n : (i + 2) * n, i] = self.baseline[i]
        p = self._proba(stacked)
        scores = p[:n]
        parts = np.maximum(scores[None, :] - p[n:].reshape(k, n), 0.0).T
        total = parts.sum(axis=1, keepdims=True)
        safe = np.where(total > 0, total, 1.0)
        contributions = np.where(
            total > 0, parts * (scores[:, None] / safe), scores[:, None] / np.float32(k)
        ).astype(np.float32)
        return scores, contributions
