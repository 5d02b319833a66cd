"""An offer's own fields, declared once (its engine fields are in :mod:`matching.fields`)."""

from __future__ import annotations

from typing import Final

from matching.fields import FieldSpec

__all__ = ["SOURCE", "STATUS"]

STATUS: Final = FieldSpec.choice(
    "status",
    "état de l'offre",
    {"open": "ouverte", "closed": "fermée"},
    "un état d'offre",
    default="open",
)
SOURCE: Final = FieldSpec.choice(
    "source",
    "origine",
    {
        "manual": "saisie",
        "orne_emploi": "Orne emploi",
        "france_travail": "France Travail",
        "demo": "démonstration",
    },
    "une origine connue",
    default="manual",
)
