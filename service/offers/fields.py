"""An offer's own fields, declared once (its engine fields are in :mod:`matching.fields`)."""

from __future__ import annotations

from typing import Final

from matching.fields import FieldSpec

__all__ = ["SOURCE", "STATUS"]

STATUS: Final = FieldSpec(
    name="status",
    kind="str",
    label="état de l'offre",
    choices={"open": "ouverte", "closed": "fermée"},
    what="un état d'offre",
    default="open",
)
SOURCE: Final = FieldSpec(
    name="source",
    kind="str",
    label="origine",
    choices={
        "manual": "saisie",
        "orne_emploi": "Orne emploi",
        "france_travail": "France Travail",
        "demo": "démonstration",
    },
    what="une origine connue",
    default="manual",
)
