"""After anonymisation, nothing distinctive about the person is left anywhere.

A person is loaded with distinctive values in every personal field (names, phone, e-mail,
follow-up id, free text in proposals and their moves, exact dates of assessment, availability
and placement); the service ranks them (a batch run, a shortlist page, their best offers:
exposures), reads and changes their record (audit entries), mails their coach (the outbox),
exports the outcome history and every report. Then the person is anonymised, and every column
of every table (reflected from the database, not from the models), the history export and its
pool, every report in JSON, CSV and xlsx, and the person's own access export are scanned for
those values: none is found. The clause execution, FSE+ and participant reports give the same
figures before and after.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from factories import Actor, make_candidate, make_company, make_lot, make_offer
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from matching.text import fold
from service.config import Settings
from service.models.notifications import OutboxEmail
from service.models.people import CandidateReporting
from service.models.workflow import Placement, PlacementHours, Proposal, ProposalEvent
from service.people.privacy import anonymise_person
from service.people.schemas import CandidateUpdate
from service.people.service import get_candidate, get_reporting, update_candidate
from service.privacy.service import build_person_export, to_json, to_xlsx
from service.referentials.service import Referentials, load_referentials
from service.reports.common import REPORT_NAMES, ReportFilter
from service.reports.exports import build_report
from service.reports.exports import to_csv as report_csv
from service.reports.exports import to_json as report_json
from service.reports.exports import to_xlsx as report_xlsx
from service.reports.history_export import export_history
from service.scoring.batch import BatchParameters, run_batch
from service.scoring.shortlists import offers_for_candidate, shortlist_payload
from service.scoring.state import ScoringState

TODAY = date(2026, 11, 16)

FIRST, LAST = "Zéphyrine", "Quatrebarbes-Ptolémée"
EXTERNAL_ID = "RSA-QX-778899"
PHONE = "06 71 23 45 98"
EMAIL = "zephyrine.qptolemee@exemple.fr"
COMMENT = "Garde ses petits-enfants le mercredi, voir Mme Vrillac-Onzain"
EVENT_COMMENT = "Rappelée : suivi psychologique chez le Dr Hautbourdin"
REASON_TEXT = "Refus motivé par un déménagement à Bellou-Fleuriel"
ASSESSED, AVAILABLE = date(2025, 2, 13), date(2025, 3, 17)
START, END = date(2026, 3, 16), date(2026, 6, 12)

NEEDLES = (
    FIRST,
    LAST,
    "Quatrebarbes",
    "Ptolémée",
    EXTERNAL_ID,
    PHONE,
    "0671234598",
    "+33671234598",
    "+33 6 71 23 45 98",
    EMAIL,
    "qptolemee",
    COMMENT,
    "Vrillac",
    EVENT_COMMENT,
    "Hautbourdin",
    REASON_TEXT,
    "Bellou-Fleuriel",
    *(d.isoformat() for d in (ASSESSED, AVAILABLE, START, END)),
    *(d.strftime("%d/%m/%Y") for d in (ASSESSED, AVAILABLE, START, END)),
)


@pytest.fixture(scope="module")
def refs(settings: Settings) -> Referentials:
    return load_referentials(settings.referentials_dir)


@pytest.fixture
def scoring(refs: Referentials) -> Iterator[ScoringState]:
    state = ScoringState(rome=refs.rome, communes=refs.communes)
    yield state
    state.close()


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return f"{value.isoformat()} {value.strftime('%d/%m/%Y')}"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, ensure_ascii=False, default=str)
    if isinstance(value, bytes | memoryview):
        return bytes(value).decode("utf-8", "replace")
    return str(value)


def _found(text: str) -> list[str]:
    haystack = fold(text)
    return [n for n in NEEDLES if fold(n) in haystack]


def _scan_database(session: Session) -> dict[str, list[str]]:
    """Table.column → needles found, over every table of the database."""
    metadata = sa.MetaData()
    connection = session.connection()
    metadata.reflect(bind=connection)
    assert len(metadata.tables) >= 25  # every table, whatever the models declare
    hits: dict[str, list[str]] = {}
    for table in metadata.sorted_tables:
        for row in connection.execute(sa.select(table)).mappings():
            for column, value in row.items():
                found = _found(_text(value))
                if found:
                    hits.setdefault(f"{table.name}.{column}", []).extend(found)
    return hits


def _xlsx_text(data: bytes) -> str:
    book = load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(
        _text(cell)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
    )


def _exports(session: Session, refs: Referentials) -> tuple[dict[str, str], dict[str, Any]]:
    """Every export as text, and the figures of the reports."""
    texts: dict[str, str] = {}
    figures: dict[str, Any] = {}
    history = export_history(session)
    texts["history"] = history.frame.to_csv(index=False)
    texts["history.pool"] = history.pool.to_csv(index=False)
    for name in REPORT_NAMES:
        report = build_report(session, refs, None, name, ReportFilter(), today=TODAY, tolerance=0.1)
        as_json = report_json(report)
        figures[name] = as_json["tables"]
        texts[f"{name}.json"] = json.dumps(as_json, ensure_ascii=False, default=str)
        texts[f"{name}.csv"] = report_csv(report).decode("utf-8-sig")
        texts[f"{name}.xlsx"] = _xlsx_text(report_xlsx(report))
    return texts, figures


def _world(session: Session, coach: Actor, facilitator: Actor) -> tuple[int, int]:
    company = make_company(session)
    lot = make_lot(session, company_id=company.id, start_date=date(2026, 1, 1))
    offer = make_offer(session, lot_id=lot.id, company_id=company.id)
    other_offer = make_offer(session, intitule="Coffreur bancheur H/F")
    person = make_candidate(
        session,
        coach=coach,
        external_id=EXTERNAL_ID,
        first_name=FIRST,
        last_name=LAST,
        phone=PHONE,
        email=EMAIL,
        readiness_assessed_on=ASSESSED,
        available_from=AVAILABLE,
    )
    session.add(CandidateReporting(candidate_id=person.id, sex="F", birth_year=1987))
    control = make_candidate(session, coach=coach, first_name="Paul", last_name="Martin")
    session.add(CandidateReporting(candidate_id=control.id, sex="M", birth_year=1970))
    session.flush()
    for who, state in ((person, "ended"), (control, "ended")):
        proposal = Proposal(
            candidate_id=who.id,
            offer_id=offer.id,
            proposed_by=coach.id,
            state=state,
            state_changed_at=(
                datetime(2026, 6, 12, 16, 0, tzinfo=UTC)
                if who is person
                else datetime(2026, 6, 26, 9, 0, tzinfo=UTC)
            ),
            comment=COMMENT if who is person else "RAS",
            score=0.8,
            explanation="Même métier : Maçon (F1703)",
        )
        session.add(proposal)
        session.flush()
        session.add(
            ProposalEvent(
                proposal_id=proposal.id,
                to_state="proposed",
                comment=EVENT_COMMENT if who is person else None,
                by=coach.id,
            )
        )
        placement = Placement(
            candidate_id=who.id,
            lot_id=lot.id,
            proposal_id=proposal.id,
            delivery_mode="direct_hire",
            contract_type="CDD",
            start_date=START if who is person else date(2026, 3, 2),
            end_date=END if who is person else date(2026, 6, 26),
            outcome_at_end="emploi_durable",
            outcome_6_months="emploi_durable",
        )
        session.add(placement)
        session.flush()
        for month, hours in ((date(2026, 3, 1), 60.0), (date(2026, 4, 1), 140.0)):
            session.add(PlacementHours(placement_id=placement.id, month=month, hours=hours))
    refused = Proposal(
        candidate_id=person.id,
        offer_id=other_offer.id,
        proposed_by=coach.id,
        state="refused",
        state_reason="other",
        state_reason_text=REASON_TEXT,
        state_changed_at=datetime(2026, 2, 2, tzinfo=UTC),
    )
    session.add(refused)
    session.flush()
    session.add(
        ProposalEvent(
            proposal_id=refused.id,
            from_state="proposed",
            to_state="refused",
            reason="other",
            reason_text=REASON_TEXT,
            by=facilitator.id,
        )
    )
    session.add(
        OutboxEmail(
            user_id=coach.id,
            to_address="coach-a@exemple.fr",
            kind="proposal_update",
            context={"person": EXTERNAL_ID, "offer": other_offer.intitule},
            subject=f"Proposition refusée : {EXTERNAL_ID}",
            body_text=f"La proposition de {EXTERNAL_ID} a été refusée.",
            body_html=f"<p>La proposition de <b>{EXTERNAL_ID}</b> a été refusée.</p>",
        )
    )
    session.flush()
    return person.id, offer.id


def test_anonymisation_leaves_nothing_distinctive_and_the_same_figures(
    session: Session,
    refs: Referentials,
    scoring: ScoringState,
    coach: Actor,
    facilitator: Actor,
) -> None:
    person_id, offer_id = _world(session, coach, facilitator)
    # The service ranks the person and shows it, reads and changes their record.
    person = get_candidate(session, coach.user, person_id)
    person.is_in_clause_job = False
    update_candidate(session, refs, coach.user, person_id, CandidateUpdate(version=person.version))
    get_reporting(session, facilitator.user, person_id)
    run_batch(
        session,
        scoring,
        user=facilitator.user,
        params=BatchParameters(as_of=TODAY, slots_per_position=3, max_lists=3),
    )
    shortlist_payload(
        session, scoring, refs, facilitator.user, offer_id, k=10, scope="all", today=TODAY
    )
    best = offers_for_candidate(session, scoring, refs, coach.user, person_id, k=5, today=TODAY)
    assert best.items, "the person must be ranked before anonymisation"
    build_person_export(session, refs, coach.user, person_id)

    # The scan finds the values before: it can fail.
    before_hits = _scan_database(session)
    for column in (
        "candidates.first_name",
        "candidates.phone",
        "candidates.email",
        "candidates.external_id",
        "candidates.readiness_assessed_on",
        "proposals.comment",
        "proposal_events.comment",
        "placements.start_date",
        "outbox_emails.body_text",
    ):
        assert column in before_hits, column
    texts, figures_before = _exports(session, refs)
    assert _found(texts["history"]) and _found(texts["history.pool"])

    result = anonymise_person(
        session, person_id, actor=facilitator.user, reason="request", today=TODAY
    )
    assert result.action == "anonymised"
    session.expire_all()

    assert _scan_database(session) == {}
    texts_after, figures_after = _exports(session, refs)
    assert {name: _found(text) for name, text in texts_after.items() if _found(text)} == {}
    assert result.pseudonym is not None and result.pseudonym in texts_after["history"]
    access = build_person_export(session, refs, facilitator.user, person_id)
    assert _found(json.dumps(to_json(access), ensure_ascii=False)) == []
    assert _found(_xlsx_text(to_xlsx(access))) == []
    fse = {row["code"]: row["valeur"] for row in figures_before["fse"]["indicateurs"]}
    assert (fse["heures_rsa"], fse["personnes_rsa_placees"]) == (400.0, 2.0)
    assert figures_before["execution"]["lots"][0]["heures_realisees"] == 400.0
    for name in ("execution", "fse", "participants"):
        assert figures_after[name] == figures_before[name], name
