"""Industry outreach: a company's contacts, awareness actions and events with who came and the
testimonies heard, and the clause tenders a company later answered.

A contact is a person: only a name, a role, a phone and an e-mail are kept, never logged, never
in the audit detail. A company's sector is its NAF code (``companies.naf_code``)."""

from __future__ import annotations

from datetime import date
from typing import Final

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from service.db import Base
from service.models.common import Timestamps, check_in

__all__ = [
    "EVENT_KINDS",
    "SPEAKER_KINDS",
    "TENDER_STATUSES",
    "CompanyContact",
    "OutreachAttendance",
    "OutreachEvent",
    "OutreachTestimony",
    "TenderAnswer",
]


class CompanyContact(Timestamps, Base):
    """Someone to reach at a company (personal data: name, role, phone, e-mail only)."""

    __tablename__ = "company_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str | None] = mapped_column(sa.String(120))
    phone: Mapped[str | None] = mapped_column(sa.String(32))
    email: Mapped[str | None] = mapped_column(sa.String(254))


EVENT_KINDS: Final = (
    "reunion_information",
    "petit_dejeuner",
    "visite_entreprise",
    "salon_forum",
    "webinaire",
    "rendez_vous",
    "autre",
)


class OutreachEvent(Timestamps, Base):
    """An awareness action or event of the campaign."""

    __tablename__ = "outreach_events"
    __table_args__ = (sa.CheckConstraint(check_in("kind", EVENT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(24))
    title: Mapped[str] = mapped_column(sa.String(200))
    held_on: Mapped[date] = mapped_column(sa.Date, index=True)
    place: Mapped[str] = mapped_column(sa.String(200))
    commune_insee: Mapped[str | None] = mapped_column(sa.String(5))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))


class OutreachAttendance(Base):
    """A company at an event: how many of its people came, and the contact who came, if
    known."""

    __tablename__ = "outreach_attendances"
    __table_args__ = (
        sa.UniqueConstraint("event_id", "company_id"),
        sa.CheckConstraint("people >= 1 AND people <= 500", name="people"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("outreach_events.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("company_contacts.id", ondelete="SET NULL")
    )
    people: Mapped[int] = mapped_column(sa.Integer, default=1)


SPEAKER_KINDS: Final = ("entreprise", "salarie_insertion", "siae", "acheteur", "autre")


class OutreachTestimony(Timestamps, Base):
    """A testimony heard at an event (who spoke, by kind; what was said, summarised). The text
    is free text: never logged, never in the audit detail."""

    __tablename__ = "outreach_testimonies"
    __table_args__ = (sa.CheckConstraint(check_in("speaker_kind", SPEAKER_KINDS), name="speaker"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(
        sa.ForeignKey("outreach_events.id", ondelete="CASCADE"), index=True
    )
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"))
    speaker_kind: Mapped[str] = mapped_column(sa.String(24))
    text: Mapped[str] = mapped_column(sa.Text)
    may_publish: Mapped[bool] = mapped_column(sa.Boolean, default=False)


TENDER_STATUSES: Final = ("bid", "won", "lost")


class TenderAnswer(Timestamps, Base):
    """A company answered the tender of a lot carrying a clause (and won it, or not)."""

    __tablename__ = "tender_answers"
    __table_args__ = (
        sa.UniqueConstraint("company_id", "lot_id"),
        sa.CheckConstraint(check_in("status", TENDER_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(
        sa.ForeignKey("companies.id", ondelete="CASCADE"), index=True
    )
    lot_id: Mapped[int] = mapped_column(sa.ForeignKey("lots.id", ondelete="CASCADE"), index=True)
    answered_on: Mapped[date] = mapped_column(sa.Date)
    status: Mapped[str] = mapped_column(sa.String(8))
