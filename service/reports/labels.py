"""What a person reads in an exported report: French sheet titles, column headers with their unit,
the kind of each column (how its values are written), and the code columns left out (their
label is shown instead). The API's JSON keeps the codes.
"""

from __future__ import annotations

from typing import Final, Literal

from service.workflow.states import DELIVERY_MODE_LABELS

__all__ = ["HIDDEN", "TABLE_TITLES", "Kind", "column_kind", "column_label", "value_kind"]


Kind = Literal["text", "hours", "count", "ratio", "date", "month", "bool"]


TABLE_TITLES: Final[dict[str, str]] = {
    "synthese": "Synthèse",
    "lots": "Lots",
    "marches": "Marchés",
    "modes": "Modes de réalisation",
    "indicateurs": "Indicateurs du projet",
    "participants": "Participants FSE+",
    "heures_par_mois": "Heures par mois",
    "situations": "Situations à la sortie",
    "entonnoir": "Entonnoir",
    "par_coach": "Par coach",
    "par_bassin": "Par bassin d'emploi",
    "motifs": "Motifs de refus",
}


# Code columns whose label is in the next column: not exported.
HIDDEN: Final[dict[str, frozenset[str]]] = {
    "synthese": frozenset({"code"}),
    "lots": frozenset({"marche_id"}),
    "marches": frozenset({"marche_id"}),
    "modes": frozenset({"mode"}),
    "indicateurs": frozenset({"code"}),
    "situations": frozenset({"situation"}),
    "motifs": frozenset({"motif"}),
}


_COLUMNS: Final[dict[str, tuple[str, Kind]]] = {
    "marche": ("Marché", "text"),
    "acheteur": ("Acheteur", "text"),
    "lot": ("Lot", "text"),
    "metier": ("Métier", "text"),
    "entreprise": ("Entreprise attributaire", "text"),
    "debut": ("Début", "date"),
    "fin": ("Fin", "date"),
    "heures_engagees": ("Heures engagées (h)", "hours"),
    "heures_periode": ("Heures de la période (h)", "hours"),
    "heures_realisees": ("Heures réalisées (h)", "hours"),
    "taux_realisation": ("Taux de réalisation (%)", "ratio"),
    "part_duree_ecoulee": ("Durée écoulée (%)", "ratio"),
    "en_retard": ("En retard", "bool"),
    "lots": ("Lots", "count"),
    "lots_en_retard": ("Lots en retard", "count"),
    "libelle": ("Libellé", "text"),
    "heures": ("Heures (h)", "hours"),
    "part": ("Part des heures (%)", "ratio"),
    "indicateur": ("Indicateur", "text"),
    "valeur": ("Valeur", "text"),
    "unite": ("Unité", "text"),
    "rubrique": ("Rubrique", "text"),
    "code": ("Code FSE+", "text"),
    "total": ("Total (personnes)", "count"),
    "femmes": ("Femmes", "count"),
    "hommes": ("Hommes", "count"),
    "sexe_non_renseigne": ("Sexe non renseigné", "count"),
    "mois": ("Mois", "month"),
    "heures_rsa": ("Heures des bénéficiaires du RSA (h)", "hours"),
    "a_la_fin": ("À la fin du placement (placements)", "count"),
    "six_mois_apres": ("Six mois après (placements)", "count"),
    "coach": ("Coach", "text"),
    "bassin": ("Code du bassin d'emploi", "text"),
    "proposees": ("Proposées", "count"),
    "validees": ("Validées", "count"),
    "presentees": ("Présentées", "count"),
    "embauchees": ("Embauchées", "count"),
    "refusees": ("Refusées", "count"),
    "non_retenues": ("Non retenues", "count"),
    "en_cours": ("En cours", "count"),
    "taux_validation": ("Taux de validation (%)", "ratio"),
    "taux_embauche": ("Taux d'embauche (%)", "ratio"),
    "etape": ("Étape", "text"),
    "propositions": ("Propositions", "count"),
    **{
        f"heures_{mode}": (f"Heures : {label[0].lower()}{label[1:]} (h)", "hours")
        for mode, label in DELIVERY_MODE_LABELS.items()
    },
}


_BY_TABLE: Final[dict[tuple[str, str], str]] = {
    ("modes", "libelle"): "Mode de réalisation",
    ("situations", "libelle"): "Situation",
    ("par_bassin", "libelle"): "Bassin d'emploi",
    ("motifs", "libelle"): "Motif",
    ("heures_par_mois", "heures"): "Heures, tous publics (h)",
    ("by_buyer", "acheteur"): "Acheteur",
}


def column_label(table: str, column: str) -> str:
    """The French header of a column (its unit in brackets)."""
    if (table, column) in _BY_TABLE:
        return _BY_TABLE[(table, column)]
    return _COLUMNS.get(column, (column.replace("_", " ").capitalize(), "text"))[0]


def column_kind(column: str) -> Kind:
    return _COLUMNS.get(column, ("", "text"))[1]


def value_kind(table: str, code: str, unit: str | None = None) -> Kind:
    """Kind of one value of a ``valeur`` column (synthèse and FSE+ indicators mix hours, counts
    and shares): from the row's unit, or its code."""
    if unit == "%" or code.startswith(("part_", "taux_")):
        return "ratio"
    if unit == "h" or code.startswith("heures"):
        return "hours"
    return "count"
