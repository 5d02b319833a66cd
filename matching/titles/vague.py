"""Titles that name no trade ("Vendeur", "Chef d'équipe", "Monteur", "CDD 10h/sem"): *à préciser*.

A title is vague when its words, all of them, occur together in ROME labels of many
professional domains (``F17`` gros œuvre, ``D12`` commerce de détail...) while no label is
exactly those words: "vendeur" is in 44 fiches of 15 domains ("Vendeur / Vendeuse en épicerie",
"... en matériaux de construction"...), so the title alone cannot say which trade is meant;
"vendeur en epicerie" is in one. A title left empty by cleaning (only contract, schedule or
place words) is vague too. A title with a word no label uses ("DBA") is never called vague by
this rule: the index's score says how sure it is.

The rule reads only the referential (labels and their fiches' domains), so it is the same for
every caller and explains itself: the service tells a facilitator how many domains the title's
words span.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from matching.titles.lexicon import load_title_lexicon

__all__ = ["VagueRule"]

DEFAULT_MIN_DOMAINS = 4


def _content_words(cleaned: str, stopwords: frozenset[str]) -> list[str]:
    return sorted({w for w in cleaned.split() if w not in stopwords})


@dataclass(frozen=True, eq=False)
class VagueRule:
    """Which titles name no trade.

    Attributes
    ----------
    vocabulary : dict of str to int
        Content word (cleaned, stop words aside) → column of ``label_words``.
    label_words : csr_matrix of float32, shape (n_labels, n_words)
        1 where a label uses a word.
    label_sizes : ndarray of int64, shape (n_labels,)
        Number of distinct content words of each label.
    label_domains : ndarray of int64, shape (n_labels,)
        Dense id of each label's professional domain.
    n_domains : int
        Number of domains.
    min_domains : int
        A title whose words occur together in labels of at least this many domains, and that is
        no label's exact wording, is vague.
    """

    vocabulary: dict[str, int]
    label_words: sp.csr_matrix
    label_sizes: npt.NDArray[np.int64]
    label_domains: npt.NDArray[np.int64]
    n_domains: int
    min_domains: int

    @classmethod
    def build(
        cls,
        cleaned_labels: Sequence[str],
        domains: Sequence[str],
        *,
        min_domains: int = DEFAULT_MIN_DOMAINS,
    ) -> VagueRule:
        """Learn the rule from cleaned ROME labels and the domain (e.g. ``"F17"``) of each."""
        if len(cleaned_labels) != len(domains):
            raise ValueError("one domain per label is needed")
        if min_domains < 2:
            raise ValueError(f"min_domains must be >= 2, got {min_domains}")
        stopwords = load_title_lexicon().stopwords
        words = [_content_words(t, stopwords) for t in cleaned_labels]
        vocabulary = {w: i for i, w in enumerate(sorted({w for ws in words for w in ws}))}
        matrix = _indicator(words, vocabulary)
        names, domain_of = np.unique(np.asarray(domains, dtype=str), return_inverse=True)
        return cls(
            vocabulary=vocabulary,
            label_words=matrix,
            label_sizes=np.diff(matrix.indptr).astype(np.int64),
            label_domains=domain_of.astype(np.int64),
            n_domains=len(names),
            min_domains=min_domains,
        )

    def domain_spread(
        self, cleaned: Sequence[str]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
        """For each cleaned title: the number of domains whose labels hold all its words,
        whether some label is exactly its words, and its number of content words.

        Returns
        -------
        n_domains : ndarray of int64, shape (n,)
        is_exact : ndarray of bool, shape (n,)
        n_words : ndarray of int64, shape (n,)
        """
        stopwords = load_title_lexicon().stopwords
        words = [_content_words(t, stopwords) for t in cleaned]
        n_words = np.array([len(ws) for ws in words], dtype=np.int64)
        known = [ws if all(w in self.vocabulary for w in ws) else [] for ws in words]
        query = _indicator(known, self.vocabulary)
        shared = sp.csr_matrix(query @ self.label_words.T)
        rows = np.repeat(np.arange(len(words)), np.diff(shared.indptr))
        n_known = np.diff(query.indptr)
        holds_all = (shared.data.round().astype(np.int64) == n_known[rows]) & (n_known[rows] > 0)
        labels = shared.indices[holds_all]
        rows = rows[holds_all]
        spread = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, self.label_domains[labels])),
            shape=(len(words), max(self.n_domains, 1)),
        )
        spread.sum_duplicates()
        is_exact = np.zeros(len(words), dtype=bool)
        is_exact[rows[self.label_sizes[labels] == n_known[rows]]] = True
        return np.diff(spread.indptr).astype(np.int64), is_exact, n_words

    def is_vague(self, cleaned: Sequence[str]) -> npt.NDArray[np.bool_]:
        """True for each cleaned title that names no trade, shape (n,)."""
        n_domains, is_exact, n_words = self.domain_spread(cleaned)
        vague: npt.NDArray[np.bool_] = (n_words == 0) | (
            (n_domains >= self.min_domains) & ~is_exact
        )
        return vague


def _indicator(words: Sequence[Sequence[str]], vocabulary: dict[str, int]) -> sp.csr_matrix:
    indptr = np.zeros(len(words) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum([len(ws) for ws in words])
    indices = np.fromiter(
        (vocabulary[w] for ws in words for w in ws), dtype=np.int64, count=int(indptr[-1])
    )
    return sp.csr_matrix(
        (np.ones(len(indices), dtype=np.float32), indices, indptr),
        shape=(len(words), max(len(vocabulary), 1)),
    )
