"""API bodies of shortlists, batch runs, digests and the facilitator's tools."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "BatchRead",
    "CandidateOffersRead",
    "DigestRead",
    "HoursEstimate",
    "LabourShare",
    "MatchRunRead",
    "ShortlistRead",
    "SupplyIn",
    "SupplyRead",
    "WhyNotRead",
]


Scope = Literal["mine", "all"]


class Components(BaseModel):
    skills: float = Field(description="métier et compétences, entre 0 et 1")
    mobility: float = Field(description="distance ou temps de trajet, entre 0 et 1")
    readiness: float = Field(description="préparation et disponibilité, entre 0 et 1")


class ShortlistItem(BaseModel):
    rank: int
    candidate_id: int = Field(description="identifiant interne de la personne")
    external_id: str | None = Field(
        description="identifiant du suivi, seulement pour son propre suivi (ou le facilitateur)"
    )
    name: str | None = Field(
        description="prénom et nom, seulement pour son propre suivi (ou le facilitateur)"
    )
    is_own_caseload: bool
    coach: str = Field(description="le coach qui suit la personne")
    commune_insee: str
    commune: str
    score: float
    components: Components | None = Field(
        description="composantes du score, seulement pour son propre suivi (ou le facilitateur)"
    )
    contributions: Components | None = Field(
        description="contributions au score, seulement pour son propre suivi (ou le facilitateur)"
    )
    distance_km: float
    beyond_range: bool | None = Field(
        description=(
            "le lieu de travail est au-delà du trajet déclaré, dans la tolérance (seulement pour "
            "son propre suivi ou le facilitateur)"
        )
    )
    explanation: str = Field(
        description=(
            "pourquoi la personne est classée ; pour le suivi d'un autre coach, seulement le "
            "lien entre ses métiers visés et celui de l'offre, et la distance"
        )
    )


class ShortlistRead(BaseModel):
    offer_id: int
    offer_external_id: str
    intitule: str
    scope: Scope
    k: int
    as_of: date
    model_version: str
    items: list[ShortlistItem]


class OfferItem(BaseModel):
    rank: int
    offer_id: int
    offer_external_id: str
    intitule: str
    code_rome: str | None
    commune_insee: str
    commune: str
    start_date: date
    score: float
    components: Components
    contributions: Components
    distance_km: float
    beyond_range: bool = Field(
        description="le lieu de travail est au-delà du trajet déclaré, dans la tolérance"
    )
    explanation: str


class CandidateOffersRead(BaseModel):
    candidate_id: int
    k: int
    as_of: date
    model_version: str
    items: list[OfferItem]


class Reason(BaseModel):
    code: str
    message: str
    is_excluding: bool = Field(
        description="faux pour une contrainte déclarée dépassée dans la tolérance (trajet)"
    )


class WhyNotRead(BaseModel):
    candidate_id: int
    offer_id: int
    is_excluded: bool
    reasons: list[Reason]
    summary: str


class BatchRead(BaseModel):
    """The outcome of a batch: the run recorded, or why there was nothing to do."""

    status: str = Field(description="completed, ou nothing_to_do")
    run_id: int | None = None
    message: str
    n_offers: int = 0
    n_candidates: int = 0
    n_matches: int = 0
    n_people: int = Field(0, description="personnes sur au moins une liste")
    max_lists_per_person: int = 0
    model_version: str = ""
    input_hash: str = ""
    duration_s: float = 0.0
    parameters: dict[str, Any] = Field(default_factory=dict)


class MatchRunRead(BaseModel):
    id: int
    kind: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    duration_s: float | None
    model_version: str
    parameters: dict[str, Any]
    n_offers: int
    n_candidates: int
    n_matches: int


class DigestMatch(BaseModel):
    candidate_id: int
    external_id: str = Field(description="identifiant du suivi (votre propre suivi)")
    name: str = Field(description="prénom et nom (votre propre suivi)")
    rank: int
    score: float
    components: dict[str, float]
    explanation: str
    run_id: int


class DigestOffer(BaseModel):
    offer_id: int
    offer_external_id: str
    intitule: str
    code_rome: str | None
    commune_insee: str
    commune: str
    start_date: date
    open_positions: int
    matches: list[DigestMatch]


class DigestRead(BaseModel):
    coach_id: int
    coach: str
    since_match_id: int = Field(description="dernière correspondance déjà lue")
    last_match_id: int = Field(description="dernière correspondance de ce résumé")
    previous_read_at: datetime | None
    peek: bool
    n_matches: int
    offers: list[DigestOffer]


class LabourShare(BaseModel):
    trade: str
    libelle: str
    domaines_rome: list[str]
    labour_share: float
    source: str


class HoursEstimate(BaseModel):
    amount_eur: float
    labour_share: float
    insertion_rate: float
    hourly_cost_eur: float
    trade: str | None
    labour_cost_eur: float
    insertion_cost_eur: float
    hours_exact: float
    hours: int
    formula: str
    assumptions: list[str]


class SupplyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rome_codes: list[str] = Field(min_length=1, max_length=20, description="fiches ROME")
    commune_insee: str = Field(description="commune du chantier (code INSEE ou nom)")
    hours: float | None = Field(default=None, gt=0, description="heures d'insertion du lot")
    weekly_hours: float = Field(default=35.0, gt=0, le=48)
    start_date: date | None = Field(default=None, description="début prévu (dans 30 jours sinon)")
    months: float = Field(default=6.0, gt=0, le=60, description="durée prévue du lot, en mois")
    has_nights: bool = False
    has_weekends: bool = False
    has_early_starts: bool = False

    @field_validator("rome_codes")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        return list(dict.fromkeys(c.strip().upper() for c in value if c.strip()))


class SupplyByFiche(BaseModel):
    code_rome: str
    libelle: str
    candidates: int
    by_readiness: dict[str, int]


class SupplyRead(BaseModel):
    commune_insee: str
    commune: str
    as_of: date
    start_date: date
    candidates: int
    by_readiness: dict[str, int]
    by_fiche: list[SupplyByFiche]
    hours: float | None
    people_needed: int | None
    verdict: str
    assumptions: list[str]
