"""A person's rights: right of access (``GET /candidates/{id}/export``), erasure or
anonymisation (``POST /candidates/{id}/erasure``), « ne pas proposer »
(``PUT /candidates/{id}/do-not-propose``). The person's coach (their caseload only) and the
facilitator; never an admin."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Response

from service.accounts.auth import CaseloadUser
from service.db import SessionDep
from service.kit.deps import STANDARD_ERRORS, EntityId
from service.privacy import service as privacy_service
from service.privacy.schemas import (
    DoNotProposeRead,
    DoNotProposeWrite,
    ErasureCreate,
    ErasureRead,
)
from service.referentials.deps import RefsDep

router = APIRouter(prefix="/candidates", tags=["privacy"], responses=STANDARD_ERRORS)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/{candidate_id}/export",
    response_model=None,
    responses={
        200: {
            "description": "the person's data (JSON, or xlsx with `format=xlsx`)",
            "content": {"application/json": {"schema": {"type": "object"}}, XLSX: {}},
        }
    },
)
def export_candidate(
    session: SessionDep,
    refs: RefsDep,
    user: CaseloadUser,
    candidate_id: EntityId,
    format: Literal["json", "xlsx"] = "json",
) -> Response | dict[str, Any]:
    """Everything held on a person (right of access), as JSON or a French workbook (audited)."""
    export = privacy_service.build_person_export(session, refs, user, candidate_id)
    if format == "xlsx":
        return Response(
            privacy_service.to_xlsx(export),
            media_type=XLSX,
            headers={"Content-Disposition": f'attachment; filename="personne-{candidate_id}.xlsx"'},
        )
    return privacy_service.to_json(export)


@router.post("/{candidate_id}/erasure", response_model=ErasureRead)
def erase_candidate(
    session: SessionDep, user: CaseloadUser, candidate_id: EntityId, body: ErasureCreate
) -> ErasureRead:
    """Erase a person, or anonymise them when their placements must be kept (audited)."""
    result = privacy_service.forget(
        session, user, candidate_id, mode=body.mode, reason=body.reason, today=date.today()
    )
    return ErasureRead(
        candidate_id=result.person_id,
        action=result.action,
        pseudonym=result.pseudonym,
        counts=result.counts,
    )


@router.put("/{candidate_id}/do-not-propose", response_model=DoNotProposeRead)
def put_do_not_propose(
    session: SessionDep, user: CaseloadUser, candidate_id: EntityId, body: DoNotProposeWrite
) -> DoNotProposeRead:
    """Mark a person « ne pas proposer » (no ranking, no proposal) or lift it (audited)."""
    person = privacy_service.mark_do_not_propose(
        session, user, candidate_id, value=body.do_not_propose
    )
    return DoNotProposeRead(candidate_id=person.id, do_not_propose=person.do_not_propose)
