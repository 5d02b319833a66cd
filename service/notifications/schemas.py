"""API bodies of the e-mail preferences and of the outbox."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["MailRead", "PreferencesRead", "PreferencesUpdate"]


Frequency = Literal["off", "daily", "weekly"]

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


class PreferencesRead(BaseModel):
    """What a user receives by e-mail, and where."""

    model_config = ConfigDict(from_attributes=True)

    email: str | None = Field(None, description="adresse ; vide : aucun e-mail")
    digest: Frequency = Field("daily", description="coach : résumé des nouvelles propositions")
    proposal_updates: bool = Field(
        True, description="coach : proposition validée, refusée (avec le motif), embauche"
    )
    inactivity_notices: bool = Field(
        True, description="coach : avis avant l'anonymisation d'une personne inactive"
    )
    waiting_reminder: Frequency = Field(
        "daily", description="facilitateur : propositions en attente de décision"
    )
    last_digest_at: datetime | None = None
    last_reminder_at: datetime | None = None


class PreferencesUpdate(BaseModel):
    """The preferences to keep (every field; the e-mail address may be emptied)."""

    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(None, max_length=254)
    digest: Frequency = "daily"
    proposal_updates: bool = True
    inactivity_notices: bool = True
    waiting_reminder: Frequency = "daily"

    @field_validator("email")
    @classmethod
    def _address(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        value = value.strip()
        if not _EMAIL.match(value):
            raise ValueError("adresse e-mail invalide (exemple : prenom.nom@orne.fr)")
        return value


class MailRead(BaseModel):
    """One message of the outbox, without its content nor its address."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int | None
    kind: str
    status: Literal["queued", "sending", "sent", "failed", "cancelled"]
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    sent_at: datetime | None
    last_error: str | None
