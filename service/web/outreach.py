"""Industry outreach pages (facilitator): companies by sector with their contacts and later
tenders, the awareness actions and events with who came and the testimonies, the final account
(CSV and xlsx downloads)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from service.db import SessionDep
from service.errors import InvalidInput, NotFound
from service.outreach import service
from service.outreach.exports import to_csv, to_xlsx
from service.outreach.repository import OutreachRepository
from service.outreach.schemas import (
    AttendanceIn,
    ContactIn,
    EventIn,
    TenderAnswerIn,
    TestimonyIn,
)
from service.procurement import service as procurement
from service.procurement.schemas import CompanyCreate
from service.referentials.naf import load_naf
from service.web.auth import FacilitatorPage, WebContext, csrf_protect
from service.web.common import MAX_ID
from service.web.forms import refusal
from service.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _id(value: int, what: str) -> int:
    if not 1 <= value <= MAX_ID:
        raise NotFound(f"{what} {value} introuvable")
    return value


def _or_none(text: str) -> str | None:
    return text.strip() or None


# --------------------------------------------------------------------------- companies


def _companies_page(
    request: Request,
    session: SessionDep,
    web: WebContext,
    *,
    secteur: str = "",
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    naf = load_naf()
    section = secteur if secteur in naf.sections else None
    return render(
        request,
        "facilitator/outreach_companies.html",
        web,
        status_code=status_code,
        page_title="Entreprises et secteurs",
        nav="entreprises",
        companies=service.list_companies(session, naf, section=section),
        sections=naf.sections,
        secteur=section or "",
        naf_entries=list(naf.entries.values()),
        error=error,
        form=form or {},
    )


@router.get("/facilitateur/entreprises", response_class=HTMLResponse)
def companies_page(
    request: Request, session: SessionDep, web: FacilitatorPage, secteur: str = ""
) -> HTMLResponse:
    return _companies_page(request, session, web, secteur=secteur)


@router.post("/facilitateur/entreprises", response_class=HTMLResponse)
def create_company(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    siret: Annotated[str, Form(max_length=20)] = "",
    name: Annotated[str, Form(max_length=200)] = "",
    naf_code: Annotated[str, Form(max_length=12)] = "",
    commune: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    """A company reached by the campaign (not yet awarded a lot): SIRET, name, sector."""
    fields = {"siret": siret, "name": name, "naf_code": naf_code, "commune": commune}
    created: list[int] = []

    def make() -> None:
        refs = request.app.state.referentials
        naf = load_naf()
        code = None
        if naf_code.strip():
            try:
                code = naf.clean(naf_code)
            except ValueError as exc:
                raise InvalidInput(f"naf_code : {exc}") from None
        data = CompanyCreate.model_validate(
            {"siret": siret.replace(" ", ""), "name": name, "commune_insee": _or_none(commune)}
        )
        company = procurement.create_company(session, refs, web.user, data)
        if code is not None:
            service.set_sector(session, web.user, naf, company.id, code)
        created.append(company.id)

    error = refusal(make)
    if error is None:
        return RedirectResponse(f"/facilitateur/entreprises/{created[0]}?msg=modifie", 303)
    return _companies_page(
        request,
        session,
        web,
        error=f"Entreprise non enregistrée : {error}",
        form=fields,
        status_code=422,
    )


def _company_page(
    request: Request,
    session: SessionDep,
    web: WebContext,
    company_id: int,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    naf = load_naf()
    company = next(
        (c for c in service.list_companies(session, naf) if c.id == _id(company_id, "entreprise")),
        None,
    )
    if company is None:
        raise NotFound(f"entreprise {company_id} introuvable")
    return render(
        request,
        "facilitator/outreach_company.html",
        web,
        status_code=status_code,
        page_title=company.name,
        nav="entreprises",
        company=company,
        contacts=service.list_contacts(session, web.user, company_id),
        answers=service.list_tender_answers(session, company_id),
        lots=OutreachRepository(session).all_lots(),
        won=OutreachRepository(session).lots_won_by(company_id),
        statuses=service.TENDER_STATUS_LABELS,
        naf_entries=list(naf.entries.values()),
        error=error,
        form=form or {},
    )


@router.get("/facilitateur/entreprises/{company_id}", response_class=HTMLResponse)
def company_page(
    request: Request, session: SessionDep, web: FacilitatorPage, company_id: int
) -> HTMLResponse:
    return _company_page(request, session, web, company_id)


def _company_action(
    request: Request,
    session: SessionDep,
    web: WebContext,
    company_id: int,
    action: Callable[[], object],
    what: str,
    form: dict[str, str],
) -> Response:
    error = refusal(action)
    if error is None:
        return RedirectResponse(f"/facilitateur/entreprises/{company_id}?msg=modifie", 303)
    return _company_page(
        request, session, web, company_id, error=f"{what} : {error}", form=form, status_code=422
    )


@router.post("/facilitateur/entreprises/{company_id}/secteur", response_class=HTMLResponse)
def set_sector(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    company_id: int,
    naf_code: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    _id(company_id, "entreprise")
    return _company_action(
        request,
        session,
        web,
        company_id,
        lambda: service.set_sector(session, web.user, load_naf(), company_id, _or_none(naf_code)),
        "Secteur non enregistré",
        {"naf_code": naf_code},
    )


@router.post("/facilitateur/entreprises/{company_id}/contacts", response_class=HTMLResponse)
def add_contact(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    company_id: int,
    name: Annotated[str, Form(max_length=200)] = "",
    role: Annotated[str, Form(max_length=120)] = "",
    phone: Annotated[str, Form(max_length=40)] = "",
    email: Annotated[str, Form(max_length=254)] = "",
) -> Response:
    _id(company_id, "entreprise")
    fields = {"name": name, "role": role, "phone": phone, "email": email}
    return _company_action(
        request,
        session,
        web,
        company_id,
        lambda: service.add_contact(
            session,
            web.user,
            company_id,
            ContactIn.model_validate({k: _or_none(v) for k, v in fields.items()}),
        ),
        "Contact non enregistré",
        fields,
    )


@router.post("/facilitateur/entreprises/{company_id}/contacts/{contact_id}/supprimer")
def delete_contact(
    session: SessionDep, web: FacilitatorPage, company_id: int, contact_id: int
) -> RedirectResponse:
    service.delete_contact(session, web.user, _id(contact_id, "contact"))
    return RedirectResponse(f"/facilitateur/entreprises/{company_id}?msg=modifie", 303)


@router.post("/facilitateur/entreprises/{company_id}/reponses", response_class=HTMLResponse)
def add_answer(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    company_id: int,
    lot_id: Annotated[str, Form(max_length=12)] = "",
    answered_on: Annotated[str, Form(max_length=10)] = "",
    status: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    _id(company_id, "entreprise")
    fields = {"lot_id": lot_id, "answered_on": answered_on, "status": status}
    return _company_action(
        request,
        session,
        web,
        company_id,
        lambda: service.add_tender_answer(
            session,
            web.user,
            TenderAnswerIn.model_validate({**fields, "company_id": company_id}),
        ),
        "Réponse non enregistrée",
        fields,
    )


@router.post("/facilitateur/entreprises/{company_id}/reponses/{answer_id}/supprimer")
def delete_answer(
    session: SessionDep, web: FacilitatorPage, company_id: int, answer_id: int
) -> RedirectResponse:
    service.delete_tender_answer(session, web.user, _id(answer_id, "réponse"))
    return RedirectResponse(f"/facilitateur/entreprises/{company_id}?msg=modifie", 303)


# --------------------------------------------------------------------------- events


def _events_page(
    request: Request,
    session: SessionDep,
    web: WebContext,
    *,
    error: str | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return render(
        request,
        "facilitator/outreach_events.html",
        web,
        status_code=status_code,
        page_title="Sensibilisation des entreprises",
        nav="sensibilisation",
        events=service.list_events(session),
        kinds=service.EVENT_KIND_LABELS,
        error=error,
        form=form or {},
    )


@router.get("/facilitateur/sensibilisation", response_class=HTMLResponse)
def events_page(request: Request, session: SessionDep, web: FacilitatorPage) -> HTMLResponse:
    return _events_page(request, session, web)


@router.post("/facilitateur/sensibilisation", response_class=HTMLResponse)
def create_event(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    kind: Annotated[str, Form(max_length=24)] = "",
    title: Annotated[str, Form(max_length=200)] = "",
    held_on: Annotated[str, Form(max_length=10)] = "",
    place: Annotated[str, Form(max_length=200)] = "",
    commune: Annotated[str, Form(max_length=60)] = "",
) -> Response:
    fields = {"kind": kind, "title": title, "held_on": held_on, "place": place}
    created: list[int] = []

    def make() -> None:
        data = EventIn.model_validate({**fields, "commune_insee": _or_none(commune)})
        created.append(
            service.create_event(session, request.app.state.referentials, web.user, data).id
        )

    error = refusal(make)
    if error is None:
        return RedirectResponse(f"/facilitateur/sensibilisation/{created[0]}?msg=modifie", 303)
    return _events_page(
        request,
        session,
        web,
        error=f"Action non enregistrée : {error}",
        form={**fields, "commune": commune},
        status_code=422,
    )


def _event_page(
    request: Request,
    session: SessionDep,
    web: WebContext,
    event_id: int,
    *,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    event = service.get_event(session, web.user, _id(event_id, "action"))
    companies = service.list_companies(session, load_naf())
    repo = OutreachRepository(session)
    contacts: list[tuple[int, str]] = []
    for c in companies:
        if c.contacts:
            contacts += [(x.id, f"{c.name} — {x.name}") for x in repo.contacts_of(c.id)]
    names = {c.id: c.name for c in companies}
    return render(
        request,
        "facilitator/outreach_event.html",
        web,
        status_code=status_code,
        page_title=event.title,
        nav="sensibilisation",
        event=event,
        companies=companies,
        company_names=names,
        contacts=contacts,
        speakers=service.SPEAKER_LABELS,
        error=error,
    )


@router.get("/facilitateur/sensibilisation/bilan", response_class=HTMLResponse)
def final_account_page(request: Request, session: SessionDep, web: FacilitatorPage) -> HTMLResponse:
    return render(
        request,
        "facilitator/outreach_account.html",
        web,
        page_title="Bilan de la sensibilisation",
        nav="sensibilisation",
        account=service.final_account(session, load_naf()),
    )


@router.get("/facilitateur/sensibilisation/bilan.{fmt}")
def final_account_file(session: SessionDep, web: FacilitatorPage, fmt: str) -> Response:
    rows = service.final_account_table(service.final_account(session, load_naf()))
    if fmt == "csv":
        return Response(
            to_csv(rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="bilan-sensibilisation.csv"'},
        )
    if fmt == "xlsx":
        return Response(
            to_xlsx(rows, title="Bilan sensibilisation"),
            media_type=XLSX,
            headers={"Content-Disposition": 'attachment; filename="bilan-sensibilisation.xlsx"'},
        )
    raise NotFound("format inconnu : csv ou xlsx")


@router.get("/facilitateur/sensibilisation/{event_id}", response_class=HTMLResponse)
def event_page(
    request: Request, session: SessionDep, web: FacilitatorPage, event_id: int
) -> HTMLResponse:
    return _event_page(request, session, web, event_id)


def _event_action(
    request: Request,
    session: SessionDep,
    web: WebContext,
    event_id: int,
    action: Callable[[], Any],
    what: str,
) -> Response:
    error = refusal(action)
    if error is None:
        return RedirectResponse(f"/facilitateur/sensibilisation/{event_id}?msg=modifie", 303)
    return _event_page(request, session, web, event_id, error=f"{what} : {error}", status_code=422)


@router.post("/facilitateur/sensibilisation/{event_id}/participants", response_class=HTMLResponse)
def add_attendee(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    event_id: int,
    company_id: Annotated[str, Form(max_length=12)] = "",
    contact_id: Annotated[str, Form(max_length=12)] = "",
    people: Annotated[str, Form(max_length=4)] = "1",
) -> Response:
    _id(event_id, "action")
    return _event_action(
        request,
        session,
        web,
        event_id,
        lambda: service.add_attendance(
            session,
            web.user,
            event_id,
            AttendanceIn.model_validate(
                {"company_id": company_id, "contact_id": _or_none(contact_id), "people": people}
            ),
        ),
        "Participation non enregistrée",
    )


@router.post("/facilitateur/sensibilisation/{event_id}/participants/{company_id}/retirer")
def remove_attendee(
    session: SessionDep, web: FacilitatorPage, event_id: int, company_id: int
) -> RedirectResponse:
    service.remove_attendance(
        session, web.user, _id(event_id, "action"), _id(company_id, "entreprise")
    )
    return RedirectResponse(f"/facilitateur/sensibilisation/{event_id}?msg=modifie", 303)


@router.post("/facilitateur/sensibilisation/{event_id}/temoignages", response_class=HTMLResponse)
def add_testimony(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    event_id: int,
    speaker_kind: Annotated[str, Form(max_length=24)] = "",
    company_id: Annotated[str, Form(max_length=12)] = "",
    text: Annotated[str, Form(max_length=4000)] = "",
    may_publish: Annotated[bool, Form()] = False,
) -> Response:
    _id(event_id, "action")
    return _event_action(
        request,
        session,
        web,
        event_id,
        lambda: service.add_testimony(
            session,
            web.user,
            event_id,
            TestimonyIn.model_validate(
                {
                    "speaker_kind": speaker_kind,
                    "company_id": _or_none(company_id),
                    "text": text.strip(),
                    "may_publish": may_publish,
                }
            ),
        ),
        "Témoignage non enregistré",
    )


@router.post("/facilitateur/sensibilisation/temoignages/{testimony_id}/supprimer")
def delete_testimony(
    session: SessionDep, web: FacilitatorPage, testimony_id: int
) -> RedirectResponse:
    event_id = service.delete_testimony(session, web.user, _id(testimony_id, "témoignage"))
    return RedirectResponse(f"/facilitateur/sensibilisation/{event_id}?msg=modifie", 303)


@router.post("/facilitateur/sensibilisation/{event_id}/supprimer")
def delete_event(session: SessionDep, web: FacilitatorPage, event_id: int) -> RedirectResponse:
    service.delete_event(session, web.user, _id(event_id, "action"))
    return RedirectResponse("/facilitateur/sensibilisation?msg=modifie", 303)
