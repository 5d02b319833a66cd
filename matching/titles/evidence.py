"""How a cleaned title is scored against the classes (fiches): embedding, evidence, fusion.

1. Every document (appellation label, fiche label, labelled example title) is cleaned with
   :func:`~matching.titles.cleaning.clean_title` and embedded (:class:`Embedder`) as TF-IDF over
   character 3–4-grams within words (the n-grams found in more than 10 % of the documents are
   dropped: they say little and make the sparse products slow) and word 1–2-grams, L2-normalised.
2. *Lexical* evidence: for each class (a fiche, or a reference fiche and the fiches under it),
   the best cosine similarity between the title and the labels of its appellations and fiches.
   *Learned* evidence: kernel ridge regression (squared-cosine kernel, one-vs-rest targets,
   :func:`fit_kernel_ridge`) fitted on the labelled example titles (their recorded codes first
   corrected, :mod:`matching.titles.labels`), i.e. a learned, weighted vote of the similar
   examples. They are fused
   (:func:`fuse_evidence`) as a noisy-or, ``1 - (1 - lexical**4) * (1 - learned)``, plus a small
   prior for the fiches offers are often filed under, clipped to [0, 1]. The fourth power keeps
   only near-exact label matches decisive.

The score is a confidence, not a calibrated probability; on the hand-checked dev titles
(cross-validated), the best fiche is right for about 92 % of the titles an import files on its own
(score at least 0.3 and a trade named).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.linalg as sla
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

__all__ = ["Embedder", "fit_kernel_ridge", "fuse_evidence"]

FloatArray = npt.NDArray[np.float32]

# Chosen by grouped 5-fold cross-validation on the shipped labelled titles
# (tests/benchmarks/bench_titles.py); accuracy is flat (±0.5 point) around these values.
_CHAR_NGRAMS = (3, 4)
_CHAR_MAX_DF = 0.1  # n-grams in more than 10 % of the documents are dropped (speed, no loss)
_MIN_DOCS_FOR_MAX_DF = 500
_WORD_WEIGHT = 0.7  # word n-grams against character n-grams, before L2 normalisation
_RIDGE_ALPHA = 1.0
_LEXICAL_POWER = 4.0
_PRIOR_WEIGHT = 0.1
_MIN_EVIDENCE = 0.05


class Embedder:
    """TF-IDF over character 3–4-grams (within words) and word 1–2-grams, L2-normalised rows."""

    def __init__(self) -> None:
        self.chars = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=_CHAR_NGRAMS,
            max_df=_CHAR_MAX_DF,
            sublinear_tf=True,
            dtype=np.float32,
        )
        self.words = TfidfVectorizer(
            analyzer="word",
            ngram_range=(1, 2),
            sublinear_tf=True,
            token_pattern=r"\b\w+\b",
            dtype=np.float32,
        )

    def fit_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        # Pruning the most common n-grams is what makes the sparse products fast; on a tiny
        # corpus it would prune everything.
        self.chars.max_df = _CHAR_MAX_DF if len(texts) >= _MIN_DOCS_FOR_MAX_DF else 1.0
        return self._stack(self.chars.fit_transform(texts), self.words.fit_transform(texts))

    def transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        return self._stack(self.chars.transform(texts), self.words.transform(texts))

    @staticmethod
    def _stack(chars: sp.spmatrix, words: sp.spmatrix) -> sp.csr_matrix:
        stacked = sp.hstack([chars, words * _WORD_WEIGHT], format="csr")
        out: sp.csr_matrix = normalize(stacked).astype(np.float32)
        return out


def fit_kernel_ridge(
    example_matrix: sp.csr_matrix, example_classes: npt.NDArray[np.int32], n_classes: int
) -> tuple[FloatArray, npt.NDArray[np.int64], FloatArray]:
    """Learned evidence: kernel ridge regression on the embedded labelled example titles.

    Parameters
    ----------
    example_matrix : csr_matrix of float32, shape (n_examples, n_features)
        Embedded example titles (rows L2-normalised).
    example_classes : ndarray of int32, shape (n_examples,)
        Reference-fiche index of each example.
    n_classes : int
        Number of reference fiches.

    Returns
    -------
    weights : ndarray of float32, shape (n_examples, n_seen)
        Dual coefficients: the learned score of class ``seen[j]`` for a title is
        ``(cos(title, examples) ** 2) @ weights[:, j]``.
    seen : ndarray of int64, shape (n_seen,)
        The classes that have examples (sorted); the others get no learned score.
    prior : ndarray of float32, shape (n_classes,)
        ``sqrt`` of the share of examples filed under each class (zeros without examples).
    """
    n_examples = example_matrix.shape[0]
    if not n_examples:
        return (
            np.zeros((0, 0), dtype=np.float32),
            np.zeros(0, dtype=np.int64),
            np.zeros(n_classes, dtype=np.float32),
        )
    # One-vs-rest targets with the squared-cosine kernel: a learned, weighted nearest-neighbour
    # vote. Only classes with examples get a column.
    gram = (example_matrix @ example_matrix.T).toarray()
    gram = gram * gram
    gram[np.diag_indices_from(gram)] += _RIDGE_ALPHA
    seen = np.unique(example_classes)
    targets = np.zeros((n_examples, len(seen)), dtype=np.float32)
    targets[np.arange(n_examples), np.searchsorted(seen, example_classes)] = 1.0
    factor = sla.cho_factor(gram, lower=True, check_finite=False)
    weights = sla.cho_solve(factor, targets, check_finite=False).astype(np.float32)
    prior = np.sqrt(np.bincount(example_classes, minlength=n_classes) / n_examples)
    return weights, seen.astype(np.int64), prior.astype(np.float32)


def fuse_evidence(
    lexical: FloatArray,
    learned: FloatArray | None,
    prior: FloatArray,
    has_words: npt.NDArray[np.bool_],
) -> FloatArray:
    """Fuse the lexical and learned evidence into a score in [0, 1], shape (n, n_classes)."""
    evidence: npt.NDArray[np.floating[Any]] = lexical
    scores: npt.NDArray[np.floating[Any]] = lexical
    if learned is not None:
        # Noisy-or: either a near-exact label match or the examples' vote is enough.
        lex = lexical**_LEXICAL_POWER
        evidence = 1.0 - (1.0 - lex) * (1.0 - np.clip(learned, 0.0, 1.0))
        scores = evidence + _PRIOR_WEIGHT * prior
    # Garbage ("xyzzy", "lorem ipsum") shares a few n-grams with some label: without real
    # evidence for any fiche the prior alone must not make a match.
    is_matched = has_words & (evidence.max(axis=1, initial=0.0) >= _MIN_EVIDENCE)
    out: FloatArray = np.where(is_matched[:, None], np.clip(scores, 0.0, 1.0), 0.0).astype(
        np.float32
    )
    return out
