"""Checks of codes against the referentials, with the French errors every door gives."""

from __future__ import annotations

from service.errors import InvalidInput
from service.referentials.service import Referentials


def check_commune(refs: Referentials, value: str, field: str) -> str:
    hit = refs.commune(value)
    if hit is not None:
        return hit.code_insee
    candidates = refs.commune_candidates(value)
    if candidates:
        names = ", ".join(f"{c.nom} ({c.code_insee})" for c in candidates[:5])
        raise InvalidInput(
            f"{field} : « {value} » désigne plusieurs communes ({names}) : donnez le code INSEE"
        )
    raise InvalidInput(f"{field} : commune inconnue « {value} » (code INSEE ou nom attendu)")


def check_skills(refs: Referentials, codes: list[int], field: str) -> list[int]:
    unknown = sorted({c for c in codes if c not in refs.skill_codes})
    if unknown:
        raise InvalidInput(f"{field} : compétence ROME inconnue : {unknown[:10]}")
    return sorted(set(codes))


def check_rome(
    refs: Referentials, code_ogr: int | None, code_rome: str | None, field: str
) -> tuple[int | None, str | None]:
    """Check an appellation and/or fiche; the fiche is derived from the appellation if absent."""
    if code_ogr is not None:
        if not refs.rome.has_appellation(code_ogr):
            raise InvalidInput(f"{field}code_ogr : appellation ROME inconnue : {code_ogr}")
        fiche = str(refs.rome.appellation(code_ogr)["code_rome"])
        if code_rome is not None and code_rome != fiche:
            raise InvalidInput(
                f"{field}code_rome : l'appellation {code_ogr} relève de la fiche {fiche}, "
                f"pas de {code_rome}"
            )
        return code_ogr, fiche
    if code_rome is not None and not refs.rome.has_fiche(code_rome):
        raise InvalidInput(f"{field}code_rome : fiche ROME inconnue : {code_rome}")
    return None, code_rome
