"""What the page routers share: the app's referentials and scoring state, labels, and the
lookup of a person typed by their follow-up id (through the same scoping as the service)."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from service.errors import NotFound
from service.kit.crud import Pagination
from service.models.people import Candidate
from service.offers.repository import OfferRepository
from service.people.repository import CandidateRepository
from service.referentials.service import Referentials
from service.scoring.state import ScoringState
from service.web.auth import WebContext

__all__ = [
    "ALL",
    "MAX_ID",
    "PAGE",
    "commune_label",
    "external_ids",
    "offer_title",
    "referentials",
    "resolve_person",
    "scoring_state",
    "stale_days",
]

PAGE = 50
ALL = Pagination(limit=100_000, offset=0)
MAX_ID = 2_147_483_647


def referentials(request: Request) -> Referentials:
    refs: Referentials = request.app.state.referentials
    return refs


def scoring_state(request: Request) -> ScoringState:
    scoring: ScoringState = request.app.state.scoring
    return scoring


def stale_days(request: Request) -> int:
    days: int = request.app.state.settings.proposal_stale_days
    return days


def commune_label(request: Request, insee: str) -> str:
    hit = referentials(request).communes.by_insee(insee)
    return f"{hit.nom} ({insee})" if hit else insee


def offer_title(session: Session, offer_id: int) -> str:
    offer = OfferRepository(session).find(offer_id)
    return f"{offer.intitule} ({offer.external_id})" if offer else f"offre {offer_id}"


def resolve_person(session: Session, web: WebContext, typed: str) -> Candidate:
    """A person typed by their follow-up id (or internal number), seen through the scoping."""
    typed = typed.strip()
    person = CandidateRepository(session).get_by_external_id(typed) if typed else None
    if person is None and typed.isdigit() and int(typed) <= MAX_ID:
        person = CandidateRepository(session).find(int(typed))
    if person is None or (web.user.role == "coach" and person.coach_id != web.user.id):
        raise NotFound(
            f"personne « {typed} » introuvable dans votre suivi : vérifiez l'identifiant"
        )
    return person


def external_ids(session: Session, ids: set[int]) -> dict[int, str]:
    """Person id → follow-up id (``external_id``) of the people a list shows."""
    repo = CandidateRepository(session)
    out = {}
    for cid in ids:
        person = repo.find(cid)
        if person is not None:
            out[cid] = person.external_id
    return out
