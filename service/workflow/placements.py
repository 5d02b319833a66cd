"""Placements: a person at work on a lot with a clause, their hours per month and the outcome.

A placement is created when a proposal goes to ``in_post`` (:mod:`service.workflow.proposals`), or
directly by the facilitator (a hire the workflow did not see). Hours are declared per month
(``month`` = its first day) and checked: no negative hours, at most 220 h in a month (about
151.67 h of a full-time month plus the legal overtime ceiling, rounded up), and no month outside
the placement's dates.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from service.accounts.audit import audit
from service.db import utcnow
from service.errors import Conflict, InvalidInput, NotFound
from service.kit.crud import Pagination, check_version
from service.models.accounts import User
from service.models.offers import Offer
from service.models.procurement import Lot
from service.models.workflow import Placement, Proposal
from service.people.repository import CandidateRepository
from service.procurement.repository import LotRepository
from service.workflow.moves import obsolete_open_proposals
from service.workflow.repository import PlacementRepository
from service.workflow.schemas import (
    HoursIn,
    HoursRead,
    MonthHours,
    PlacementCreate,
    PlacementIn,
    PlacementRead,
    PlacementUpdate,
    _check_intermediary,
)
from service.workflow.states import DELIVERY_MODE_LABELS, MAX_MONTHLY_HOURS, OUTCOME_LABELS

__all__ = [
    "create_placement",
    "create_placement_for_proposal",
    "get_hours",
    "get_placement",
    "list_placements",
    "put_hours",
    "record_end",
    "sync_in_clause_job",
    "update_placement",
]


def _month_fr(month: date) -> str:
    return f"{month.month:02d}/{month.year}"


def _date_fr(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _read(session: Session, placement: Placement) -> PlacementRead:
    out = PlacementRead.model_validate(placement)
    return out.model_copy(
        update={
            "delivery_mode_label": DELIVERY_MODE_LABELS[placement.delivery_mode],
            "outcome_at_end_label": OUTCOME_LABELS.get(placement.outcome_at_end or ""),
            "outcome_6_months_label": OUTCOME_LABELS.get(placement.outcome_6_months or ""),
            "total_hours": PlacementRepository(session).total_hours(placement.id),
        }
    )


def _lot(session: Session, lot_id: int) -> Lot:
    lot = LotRepository(session).find(lot_id)
    if lot is None:
        raise InvalidInput(f"lot_id : le lot {lot_id} n'existe pas")
    return lot


def sync_in_clause_job(session: Session, user: User | None, candidate_id: int) -> None:
    """Keep the engine's "already in work on a clause contract" flag in step with the person's
    placements (the scoring state picks the change up through the candidate's version)."""
    candidate = CandidateRepository(session).find(candidate_id)
    if candidate is None:
        return
    current = PlacementRepository(session).has_current(candidate_id, date.today())
    if candidate.is_in_clause_job != current:
        candidate.is_in_clause_job = current
        candidate.updated_at = utcnow()
        session.flush()
        audit(session, user, "update", "candidate", candidate_id, {"fields": ["is_in_clause_job"]})


def _new_placement(
    session: Session,
    user: User,
    *,
    candidate_id: int,
    lot_id: int,
    proposal_id: int | None,
    data: PlacementIn,
) -> Placement:
    _lot(session, lot_id)
    placement = PlacementRepository(session).add(
        Placement(
            candidate_id=candidate_id,
            lot_id=lot_id,
            proposal_id=proposal_id,
            delivery_mode=data.delivery_mode,
            intermediary=data.intermediary,
            contract_type=data.contract_type,
            start_date=data.start_date,
            end_date=data.end_date,
            created_by=user.id,
        )
    )
    audit(
        session,
        user,
        "create",
        "placement",
        placement.id,
        {"lot_id": lot_id, "delivery_mode": data.delivery_mode, "proposal_id": proposal_id},
    )
    sync_in_clause_job(session, user, candidate_id)
    return placement


def create_placement_for_proposal(
    session: Session, user: User, proposal: Proposal, offer: Offer, data: PlacementIn
) -> Placement:
    """The placement of a proposal going to ``in_post`` (on the offer's lot by default)."""
    lot_id = data.lot_id if data.lot_id is not None else offer.lot_id
    if lot_id is None:
        raise InvalidInput(
            "placement.lot_id : l'offre n'est rattachée à aucun lot, précisez le lot du marché"
        )
    return _new_placement(
        session,
        user,
        candidate_id=proposal.candidate_id,
        lot_id=lot_id,
        proposal_id=proposal.id,
        data=data,
    )


def record_end(
    session: Session, user: User, proposal: Proposal, outcome: str, end_date: date | None
) -> int | None:
    """The proposal's placement ends: its end date (if given) and its outcome."""
    repo = PlacementRepository(session)
    placement = repo.for_proposal(proposal.id)
    if placement is None:
        return None
    if end_date is not None:
        if end_date < placement.start_date:
            raise InvalidInput(
                f"end_date ({end_date}) est avant le début du placement ({placement.start_date})"
            )
        placement.end_date = end_date
    placement.outcome_at_end = outcome
    placement.updated_at = utcnow()
    repo.flush()
    audit(session, user, "end", "placement", placement.id, {"outcome_at_end": outcome})
    sync_in_clause_job(session, user, placement.candidate_id)
    return placement.id


def create_placement(session: Session, user: User, data: PlacementCreate) -> PlacementRead:
    """A placement recorded directly by the facilitator; the person's open proposals elsewhere
    become obsolete."""
    if CandidateRepository(session).find(data.candidate_id) is None:
        raise InvalidInput(f"candidate_id : la personne {data.candidate_id} n'existe pas")
    placement = _new_placement(
        session,
        user,
        candidate_id=data.candidate_id,
        lot_id=data.lot_id,
        proposal_id=None,
        data=data,
    )
    obsolete_open_proposals(session, user, data.candidate_id)
    return _read(session, placement)


def _get(session: Session, placement_id: int) -> Placement:
    placement = PlacementRepository(session).get(placement_id)
    if placement is None:
        raise NotFound(f"placement {placement_id} introuvable")
    return placement


def get_placement(session: Session, user: User, placement_id: int) -> PlacementRead:
    placement = _get(session, placement_id)
    audit(session, user, "read", "placement", placement.id)
    return _read(session, placement)


def list_placements(
    session: Session,
    user: User,
    page: Pagination,
    *,
    lot_id: int | None = None,
    candidate_id: int | None = None,
) -> tuple[list[PlacementRead], int]:
    rows, total = PlacementRepository(session).page(
        lot_id=lot_id, candidate_id=candidate_id, limit=page.limit, offset=page.offset
    )
    audit(session, user, "list", "placement", None, {"ids": [p.id for p in rows]})
    return [_read(session, p) for p in rows], total


def _months_outside(placement: Placement, months: list[date]) -> list[date]:
    first = placement.start_date.replace(day=1)
    last = placement.end_date.replace(day=1) if placement.end_date else None
    return [m for m in months if m < first or (last is not None and m > last)]


def update_placement(
    session: Session, user: User, placement_id: int, data: PlacementUpdate
) -> PlacementRead:
    """Change dates, mode or outcomes; hours already declared must stay within the dates."""
    repo = PlacementRepository(session)
    placement = _get(session, placement_id)
    check_version(placement, data.version, "le placement")
    changes = data.model_dump(exclude_unset=True, exclude={"version"})
    nullable = {"intermediary", "end_date", "outcome_at_end", "outcome_6_months"}
    empty = sorted(k for k, v in changes.items() if v is None and k not in nullable)
    if empty:
        raise InvalidInput(f"{', '.join(empty)} : ne peut pas être vide (null)")
    for key, value in changes.items():
        setattr(placement, key, value)
    try:
        _check_intermediary(placement.delivery_mode, placement.intermediary)
    except ValueError as exc:
        raise InvalidInput(str(exc)) from exc
    if placement.end_date is not None and placement.end_date < placement.start_date:
        raise InvalidInput(
            f"end_date ({placement.end_date}) est avant start_date ({placement.start_date})"
        )
    outside = _months_outside(placement, [h.month for h in repo.hours(placement.id)])
    if outside:
        raise InvalidInput(
            "des heures sont déclarées hors des nouvelles dates du placement : "
            + ", ".join(_month_fr(m) for m in outside)
        )
    placement.updated_at = utcnow()
    try:
        repo.flush()
    except StaleDataError as exc:
        raise Conflict("le placement a été modifié entre-temps : rechargez-le") from exc
    audit(session, user, "update", "placement", placement.id, {"fields": sorted(changes)})
    sync_in_clause_job(session, user, placement.candidate_id)
    return _read(session, placement)


def check_hours(placement: Placement, items: list[MonthHours]) -> list[str]:
    """Every plausibility error of a declaration, in French (empty when it is acceptable)."""
    errors = []
    seen: set[date] = set()
    for item in items:
        label = _month_fr(item.month)
        if item.month in seen:
            errors.append(f"{label} : mois déclaré deux fois")
        seen.add(item.month)
        if item.hours != item.hours or item.hours < 0:  # NaN or negative
            errors.append(f"{label} : nombre d'heures négatif ou invalide ({item.hours})")
        elif item.hours > MAX_MONTHLY_HOURS:
            errors.append(
                f"{label} : {item.hours:g} h déclarées, plus que le plafond de "
                f"{MAX_MONTHLY_HOURS:g} h par mois"
            )
    for month in _months_outside(placement, sorted(seen)):
        end = f" au {_date_fr(placement.end_date)}" if placement.end_date else ""
        errors.append(
            f"{_month_fr(month)} : hors des dates du placement "
            f"(du {_date_fr(placement.start_date)}{end})"
        )
    return errors


def put_hours(session: Session, user: User, placement_id: int, data: HoursIn) -> HoursRead:
    """Declare hours for some months (replacing what those months held); all or nothing."""
    repo = PlacementRepository(session)
    placement = _get(session, placement_id)
    errors = check_hours(placement, data.items)
    if errors:
        raise InvalidInput("heures refusées : " + " ; ".join(errors))
    for item in data.items:
        repo.upsert_hours(placement.id, item.month, float(item.hours))
    audit(
        session,
        user,
        "put_hours",
        "placement",
        placement.id,
        {"months": [m.month.isoformat() for m in data.items]},
    )
    return get_hours(session, placement_id)


def get_hours(session: Session, placement_id: int) -> HoursRead:
    repo = PlacementRepository(session)
    placement = _get(session, placement_id)
    rows = repo.hours(placement.id)
    return HoursRead(
        placement_id=placement.id,
        items=[MonthHours(month=r.month, hours=r.hours) for r in rows],
        total_hours=float(sum(r.hours for r in rows)),
    )
