"""What the page routers share: the app's referentials and scoring state, labels, and the
lookup of a person typed by their name or follow-up id (through the same scoping as the
service)."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from matching.text import fold
from service.errors import InvalidInput, NotFound
from service.kit.crud import Pagination
from service.models.people import Candidate, display_name
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
    "offer_title",
    "person_names",
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
    """A person typed by their name, follow-up id (or internal number), seen through the
    scoping: a coach finds only people of their own caseload."""
    typed = typed.strip()
    repo = CandidateRepository(session)
    person = repo.get_by_external_id(typed) if typed else None
    if person is None and typed.isdigit() and int(typed) <= MAX_ID:
        person = repo.find(int(typed))
    coach_id = web.user.id if web.user.role == "coach" else None
    if person is not None and coach_id is not None and person.coach_id != coach_id:
        person = None
    if person is None and fold(typed):
        hits, total = repo.page(
            coach_id=coach_id,
            is_active=None,
            commune_insee=None,
            words=fold(typed).split()[:5],
            limit=2,
            offset=0,
        )
        if total > 1:
            raise InvalidInput(
                f"{total} personnes de votre suivi répondent à « {typed} » : précisez le "
                "prénom ou donnez l'identifiant de suivi"
            )
        person = hits[0] if hits else None
    if person is None:
        raise NotFound(
            f"personne « {typed} » introuvable dans votre suivi : vérifiez le nom ou l'identifiant"
        )
    return person


def person_names(session: Session, ids: set[int]) -> dict[int, str]:
    """Person id → "Marie Dupont (CAND-000123)" of the people a list shows (lists that are
    scoped already: a coach's own proposals, or the facilitator's)."""
    repo = CandidateRepository(session)
    out = {}
    for cid in ids:
        person = repo.find(cid)
        if person is not None:
            name = display_name(person.first_name, person.last_name, person.external_id)
            out[cid] = name if name == person.external_id else f"{name} ({person.external_id})"
    return out
