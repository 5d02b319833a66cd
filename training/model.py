"""Hire models: three monotone scikit-learn families, and their engine adapter.

Each model learns ``P(hired | features)`` over an offer's eligible pool (see
:mod:`training.features`) and respects the direction of every feature whose effect is known
(``monotonic_cst``, one of +1, -1, 0 per feature, from :data:`matching.features.FEATURES`):
a better job match, a shorter trip or a readier person never lowers the score.

=====================  =====================================================================
``logistic``           :class:`MonotoneLogisticModel`: an L2-regularised logistic regression
                       whose coefficients are bounded to the known signs (L-BFGS-B), on
                       standardised features. Transparent (one weight per feature), exact
                       contributions, microseconds per pair.
``boosting``           :class:`MonotoneHireModel`: gradient boosting with ``monotonic_cst``,
                       calibrated (isotonic by default) over offer-grouped folds.
``pairwise``           :class:`PairwiseRankModel`: a linear pairwise ranker (each hire against
                       people of the same offer who were not hired), sign-bounded like the
                       logistic model, its score mapped to a probability by a one-feature
                       logistic fit.
=====================  =====================================================================

:class:`TrainedScorer` plugs a fitted model into the engine (:class:`matching.scoring.Scorer`).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.optimize import minimize
from scipy.special import expit, log_expit
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import GroupKFold, StratifiedKFold
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

from matching import columns as col
from matching.features import FEATURES as FEATURE_SPECS

__all__ = [
    "FAMILIES",
    "HireModel",
    "MonotoneHireModel",
    "MonotoneLogisticModel",
    "PairwiseRankModel",
    "TrainedScorer",
    "make_model",
]

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
_MIN_SPLITS: Final = 2
Family = Literal["logistic", "boosting", "pairwise"]
FAMILIES: Final = ("logistic", "boosting", "pairwise")


def _binary_target(model: BaseEstimator, y: Any) -> npt.NDArray[np.intp]:
    """Check a binary target with both classes; set ``classes_``; return it encoded 0/1."""
    check_classification_targets(y)
    y_type = type_of_target(y, input_name="y", raise_unknown=True)
    if y_type != "binary":
        raise ValueError(
            f"Only binary classification is supported. The type of the target is {y_type}."
        )
    model.classes_, y_enc = np.unique(y, return_inverse=True)
    if model.classes_.shape[0] != 2:
        raise ValueError(
            f"{type(model).__name__} needs both classes in y; got 1 class ({model.classes_[0]!r})"
        )
    out: npt.NDArray[np.intp] = y_enc.astype(np.intp)
    return out


def _sample_weight(sample_weight: npt.ArrayLike | None, n: int) -> F64:
    """Weights float64 (n,): ones, or the given ones when finite and non-negative."""
    if sample_weight is None:
        return np.ones(n, dtype=np.float64)
    w = np.asarray(sample_weight, dtype=np.float64)
    if w.shape != (n,):
        raise ValueError(f"sample_weight must have shape ({n},), got {w.shape}")
    if not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise ValueError("sample_weight: weights must be finite, >= 0 and not all zero")
    return w


def _weighted_target(y: npt.NDArray[np.intp], w: F64) -> None:
    """Both classes must keep a non-zero weight."""
    if np.unique(y[w > 0]).size < 2:
        raise ValueError("both classes need a non-zero sample weight; got 1 class")


def _signs(monotonic_cst: Sequence[int] | None, n_features: int) -> npt.NDArray[np.int8]:
    """The direction of each feature: the given one, or +1 for every feature."""
    if monotonic_cst is None:
        return np.ones(n_features, dtype=np.int8)
    signs = np.asarray(monotonic_cst, dtype=np.int8)
    if signs.shape != (n_features,) or not np.isin(signs, (-1, 0, 1)).all():
        raise ValueError(
            f"monotonic_cst must hold one of -1, 0, 1 per feature ({n_features}), got "
            f"{list(monotonic_cst)}"
        )
    return signs


def _bounded_logistic(
    x: F64, y: F64, w: F64, signs: npt.NDArray[np.int8], *, alpha: float, max_iter: int
) -> tuple[F64, float, int]:
    """Weighted L2 logistic regression with sign-bounded coefficients (free intercept).

    Minimises ``sum_i w_i logloss_i / sum w + alpha / 2 |coef|^2`` by L-BFGS-B, coefficient
    ``j`` in [0, inf) when ``signs[j] == 1``, (-inf, 0] when -1, free when 0. Returns the
    coefficients, the intercept and the number of iterations.
    """
    n_features = x.shape[1]
    total = float(w.sum())

    def loss(theta: F64) -> tuple[float, F64]:
        coef, b = theta[:-1], theta[-1]
        z = x @ coef + b
        # log(1 + exp(-z)) for y = 1, log(1 + exp(z)) for y = 0
        nll = -(y * log_expit(z) + (1 - y) * log_expit(-z))
        value = float(w @ nll) / total + 0.5 * alpha * float(coef @ coef)
        r = w * (expit(z) - y) / total
        grad = np.empty_like(theta)
        grad[:-1] = x.T @ r + alpha * coef
        grad[-1] = r.sum()
        return value, grad

    bounds = [(0.0, None) if s > 0 else (None, 0.0) if s < 0 else (None, None) for s in signs] + [
        (None, None)
    ]
    start = np.zeros(n_features + 1)
    result = minimize(
        loss, start, jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": max_iter}
    )
    theta: F64 = np.asarray(result.x, dtype=np.float64)
    return theta[:-1], float(theta[-1]), int(result.nit)


class _LinearBase(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Shared prediction of the sign-bounded linear models (standardised features)."""

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        # monotone by construction: arbitrary test data cannot always be fitted well
        tags.classifier_tags.poor_score = True
        return tags

    def decision_function(self, x: Any) -> F64:
        """The linear score ``coef · standardised(x) + intercept``, float64 (n,)."""
        check_is_fitted(self)
        x = validate_data(self, x, dtype=np.float64, reset=False)
        out: F64 = ((x - self.mean_) / self.scale_) @ self.coef_ + self.intercept_
        return out

    def predict_proba(self, x: Any) -> F64:
        """Probabilities, float64 (n, 2); column 1 = hired."""
        check_is_fitted(self)
        p = self._probability(self.decision_function(x))
        return np.column_stack([1.0 - p, p])

    def _probability(self, z: F64) -> F64:
        out: F64 = expit(z)
        return out

    def predict(self, x: Any) -> npt.NDArray[Any]:
        """The more likely class of each row, (n,)."""
        check_is_fitted(self)
        out: npt.NDArray[Any] = self.classes_[(self.predict_proba(x)[:, 1] > 0.5).astype(int)]
        return out

    def _prepare(
        self, x: Any, y: Any, sample_weight: npt.ArrayLike | None
    ) -> tuple[F64, npt.NDArray[np.intp], F64, npt.NDArray[np.int8]]:
        """Validate a fit's input; learn the (weighted) standardisation. Returns the
        standardised features, the 0/1 target, the weights and the coefficients' signs."""
        x, y = validate_data(self, x, y, dtype=np.float64)
        y_enc = _binary_target(self, y)
        w = _sample_weight(sample_weight, x.shape[0])
        _weighted_target(y_enc, w)
        alpha: float = self.alpha
        if alpha < 0:
            raise ValueError(f"alpha must be >= 0, got {alpha}")
        signs = _signs(self.monotonic_cst, x.shape[1])
        self.mean_ = np.average(x, axis=0, weights=w)
        spread = np.sqrt(np.average((x - self.mean_) ** 2, axis=0, weights=w))
        self.scale_ = np.where(spread > 0, spread, 1.0)
        z: F64 = (x - self.mean_) / self.scale_
        return z, y_enc, w, signs


class MonotoneLogisticModel(_LinearBase):
    """Logistic regression with coefficients bounded to the features' known signs.

    Parameters
    ----------
    monotonic_cst : list of int (one of -1, 0, 1 per feature) or None (+1 for every feature)
    alpha : float, L2 penalty on the standardised coefficients
    max_iter : int, L-BFGS-B iterations
    random_state : unused (the fit is deterministic); kept for a uniform interface

    Attributes
    ----------
    classes_, n_features_in_, feature_names_in_ (when fitted on a DataFrame)
    coef_ : float64 (n_features,), on standardised features; intercept_ : float
    mean_, scale_ : float64 (n_features,), the standardisation (weighted)
    n_iter_ : int, L-BFGS-B iterations
    """

    def __init__(
        self,
        *,
        monotonic_cst: Sequence[int] | None = None,
        alpha: float = 1e-4,
        max_iter: int = 500,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.monotonic_cst = monotonic_cst
        self.alpha = alpha
        self.max_iter = max_iter
        self.random_state = random_state

    def fit(
        self,
        x: Any,
        y: Any,
        groups: npt.ArrayLike | None = None,
        sample_weight: npt.ArrayLike | None = None,
    ) -> MonotoneLogisticModel:
        """Fit on features (n, n_features) and binary labels (n,); ``groups`` is unused."""
        z, y_enc, w, signs = self._prepare(x, y, sample_weight)
        self.coef_, self.intercept_, self.n_iter_ = _bounded_logistic(
            z, y_enc.astype(np.float64), w, signs, alpha=self.alpha, max_iter=self.max_iter
        )
        return self


class PairwiseRankModel(_LinearBase):
    """A linear pairwise ranker: each hire against people of the same offer not hired.

    For every hire, ``pairs_per_hire`` people of the same group (offer) who were not hired are
    drawn (with probability proportional to their sample weight); a sign-bounded logistic
    regression without intercept on the differences learns ``coef`` (RankNet, linear). The
    probability is ``sigmoid(a * score + b)``, ``a >= 0`` and ``b`` fitted on the rows
    (weighted), so it stays monotone in the score.

    Parameters
    ----------
    monotonic_cst, alpha, max_iter : as :class:`MonotoneLogisticModel`
    pairs_per_hire : int
    random_state : seeds the draw of the pairs
    """

    def __init__(
        self,
        *,
        monotonic_cst: Sequence[int] | None = None,
        alpha: float = 1e-4,
        max_iter: int = 500,
        pairs_per_hire: int = 30,
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.monotonic_cst = monotonic_cst
        self.alpha = alpha
        self.max_iter = max_iter
        self.pairs_per_hire = pairs_per_hire
        self.random_state = random_state

    def fit(
        self,
        x: Any,
        y: Any,
        groups: npt.ArrayLike | None = None,
        sample_weight: npt.ArrayLike | None = None,
    ) -> PairwiseRankModel:
        """Fit on features (n, n_features), binary labels (n,) and the offer of each row."""
        z, y_enc, w, signs = self._prepare(x, y, sample_weight)
        if self.pairs_per_hire < 1:
            raise ValueError(f"pairs_per_hire must be >= 1, got {self.pairs_per_hire}")
        g = np.zeros(z.shape[0], dtype=np.intp) if groups is None else _codes(groups, z.shape[0])
        first, second = self._pairs(g, y_enc, w)
        if first.size == 0:
            raise ValueError("PairwiseRankModel needs a group with a hire and a non-hire")
        diff = z[first] - z[second]
        # both orientations, so the problem is balanced and needs no intercept
        both = np.vstack([diff, -diff])
        label = np.r_[np.ones(diff.shape[0]), np.zeros(diff.shape[0])]
        coef, _, self.n_iter_ = _bounded_logistic(
            both,
            label,
            np.ones(both.shape[0]),
            signs,
            alpha=self.alpha,
            max_iter=self.max_iter,
        )
        self.coef_ = coef
        self.intercept_ = 0.0
        score = z @ coef
        (a,), b, _ = _bounded_logistic(
            score[:, None],
            y_enc.astype(np.float64),
            w,
            np.ones(1, dtype=np.int8),
            alpha=0.0,
            max_iter=self.max_iter,
        )
        self.coef_ = coef * a
        self.intercept_ = b
        self.n_pairs_ = int(first.shape[0])
        return self

    def _pairs(
        self, g: npt.NDArray[np.intp], y: npt.NDArray[np.intp], w: F64
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
        rng = np.random.default_rng(
            self.random_state if isinstance(self.random_state, int) else None
        )
        order = np.argsort(g, kind="stable")
        bounds = np.searchsorted(g[order], np.arange(g.max() + 2))
        first: list[npt.NDArray[np.intp]] = []
        second: list[npt.NDArray[np.intp]] = []
        for k in range(bounds.shape[0] - 1):
            rows = order[bounds[k] : bounds[k + 1]]
            pos, neg = rows[y[rows] == 1], rows[y[rows] == 0]
            if pos.size == 0 or neg.size == 0:
                continue
            p = w[neg] / w[neg].sum()
            draws = rng.choice(neg, size=(pos.size, self.pairs_per_hire), p=p)
            first.append(np.repeat(pos, self.pairs_per_hire))
            second.append(draws.ravel())
        if not first:
            return np.zeros(0, np.intp), np.zeros(0, np.intp)
        return np.concatenate(first), np.concatenate(second)


def _codes(groups: npt.ArrayLike, n: int) -> npt.NDArray[np.intp]:
    g = np.asarray(groups, dtype=object)
    if g.shape[0] != n:
        raise ValueError(f"groups has {g.shape[0]} rows, X has {n}")
    codes, _ = pd.factorize(pd.Series(g))
    out: npt.NDArray[np.intp] = codes.astype(np.intp)
    return out


class MonotoneHireModel(ClassifierMixin, BaseEstimator):  # type: ignore[misc]
    """Monotone gradient boosting with calibrated probabilities (binary: hired or not).

    Parameters
    ----------
    max_iter, learning_rate, max_leaf_nodes, min_samples_leaf, l2_regularization
        Passed to :class:`~sklearn.ensemble.HistGradientBoostingClassifier` (no early stopping:
        a fixed number of trees keeps fits reproducible and cheap).
    monotonic_cst : list of int or None
        Direction per feature (-1, 0, +1); ``None``: +1 on every feature.
    interaction_cst : ``"no_interactions"`` or None
        ``"no_interactions"`` fits an additive model (one shape per feature).
    calibration : {"isotonic", "sigmoid"}
        Calibration method of :class:`~sklearn.calibration.CalibratedClassifierCV`.
    n_splits : int
        Calibration folds (reduced to the smallest class count when the data is tiny).
    n_jobs : int or None
        OpenMP threads of the boosting during ``fit`` and ``predict_proba`` (None: the
        library's default, all cores). 1 by default: on a shared machine, OpenMP threads
        competing for busy cores make a fit tens of times slower.
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
        monotonic_cst: Sequence[int] | None = None,
        interaction_cst: Literal["no_interactions"] | None = None,
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
        self.monotonic_cst = monotonic_cst
        self.interaction_cst = interaction_cst
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
        tags.classifier_tags.poor_score = True
        return tags

    def fit(
        self,
        x: Any,
        y: Any,
        groups: npt.ArrayLike | None = None,
        sample_weight: npt.ArrayLike | None = None,
    ) -> MonotoneHireModel:
        """Fit on a feature table (n, n_features) and binary labels (n,).

        ``groups`` (n,), e.g. the offer id of each row, makes the calibration folds grouped.
        """
        x, y = validate_data(self, x, y, dtype=np.float64)
        y_enc = _binary_target(self, y)
        w = _sample_weight(sample_weight, x.shape[0])
        if self.calibration not in ("isotonic", "sigmoid"):
            raise ValueError(
                f"calibration must be 'isotonic' or 'sigmoid', got {self.calibration!r}"
            )
        booster = HistGradientBoostingClassifier(
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            l2_regularization=self.l2_regularization,
            monotonic_cst=list(_signs(self.monotonic_cst, x.shape[1])),
            interaction_cst=self.interaction_cst,
            early_stopping=False,
            random_state=self.random_state,
        )
        min_count = int(np.bincount(y_enc).min())
        n_splits = max(_MIN_SPLITS, min(self.n_splits, min_count))
        if groups is not None:
            g = _codes(groups, x.shape[0])
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
            self.calibrated_.fit(x, y_enc, sample_weight=w)
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


HireModel = MonotoneLogisticModel | MonotoneHireModel | PairwiseRankModel
"""Any of the three families."""


def make_model(
    family: str, features: Sequence[str], *, random_state: int, **params: Any
) -> HireModel:
    """An unfitted model of ``family`` with the directions of ``features`` as constraints."""
    cst = [FEATURE_SPECS[name].direction for name in features]
    if family == "logistic":
        return MonotoneLogisticModel(monotonic_cst=cst, random_state=random_state, **params)
    if family == "boosting":
        return MonotoneHireModel(monotonic_cst=cst, random_state=random_state, **params)
    if family == "pairwise":
        return PairwiseRankModel(monotonic_cst=cst, random_state=random_state, **params)
    raise ValueError(f"famille de modèle inconnue : {family} (attendu : {', '.join(FAMILIES)})")


@dataclass(frozen=True, eq=False)
class TrainedScorer:
    """A fitted hire model as a :class:`matching.scoring.Scorer`.

    ``score`` is the model's probability of a hire, in [0, 1], monotone in every feature of
    known direction (the three components included). ``features`` are the engine features the
    model reads, in its column order.

    Contributions (no SHAP): with ``s(x)`` the score, the raw part of component ``c`` is
    ``d_c = s(x) - s(x with every feature of c set to its worst value)``
    (:attr:`matching.features.FeatureSpec.worst`; features of free direction are left as they
    are), never negative by monotonicity. The parts are rescaled to sum to the score:
    ``contribution_c = s(x) * d_c / sum d``; when every ``d_c`` is 0 the score is split
    equally. Costs 4 evaluations per pair: only the explained top-k pay it.
    """

    model: HireModel
    version: str
    features: tuple[str, ...] = col.COMPONENTS
    name: str = "trained"

    def _proba(self, x: F32) -> F32:
        frame = pd.DataFrame(np.asarray(x, dtype=np.float32), columns=list(self.features))
        p = self.model.predict_proba(frame)[:, 1]
        out: F32 = np.clip(p, 0.0, 1.0).astype(np.float32)
        return out

    def _check(self, x: F32) -> F32:
        arr = np.asarray(x, dtype=np.float32)
        k = len(self.features)
        if arr.ndim != 2 or arr.shape[1] != k:
            raise ValueError(f"features must have shape (n, {k}), got {arr.shape}")
        return arr

    def scores(self, features: F32) -> F32:
        """Scores float32 (P,) in [0, 1]."""
        x = self._check(features)
        if x.shape[0] == 0:
            return np.zeros(0, np.float32)
        return self._proba(x)

    def score(self, features: F32) -> tuple[F32, F32]:
        """Scores float32 (P,) in [0, 1] and contributions float32 (P, 3) summing to them."""
        x = self._check(features)
        n = x.shape[0]
        k = len(col.COMPONENTS)
        if n == 0:
            return np.zeros(0, np.float32), np.zeros((0, k), np.float32)
        stacked = np.tile(x, (k + 1, 1))
        for i, component in enumerate(col.COMPONENTS):
            rows = slice((i + 1) * n, (i + 2) * n)
            for j, name in enumerate(self.features):
                spec = FEATURE_SPECS[name]
                if spec.component == component and spec.direction != 0:
                    stacked[rows, j] = spec.worst
        p = self._proba(stacked)
        scores = p[:n]
        parts = np.maximum(scores[None, :] - p[n:].reshape(k, n), 0.0).T
        total = parts.sum(axis=1, keepdims=True)
        safe = np.where(total > 0, total, 1.0)
        contributions = np.where(
            total > 0, parts * (scores[:, None] / safe), scores[:, None] / np.float32(k)
        ).astype(np.float32)
        return scores, contributions
