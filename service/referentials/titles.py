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

__all__ = [
    "TitleGuess",
    "normaliser_for",
    "title_index",
    "title_normaliser",
    "unsure_title_message",
]

_ALTERNATIVES = 3


@dataclass(frozen=True)
class TitleGuess:
    """What the title normaliser proposes for a title.

    ``is_vague``: the title names no trade ("Vendeur", "Chef d'équipe"); ``code_rome`` is then
    only the first of the best guesses, and nothing should be filed under it without a person
    choosing. ``alternatives``: the best distinct fiches as ``(code_rome, label, score)``, best
    first (the first is ``code_rome``).
    """

    code_rome: str | None
    code_ogr: int | None
    score: float
    is_vague: bool = False
    alternatives: tuple[tuple[str, str, float], ...] = ()

    def is_sure(self, min_score: float) -> bool:
        """A code may be filed without asking: a trade is named and the score reaches
        ``min_score``."""
        return self.code_rome is not None and not self.is_vague and self.score >= min_score


TitleNormaliser = Callable[[Sequence[str]], Sequence[TitleGuess]]


@lru_cache(maxsize=2)
def title_index(directory: Path) -> TitleIndex:
    """The title index of a referential folder, built once per process."""
    return load_title_index(directory)


def normaliser_for(index: TitleIndex) -> TitleNormaliser:
    """Titles → best guess each (ROME fiche, appellation, score, vague or not, alternatives);
    distinct titles matched once."""
    label_of = dict(zip(index.classes.tolist(), index.class_labels.tolist(), strict=True))

    def normalise(titles: Sequence[str]) -> list[TitleGuess]:
        distinct = list(dict.fromkeys(titles))
        if not distinct:
            return []
        found = index.match(distinct, k=_ALTERNATIVES)
        vague = found.groupby("title_index")["is_vague"].first()
        guesses = {
            t: TitleGuess(None, None, 0.0, is_vague=bool(vague.get(i, False)))
            for i, t in enumerate(distinct)
        }
        found = found[found["code_rome"] != ""]
        for i, rows in found.groupby("title_index", sort=False):
            best = rows.iloc[0]
            ogr = best["code_ogr"]
            guesses[distinct[int(str(i))]] = TitleGuess(
                str(best["code_rome"]),
                None if ogr is None or pd.isna(ogr) else int(ogr),
                float(best["score"]),
                is_vague=bool(best["is_vague"]),
                alternatives=tuple(
                    (str(code), label_of.get(str(code), ""), round(float(score), 3))
                    for code, score in zip(rows["code_rome"], rows["score"], strict=True)
                ),
            )
        return [guesses[t] for t in titles]

    return normalise


def unsure_title_message(title: str, guess: TitleGuess, *, what: str = "de l'offre") -> str:
    """The French sentence asking for the ROME code of a title the normaliser is unsure of."""
    hints = ", ".join(f"{code} {label}" for code, label, _ in guess.alternatives)
    hint = f" (pistes : {hints})" if hints else ""
    if guess.is_vague:
        return (
            f"Intitulé « {title} » à préciser : il ne nomme pas de métier précis. "
            f"Indiquez le code ROME {what}{hint}."
        )
    return f"Métier non reconnu dans l'intitulé « {title} » : indiquez le code ROME {what}{hint}."


def title_normaliser(directory: Path) -> TitleNormaliser:
    """The normaliser over the shipped (or configured) referential folder."""
    return normaliser_for(title_index(directory))


def get_title_normaliser(settings: SettingsDep) -> TitleNormaliser:
    """The title normaliser (its index is built once per process)."""
    return title_normaliser(settings.referentials_dir)


NormaliserDep = Annotated[TitleNormaliser, Depends(get_title_normaliser)]
