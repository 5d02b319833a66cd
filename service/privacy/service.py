"""A person's rights, as the API, the pages and the command line call them: the right of access
(:mod:`service.privacy.export` gathers, :mod:`service.privacy.documents` renders), erasure or
anonymisation and « ne pas proposer » (their rules in :mod:`service.people.privacy`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy.orm import Session

from service.errors import InvalidInput
from service.models.accounts import User
from service.models.people import Candidate
from service.people.privacy import (
    PrivacyResult,
    anonymise_person,
    erase_person,
    forget_person,
    set_do_not_propose,
)
from service.privacy.documents import to_json, to_xlsx, write_person_export
from service.privacy.export import PersonExport, Section, build_person_export

__all__ = [
    "PersonExport",
    "Section",
    "build_person_export",
    "forget",
    "mark_do_not_propose",
    "to_json",
    "to_xlsx",
    "write_person_export",
]


def forget(
    session: Session,
    user: User | None,
    person_id: int,
    *,
    mode: str,
    reason: str,
    today: date,
) -> PrivacyResult:
    """``mode`` ``auto`` erases when nothing must be kept, else anonymises; ``erase`` and
    ``anonymise`` do only that (a French error otherwise)."""
    actions: dict[str, Callable[..., PrivacyResult]] = {
        "auto": forget_person,
        "erase": erase_person,
        "anonymise": anonymise_person,
    }
    if mode not in actions:
        raise InvalidInput(f"mode : « {mode} » inconnu (auto, erase ou anonymise)")
    return actions[mode](session, person_id, actor=user, reason=reason, today=today)


def mark_do_not_propose(
    session: Session, user: User | None, person_id: int, *, value: bool
) -> Candidate:
    return set_do_not_propose(session, person_id, actor=user, value=value)
