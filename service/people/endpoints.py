"""Candidates (people followed by coaches) and their reporting-only attributes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from service.accounts.auth import CaseloadUser
from service.db import SessionDep
from service.kit.deps import STANDARD_ERRORS, EntityId, PageDep
from service.kit.schemas import Page
from service.people import service as people_service
from service.people.schemas import (
    CandidateCreate,
    CandidateRead,
    CandidateUpdate,
    ReportingRead,
    ReportingWrite,
)
from service.referentials.deps import RefsDep

router = APIRouter(prefix="/candidates", tags=["candidates"], responses=STANDARD_ERRORS)


InseeFilter = Annotated[str | None, Query(pattern=r"^\d[\dAB]\d{3}$")]


@router.get("", response_model=Page[CandidateRead])
def list_candidates(
    session: SessionDep,
    user: CaseloadUser,
    page: PageDep,
    is_active: bool | None = None,
    commune_insee: InseeFilter = None,
    q: Annotated[
        str,
        Query(max_length=100, description="nom et/ou prénom (début des mots), ou identifiant"),
    ] = "",
) -> Page[CandidateRead]:
    """People the caller may see (own caseload, or everyone for a facilitator), by name."""
    rows, total = people_service.list_candidates(
        session, user, page, is_active=is_active, commune_insee=commune_insee, q=q
    )
    return Page[CandidateRead](
        items=[CandidateRead.model_validate(c) for c in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@router.post("", response_model=CandidateRead, status_code=201)
def create_candidate(
    session: SessionDep, refs: RefsDep, user: CaseloadUser, body: CandidateCreate
) -> CandidateRead:
    """Add a person to a caseload (a coach adds to their own)."""
    return CandidateRead.model_validate(people_service.create_candidate(session, refs, user, body))


@router.get("/{candidate_id}", response_model=CandidateRead)
def get_candidate(session: SessionDep, user: CaseloadUser, candidate_id: EntityId) -> CandidateRead:
    """One person's record (audited)."""
    return CandidateRead.model_validate(people_service.get_candidate(session, user, candidate_id))


@router.patch("/{candidate_id}", response_model=CandidateRead)
def update_candidate(
    session: SessionDep,
    refs: RefsDep,
    user: CaseloadUser,
    candidate_id: EntityId,
    body: CandidateUpdate,
) -> CandidateRead:
    """Change some fields of a person's record; send the `version` you read."""
    return CandidateRead.model_validate(
        people_service.update_candidate(session, refs, user, candidate_id, body)
    )


@router.delete("/{candidate_id}", status_code=204)
def delete_candidate(session: SessionDep, user: CaseloadUser, candidate_id: EntityId) -> Response:
    """Delete a person's record (refused while proposals refer to it)."""
    people_service.delete_candidate(session, user, candidate_id)
    return Response(status_code=204)


@router.get("/{candidate_id}/reporting", response_model=ReportingRead)
def get_reporting(session: SessionDep, user: CaseloadUser, candidate_id: EntityId) -> ReportingRead:
    """Statistics-only attributes of a person (FSE+), never used for matching (audited)."""
    return ReportingRead.model_validate(people_service.get_reporting(session, user, candidate_id))


@router.put("/{candidate_id}/reporting", response_model=ReportingRead)
def put_reporting(
    session: SessionDep, user: CaseloadUser, candidate_id: EntityId, body: ReportingWrite
) -> ReportingRead:
    """Set the statistics-only attributes of a person."""
    return ReportingRead.model_validate(
        people_service.put_reporting(session, user, candidate_id, body)
    )
