"""The title normaliser the imports use: :class:`matching.titles.TitleIndex` behind the
:data:`TitleNormaliser` protocol.

Building the index takes seconds, so it is built once per process and per referential folder
(:func:`title_index`), on first use, never per request.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Annotated

import pandas as pd
from fastapi import Depends

from matching.titles import TitleIndex, load_title_index
from service.kit.deps import SettingsDep

__all__ = ["TitleGuess", "normaliser_for", "title_index", "title_normaliser"]


@dataclass(frozen=True)
class TitleGuess:
    """What the title normaliser proposes for a title."""

    code_rome: str | None
    code_ogr: int | None
    score: float


TitleNormaliser = Callable[[Sequence[str]], Sequence[TitleGuess]]


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


def get_title_normaliser(settings: SettingsDep) -> TitleNormaliser:
    """The title normaliser (its index is built once per process)."""
    return title_normaliser(settings.referentials_dir)


NormaliserDep = Annotated[TitleNormaliser, Depends(get_title_normaliser)]
