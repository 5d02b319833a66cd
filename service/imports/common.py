"""Values both offer and candidate files carry: communes, ROME codes, skills, contracts,
durations."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Final

from sqlalchemy.orm import QueryableAttribute

from matching.referentials import CommuneIndex, CommuneMatch, RomeReferential
from matching.text import fold
from service.imports.france_travail_codes import CONTRACT_TYPES as FT_CONTRACT_TYPES
from service.imports.reading import (
    CsvTable,
    RowCollector,
    RowError,
)
from service.models.limits import column_text_problem, formula_problem

__all__ = ["StoredText", "parse_contract_type", "parse_qualification", "stored_text_errors"]


@dataclass(frozen=True)
class StoredText:
    """A text of an import row that is written to the database: its column gives the limit
    (:mod:`service.models.limits`); an id or a title (``is_key``) is also refused when a
    spreadsheet would run it as a formula."""

    attribute: QueryableAttribute[Any]
    label: str
    is_key: bool = False


def stored_text_errors(
    line: int,
    values: Mapping[str, Any],
    texts: Mapping[str, StoredText],
    columns: Mapping[str, str],
) -> list[RowError]:
    """One row error per stored text of ``values`` its column cannot hold (too long, a control
    character) or, for an id or a title, that starts like a formula; ``columns`` names each
    field's column in the file."""
    out: list[RowError] = []
    for fld, spec in texts.items():
        value = values.get(fld)
        if not isinstance(value, str) or not value:
            continue
        problem = column_text_problem(spec.attribute, value, label=spec.label)
        if problem is None and spec.is_key:
            message = formula_problem(value, label=spec.label)
            problem = None if message is None else ("formula_like", message)
        if problem is not None:
            out.append(RowError(line, columns.get(fld), *problem))
    return out


# France Travail's codes (MIS, SAI, DIN, DDI, TTI, LIB…) are read the same in a CSV file.
_CONTRACTS = {
    **{code.lower(): ft.contract_type for code, ft in FT_CONTRACT_TYPES.items()},
    "interim": "INTERIM",
    "travail temporaire": "INTERIM",
    "mission d interim": "INTERIM",
    "saisonnier": "CDD",
    "cdi interimaire": "CDI",
    "cddi": "CDDI",
    "pro": "PRO",
    "contrat pro": "PRO",
    "contrat de professionnalisation": "PRO",
    "professionnalisation": "PRO",
    "apprentissage": "APPRENTISSAGE",
    "contrat d apprentissage": "APPRENTISSAGE",
    "autre": "AUTRE",
}


def parse_contract_type(value: str) -> str:
    """``CDI``, ``CDD``, ``Intérim``/``MIS``, ``CDDI``… → a code of ``CONTRACT_TYPES``."""
    v = fold(value)
    if not v:
        return "AUTRE"
    if v in _CONTRACTS:
        return _CONTRACTS[v]
    head = v.split(" ")[0]
    if head in _CONTRACTS:
        return _CONTRACTS[head]
    raise ValueError(
        f"« {value} » n'est pas un type de contrat connu (CDI, CDD, intérim, CDDI, contrat pro, "
        "apprentissage)"
    )


# France Travail's qualification levels (``qualificationCode``) and their labels: 1, 2 and 5
# (manœuvre, ouvrier spécialisé, employé non qualifié) ask for no qualification.
_UNQUALIFIED_LEVELS: Final = {
    "1": "manoeuvre",
    "2": "ouvrier specialise",
    "5": "employe non qualifie",
}
_QUALIFIED_LEVELS: Final = {
    "3": "ouvrier qualifie p1 p2",
    "4": "ouvrier qualifie p3 p4 ohq",
    "6": "employe qualifie",
    "7": "technicien",
    "8": "agent de maitrise",
    "9": "cadre",
}


def parse_qualification(value: str) -> bool:
    """Whether an offer asks for a qualification: ``oui``/``non``, ``sans qualification``, or a
    France Travail qualification level (code ``1``-``9`` or its label, ``Employé non qualifié``,
    ``Ouvrier qualifié (P1,P2)``…)."""
    v = fold(value)
    if v in ("non", "aucune", "sans", "sans qualification", "non qualifie", "0", "faux"):
        return False
    if v in ("oui", "qualifie", "qualification exigee", "vrai"):
        return True
    for levels, needed in ((_UNQUALIFIED_LEVELS, False), (_QUALIFIED_LEVELS, True)):
        if v in levels or any(v == label or v.startswith(label) for label in levels.values()):
            return needed
    raise ValueError(
        f"« {value} » n'est pas une qualification connue (oui, non, sans qualification, ou un "
        "niveau France Travail : manœuvre, employé non qualifié, ouvrier qualifié…)"
    )


_DURATION = re.compile(r"^(\d+(?:[.,]\d+)?)\s*(mois|semaines?|sem|jours?|j|ans?)?$")


def _add_months(start: date, months: int) -> date:
    y, m = divmod(start.month - 1 + months, 12)
    year, month = start.year + y, m + 1
    day = min(
        start.day,
        [
            31,
            29 if year % 4 == 0 and (year % 100 or year % 400 == 0) else 28,
            31,
            30,
            31,
            30,
            31,
            31,
            30,
            31,
            30,
            31,
        ][month - 1],
    )
    return date(year, month, day)


def end_from_duration(start: date, text: str) -> date | None:
    """End date (inclusive) of a contract of ``text`` duration starting on ``start``."""
    v = fold(text)
    if not v or v in {"cdi", "indeterminee", "duree indeterminee"}:
        return None
    m = _DURATION.match(v)
    if not m:
        raise ValueError(
            f"« {text} » n'est pas une durée (par exemple « 6 mois », « 12 semaines »)"
        )
    n = float(m.group(1).replace(",", "."))
    unit = m.group(2) or "mois"
    if n <= 0:
        raise ValueError(f"la durée « {text} » doit être positive")
    if unit.startswith("mois"):
        return _add_months(start, round(n)) - timedelta(days=1)
    if unit.startswith(("sem",)):
        return start + timedelta(days=round(7 * n) - 1)
    if unit.startswith("an"):
        return _add_months(start, round(12 * n)) - timedelta(days=1)
    return start + timedelta(days=round(n) - 1)


def with_original_columns(errors: list[RowError], table: CsvTable) -> list[RowError]:
    """Name columns in errors as the file's header spells them, sorted by line."""
    display = dict(zip(table.headers, table.original_headers, strict=True))
    out = [
        RowError(e.line, display.get(e.column, e.column) if e.column else None, e.code, e.message)
        for e in errors
    ]
    return sorted(out, key=lambda e: (e.line or 0, e.column or ""))


def resolve_commune_field(
    row: RowCollector,
    communes: CommuneIndex,
    commune: str,
    postal: str,
    column: str,
    *,
    home_departement: str = "61",
) -> str | None:
    """Resolve a commune given as INSEE code, name and/or postal code; errors go to ``row``.

    A name found in several départements is taken in ``home_departement`` when exactly one
    match lies there (``Flers`` is Flers in the Orne); otherwise the row is refused with the
    candidates listed.
    """
    if not commune and not postal:
        row.fail(column, "missing_commune", "Commune du lieu de travail manquante.")
        return None
    if commune:
        hits = resolve_commune(communes, commune)
        if postal and len(hits) != 1:
            in_cp = {m.commune_id for m in communes.by_postal(postal)}
            hits = [h for h in hits if h.commune_id in in_cp] or hits
        if not hits and postal:
            hits = resolve_commune(communes, f"{postal} {commune}")
    else:
        hits = communes.by_postal(postal)
    if not hits:
        row.fail(column, "unknown_commune", f"Commune inconnue : « {commune or postal} ».")
        return None
    if len(hits) > 1 and hits[0].code_insee == commune.strip():
        # The column holds an INSEE code (documented): one that is also some postal code
        # (61230) is that commune, not an ambiguity.
        hits = hits[:1]
    if len(hits) > 1:
        local = [h for h in hits if h.departement == home_departement]
        if len(local) == 1:
            hits = local
    if len(hits) > 1:
        choices = ", ".join(f"{h.nom} ({h.code_insee})" for h in hits[:6])
        row.fail(
            column,
            "ambiguous_commune",
            f"Commune ambiguë « {commune or postal} » : {choices}. Indiquez le code INSEE ou "
            "le code postal.",
        )
        return None
    return hits[0].code_insee


# Per referential object (identity checked): building these per row cost seconds on 10,000 rows.
_SKILLS: dict[int, tuple[RomeReferential, frozenset[int]]] = {}


_RESOLVED: dict[tuple[int, str], tuple[CommuneIndex, list[CommuneMatch]]] = {}


def known_skill_codes(rome: RomeReferential) -> frozenset[int]:
    """The ROME skill codes of ``rome`` (empty when it has no skills), computed once."""
    hit = _SKILLS.get(id(rome))
    if hit is not None and hit[0] is rome:
        return hit[1]
    codes = frozenset() if rome.skills is None else frozenset(rome.skills["code_ogr"].tolist())
    _SKILLS[id(rome)] = (rome, codes)
    return codes


def resolve_commune(communes: CommuneIndex, value: str) -> list[CommuneMatch]:
    """``communes.resolve(value)``, remembered: a file names the same communes again and again."""
    key = (id(communes), value)
    hit = _RESOLVED.get(key)
    if hit is not None and hit[0] is communes:
        return list(hit[1])
    found = list(communes.resolve(value))
    if len(_RESOLVED) > 100_000:
        _RESOLVED.clear()
    _RESOLVED[key] = (communes, found)
    return list(found)


def parse_skills(
    row: RowCollector, text: str, rome: RomeReferential, column: str
) -> tuple[int, ...]:
    if not text:
        return ()
    known = known_skill_codes(rome)
    out: list[int] = []
    for part in re.split(r"[|,;\s]+", text.strip()):
        if not part:
            continue
        if not part.isdigit() or (known and int(part) not in known):
            row.fail(column, "unknown_skill", f"Code de compétence ROME inconnu : « {part} ».")
            continue
        out.append(int(part))
    return tuple(dict.fromkeys(out))


def check_rome_codes(
    row: RowCollector, rome: RomeReferential, code_rome: str, code_ogr: str
) -> tuple[str | None, int | None]:
    fiche: str | None = None
    ogr: int | None = None
    if code_rome:
        if rome.has_fiche(code_rome):
            fiche = code_rome.strip().upper()
        else:
            row.fail("code_rome", "unknown_rome", f"Code ROME inconnu : « {code_rome} ».")
    if code_ogr:
        if rome.has_appellation(code_ogr):
            info = rome.appellation(code_ogr)
            ogr = int(code_ogr)
            if fiche is not None and info["code_rome"] != fiche:
                row.fail(
                    "code_ogr",
                    "inconsistent_rome",
                    f"L'appellation {code_ogr} relève de la fiche {info['code_rome']}, "
                    f"pas de {fiche}.",
                )
            fiche = fiche or str(info["code_rome"])
        else:
            row.fail(
                "code_ogr", "unknown_ogr", f"Code d'appellation ROME inconnu : « {code_ogr} »."
            )
    return fiche, ogr
