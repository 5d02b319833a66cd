"""Driving licences and certificates an offer may require and a person may hold.

Codes are stable identifiers (API and imports use them); labels are the French a coach reads.
A licence may imply others (``PERMIS_CE`` implies ``PERMIS_C`` and ``PERMIS_B``); holders are
compared after :func:`closure`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

__all__ = ["IMPLIES", "LICENCE_CODES", "LICENCE_LABELS", "closure", "label"]

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
