"""Learning from recorded codes without learning their noise.

The labelled offer titles carry the ROME code France Travail recorded, and about one in five is
wrong (measured on a hand-checked subset): codes of an older ROME version (database
administrators filed under M1801, which ROME 4.0 v460 splits into M1894...), and codes with no
link to the title ("Cariste CACES 3" filed as an agricultural machine driver). Two corrections,
applied to the examples before the index learns from them:

1. :func:`remap_moved_codes`: when the recorded *appellation* now belongs, in the referential
   given, to another fiche under the same reference fiche, the example is filed under that fiche
   (the appellation is the finer, more reliable part of the record).
2. :func:`label_support`: the share of the title's best lexical match to the referential that
   the recorded code's family (its reference fiche and the fiches under it) reaches; examples
   below a threshold are left out (the referential gives their code no support).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["family_max", "label_support", "remap_moved_codes"]


def family_max(
    scores: npt.NDArray[np.float32], family: npt.NDArray[np.int64]
) -> npt.NDArray[np.float32]:
    """Best score of each family: shape (n, n_families) from (n, n_classes) and the family of
    each class (dense ids ``0 .. n_families - 1``, every family present)."""
    order = np.argsort(family, kind="stable")
    starts = np.searchsorted(family[order], np.arange(int(family.max()) + 1 if family.size else 0))
    out: npt.NDArray[np.float32] = np.maximum.reduceat(scores[:, order], starts, axis=1)
    return out


def remap_moved_codes(
    codes: pd.Series, recorded_appellations: pd.Series, appellations: pd.DataFrame
) -> pd.Series:
    """Recorded fiche codes, moved to the fiche their recorded appellation belongs to now.

    Parameters
    ----------
    codes : Series of str, length n
        Recorded fiche codes (already known to the referential).
    recorded_appellations : Series of str, length n
        The appellation label recorded with each code (``""`` when unknown), as the referential
        spells it (case and surrounding spaces ignored).
    appellations : DataFrame
        ``libelle`` (and optionally ``libelle_court``), ``code_rome`` and ``code_rome_parent``
        (the reference fiche of the appellation's fiche).

    Returns
    -------
    Series of str, length n, same index as ``codes``: the code unchanged when the appellation is
    unknown, already under that code, or now under another reference fiche (then nothing says the
    record was only out of date); otherwise the appellation's fiche.
    """
    parent_of = dict(zip(appellations["code_rome"], appellations["code_rome_parent"], strict=True))
    # Recorded labels are copies of the referential's: case and spaces aside, they match as is.
    fiches_of: dict[str, set[str]] = {}
    label_columns = [c for c in ("libelle", "libelle_court") if c in appellations.columns]
    for column in label_columns:
        keys = appellations[column].astype(str).str.strip().str.lower()
        for key, code in zip(keys, appellations["code_rome"].astype(str), strict=True):
            fiches_of.setdefault(key, set()).add(code)
    recorded = recorded_appellations.astype(str).str.strip().str.lower()
    out = []
    for code, label in zip(codes.astype(str), recorded, strict=True):
        moved = fiches_of.get(label, set())
        if not moved or code in moved:
            out.append(code)
            continue
        same_family = sorted(f for f in moved if parent_of.get(f) == parent_of.get(code))
        out.append(same_family[0] if same_family else code)
    return pd.Series(out, index=codes.index, dtype=object)


def label_support(
    lexical: npt.NDArray[np.float32],
    classes: npt.NDArray[np.int64],
    family: npt.NDArray[np.int64],
) -> npt.NDArray[np.float32]:
    """How much the referential supports each example's recorded class.

    Parameters
    ----------
    lexical : ndarray of float32, shape (n_examples, n_classes)
        Best cosine similarity of each example title to the labels of each class.
    classes : ndarray of int64, shape (n_examples,)
        The recorded class of each example.
    family : ndarray of int64, shape (n_classes,)
        Family of each class (dense id of its reference fiche): the recorded class is credited
        with its best-matching relative, since siblings share most of their vocabulary.

    Returns
    -------
    ndarray of float32, shape (n_examples,), in [0, 1]: best similarity within the recorded
    class's family divided by the best similarity over every class (1 when the title matches
    no label at all: nothing contradicts the record).
    """
    by_family = family_max(lexical, family)
    own = by_family[np.arange(lexical.shape[0]), family[classes]]
    best = lexical.max(axis=1, initial=0.0)
    support: npt.NDArray[np.float32] = np.where(
        best > 0, own / np.maximum(best, 1e-12), 1.0
    ).astype(np.float32)
    return support
