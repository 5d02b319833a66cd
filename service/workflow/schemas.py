"""API bodies of proposals, placements and hours."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from matching import columns as col
from matching.fields import OFFER_FIELDS
from service.kit.schemas import Declared
from service.workflow.states import (
    WITH_REASON,
    DeliveryMode,
    Intermediary,
    ReasonCode,
    Target,
)

__all__ = [
    "HoursIn",
    "HoursRead",
    "PlacementCreate",
    "PlacementIn",
    "PlacementRead",
    "PlacementUpdate",
    "ProposalCreate",
    "ProposalEventRead",
    "ProposalRead",
    "TransitionIn",
]


class ProposalCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    candidate_id: int = Field(ge=1, le=2_147_483_647)
    offer_id: int = Field(ge=1, le=2_147_483_647)
    source: Literal["shortlist", "manual"] = Field(
        default="shortlist", description="depuis une liste de candidats classés, ou à la main"
    )
    comment: str | None = Field(
        default=None, max_length=4000, description="commentaire du coach (jamais journalisé)"
    )


class TransitionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    to: Target
    version: int = Field(ge=1, description="la version de la proposition que vous avez lue")
    reason: ReasonCode | None = Field(default=None, description="motif (refus, non retenu)")
    reason_text: str | None = Field(default=None, max_length=1000, description="si motif autre")
    comment: str | None = Field(default=None, max_length=4000)
    placement: PlacementIn | None = Field(default=None, description="pour passer en poste")
    outcome: Outcome | None = Field(default=None, description="situation à la fin (terminée)")
    end_date: date | None = Field(default=None, description="fin du placement (terminée)")

    @model_validator(mode="after")
    def _reason(self) -> TransitionIn:
        if self.to in WITH_REASON:
            if self.reason is None:
                raise ValueError(f"reason : un motif est requis pour passer à « {self.to} »")
            if self.reason == "other" and not (self.reason_text or "").strip():
                raise ValueError("reason_text : précisez le motif « autre »")
        elif self.reason is not None or self.reason_text is not None:
            raise ValueError(f"reason : pas de motif pour passer à « {self.to} »")
        if self.to == "in_post" and self.placement is None:
            raise ValueError("placement : requis pour passer en poste (mode, contrat, dates)")
        if self.to != "in_post" and self.placement is not None:
            raise ValueError("placement : seulement pour passer en poste")
        if self.to == "ended" and self.outcome is None:
            raise ValueError("outcome : la situation à la fin du placement est requise")
        if self.to != "ended" and (self.outcome is not None or self.end_date is not None):
            raise ValueError("outcome, end_date : seulement pour terminer un placement")
        return self


class ExclusionReason(BaseModel):
    code: str
    message: str


class ProposalRead(BaseModel):
    id: int
    candidate_id: int
    offer_id: int
    proposed_by: int
    state: str
    state_label: str
    state_reason: str | None
    state_reason_label: str | None
    state_reason_text: str | None
    state_changed_at: datetime
    is_stale: bool
    comment: str | None
    is_manual: bool
    score: float | None
    components: dict[str, float] | None
    explanation: str | None
    model_version: str | None
    rank: int | None
    exclusion_reasons: list[ExclusionReason]
    placement_id: int | None = None
    created_at: datetime
    version: int


class ProposalEventRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    from_state: str | None
    to_state: str
    reason: str | None
    reason_text: str | None
    comment: str | None
    at: datetime
    by: int | None
    by_username: str | None = None


ContractType = Annotated[str, Declared(OFFER_FIELDS[col.CONTRACT_TYPE])]


Outcome = Literal[
    "emploi_durable",
    "formation_qualifiante",
    "emploi_transition",
    "sortie_positive",
    "other",
    "unknown",
]


def _check_intermediary(mode: str | None, intermediary: str | None) -> None:
    if mode == "mise_a_disposition" and intermediary is None:
        raise ValueError("intermediary : une mise à disposition passe par une ETTI ou une AI")
    if mode is not None and mode != "mise_a_disposition" and intermediary is not None:
        raise ValueError("intermediary : seulement pour une mise à disposition")


class PlacementIn(BaseModel):
    """How the person works on the lot (the lot defaults to the offer's)."""

    model_config = ConfigDict(extra="forbid")

    lot_id: int | None = Field(default=None, ge=1, le=2_147_483_647)
    delivery_mode: DeliveryMode
    intermediary: Intermediary | None = None
    contract_type: ContractType
    start_date: date
    end_date: date | None = None

    @model_validator(mode="after")
    def _check(self) -> PlacementIn:
        _check_intermediary(self.delivery_mode, self.intermediary)
        if self.end_date is not None and self.end_date < self.start_date:
            raise ValueError(f"end_date ({self.end_date}) est avant start_date ({self.start_date})")
        return self


class PlacementCreate(PlacementIn):
    candidate_id: int = Field(ge=1, le=2_147_483_647)
    lot_id: int = Field(ge=1, le=2_147_483_647)


class PlacementUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    delivery_mode: DeliveryMode | None = None
    intermediary: Intermediary | None = None
    contract_type: ContractType | None = None
    start_date: date | None = None
    end_date: date | None = None
    outcome_at_end: Outcome | None = None
    outcome_6_months: Outcome | None = None


class PlacementRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    candidate_id: int
    lot_id: int
    proposal_id: int | None
    delivery_mode: str
    delivery_mode_label: str = ""
    intermediary: str | None
    contract_type: str
    start_date: date
    end_date: date | None
    outcome_at_end: str | None
    outcome_at_end_label: str | None = None
    outcome_6_months: str | None
    outcome_6_months_label: str | None = None
    total_hours: float = 0.0
    version: int


class MonthHours(BaseModel):
    model_config = ConfigDict(extra="forbid", from_attributes=True)

    month: date = Field(description="le mois (AAAA-MM-01 ; un autre jour est ramené au 1er)")
    hours: float

    @field_validator("month")
    @classmethod
    def _first_day(cls, value: date) -> date:
        return value.replace(day=1)


class HoursIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[MonthHours] = Field(min_length=1, max_length=240)


class HoursRead(BaseModel):
    placement_id: int
    items: list[MonthHours]
    total_hours: float
