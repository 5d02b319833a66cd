"""Driving licences and certificates an offer may require and a person may hold.

Codes are stable identifiers (API and imports use them); labels are the French a coach reads.
A licence may imply others (``PERMIS_CE`` implies ``PERMIS_C`` and ``PERMIS_B``); holders are
compared after :func:`closure`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

from matching.text import fold

__all__ = [
    "IMPLIES",
    "LICENCE_CODES",
    "LICENCE_LABELS",
    "closure",
    "label",
    "parse_licence",
    "parse_licences",
]

LICENCE_LABELS: Final[dict[str, str]] = {
    "PERMIS_B": "permis B",
    "PERMIS_BE": "permis BE",
    "PERMIS_C1": "permis C1",
    "PERMIS_C": "permis C",
    "PERMIS_CE": "permis CE",
    "PERMIS_D": "permis D",
    "FIMO": "FIMO marchandises",
    "FCO": "FCO",
    "CACES_R482_A": "CACES R482 cat. A (engins compacts)",
    "CACES_R482_B1": "CACES R482 cat. B1 (pelles)",
    "CACES_R482_C1": "CACES R482 cat. C1 (chargeuses)",
    "CACES_R482_F": "CACES R482 cat. F (chariots de chantier)",
    "CACES_R486_A": "CACES R486 cat. A (nacelles)",
    "CACES_R486_B": "CACES R486 cat. B (nacelles)",
    "CACES_R489_1A": "CACES R489 cat. 1A (transpalettes)",
    "CACES_R489_1B": "CACES R489 cat. 1B (gerbeurs)",
    "CACES_R489_3": "CACES R489 cat. 3 (chariots frontaux)",
    "CACES_R489_5": "CACES R489 cat. 5 (chariots à mât rétractable)",
    "CACES_R490": "CACES R490 (grues de chargement)",
    "HAB_ELEC_B0": "habilitation électrique B0/H0",
    "HAB_ELEC_BR": "habilitation électrique BR",
    "HAB_ELEC_B1V": "habilitation électrique B1V",
    "HAB_ELEC_B2V": "habilitation électrique B2V",
    "SST": "sauveteur secouriste du travail (SST)",
    "AIPR": "AIPR (travaux à proximité des réseaux)",
    "HACCP": "hygiène alimentaire (HACCP)",
    "CERTIPHYTO": "Certiphyto",
}
LICENCE_CODES: Final[tuple[str, ...]] = tuple(LICENCE_LABELS)

# Direct implications; closure() follows them transitively.
IMPLIES: Final[dict[str, tuple[str, ...]]] = {
    "PERMIS_BE": ("PERMIS_B",),
    "PERMIS_C1": ("PERMIS_B",),
    "PERMIS_C": ("PERMIS_C1", "PERMIS_B"),
    "PERMIS_CE": ("PERMIS_C",),
    "PERMIS_D": ("PERMIS_B",),
    "CACES_R489_1B": ("CACES_R489_1A",),
    "HAB_ELEC_BR": ("HAB_ELEC_B0",),
    "HAB_ELEC_B1V": ("HAB_ELEC_B0",),
    "HAB_ELEC_B2V": ("HAB_ELEC_B1V",),
}


def closure(codes: Iterable[str]) -> frozenset[str]:
    """Every licence a set of licences gives, implications included.

    Raises ``ValueError`` on an unknown code.
    """
    todo = list(codes)
    unknown = [c for c in todo if c not in LICENCE_LABELS]
    if unknown:
        raise ValueError(f"unknown licence or certificate codes: {sorted(set(unknown))}")
    seen: set[str] = set()
    while todo:
        code = todo.pop()
        if code not in seen:
            seen.add(code)
            todo.extend(IMPLIES.get(code, ()))
    return frozenset(seen)


def label(code: str) -> str:
    """French label of a licence code (``KeyError`` if unknown)."""
    return LICENCE_LABELS[code]


_PERMIS_WORDS = re.compile(r"^(?:permis\s+)?(be|b|c1|ce|c|d)(?:\s|$)")
_CACES = re.compile(
    r"caces\s*(?:r\s*)?(\d{3})?\s*(?:cat(?:egorie)?\.?\s*)?([0-9][ab]?|[a-g][0-9]?)?"
)
_HAB = re.compile(r"habilitation\s+electrique\s*([a-z0-9]+)?|\b(b0|h0|br|b1v|b2v)\b")
_SIMPLE = {
    "fimo": "FIMO",
    "fco": "FCO",
    "sst": "SST",
    "aipr": "AIPR",
    "haccp": "HACCP",
    "certiphyto": "CERTIPHYTO",
    "vl": "PERMIS_B",
    "pl": "PERMIS_C",
    "spl": "PERMIS_CE",
}


def parse_licence(text: str) -> str | None:
    """Read one licence or certificate as people write it; ``None`` when not recognised.

    Accepts codes (``PERMIS_B``), France Travail labels (``"B - Véhicule léger"``,
    ``"C - Poids lourd"``), short forms (``"permis B"``, ``"CE"``, ``"SPL"``) and certificates
    (``"CACES R489 cat 3"``, ``"CACES 1B"``, ``"habilitation électrique BR"``, ``"SST"``).
    """
    raw = text.strip()
    if raw.upper() in LICENCE_LABELS:
        return raw.upper()
    t = fold(raw)
    if not t:
        return None
    if t in _SIMPLE:
        return _SIMPLE[t]
    m = _CACES.match(t)
    if m and t.startswith("caces"):
        reco, cat = m.group(1), (m.group(2) or "").upper()
        if reco is None:
            # "CACES 3" / "CACES 1B" without the recommendation: lift trucks (R489) by far the
            # most common in offers.
            reco = "489" if cat[:1].isdigit() else "482"
        code = f"CACES_R{reco}" + (f"_{cat}" if cat else "")
        if code in LICENCE_LABELS:
            return code
        return None
    if t.startswith(("habilitation", "hab ")) or re.fullmatch(r"(b0|h0|br|b1v|b2v)( h0)?", t):
        m2 = re.search(r"\b(b0|h0|br|b1v|b2v)\b", t)
        level = {"b0": "B0", "h0": "B0", "br": "BR", "b1v": "B1V", "b2v": "B2V"}.get(
            m2.group(1) if m2 else "b0", "B0"
        )
        return f"HAB_ELEC_{level}"
    m = _PERMIS_WORDS.match(t)
    if m:
        return f"PERMIS_{m.group(1).upper()}"
    return None


def parse_licences(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split a list of licences (``,``, ``;``, ``|``, ``/`` or `` et ``) and read each one.

    Returns
    -------
    (codes, unknown): the recognised codes in order, without duplicates, and the parts that
    were not recognised (for an error message).
    """
    parts = [p for p in re.split(r"[,;|/]|\bet\b", text) if p.strip()]
    codes: list[str] = []
    unknown: list[str] = []
    for part in parts:
        code = parse_licence(part)
        if code is None:
            unknown.append(part.strip())
        elif code not in codes:
            codes.append(code)
    return tuple(codes), tuple(unknown)
