"""The transparency documents: the record of processing (admin, facilitator) and the
information notice (everyone), French, from the settings."""

from __future__ import annotations

from fastapi import APIRouter

from service.accounts.auth import AnyUser, ManagerUser
from service.kit.deps import STANDARD_ERRORS, SettingsDep
from service.transparency.documents import (
    NOTICE_TITLE,
    REGISTER_TITLE,
    information_notice,
    record_of_processing,
)
from service.transparency.schemas import DocumentRead, sections_read

__all__ = ["router"]

router = APIRouter(prefix="/transparency", tags=["transparency"], responses=STANDARD_ERRORS)


@router.get("/register", response_model=DocumentRead)
def get_register(_: ManagerUser, settings: SettingsDep) -> DocumentRead:
    """The record of processing activities (GDPR art. 30), French, from the settings."""
    return DocumentRead(
        title=REGISTER_TITLE, sections=sections_read(record_of_processing(settings))
    )


@router.get("/notice", response_model=DocumentRead)
def get_notice(_: AnyUser, settings: SettingsDep) -> DocumentRead:
    """The information notice given to the people followed (GDPR art. 13 and 14), French."""
    return DocumentRead(title=NOTICE_TITLE, sections=sections_read(information_notice(settings)))
