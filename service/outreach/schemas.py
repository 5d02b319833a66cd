"""API bodies of the industry outreach: sectors, contacts, events, tender answers, the final
account."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from service.kit.schemas import Declared
from service.models.people import EMAIL, LAST_NAME, PHONE

__all__ = [
    "AttendanceIn",
    "AttendanceRead",
    "ContactIn",
    "ContactRead",
    "EventDetail",
    "EventIn",
    "EventRead",
    "FinalAccountRead",
    "FinalAccountRow",
    "NafRead",
    "OutreachCompanyRead",
    "SectorIn",
    "TenderAnswerIn",
    "TenderAnswerRead",
    "TestimonyIn",
    "TestimonyRead",
]

EventKind = Literal[
    "reunion_information",
    "petit_dejeuner",
    "visite_entreprise",
    "salon_forum",
    "webinaire",
    "rendez_vous",
    "autre",
]
SpeakerKind = Literal["entreprise", "salarie_insertion", "siae", "acheteur", "autre"]
TenderStatus = Literal["bid", "won", "lost"]

ID = Annotated[int, Field(ge=1, le=2_147_483_647)]


class NafRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    label: str
    division: str
    division_label: str
    section: str
    section_label: str


class SectorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    naf_code: str | None = Field(
        max_length=12, description="sous-classe NAF rév. 2 (code APE, ex. 43.99C) ; null l'efface"
    )


class OutreachCompanyRead(BaseModel):
    """A company as the outreach sees it: sector, contacts, events, later tenders."""

    id: int
    siret: str
    name: str
    commune_insee: str | None
    naf_code: str | None
    naf_label: str | None
    section: str | None
    section_label: str | None
    contacts: int
    events: int
    first_contact_on: date | None = Field(description="premier événement suivi")
    answered_after: bool = Field(description="a répondu à un marché avec clause après")
    won_after: bool = Field(description="a remporté un lot avec clause après")


class ContactIn(BaseModel):
    """A contact person: name, role, phone, e-mail only (personal data, never logged)."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Declared(LAST_NAME), Field(min_length=1, max_length=200)]
    role: str | None = Field(default=None, max_length=120, description="fonction")
    phone: Annotated[str | None, Declared(PHONE)] = None
    email: Annotated[str | None, Declared(EMAIL)] = None


class ContactRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    company_id: int
    name: str
    role: str | None
    phone: str | None
    email: str | None


class EventIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: EventKind
    title: str = Field(min_length=1, max_length=200)
    held_on: date
    place: str = Field(min_length=1, max_length=200, description="lieu (salle, commune)")
    commune_insee: str | None = Field(default=None, max_length=60)


class EventRead(BaseModel):
    id: int
    kind: str
    kind_label: str
    title: str
    held_on: date
    place: str
    commune_insee: str | None
    companies: int
    people: int
    testimonies: int


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    company_id: ID
    contact_id: ID | None = None
    people: int = Field(default=1, ge=1, le=500, description="personnes venues de l'entreprise")


class AttendanceRead(BaseModel):
    company_id: int
    company_name: str
    naf_code: str | None
    contact_id: int | None
    contact_name: str | None
    people: int


class TestimonyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    speaker_kind: SpeakerKind
    company_id: ID | None = None
    text: str = Field(min_length=1, max_length=4000, description="résumé du témoignage")
    may_publish: bool = Field(default=False, description="accord pour le citer dans le bilan")


class TestimonyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    event_id: int
    company_id: int | None
    speaker_kind: str
    text: str
    may_publish: bool


class EventDetail(EventRead):
    attendances: list[AttendanceRead]
    testimony_items: list[TestimonyRead]


class TenderAnswerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    company_id: ID
    lot_id: ID
    answered_on: date
    status: TenderStatus = Field(
        description="bid : a répondu ; won : a remporté ; lost : non retenu"
    )


class TenderAnswerRead(BaseModel):
    id: int
    company_id: int
    lot_id: int
    lot_reference: str
    contract_reference: str
    answered_on: date
    status: str
    status_label: str


class FinalAccountRow(BaseModel):
    """One NAF section of the final account (``section`` "" for companies without a sector)."""

    section: str
    section_label: str
    companies_reached: int
    people: int = Field(description="personnes venues (toutes entreprises du secteur)")
    events: int = Field(description="actions ou événements où le secteur était représenté")
    answered_after: int = Field(description="entreprises ayant répondu ensuite à une clause")
    won_after: int = Field(description="entreprises ayant ensuite remporté un lot avec clause")


class FinalAccountRead(BaseModel):
    """The outreach campaign's final account: by sector, then the whole."""

    rows: list[FinalAccountRow]
    total: FinalAccountRow
    events: int
    testimonies: int
