"""A proposal's moves: the new state, a dated and signed event, the audit entry; and the
person hired elsewhere whose other open proposals become obsolete.

Shared by the proposals (every transition) and the placements (a hire recorded directly)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from service.accounts.audit import audit
from service.db import utcnow
from service.errors import Conflict
from service.models.accounts import User
from service.models.workflow import Proposal, ProposalEvent
from service.notifications.service import queue_proposal_update
from service.workflow.repository import ProposalRepository
from service.workflow.states import (
    OPEN_STATES,
    REFUSAL_REASONS,
)

__all__ = ["move", "obsolete_open_proposals", "record_event"]


def record_event(
    session: Session,
    proposal: Proposal,
    user: User | None,
    from_state: str | None,
    *,
    reason: str | None = None,
    reason_text: str | None = None,
    comment: str | None = None,
    at: datetime,
) -> None:
    ProposalRepository(session).add_event(
        ProposalEvent(
            proposal_id=proposal.id,
            from_state=from_state,
            to_state=proposal.state,
            reason=reason,
            reason_text=reason_text,
            comment=comment,
            at=at,
            by=user.id if user else None,
        )
    )


def move(
    session: Session,
    proposal: Proposal,
    user: User | None,
    to: str,
    *,
    reason: str | None = None,
    reason_text: str | None = None,
    comment: str | None = None,
) -> None:
    """Apply a move already checked: state, dated event, audit. A concurrent move that got
    there first makes the versioned UPDATE match no row: 409."""
    now = utcnow()
    from_state = proposal.state
    proposal.state = to
    proposal.state_reason = reason
    proposal.state_reason_text = reason_text
    proposal.state_changed_at = now
    try:
        ProposalRepository(session).flush()
    except StaleDataError as exc:
        raise Conflict(
            "la proposition a été modifiée entre-temps : rechargez-la et recommencez"
        ) from exc
    except OperationalError as exc:
        # SQLite: another request holds the write lock on the same rows (PostgreSQL waits for
        # it instead, then finds the version moved: StaleDataError above).
        if "locked" not in str(exc.orig):
            raise
        raise Conflict(
            "la proposition est modifiée au même moment par quelqu'un d'autre : rechargez-la"
        ) from exc
    record_event(
        session,
        proposal,
        user,
        from_state,
        reason=reason,
        reason_text=reason_text,
        comment=comment,
        at=now,
    )
    detail: dict[str, Any] = {"from": from_state, "to": to}
    if reason is not None:
        detail["reason"] = reason
    audit(session, user, "transition", "proposal", proposal.id, detail)
    # The person's coach is told by e-mail (queued in this transaction, sent later).
    queue_proposal_update(
        session, proposal, to=to, reason_label=REFUSAL_REASONS.get(reason) if reason else None
    )


def obsolete_open_proposals(
    session: Session, user: User | None, candidate_id: int, *, except_id: int | None = None
) -> list[int]:
    """The person is hired elsewhere: their other open proposals become obsolete."""
    repo = ProposalRepository(session)
    moved = []
    for other in repo.open_for_candidate(candidate_id, OPEN_STATES, except_id=except_id):
        move(session, other, user, "obsolete", reason="hired_elsewhere")
        moved.append(other.id)
    return moved
