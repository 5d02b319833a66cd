"""Small typed factories: one row per call, every field overridable."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from service.accounts.auth import hash_token, new_token
from service.db import utcnow
from service.models.accounts import AuditEntry, User
from service.models.offers import Offer, OfferLicence
from service.models.people import Candidate, CandidateJob, CandidateLicence
from service.models.procurement import Buyer, Company, Contract, Lot

_seq = itertools.count(1)

# Valid SIRETs (Luhn key correct).
SIRETS = ("73282932000074", "35600000000048", "35600000000010", "44306184100047")


@dataclass(frozen=True)
class Actor:
    """A user and the token that authenticates them."""

    user: User
    token: str

    @property
    def id(self) -> int:
        return self.user.id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_user(session: Session, *, role: str = "coach", **overrides: Any) -> Actor:
    token = new_token()
    fields: dict[str, Any] = {
        "username": f"user-{next(_seq)}",
        "role": role,
        "token_hash": hash_token(token),
        "is_active": True,
        "token_expires_at": utcnow() + timedelta(days=30),
    }
    fields.update(overrides)
    user = User(**fields)
    session.add(user)
    session.flush()
    return Actor(user, token)


def make_candidate(
    session: Session,
    *,
    coach: Actor | User,
    licences: tuple[str, ...] = ("PERMIS_B",),
    jobs: tuple[tuple[int | None, str, float], ...] = ((16250, "F1703", 2.0),),
    **overrides: Any,
) -> Candidate:
    coach_user = coach.user if isinstance(coach, Actor) else coach
    fields: dict[str, Any] = {
        "external_id": f"P{next(_seq):05d}",
        "coach_id": coach_user.id,
        "commune_insee": "61001",
        "has_vehicle": True,
        "travel_mode": "voiture",
        "max_distance_km": 25.0,
        "max_travel_minutes": None,
        "readiness_stage": "pret_emploi",
        "readiness_assessed_on": date(2026, 9, 1),
        "available_from": date(2026, 10, 1),
        "max_weekly_hours": 35.0,
        "skills": [],
    }
    fields.update(overrides)
    candidate = Candidate(
        **fields,
        licences=[CandidateLicence(code=c) for c in licences],
        jobs=[CandidateJob(code_ogr=o, code_rome=r, experience_years=y) for o, r, y in jobs],
    )
    session.add(candidate)
    session.flush()
    return candidate


def make_company(session: Session, **overrides: Any) -> Company:
    fields: dict[str, Any] = {"siret": SIRETS[0], "name": "Bâtiments du Bocage"}
    fields.update(overrides)
    company = Company(**fields)
    session.add(company)
    session.flush()
    return company


def make_buyer(session: Session, **overrides: Any) -> Buyer:
    fields: dict[str, Any] = {"name": f"Acheteur {next(_seq)}", "siret": None}
    fields.update(overrides)
    buyer = Buyer(**fields)
    session.add(buyer)
    session.flush()
    return buyer


def make_contract(session: Session, *, buyer: Buyer | None = None, **overrides: Any) -> Contract:
    buyer = buyer or make_buyer(session)
    fields: dict[str, Any] = {
        "buyer_id": buyer.id,
        "reference": f"M{next(_seq)}",
        "title": "Réhabilitation du collège",
        "start_date": date(2026, 1, 1),
        "end_date": date(2027, 12, 31),
    }
    fields.update(overrides)
    contract = Contract(**fields)
    session.add(contract)
    session.flush()
    return contract


def make_lot(session: Session, *, contract: Contract | None = None, **overrides: Any) -> Lot:
    contract = contract or make_contract(session)
    number = str(next(_seq))
    fields: dict[str, Any] = {
        "contract_id": contract.id,
        "reference": f"{contract.reference}-LOT{number}",
        "number": number,
        "trade": "Gros œuvre",
        "insertion_hours": 700.0,
        "start_date": date(2026, 3, 1),
        "end_date": None,
    }
    fields.update(overrides)
    lot = Lot(**fields)
    session.add(lot)
    session.flush()
    return lot


def make_offer(
    session: Session, *, required_licences: tuple[str, ...] = (), **overrides: Any
) -> Offer:
    fields: dict[str, Any] = {
        "external_id": f"O{next(_seq):05d}",
        "intitule": "Maçon H/F",
        "code_ogr": 16250,
        "code_rome": "F1703",
        "commune_insee": "61001",
        "required_skills": [],
        "weekly_hours": 35.0,
        "start_date": date(2026, 11, 2),
        "end_date": date(2027, 5, 2),
        "contract_type": "CDD",
        "open_positions": 1,
    }
    fields.update(overrides)
    offer = Offer(**fields, required_licences=[OfferLicence(code=c) for c in required_licences])
    session.add(offer)
    session.flush()
    return offer


def audit_entries(session: Session, **where: Any) -> list[AuditEntry]:
    """Audit rows matching ``where`` (column = value), oldest first."""
    from sqlalchemy import select

    stmt = select(AuditEntry).order_by(AuditEntry.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, key) == value)
    return list(session.scalars(stmt))
