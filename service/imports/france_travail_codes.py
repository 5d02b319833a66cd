"""France Travail "Offres d'emploi v2" codes → the engine's offer fields, with French labels.

The API's referentials (``/referentiel/typesContrats``, ``naturesContrats``, ``permis``, the
experience and qualification codes, ``dureeTravailLibelleConverti``, ``deplacementCode``) are
written out here once, each code with the French label a facilitator reads and what it means
for the engine (:data:`matching.fields.OFFER_FIELDS`). The reader
(:mod:`service.imports.france_travail`) never refuses an offer for a code it does not know when
the engine can do without it: the offer is kept, the value becomes "autre" (or the field's
default), and a warning names the code.

Licences follow one rule: an API licence maps to the strongest licence of the engine's vocabulary
(:mod:`matching.licences`) that every holder of it has, so that nobody who holds the licence is
excluded; what the engine cannot check (a motorcycle licence, the trailer part of C1E) is said in
a warning for the facilitator, who validates every proposal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from matching.text import fold

__all__ = [
    "CONTRACT_TYPES",
    "DEPLACEMENTS",
    "EXPERIENCE",
    "NATURES",
    "PERMIS",
    "QUALIFICATIONS",
    "WORK_TIME",
    "FtContract",
    "FtLicence",
    "FtNature",
    "licence_of",
    "nature_of",
    "schedule_flags",
]


@dataclass(frozen=True)
class FtContract:
    """A ``typeContrat``: the engine's contract type (``CONTRACT_TYPES``) and its French label."""

    contract_type: str
    label: str


CONTRACT_TYPES: Final[dict[str, FtContract]] = {
    "CDI": FtContract("CDI", "contrat à durée indéterminée"),
    "CDD": FtContract("CDD", "contrat à durée déterminée"),
    "MIS": FtContract("INTERIM", "mission d'intérim"),
    "SAI": FtContract("CDD", "contrat saisonnier"),
    # A CDI with the temporary work agency: the person holds a permanent contract.
    "DIN": FtContract("CDI", "CDI intérimaire"),
    "DDI": FtContract("CDDI", "CDD d'insertion (CDDI)"),
    "TTI": FtContract("INTERIM", "contrat de travail temporaire d'insertion (ETTI)"),
    "CCE": FtContract("AUTRE", "profession commerciale"),
    "FRA": FtContract("AUTRE", "franchise"),
    "LIB": FtContract("AUTRE", "profession libérale"),
    "REP": FtContract("AUTRE", "reprise d'entreprise"),
}


@dataclass(frozen=True)
class FtNature:
    """A ``natureContrat`` (the offer carries its API label): French label, and the engine's
    contract type it imposes (``None``: the ``typeContrat`` decides)."""

    code: str
    api_label: str
    label: str
    contract_type: str | None = None


NATURES: Final[tuple[FtNature, ...]] = (
    FtNature("E1", "Contrat travail", "contrat de travail"),
    FtNature("E2", "Contrat apprentissage", "contrat d'apprentissage", "APPRENTISSAGE"),
    FtNature("FS", "Cont. professionnalisation", "contrat de professionnalisation", "PRO"),
    FtNature(
        "I1", "Insertion par l'activ.éco.", "insertion par l'activité économique (IAE)", "CDDI"
    ),
    FtNature("FA", "Act. Formation pré.recrut.", "action de formation préalable au recrutement"),
    FtNature("FJ", "Contrat pacte", "contrat PACTE (fonction publique)"),
    FtNature("FT", "CUI - CAE", "contrat unique d'insertion, CAE (parcours emploi compétences)"),
    FtNature("FU", "CUI - CIE", "contrat unique d'insertion, CIE"),
    FtNature("NS", "Emploi non salarié", "emploi non salarié", "AUTRE"),
    FtNature("FV", "Prépa.opérationnel.emploi", "préparation opérationnelle à l'emploi"),
    FtNature("FW", "Emploi Avenir non marchand", "emploi d'avenir (non marchand)"),
    FtNature("FX", "Emploi Avenir marchand", "emploi d'avenir (marchand)"),
    FtNature("FY", "Emploi Avenir Professeur", "emploi d'avenir professeur"),
    FtNature("PS", "Portage salarial", "portage salarial"),
    FtNature("PR", "Contrat PrAB", "contrat PrAB"),
    FtNature("CC", "CDI de chantier ou d’opération", "CDI de chantier ou d'opération"),
    FtNature("CU", "Contrat d'usage", "contrat d'usage"),
    FtNature("EE", "Contrat d'Engagement Educatif", "contrat d'engagement éducatif"),
    FtNature("ER", "Engagement à servir dans la réserve", "engagement dans la réserve"),
    FtNature("CI", "Contrat intermittent", "contrat intermittent"),
)
_NATURE_BY_KEY: Final[dict[str, FtNature]] = {
    key: n for n in NATURES for key in (fold(n.api_label), fold(n.code))
}


def nature_of(value: str) -> FtNature | None:
    """The nature of contract an offer gives (its API label or code); ``None`` if unknown."""
    return _NATURE_BY_KEY.get(fold(value))


# experienceExige: D = beginners welcome, S = experience wished for, E = experience required
# (only then does experienceLibelle give the years the engine compares).
EXPERIENCE: Final[dict[str, str]] = {
    "D": "débutant accepté",
    "S": "expérience souhaitée",
    "E": "expérience exigée",
}


QUALIFICATIONS: Final[dict[str, str]] = {
    "1": "manœuvre",
    "2": "ouvrier spécialisé",
    "3": "ouvrier qualifié (P1, P2)",
    "4": "ouvrier qualifié (P3, P4, OHQ)",
    "5": "employé non qualifié",
    "6": "employé qualifié",
    "7": "technicien",
    "8": "agent de maîtrise",
    "9": "cadre",
}


# dureeTravailLibelleConverti → the weekly hours taken when dureeTravailLibelle gives none: a
# full-time week, or the legal minimum of a part-time contract (Code du travail, L3123-27).
WORK_TIME: Final[dict[str, tuple[str, float]]] = {
    "temps plein": ("temps plein", 35.0),
    "temps partiel": ("temps partiel", 24.0),
}


DEPLACEMENTS: Final[dict[str, str]] = {
    "1": "jamais",
    "2": "ponctuels",
    "3": "fréquents",
    "4": "quotidiens",
}


@dataclass(frozen=True)
class FtLicence:
    """A licence of the API's ``permis`` referential: the engine's licence code every holder has
    (``None``: none of the engine's vocabulary), its label, and what the engine does not check."""

    code: str | None
    label: str
    unchecked: str | None = None


_MOTO = "le classement ne connaît pas les permis deux-roues et quadricycles"
PERMIS: Final[dict[str, FtLicence]] = {
    "AM": FtLicence(None, "permis AM (cyclomoteur)", _MOTO),
    "A1": FtLicence(None, "permis A1 (motocyclette légère)", _MOTO),
    "A2": FtLicence(None, "permis A2 (moto intermédiaire)", _MOTO),
    "A": FtLicence(None, "permis A (moto)", _MOTO),
    "B1": FtLicence(None, "permis B1 (quadricycle lourd)", _MOTO),
    "B": FtLicence("PERMIS_B", "permis B (véhicule léger)"),
    "B96": FtLicence(
        "PERMIS_B",
        "permis B mention 96 (véhicule léger et remorque)",
        "seul le permis B est vérifié, pas la mention 96",
    ),
    "EB": FtLicence("PERMIS_BE", "permis BE (véhicule léger et remorque)"),
    "B79": FtLicence("PERMIS_BE", "permis B mention 79.06 (équivaut au BE)"),
    "BE": FtLicence("PERMIS_BE", "permis BE (véhicule léger et remorque)"),
    "C1": FtLicence("PERMIS_C1", "permis C1 (poids lourd de moins de 7,5 t)"),
    "C1E": FtLicence(
        "PERMIS_C1",
        "permis C1E (poids lourd de moins de 7,5 t et remorque)",
        "seul le permis C1 est vérifié, pas la remorque",
    ),
    "C": FtLicence("PERMIS_C", "permis C (poids lourd)"),
    "CE": FtLicence("PERMIS_CE", "permis CE (poids lourd et remorque)"),
    "EC": FtLicence("PERMIS_CE", "permis CE (poids lourd et remorque, ancien EC)"),
    "D1": FtLicence(
        "PERMIS_B",
        "permis D1 (transport de 16 personnes au plus)",
        "seul le permis B est vérifié, pas le D1",
    ),
    "D1E": FtLicence(
        "PERMIS_B",
        "permis D1E (transport de 16 personnes au plus et remorque)",
        "seul le permis B est vérifié, pas le D1E",
    ),
    "D": FtLicence("PERMIS_D", "permis D (transport de personnes)"),
    "DE": FtLicence(
        "PERMIS_D",
        "permis DE (transport de personnes et remorque)",
        "seul le permis D est vérifié, pas la remorque",
    ),
    "ED": FtLicence(
        "PERMIS_D",
        "permis DE (transport de personnes et remorque, ancien ED)",
        "seul le permis D est vérifié, pas la remorque",
    ),
}

# "B mention 96 - VL + remorque (PTAC < 4,25 T)" and "B mention 79.06 (= EB)" name their code
# in words; the other labels start with it ("EC - Poids lourd + remorque").
_MENTION = re.compile(r"^b\s*(?:mention\s*)?(96|79)")


def licence_of(label: str) -> FtLicence | None:
    """The API licence an offer's ``permis`` label names (``"EC - Poids lourd + remorque"``);
    ``None`` when it is not one of the referential's."""
    folded = fold(label)
    m = _MENTION.match(folded)
    if m:
        return PERMIS["B" + m.group(1)]
    head = label.split(" - ", 1)[0].strip().upper()
    return PERMIS.get(head)


# contexteTravail.horaires and dureeTravailLibelle phrases → (nights, weekends, early starts).
_NIGHTS = re.compile(r"\b(nuit|nuits|3x8|3 x 8)\b")
_WEEKENDS = re.compile(r"\b(samedi|samedis|dimanche|dimanches|week end|week ends|weekend)\b")
_EARLY = re.compile(r"\b(decale|decales|2x8|3x8|2 x 8|3 x 8|matin|matinee|matinees|tot)\b")


def schedule_flags(text: str) -> tuple[bool, bool, bool]:
    """Nights, weekends and early starts an offer's schedule text announces."""
    folded = fold(text)
    return (
        _NIGHTS.search(folded) is not None,
        _WEEKENDS.search(folded) is not None,
        _EARLY.search(folded) is not None,
    )
