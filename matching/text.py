"""Text folding shared by the commune lookup and the title normaliser."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold", "fold_place_name", "strip_accents"]

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "’": "'", "ʼ": "'"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_SAINT = re.compile(r"\b(st|ste|sts|stes)\b")
_SAINT_FORMS = {"st": "saint", "ste": "sainte", "sts": "saints", "stes": "saintes"}


def strip_accents(text: str) -> str:
    """Remove diacritics and expand ligatures (``"Maçon œuvre"`` → ``"Macon oeuvre"``)."""
    text = text.translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold(text: str) -> str:
    """Lower case, no accents, every run of non-alphanumeric characters turned into one space."""
    return _NON_ALNUM.sub(" ", strip_accents(text).lower()).strip()


def fold_place_name(name: str) -> str:
    """Fold a commune name: :func:`fold`, then "St"/"Ste" spelled "saint"/"sainte".

    ``"St-Germain-du-Corbéis"``, ``"SAINT GERMAIN DU CORBEIS"`` and ``"saint-germain du corbeis"``
    all fold to ``"saint germain du corbeis"``.
    """
    return _SAINT.sub(lambda m: _SAINT_FORMS[m.group(1)], fold(name))
