"""The SIRET check (Luhn, or La Poste's digit sum) every door uses."""

from __future__ import annotations

import re

__all__ = ["is_valid_siret"]


def is_valid_siret(siret: str) -> bool:
    """14 digits passing the Luhn check; La Poste's establishments may use a digit sum instead."""
    if not re.fullmatch(r"\d{14}", siret):
        return False
    total = 0
    for i, char in enumerate(reversed(siret)):
        digit = int(char)
        if i % 2 == 1:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    if total % 10 == 0:
        return True
    return siret.startswith(_LA_POSTE_SIREN) and sum(int(c) for c in siret) % 5 == 0


_LA_POSTE_SIREN = "356000000"
