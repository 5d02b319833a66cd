"""Invented industry outreach for the demo: the companies' NAF sectors, two years of awareness
events with the companies that came and the testimonies heard, and clause tenders answered
(some won, some lost), so that the outreach pages and their final account show something after
``make run``. Seeded, dated from the demo's reference day; written once (when no event exists).

Company contacts are personal data: the demo invents none.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Final

from sqlalchemy.orm import Session

from service.imports.repository import DemoRepository
from service.models.accounts import User
from service.models.outreach import (
    OutreachAttendance,
    OutreachEvent,
    OutreachTestimony,
    TenderAnswer,
)
from service.models.procurement import Company

__all__ = ["load_outreach"]

# The demo's sectors (fixtures/demo/companies.csv) → a NAF rév. 2 sub-class of that trade.
SECTOR_NAF: Final = {
    "espaces_verts": "81.30Z",
    "gros_oeuvre": "43.99C",
    "logistique": "52.10B",
    "proprete": "81.21Z",
    "restauration": "56.29A",
    "second_oeuvre": "43.31Z",
    "services_personne": "88.10A",
    "travaux_publics": "42.11Z",
}

# (kind, title, place, commune INSEE, days before the reference day)
EVENTS: Final = (
    (
        "reunion_information",
        "Les clauses sociales dans les marchés du Département",
        "Hôtel du Département, Alençon",
        "61001",
        690,
    ),
    (
        "petit_dejeuner",
        "Petit-déjeuner des entreprises du BTP de l'Orne",
        "Maison des entreprises, Flers",
        "61169",
        560,
    ),
    (
        "visite_entreprise",
        "Visite d'un chantier avec des salariés en insertion",
        "Chantier de la médiathèque, Argentan",
        "61006",
        420,
    ),
    (
        "salon_forum",
        "Forum de l'emploi et de l'insertion du Pays d'Argentan",
        "Salle des fêtes, Argentan",
        "61006",
        300,
    ),
    ("webinaire", "Répondre à un marché avec une clause d'insertion", "En ligne", None, 180),
    (
        "petit_dejeuner",
        "Petit-déjeuner des entreprises de la propreté et des espaces verts",
        "CCI Portes de Normandie, Alençon",
        "61001",
        75,
    ),
)

TESTIMONIES: Final = (
    (
        "entreprise",
        "Nous avons recruté deux personnes venues par la clause ; l'une est restée en "
        "CDI après le chantier.",
    ),
    (
        "salarie_insertion",
        "Après deux ans sans travail, le chantier m'a redonné un rythme et un métier que "
        "je peux continuer.",
    ),
    (
        "siae",
        "La mise à disposition permet à l'entreprise d'essayer sans risque, et à la "
        "personne d'être suivie pendant le contrat.",
    ),
    (
        "acheteur",
        "Le nombre d'heures est calculé avec le facilitateur avant la consultation ; il "
        "est tenable pour une entreprise locale.",
    ),
    (
        "entreprise",
        "Le suivi des heures est simple : un relevé par mois, le facilitateur s'occupe du reste.",
    ),
)


def load_outreach(
    session: Session, *, facilitator: User, as_of: date, seed: int = 61
) -> dict[str, int]:
    """Write the outreach history; returns the counts created (nothing if events exist)."""
    repo = DemoRepository(session)
    if repo.has_outreach_events():
        return {}
    rng = random.Random(seed)
    companies: list[Company] = sorted(repo.companies_by_siret().values(), key=lambda c: c.id)
    for company in companies:
        if company.naf_code is None and company.sector in SECTOR_NAF:
            company.naf_code = SECTOR_NAF[company.sector]
    events: list[OutreachEvent] = []
    for kind, title, place, commune, days in EVENTS:
        event = OutreachEvent(
            kind=kind,
            title=title,
            held_on=as_of - timedelta(days=days),
            place=place,
            commune_insee=commune,
            created_by=facilitator.id,
        )
        session.add(event)
        events.append(event)
    session.flush()
    first: dict[int, date] = {}
    attendances = testimonies = 0
    for event in events:
        came = rng.sample(companies, k=min(len(companies), rng.randint(6, 12)))
        for company in came:
            session.add(
                OutreachAttendance(
                    event_id=event.id, company_id=company.id, people=rng.randint(1, 3)
                )
            )
            first[company.id] = min(first.get(company.id, event.held_on), event.held_on)
            attendances += 1
        for speaker, text in rng.sample(TESTIMONIES, k=2):
            session.add(
                OutreachTestimony(
                    event_id=event.id,
                    company_id=came[0].id if speaker == "entreprise" else None,
                    speaker_kind=speaker,
                    text=text,
                    may_publish=rng.random() < 0.5,
                )
            )
            testimonies += 1
    # Tenders: each awarded lot was won by its holder; a few companies that came to an event
    # answered it too and lost.
    answers = 0
    reached = [c for c in companies if c.id in first]
    for lot, won_on in repo.awarded_lots():
        answered_on = won_on - timedelta(days=45)
        assert lot.company_id is not None
        session.add(
            TenderAnswer(
                company_id=lot.company_id, lot_id=lot.id, answered_on=answered_on, status="won"
            )
        )
        answers += 1
        others = [c for c in reached if c.id != lot.company_id and first[c.id] <= answered_on]
        for company in rng.sample(others, k=min(len(others), rng.randint(0, 2))):
            session.add(
                TenderAnswer(
                    company_id=company.id, lot_id=lot.id, answered_on=answered_on, status="lost"
                )
            )
            answers += 1
    session.flush()
    return {
        "outreach_events": len(events),
        "outreach_attendances": attendances,
        "outreach_testimonies": testimonies,
        "tender_answers": answers,
    }
