"""The audit log: who did what to which entity, when (never the values)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from service.accounts.repository import AuditFilter, AuditRepository
from service.db import after_reads, is_read_only, utcnow
from service.kit.crud import Pagination
from service.models.accounts import AuditEntry, User

__all__ = ["audit", "list_audit"]


def audit(
    session: Session,
    user: User | None,
    action: str,
    entity_type: str,
    entity_id: int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record who did what to which entity. ``detail`` must hold no personal data.

    In a write transaction the entry is part of it; a read-only request writes it once its
    reads are done, before the response leaves (:func:`service.db.after_reads`)."""
    row = {
        "at": utcnow(),
        "user_id": user.id if user else None,
        "role": user.role if user else "system",
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "detail": detail,
    }
    if is_read_only(session):
        after_reads(session, lambda writer: AuditRepository(writer).insert_rows([row]))
    else:
        AuditRepository(session).add(AuditEntry(**row))


def list_audit(
    session: Session, where: AuditFilter, page: Pagination
) -> tuple[list[AuditEntry], int]:
    return AuditRepository(session).page(where, limit=page.limit, offset=page.offset)
