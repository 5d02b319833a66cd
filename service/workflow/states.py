"""Proposal states and moves, refusal reasons, delivery modes and outcomes, with their French
labels."""

from __future__ import annotations

from typing import Final, Literal

__all__ = [
    "DELIVERY_MODE_LABELS",
    "DURABLE_RETURN",
    "MAX_MONTHLY_HOURS",
    "OPEN_STATES",
    "OUTCOME_LABELS",
    "PROPOSAL_TARGETS",
    "REFUSAL_REASONS",
    "STATE_LABELS",
    "TRANSITIONS",
]


STATE_LABELS: Final[dict[str, str]] = {
    "proposed": "proposée",
    "validated": "validée par le facilitateur",
    "refused": "refusée",
    "presented": "présentée à l'entreprise",
    "hired": "embauchée",
    "not_retained": "non retenue",
    "in_post": "en poste",
    "ended": "terminée",
    "obsolete": "caduque (embauche ailleurs)",
    "withdrawn": "retirée par le coach",
}


REFUSAL_REASONS: Final[dict[str, str]] = {
    "not_eligible": "Ne remplit pas les conditions d'éligibilité de la clause",
    "not_ready": "Pas encore prêt·e pour l'emploi",
    "mobility": "Mobilité insuffisante pour ce poste",
    "skills_lacking": "Compétences insuffisantes pour le poste",
    "schedule_incompatible": "Horaires incompatibles",
    "candidate_declined": "La personne a décliné",
    "company_declined": "L'entreprise a décliné",
    "other": "Autre motif (précisé)",
}


TRANSITIONS: Final[dict[tuple[str, str], str]] = {
    ("proposed", "validated"): "facilitator",
    ("proposed", "refused"): "facilitator",
    ("proposed", "withdrawn"): "coach",
    ("validated", "presented"): "facilitator",
    ("validated", "refused"): "facilitator",
    ("validated", "withdrawn"): "coach",
    ("presented", "hired"): "facilitator",
    ("presented", "not_retained"): "facilitator",
    ("hired", "in_post"): "facilitator",
    ("in_post", "ended"): "facilitator",
}


_OTHER_REASONS: Final = {"hired_elsewhere": "Embauchée sur une autre offre"}


WITH_REASON: Final = frozenset({"refused", "not_retained"})


# A person may have only one of these per offer; "hired elsewhere" closes the first three.
OPEN_STATES: Final = ("proposed", "validated", "presented")


ACTIVE_STATES: Final = (*OPEN_STATES, "hired", "in_post")


# Waiting on someone: flagged stale after ``proposal_stale_days`` without a move.
STALE_STATES: Final = (*OPEN_STATES, "hired")


Target = Literal[
    "validated", "refused", "withdrawn", "presented", "hired", "not_retained", "in_post", "ended"
]


PROPOSAL_TARGETS: Final = Target.__args__  # type: ignore[attr-defined]


ReasonCode = Literal[
    "not_eligible",
    "not_ready",
    "mobility",
    "skills_lacking",
    "schedule_incompatible",
    "candidate_declined",
    "company_declined",
    "other",
]


Outcome = Literal[
    "emploi_durable",
    "formation_qualifiante",
    "emploi_transition",
    "sortie_positive",
    "other",
    "unknown",
]


MAX_MONTHLY_HOURS: Final = 220.0


DELIVERY_MODE_LABELS: Final[dict[str, str]] = {
    "direct_hire": "Embauche directe par l'entreprise",
    "mise_a_disposition": "Mise à disposition (ETTI ou AI)",
    "geiq": "Parcours en GEIQ",
    "sous_traitance_siae": "Sous-traitance à une SIAE",
    "co_traitance_siae": "Co-traitance avec une SIAE",
    "ea_esat": "Sous-traitance à une EA ou un ESAT",
}


OUTCOME_LABELS: Final[dict[str, str]] = {
    "emploi_durable": (
        "Emploi durable (CDI, CDD ou intérim de 6 mois et plus, emploi public, création "
        "d'entreprise)"
    ),
    "formation_qualifiante": "Formation qualifiante (menant à une certification)",
    "emploi_transition": "Emploi de transition (CDD ou intérim de moins de 6 mois, contrat aidé)",
    "sortie_positive": "Sortie positive (embauche par une SIAE, formation non qualifiante)",
    "other": "Autre situation",
    "unknown": "Situation inconnue",
}


IN_EMPLOYMENT: Final = frozenset({"emploi_durable", "emploi_transition"})


# Returns to durable employment in the FSE+ sense: CDI, CDD or interim of 6 months and more,
# civil-service post or business creation (``emploi_durable``), or a training leading to a
# qualification.
DURABLE_RETURN: Final = frozenset({"emploi_durable", "formation_qualifiante"})


DeliveryMode = Literal[
    "direct_hire",
    "mise_a_disposition",
    "geiq",
    "sous_traitance_siae",
    "co_traitance_siae",
    "ea_esat",
]


Intermediary = Literal["ETTI", "AI"]
