"""Rows for the web tests: users with a web password, people, offers, lots."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from service.accounts.auth import hash_token, new_token
from service.accounts.passwords import hash_password
from service.db import utcnow
from service.models.accounts import User
from service.models.offers import Offer
from service.models.people import Candidate, CandidateJob, CandidateLicence, name_key
from service.models.procurement import Buyer, Contract, Lot

_seq = itertools.count(1)
PASSWORD = "correct-horse-1"
# One argon2 hash for every test user: hashing is slow on purpose.
_PASSWORD_HASH = hash_password(PASSWORD)


def make_user(session: Session, *, role: str = "coach", **overrides: Any) -> User:
    fields: dict[str, Any] = {
        "username": f"web-user-{next(_seq)}",
        "role": role,
        "token_hash": hash_token(new_token()),
        "password_hash": _PASSWORD_HASH,
        "is_active": True,
        "token_expires_at": utcnow() + timedelta(days=30),
    }
    fields.update(overrides)
    user = User(**fields)
    session.add(user)
    session.flush()
    return user


def make_candidate(session: Session, *, coach: User, **overrides: Any) -> Candidate:
    fields: dict[str, Any] = {
        "external_id": f"WP{next(_seq):05d}",
        "coach_id": coach.id,
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
    fields.setdefault("name_key", name_key(fields.get("first_name"), fields.get("last_name")))
    person = Candidate(
        **fields,
        licences=[CandidateLicence(code="PERMIS_B")],
        jobs=[CandidateJob(code_ogr=16250, code_rome="F1703", experience_years=2.0)],
    )
    session.add(person)
    session.flush()
    return person


def make_lot(session: Session, **overrides: Any) -> Lot:
    n = next(_seq)
    buyer = Buyer(name=f"Acheteur web {n}")
    session.add(buyer)
    session.flush()
    contract = Contract(
        buyer_id=buyer.id,
        reference=f"MW{n}",
        title="Réhabilitation du collège",
        start_date=date(2026, 1, 1),
        end_date=date(2027, 12, 31),
    )
    session.add(contract)
    session.flush()
    fields: dict[str, Any] = {
        "contract_id": contract.id,
        "reference": f"MW{n}-LOT01",
        "number": "01",
        "trade": "Gros œuvre",
        "insertion_hours": 700.0,
        "start_date": date(2026, 3, 1),
    }
    fields.update(overrides)
    lot = Lot(**fields)
    session.add(lot)
    session.flush()
    return lot


def make_offer(session: Session, **overrides: Any) -> Offer:
    fields: dict[str, Any] = {
        "external_id": f"WO{next(_seq):05d}",
        "intitule": "Maçon H/F",
        "code_ogr": 16250,
        "code_rome": "F1703",
        "commune_insee": "61001",
        "required_skills": [],
        "weekly_hours": 35.0,
        "start_date": date(2026, 12, 1),
        "end_date": date(2027, 6, 1),
        "contract_type": "CDD",
        "open_positions": 1,
    }
    fields.update(overrides)
    offer = Offer(**fields)
    session.add(offer)
    session.flush()
    return offer
