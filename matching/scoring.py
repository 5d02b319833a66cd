"""Turn the three components of each pair into one score.

A :class:`Scorer` is anything with ``name``, ``version``, ``features`` (the per-pair features it
reads, in order: :data:`matching.features.FEATURES` names), ``scores(x) -> scores`` (the
ranking's hot path) and ``score(x) -> (scores, contributions)`` (contributions per component,
for the explanations). The default :class:`WeightedScorer` is a transparent weighted sum of the
three components; a trained, monotone scikit-learn model plugs in through the same interface
(training layer) and may read more features. A scorer must return scores in [0, 1] that never
drop when a component (or a feature of known direction) improves; the ranking checks the range.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from matching import columns as col

__all__ = ["DEFAULT_WEIGHTS", "Scorer", "WeightedScorer"]

F32 = npt.NDArray[np.float32]

DEFAULT_WEIGHTS: Final[dict[str, float]] = {
    col.COMPONENT_SKILLS: 0.5,
    col.COMPONENT_MOBILITY: 0.25,
    col.COMPONENT_READINESS: 0.25,
}
"""Skills count for half: the job is what the company hires for; getting there and being ready
share the other half."""


@runtime_checkable
class Scorer(Protocol):
    """Scores pairs from their components."""

    @property
    def name(self) -> str: ...

    @property
    def version(self) -> str: ...

    @property
    def features(self) -> tuple[str, ...]:
        """The columns of the matrix :meth:`score` reads (``columns.COMPONENTS`` for the
        weights)."""
        ...

    def scores(self, features: F32) -> F32:
        """Scores float32 (P,) in [0, 1] of pairs with features float32 (P, len(features))."""
        ...

    def score(self, features: F32) -> tuple[F32, F32]:
        """Score pairs.

        Parameters
        ----------
        features : float32 (P, len(self.features)); the three components are in [0, 1]

        Returns
        -------
        scores : float32 (P,), in [0, 1]
        contributions : float32 (P, 3), the part of each component (``columns.COMPONENTS``)
            in the score
        """
        ...


@dataclass(frozen=True)
class WeightedScorer:
    """``score = sum_i weight_i * component_i`` with weights >= 0 summing to 1.

    The score is then in [0, 1] and monotone in every component; the contribution of a
    component is its weighted value.
    """

    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    name: str = "weighted"
    version: str = "1"
    features: tuple[str, ...] = col.COMPONENTS

    def __post_init__(self) -> None:
        keys = set(self.weights)
        if keys != set(col.COMPONENTS):
            raise ValueError(
                f"weights must be given for exactly {col.COMPONENTS}, got {sorted(keys)}"
            )
        w = np.array([self.weights[k] for k in col.COMPONENTS], dtype=np.float64)
        if not np.isfinite(w).all() or (w < 0).any():
            raise ValueError(f"weights must be finite and >= 0, got {self.weights}")
        if abs(w.sum() - 1.0) > 1e-6:
            raise ValueError(f"weights must sum to 1, got {w.sum():.6f}")
        if tuple(self.features) != col.COMPONENTS:
            raise ValueError(f"a weighted scorer reads {col.COMPONENTS}, got {self.features}")

    @property
    def vector(self) -> F32:
        """Weights as float32 (3,), in ``columns.COMPONENTS`` order."""
        return np.array([self.weights[k] for k in col.COMPONENTS], dtype=np.float32)

    def scores(self, features: F32) -> F32:
        return self.score(features)[0]

    def score(self, features: F32) -> tuple[F32, F32]:
        comp = np.asarray(features, dtype=np.float32)
        if comp.ndim != 2 or comp.shape[1] != len(col.COMPONENTS):
            raise ValueError(
                f"components must have shape (n, {len(col.COMPONENTS)}), got {comp.shape}"
            )
        contributions: F32 = comp * self.vector
        scores: F32 = np.minimum(contributions.sum(axis=1, dtype=np.float32), np.float32(1.0))
        return scores, contributions
