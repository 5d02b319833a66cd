"""Industry outreach (facilitator): sectors, contacts, actions and events, tender answers, the
final account (JSON, CSV, xlsx)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from service.accounts.auth import FacilitatorUser, ManagerUser
from service.db import SessionDep
from service.kit.deps import STANDARD_ERRORS, EntityId
from service.outreach import service
from service.outreach.exports import to_csv, to_xlsx
from service.outreach.schemas import (
    AttendanceIn,
    ContactIn,
    ContactRead,
    EventDetail,
    EventIn,
    EventRead,
    FinalAccountRead,
    NafRead,
    OutreachCompanyRead,
    SectorIn,
    TenderAnswerIn,
    TenderAnswerRead,
    TestimonyIn,
    TestimonyRead,
)
from service.referentials.deps import RefsDep
from service.referentials.naf import load_naf

__all__ = ["router"]

router = APIRouter(prefix="/outreach", tags=["outreach"], responses=STANDARD_ERRORS)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/naf", response_model=list[NafRead])
def search_naf(
    _: ManagerUser, q: Annotated[str, Query(min_length=1, max_length=80)]
) -> list[NafRead]:
    """NAF rév. 2 sub-classes whose code or label holds every word of ``q``."""
    return [NafRead.model_validate(e) for e in load_naf().search(q)]


@router.get("/companies", response_model=list[OutreachCompanyRead])
def list_outreach_companies(
    session: SessionDep,
    _: FacilitatorUser,
    section: Annotated[str | None, Query(max_length=1, description="section NAF (A à U)")] = None,
) -> list[OutreachCompanyRead]:
    """Companies with their sector, contacts, events attended and later clause tenders."""
    return service.list_companies(session, load_naf(), section=section)


@router.put("/companies/{company_id}/sector", response_model=OutreachCompanyRead)
def put_company_sector(
    session: SessionDep, user: FacilitatorUser, company_id: EntityId, data: SectorIn
) -> OutreachCompanyRead:
    """Set (or clear) a company's NAF sub-class."""
    return service.set_sector(session, user, load_naf(), company_id, data.naf_code)


@router.get("/companies/{company_id}/contacts", response_model=list[ContactRead])
def list_company_contacts(
    session: SessionDep, user: FacilitatorUser, company_id: EntityId
) -> list[ContactRead]:
    """A company's contacts (personal data: read by the facilitator, audited)."""
    return service.list_contacts(session, user, company_id)


@router.post(
    "/companies/{company_id}/contacts",
    response_model=ContactRead,
    status_code=status.HTTP_201_CREATED,
)
def post_company_contact(
    session: SessionDep, user: FacilitatorUser, company_id: EntityId, data: ContactIn
) -> ContactRead:
    """Add a contact: name, role, phone, e-mail only."""
    return service.add_contact(session, user, company_id, data)


@router.delete("/contacts/{contact_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_company_contact(
    session: SessionDep, user: FacilitatorUser, contact_id: EntityId
) -> Response:
    """Delete a contact."""
    service.delete_contact(session, user, contact_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/events", response_model=list[EventRead])
def list_outreach_events(session: SessionDep, _: FacilitatorUser) -> list[EventRead]:
    """Actions and events, the latest first, with companies, people and testimonies."""
    return service.list_events(session)


@router.post("/events", response_model=EventRead, status_code=status.HTTP_201_CREATED)
def post_outreach_event(
    session: SessionDep, refs: RefsDep, user: FacilitatorUser, data: EventIn
) -> EventRead:
    """Record an action or event (kind, title, date, place)."""
    return service.create_event(session, refs, user, data)


@router.get("/events/{event_id}", response_model=EventDetail)
def get_outreach_event(
    session: SessionDep, user: FacilitatorUser, event_id: EntityId
) -> EventDetail:
    """An event with who came and the testimonies heard."""
    return service.get_event(session, user, event_id)


@router.delete("/events/{event_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_outreach_event(
    session: SessionDep, user: FacilitatorUser, event_id: EntityId
) -> Response:
    """Delete an event with its attendance and testimonies."""
    service.delete_event(session, user, event_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/events/{event_id}/attendees", response_model=EventDetail)
def post_event_attendee(
    session: SessionDep, user: FacilitatorUser, event_id: EntityId, data: AttendanceIn
) -> EventDetail:
    """A company came (how many people, which contact); again: replaced."""
    return service.add_attendance(session, user, event_id, data)


@router.delete("/events/{event_id}/attendees/{company_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_event_attendee(
    session: SessionDep, user: FacilitatorUser, event_id: EntityId, company_id: EntityId
) -> Response:
    """Remove a company from an event's attendance."""
    service.remove_attendance(session, user, event_id, company_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/events/{event_id}/testimonies",
    response_model=TestimonyRead,
    status_code=status.HTTP_201_CREATED,
)
def post_event_testimony(
    session: SessionDep, user: FacilitatorUser, event_id: EntityId, data: TestimonyIn
) -> TestimonyRead:
    """Record a testimony heard at the event (summary, who spoke, consent to quote it)."""
    return service.add_testimony(session, user, event_id, data)


@router.delete("/testimonies/{testimony_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_event_testimony(
    session: SessionDep, user: FacilitatorUser, testimony_id: EntityId
) -> Response:
    """Delete a testimony."""
    service.delete_testimony(session, user, testimony_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/tender-answers", response_model=list[TenderAnswerRead])
def list_outreach_tender_answers(
    session: SessionDep,
    _: FacilitatorUser,
    company_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> list[TenderAnswerRead]:
    """Clause tenders companies answered (bid, won, lost)."""
    return service.list_tender_answers(session, company_id)


@router.post(
    "/tender-answers", response_model=TenderAnswerRead, status_code=status.HTTP_201_CREATED
)
def post_outreach_tender_answer(
    session: SessionDep, user: FacilitatorUser, data: TenderAnswerIn
) -> TenderAnswerRead:
    """Record that a company answered a lot's tender (and won it, or not)."""
    return service.add_tender_answer(session, user, data)


@router.delete("/tender-answers/{answer_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_outreach_tender_answer(
    session: SessionDep, user: FacilitatorUser, answer_id: EntityId
) -> Response:
    """Delete a recorded tender answer."""
    service.delete_tender_answer(session, user, answer_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/final-account",
    response_model=FinalAccountRead,
    responses={200: {"content": {"text/csv": {}, XLSX: {}}}},
)
def get_final_account(
    session: SessionDep,
    _: ManagerUser,
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
) -> Response | FinalAccountRead:
    """The campaign's final account by NAF section: companies reached, people, events, companies
    that later answered or won a clause tender (JSON, CSV or xlsx)."""
    account = service.final_account(session, load_naf())
    if format == "json":
        return account
    rows = service.final_account_table(account)
    if format == "csv":
        return Response(
            to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="bilan-sensibilisation.csv"'},
        )
    return Response(
        to_xlsx(rows, title="Bilan sensibilisation"),
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="bilan-sensibilisation.xlsx"'},
    )
