"""Small French wording helpers for the engine's sentences (dates, elision, numbers)."""

from __future__ import annotations

import datetime as dt
from typing import Final

import numpy as np

from matching.licences import LICENCE_LABELS

__all__ = [
    "date_fr",
    "day_to_date",
    "de_place",
    "km_fr",
    "licence_with_article",
    "list_fr",
    "years_fr",
]

MONTHS: Final = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
_EPOCH: Final = np.datetime64("1970-01-01", "D")
_EPOCH_ORDINAL: Final = dt.date(1970, 1, 1).toordinal()
_VOWELS: Final = set("AEIOUYÂÀÉÈÊÎÏÔÛÙHaeiouyâàéèêîïôûùh")

# Feminine licence and certificate names ("la FIMO", "l'habilitation ...").
_FEMININE: Final = ("FIMO", "FCO")


def day_to_date(day: int) -> np.datetime64:
    """``datetime64[D]`` of an engine day number (days since 1970-01-01)."""
    return _EPOCH + np.timedelta64(int(day), "D")


def date_fr(day: int, *, with_year: bool = False) -> str:
    """ "2 mars", "1er avril", or with the year "2 mars 2026"."""
    d = day_to_date(day).astype(object)
    text = f"{'1er' if d.day == 1 else d.day} {MONTHS[d.month - 1]}"
    return f"{text} {d.year}" if with_year else text


def de_place(name: str) -> str:
    """ "de Flers", "d'Alençon", "du Mans", "des Andelys", "de La Ferté-Macé"."""
    if name.startswith("Le "):
        return "du " + name[3:]
    if name.startswith("Les "):
        return "des " + name[4:]
    if name[:1] in _VOWELS:
        return "d'" + name
    return "de " + name


def km_fr(km: float) -> str:
    """ "12 km", "0,8 km" (one decimal under 10 km would be noise: rounded to the km above 2 km)."""
    if km < 2:
        return f"{km:.1f}".replace(".", ",") + " km"
    return f"{round(km):d} km"


def years_fr(years: float) -> str:
    """ "4 ans", "1 an", "6 mois", "moins d'un mois"."""
    if years >= 1.5:
        return f"{round(years):d} ans"
    if years >= 1:
        return "1 an"
    months = round(years * 12)
    return f"{months} mois" if months >= 1 else "moins d'un mois"


def licence_with_article(code: str) -> str:
    """ "le permis C", "la FIMO marchandises", "l'habilitation électrique BR"."""
    text = LICENCE_LABELS[code]
    if text[:1] in _VOWELS:
        return "l'" + text
    if code.startswith(_FEMININE):
        return "la " + text
    return "le " + text


def list_fr(items: list[str]) -> str:
    """ "a", "a et b", "a, b et c"."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " et " + items[-1]
