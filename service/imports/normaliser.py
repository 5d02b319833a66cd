"""The title normaliser the imports use: :class:`matching.titles.TitleIndex` behind the
:data:`~service.imports.offers.TitleNormaliser` protocol.

Building the index takes seconds, so it is built once per process and per referential folder
(:func:`title_index`), on first use, never per request.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import pandas as pd

from matching.titles import TitleIndex, load_title_index
from service.imports.offers import TitleGuess, TitleNormaliser

__all__ = ["normaliser_for", "title_index", "title_normaliser"]


@lru_cache(maxsize=2)
def title_index(directory: Path) -> TitleIndex:
    """The title index of a referential folder, built once per process."""
    return load_title_index(directory)


def normaliser_for(index: TitleIndex) -> TitleNormaliser:
    """Titles → best guess each (ROME fiche, appellation, score); distinct titles matched once."""

    def normalise(titles: Sequence[str]) -> list[TitleGuess]:
        distinct = list(dict.fromkeys(titles))
        if not distinct:
            return []
        found = index.match(distinct, k=1)
        best = found[found["rank"] == 1]
        guesses = {t: TitleGuess(None, None, 0.0) for t in distinct}
        for i, code, ogr, score in zip(
            best["title_index"].tolist(),
            best["code_rome"].tolist(),
            best["code_ogr"].tolist(),
            best["score"].tolist(),
            strict=True,
        ):
            if not code:
                continue
            guesses[distinct[int(i)]] = TitleGuess(
                str(code), None if ogr is None or pd.isna(ogr) else int(ogr), float(score)
            )
        return [guesses[t] for t in titles]

    return normalise


def title_normaliser(directory: Path) -> TitleNormaliser:
    """The normaliser over the shipped (or configured) referential folder."""
    return normaliser_for(title_index(directory))
