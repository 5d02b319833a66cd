"""Industry outreach: companies by sector (NAF), their contacts, the awareness actions and
events (who came, the testimonies heard), the clause tenders they later answered or won, and the
campaign's final account.

A company is **reached** when it came to at least one action or event; its first contact is the
earliest. It **answered later** when it answered a lot's tender (``tender_answers``) on or after
that day, or won a lot (a lot awarded to it, dated by the contract's notification, else the lot's
start) on or after it; **won later** counts the wins only. A contact is personal data: its name,
phone and e-mail are never logged nor put in the audit detail (the audit names ids only).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Final

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.accounts.audit import audit
from service.db import utcnow
from service.errors import Conflict, InvalidInput, NotFound
from service.models.accounts import User
from service.models.outreach import (
    CompanyContact,
    OutreachAttendance,
    OutreachEvent,
    OutreachTestimony,
    TenderAnswer,
)
from service.models.procurement import Company
from service.outreach.repository import OutreachRepository
from service.outreach.schemas import (
    AttendanceIn,
    AttendanceRead,
    ContactIn,
    ContactRead,
    EventDetail,
    EventIn,
    EventRead,
    FinalAccountRead,
    FinalAccountRow,
    OutreachCompanyRead,
    TenderAnswerIn,
    TenderAnswerRead,
    TestimonyIn,
    TestimonyRead,
)
from service.referentials.checks import check_commune
from service.referentials.naf import NafReferential
from service.referentials.service import Referentials

__all__ = [
    "EVENT_KIND_LABELS",
    "SPEAKER_LABELS",
    "TENDER_STATUS_LABELS",
    "add_attendance",
    "add_contact",
    "add_tender_answer",
    "add_testimony",
    "create_event",
    "delete_contact",
    "delete_event",
    "delete_tender_answer",
    "delete_testimony",
    "final_account",
    "get_event",
    "list_companies",
    "list_contacts",
    "list_events",
    "list_tender_answers",
    "remove_attendance",
    "set_sector",
]

EVENT_KIND_LABELS: Final = {
    "reunion_information": "Réunion d'information",
    "petit_dejeuner": "Petit-déjeuner d'entreprises",
    "visite_entreprise": "Visite d'entreprise",
    "salon_forum": "Salon ou forum",
    "webinaire": "Webinaire",
    "rendez_vous": "Rendez-vous individuel",
    "autre": "Autre action",
}

SPEAKER_LABELS: Final = {
    "entreprise": "Chef d'entreprise ou encadrant",
    "salarie_insertion": "Salarié en insertion",
    "siae": "Structure d'insertion (SIAE, GEIQ)",
    "acheteur": "Acheteur public",
    "autre": "Autre",
}

TENDER_STATUS_LABELS: Final = {"bid": "a répondu", "won": "a remporté", "lost": "non retenue"}

NO_SECTOR: Final = ("", "Secteur non renseigné")


def _company(repo: OutreachRepository, company_id: int) -> Company:
    company = repo.company(company_id)
    if company is None:
        raise NotFound(f"entreprise {company_id} introuvable")
    return company


def _event(repo: OutreachRepository, event_id: int) -> OutreachEvent:
    event = repo.event(event_id)
    if event is None:
        raise NotFound(f"action {event_id} introuvable")
    return event


# --------------------------------------------------------------------------- sectors


def set_sector(
    session: Session, user: User, naf: NafReferential, company_id: int, naf_code: str | None
) -> OutreachCompanyRead:
    repo = OutreachRepository(session)
    company = _company(repo, company_id)
    code = None
    if naf_code is not None and naf_code.strip():
        try:
            code = naf.clean(naf_code)
        except ValueError as exc:
            raise InvalidInput(f"naf_code : {exc}") from None
    company.naf_code = code
    company.updated_at = utcnow()
    session.flush()
    audit(session, user, "update", "company", company.id, {"fields": ["naf_code"]})
    return next(c for c in list_companies(session, naf) if c.id == company_id)


def _first_contacts(repo: OutreachRepository) -> tuple[dict[int, date], dict[int, int]]:
    """Company → date of its first event, and → number of events it came to."""
    dates = repo.event_dates()
    first: dict[int, date] = {}
    count: dict[int, int] = defaultdict(int)
    for a in repo.attendances():
        day = dates[a.event_id]
        first[a.company_id] = min(first.get(a.company_id, day), day)
        count[a.company_id] += 1
    return first, count


def _later(repo: OutreachRepository, first: dict[int, date]) -> tuple[set[int], set[int]]:
    """Companies that answered, and that won, a clause tender on or after their first contact."""
    answered: set[int] = set()
    won: set[int] = set()
    for t in repo.tender_answers():
        start = first.get(t.company_id)
        if start is not None and t.answered_on >= start:
            answered.add(t.company_id)
            if t.status == "won":
                won.add(t.company_id)
    for company_id, day in repo.awarded_lots():
        start = first.get(company_id)
        if start is not None and day >= start:
            answered.add(company_id)
            won.add(company_id)
    return answered, won


def list_companies(
    session: Session, naf: NafReferential, *, section: str | None = None
) -> list[OutreachCompanyRead]:
    """Every company with its sector, contacts, events and later tenders (by name)."""
    repo = OutreachRepository(session)
    contacts = repo.contact_counts()
    first, events = _first_contacts(repo)
    answered, won = _later(repo, first)
    out = []
    for c in repo.companies():
        entry = naf.entries.get(c.naf_code or "")
        if section is not None and (entry.section if entry else "") != section:
            continue
        out.append(
            OutreachCompanyRead(
                id=c.id,
                siret=c.siret,
                name=c.name,
                commune_insee=c.commune_insee,
                naf_code=c.naf_code,
                naf_label=entry.label if entry else None,
                section=entry.section if entry else None,
                section_label=entry.section_label if entry else None,
                contacts=contacts.get(c.id, 0),
                events=events.get(c.id, 0),
                first_contact_on=first.get(c.id),
                answered_after=c.id in answered,
                won_after=c.id in won,
            )
        )
    return out


# --------------------------------------------------------------------------- contacts


def list_contacts(session: Session, user: User, company_id: int) -> list[ContactRead]:
    repo = OutreachRepository(session)
    _company(repo, company_id)
    rows = repo.contacts_of(company_id)
    audit(session, user, "list", "company_contact", None, {"ids": [r.id for r in rows]})
    return [ContactRead.model_validate(r) for r in rows]


def add_contact(session: Session, user: User, company_id: int, data: ContactIn) -> ContactRead:
    repo = OutreachRepository(session)
    _company(repo, company_id)
    contact = CompanyContact(company_id=company_id, **data.model_dump())
    session.add(contact)
    session.flush()
    audit(session, user, "create", "company_contact", contact.id, {"company_id": company_id})
    return ContactRead.model_validate(contact)


def delete_contact(session: Session, user: User, contact_id: int) -> None:
    repo = OutreachRepository(session)
    contact = repo.contact(contact_id)
    if contact is None:
        raise NotFound(f"contact {contact_id} introuvable")
    session.delete(contact)
    session.flush()
    audit(session, user, "delete", "company_contact", contact_id)


# --------------------------------------------------------------------------- events


def create_event(session: Session, refs: Referentials, user: User, data: EventIn) -> EventRead:
    fields = data.model_dump()
    if fields.get("commune_insee"):
        fields["commune_insee"] = check_commune(refs, fields["commune_insee"], "commune_insee")
    event = OutreachEvent(**fields, created_by=user.id)
    session.add(event)
    session.flush()
    audit(session, user, "create", "outreach_event", event.id)
    return _event_read(OutreachRepository(session), event)


def _event_read(repo: OutreachRepository, event: OutreachEvent) -> EventRead:
    attendances = repo.attendances(event.id)
    return EventRead(
        id=event.id,
        kind=event.kind,
        kind_label=EVENT_KIND_LABELS[event.kind],
        title=event.title,
        held_on=event.held_on,
        place=event.place,
        commune_insee=event.commune_insee,
        companies=len(attendances),
        people=sum(a.people for a in attendances),
        testimonies=len(repo.testimonies(event.id)),
    )


def list_events(session: Session) -> list[EventRead]:
    repo = OutreachRepository(session)
    return [_event_read(repo, e) for e in repo.events()]


def get_event(session: Session, user: User, event_id: int) -> EventDetail:
    repo = OutreachRepository(session)
    event = _event(repo, event_id)
    attendances = repo.attendances(event_id)
    names = repo.contact_names([a.contact_id for a in attendances if a.contact_id])
    companies = {c.id: c for c in repo.companies()}
    audit(
        session,
        user,
        "read",
        "outreach_event",
        event_id,
        {"contacts": sorted(names)},
    )
    return EventDetail(
        **_event_read(repo, event).model_dump(),
        attendances=[
            AttendanceRead(
                company_id=a.company_id,
                company_name=companies[a.company_id].name,
                naf_code=companies[a.company_id].naf_code,
                contact_id=a.contact_id,
                contact_name=names.get(a.contact_id) if a.contact_id else None,
                people=a.people,
            )
            for a in attendances
        ],
        testimony_items=[TestimonyRead.model_validate(t) for t in repo.testimonies(event_id)],
    )


def delete_event(session: Session, user: User, event_id: int) -> None:
    repo = OutreachRepository(session)
    event = _event(repo, event_id)
    session.delete(event)
    session.flush()
    audit(session, user, "delete", "outreach_event", event_id)


def add_attendance(session: Session, user: User, event_id: int, data: AttendanceIn) -> EventDetail:
    """A company came (again: its number of people and contact are replaced)."""
    repo = OutreachRepository(session)
    _event(repo, event_id)
    _company(repo, data.company_id)
    if data.contact_id is not None:
        contact = repo.contact(data.contact_id)
        if contact is None or contact.company_id != data.company_id:
            raise InvalidInput("contact_id : ce contact n'est pas un contact de cette entreprise")
    row = repo.attendance(event_id, data.company_id)
    if row is None:
        session.add(OutreachAttendance(event_id=event_id, **data.model_dump()))
    else:
        row.people, row.contact_id = data.people, data.contact_id
    session.flush()
    audit(session, user, "attend", "outreach_event", event_id, {"company_id": data.company_id})
    return get_event(session, user, event_id)


def remove_attendance(session: Session, user: User, event_id: int, company_id: int) -> None:
    repo = OutreachRepository(session)
    _event(repo, event_id)
    if not repo.remove_attendance(event_id, company_id):
        raise NotFound(f"l'entreprise {company_id} n'est pas inscrite à cette action")
    audit(session, user, "unattend", "outreach_event", event_id, {"company_id": company_id})


def add_testimony(session: Session, user: User, event_id: int, data: TestimonyIn) -> TestimonyRead:
    repo = OutreachRepository(session)
    _event(repo, event_id)
    if data.company_id is not None:
        _company(repo, data.company_id)
    row = OutreachTestimony(event_id=event_id, **data.model_dump())
    session.add(row)
    session.flush()
    audit(session, user, "create", "outreach_testimony", row.id, {"event_id": event_id})
    return TestimonyRead.model_validate(row)


def delete_testimony(session: Session, user: User, testimony_id: int) -> int:
    """Delete a testimony (its text may name someone: it must be removable); the event's id."""
    repo = OutreachRepository(session)
    row = repo.testimony(testimony_id)
    if row is None:
        raise NotFound(f"témoignage {testimony_id} introuvable")
    event_id = row.event_id
    session.delete(row)
    session.flush()
    audit(session, user, "delete", "outreach_testimony", testimony_id, {"event_id": event_id})
    return event_id


# --------------------------------------------------------------------------- tenders


def _answer_read(repo: OutreachRepository, rows: list[TenderAnswer]) -> list[TenderAnswerRead]:
    refs = repo.lot_references({r.lot_id for r in rows})
    return [
        TenderAnswerRead(
            id=r.id,
            company_id=r.company_id,
            lot_id=r.lot_id,
            lot_reference=refs[r.lot_id][0],
            contract_reference=refs[r.lot_id][1],
            answered_on=r.answered_on,
            status=r.status,
            status_label=TENDER_STATUS_LABELS[r.status],
        )
        for r in rows
    ]


def list_tender_answers(session: Session, company_id: int | None = None) -> list[TenderAnswerRead]:
    repo = OutreachRepository(session)
    return _answer_read(repo, repo.tender_answers(company_id))


def add_tender_answer(session: Session, user: User, data: TenderAnswerIn) -> TenderAnswerRead:
    repo = OutreachRepository(session)
    _company(repo, data.company_id)
    if repo.lot(data.lot_id) is None:
        raise InvalidInput(f"lot_id : le lot {data.lot_id} n'existe pas")
    if repo.tender_answer_for(data.company_id, data.lot_id) is not None:
        raise Conflict("cette réponse de l'entreprise à ce lot est déjà enregistrée")
    row = TenderAnswer(**data.model_dump())
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:  # the same answer recorded at the same time elsewhere
        raise Conflict("cette réponse de l'entreprise à ce lot est déjà enregistrée") from exc
    audit(session, user, "create", "tender_answer", row.id, {"lot_id": data.lot_id})
    return _answer_read(repo, [row])[0]


def delete_tender_answer(session: Session, user: User, answer_id: int) -> None:
    repo = OutreachRepository(session)
    row = repo.tender_answer(answer_id)
    if row is None:
        raise NotFound(f"réponse {answer_id} introuvable")
    session.delete(row)
    session.flush()
    audit(session, user, "delete", "tender_answer", answer_id)


# --------------------------------------------------------------------------- final account


def final_account(session: Session, naf: NafReferential) -> FinalAccountRead:
    """Companies reached, people, events, later answers and wins, by NAF section."""
    repo = OutreachRepository(session)
    companies = {c.id: c for c in repo.companies()}
    first, _ = _first_contacts(repo)
    answered, won = _later(repo, first)

    def section_of(company_id: int) -> tuple[str, str]:
        entry = naf.entries.get(companies[company_id].naf_code or "")
        return (entry.section, entry.section_label) if entry else NO_SECTOR

    reached: dict[tuple[str, str], set[int]] = defaultdict(set)
    people: dict[tuple[str, str], int] = defaultdict(int)
    events: dict[tuple[str, str], set[int]] = defaultdict(set)
    for a in repo.attendances():
        key = section_of(a.company_id)
        reached[key].add(a.company_id)
        people[key] += a.people
        events[key].add(a.event_id)

    def row(key: tuple[str, str], ids: set[int], n_people: int, n_events: int) -> FinalAccountRow:
        return FinalAccountRow(
            section=key[0],
            section_label=key[1],
            companies_reached=len(ids),
            people=n_people,
            events=n_events,
            answered_after=len(ids & answered),
            won_after=len(ids & won),
        )

    keys = sorted(reached, key=lambda k: (k[0] == "", k[0]))
    rows = [row(k, reached[k], people[k], len(events[k])) for k in keys]
    all_ids = set().union(*reached.values()) if reached else set()
    all_events = set().union(*events.values()) if events else set()
    total = row(("*", "Ensemble"), all_ids, sum(people.values()), len(all_events))
    return FinalAccountRead(
        rows=rows,
        total=total,
        events=len(repo.events()),
        testimonies=len(repo.testimonies()),
    )


FINAL_ACCOUNT_COLUMNS: Final = {
    "section": "Section NAF",
    "section_label": "Secteur",
    "companies_reached": "Entreprises touchées",
    "people": "Personnes venues",
    "events": "Actions où le secteur était présent",
    "answered_after": "Entreprises ayant ensuite répondu à une clause",
    "won_after": "Entreprises ayant ensuite remporté un lot avec clause",
}


def final_account_table(account: FinalAccountRead) -> list[dict[str, object]]:
    """The final account as rows with French headers (sectors, then the whole)."""
    return [
        {FINAL_ACCOUNT_COLUMNS[k]: v for k, v in r.model_dump().items()}
        for r in [*account.rows, account.total]
    ]
