"""Erasure, anonymisation and « ne pas proposer » at the service level (service.people.privacy):
what goes, what stays, and every refusal changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from factories import Actor, audit_entries, make_candidate, make_lot, make_offer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.errors import AppError, Conflict, Forbidden, InvalidInput, NotFound
from service.models.notifications import OutboxEmail
from service.models.people import Candidate, CandidateReporting
from service.models.scoring import Exposure
from service.models.workflow import Placement, PlacementHours, Proposal, ProposalEvent
from service.people.privacy import (
    IN_PROGRESS_STATES,
    anonymise_person,
    erase_person,
    forget_person,
    set_do_not_propose,
)
from service.workflow.states import ACTIVE_STATES

TODAY = date(2026, 12, 7)


def _person(session: Session, coach: Actor) -> Candidate:
    person = make_candidate(
        session,
        coach=coach,
        external_id="RSA-778899",
        first_name="Zéphyrine",
        last_name="Quatrebarbes",
        phone="06 71 23 45 98",
        email="zephyrine.quatrebarbes@exemple.fr",
        name_key="quatrebarbes zephyrine",
        readiness_assessed_on=date(2025, 2, 13),
        available_from=date(2025, 3, 17),
    )
    session.add(CandidateReporting(candidate_id=person.id, sex="F", birth_year=1987))
    session.flush()
    return person


def _proposal(
    session: Session, person: Candidate, coach: Actor, state: str, **extra: object
) -> Proposal:
    offer = make_offer(session)
    proposal = Proposal(
        candidate_id=person.id,
        offer_id=offer.id,
        proposed_by=coach.id,
        state=state,
        state_changed_at=datetime.now(UTC),
        comment="Elle garde ses petits-enfants le mercredi",
        **extra,
    )
    session.add(proposal)
    session.flush()
    session.add(
        ProposalEvent(
            proposal_id=proposal.id,
            to_state=state,
            comment="Rappelée le 13 février",
            reason_text="motif tapé à la main",
            by=coach.id,
        )
    )
    session.flush()
    return proposal


def _placement(session: Session, person: Candidate, **extra: object) -> Placement:
    fields: dict[str, object] = {
        "candidate_id": person.id,
        "lot_id": make_lot(session).id,
        "delivery_mode": "direct_hire",
        "contract_type": "CDD",
        "start_date": date(2026, 3, 16),
        "end_date": date(2026, 6, 12),
        "outcome_at_end": "emploi_durable",
    }
    fields.update(extra)
    row = Placement(**fields)
    session.add(row)
    session.flush()
    session.add(PlacementHours(placement_id=row.id, month=date(2026, 4, 1), hours=120.0))
    session.flush()
    return row


def _snapshot(session: Session, person_id: int) -> tuple[object, ...]:
    """What a refusal must leave unchanged."""
    row = session.get(Candidate, person_id)
    assert row is not None
    session.refresh(row)
    n_props = session.scalar(select(func.count()).where(Proposal.candidate_id == person_id))
    return (
        row.external_id,
        row.first_name,
        row.phone,
        row.readiness_assessed_on,
        row.anonymised_at,
        row.do_not_propose,
        row.version,
        n_props,
    )


def test_in_progress_states_are_the_workflows_active_states() -> None:
    assert set(IN_PROGRESS_STATES) == set(ACTIVE_STATES)


def test_anonymise_removes_identity_free_text_and_exact_dates_and_keeps_the_counts(
    session: Session, coach: Actor, facilitator: Actor
) -> None:
    person = _person(session, coach)
    proposal = _proposal(session, person, coach, "ended")
    placement = _placement(session, person)
    session.add(
        OutboxEmail(
            user_id=coach.id,
            to_address="coach@exemple.fr",
            kind="proposal_update",
            context={"people": ["RSA-778899"]},
            subject="Proposition de RSA-778899",
            body_text="La proposition de RSA-778899 a été validée",
            body_html="<p>RSA-778899</p>",
        )
    )
    session.flush()

    result = anonymise_person(
        session, person.id, actor=facilitator.user, reason="request", today=TODAY
    )

    assert result.action == "anonymised"
    assert result.pseudonym is not None and result.pseudonym.startswith("ANON-")
    session.expire_all()
    row = session.get(Candidate, person.id)
    assert row is not None
    assert row.external_id == result.pseudonym
    assert (row.first_name, row.last_name, row.phone, row.email, row.name_key) == (None,) * 5
    assert row.readiness_assessed_on == date(2025, 2, 1)
    assert row.available_from == date(2025, 3, 1)
    assert row.created_at.day == 1
    assert row.anonymised_at is not None
    assert row.do_not_propose and not row.is_active
    kept = session.get(Proposal, proposal.id)
    assert kept is not None and kept.state == "ended" and kept.comment is None
    events = session.scalars(
        select(ProposalEvent).where(ProposalEvent.proposal_id == proposal.id)
    ).all()
    assert [(e.comment, e.reason_text) for e in events] == [(None, None)]
    moved = session.get(Placement, placement.id)
    assert moved is not None
    assert (moved.start_date, moved.end_date) == (date(2026, 3, 1), date(2026, 6, 30))
    assert moved.outcome_at_end == "emploi_durable"
    assert session.scalar(
        select(func.sum(PlacementHours.hours)).where(PlacementHours.placement_id == placement.id)
    ) == pytest.approx(120.0)
    reporting = session.get(CandidateReporting, person.id)
    assert reporting is not None and (reporting.sex, reporting.birth_year) == ("F", 1987)
    mail = session.scalars(select(OutboxEmail)).one()
    assert "RSA-778899" not in f"{mail.subject}{mail.body_text}{mail.body_html}{mail.context}"
    assert result.pseudonym in mail.body_text
    entry = audit_entries(session, action="anonymise")[-1]
    assert (entry.entity_id, entry.user_id) == (person.id, facilitator.id)
    assert entry.detail == {"reason": "request", "proposals": 1, "placements": 1, "emails": 1}


def test_the_service_itself_may_anonymise(session: Session, coach: Actor) -> None:
    person = _person(session, coach)
    result = anonymise_person(session, person.id, actor=None, reason="inactivity", today=TODAY)
    assert result.action == "anonymised"
    entry = audit_entries(session, action="anonymise")[-1]
    assert (entry.user_id, entry.role) == (None, "system")


@pytest.mark.parametrize(
    ("setup", "error", "fragment"),
    [
        ("unknown", NotFound, "introuvable"),
        ("other_coach", NotFound, "introuvable"),
        ("admin", Forbidden, "non autorisée"),
        ("bad_reason", InvalidInput, "n'est pas un motif connu"),
        ("anonymised", Conflict, "déjà anonymisée"),
        ("proposed", Conflict, "proposition en cours"),
        ("in_post", Conflict, "proposition en cours"),
        ("running_placement", Conflict, "mise en emploi en cours"),
    ],
)
@pytest.mark.parametrize("operation", ["anonymise", "erase", "forget"])
def test_refusals_change_nothing(
    session: Session,
    coach: Actor,
    other_coach: Actor,
    admin: Actor,
    facilitator: Actor,
    setup: str,
    error: type[AppError],
    fragment: str,
    operation: str,
) -> None:
    person = _person(session, coach)
    actor = facilitator.user
    person_id, reason = person.id, "request"
    if setup == "unknown":
        person_id = 999_999
    elif setup == "other_coach":
        actor = other_coach.user
    elif setup == "admin":
        actor = admin.user
    elif setup == "bad_reason":
        reason = "parce que"
    elif setup == "anonymised":
        if operation == "erase":
            pytest.skip("an anonymised person without placement may still be erased")
        _placement(session, person)
        anonymise_person(session, person.id, actor=None, reason="request", today=TODAY)
    elif setup in ("proposed", "in_post"):
        _proposal(session, person, coach, setup)
    elif setup == "running_placement":
        _placement(session, person, end_date=None)
    before = _snapshot(session, person.id)
    n_audit = len(audit_entries(session))
    function = {"anonymise": anonymise_person, "erase": erase_person, "forget": forget_person}
    with pytest.raises(error, match=fragment):
        function[operation](session, person_id, actor=actor, reason=reason, today=TODAY)
    assert _snapshot(session, person.id) == before
    assert len(audit_entries(session)) == n_audit


def test_erase_deletes_the_person_and_what_refers_to_them(
    session: Session, coach: Actor, facilitator: Actor
) -> None:
    person = _person(session, coach)
    proposal = _proposal(session, person, coach, "refused", state_reason="skills_lacking")
    session.add(
        Exposure(
            channel="shortlist",
            offer_id=proposal.offer_id,
            candidate_id=person.id,
            rank=1,
            score=0.8,
            model_version="weights",
        )
    )
    session.flush()
    person_id = person.id
    result = erase_person(session, person_id, actor=facilitator.user, reason="request", today=TODAY)
    assert result.action == "erased"
    session.expire_all()
    assert session.get(Candidate, person_id) is None
    assert session.get(CandidateReporting, person_id) is None
    assert session.scalars(select(Proposal).where(Proposal.candidate_id == person_id)).all() == []
    assert session.scalars(select(Exposure).where(Exposure.candidate_id == person_id)).all() == []
    entry = audit_entries(session, action="erase")[-1]
    assert entry.entity_id == person_id and entry.detail is not None
    assert entry.detail["reason"] == "request" and entry.detail["proposals"] == 1


def test_erase_is_refused_when_a_placement_must_be_kept_and_forget_anonymises(
    session: Session, coach: Actor
) -> None:
    person = _person(session, coach)
    _placement(session, person)
    with pytest.raises(Conflict, match="ne peut pas être effacée, anonymisez-la"):
        erase_person(session, person.id, actor=coach.user, reason="request", today=TODAY)
    result = forget_person(session, person.id, actor=coach.user, reason="request", today=TODAY)
    assert result.action == "anonymised"


def test_forget_erases_when_nothing_must_be_kept(session: Session, coach: Actor) -> None:
    person = _person(session, coach)
    result = forget_person(session, person.id, actor=coach.user, reason="objection", today=TODAY)
    assert result.action == "erased"


def test_do_not_propose_is_reversible_and_audited(session: Session, coach: Actor) -> None:
    person = _person(session, coach)
    set_do_not_propose(session, person.id, actor=coach.user, value=True)
    assert person.do_not_propose
    set_do_not_propose(session, person.id, actor=coach.user, value=False)
    assert not person.do_not_propose
    actions = [e.action for e in audit_entries(session, entity_id=person.id)]
    assert actions[-2:] == ["do_not_propose", "may_propose"]


def test_the_engine_frames_leave_out_people_marked_do_not_propose(
    session: Session, coach: Actor
) -> None:
    from service.scoring.frames import candidate_frames

    person = _person(session, coach)
    other = make_candidate(session, coach=coach)
    set_do_not_propose(session, person.id, actor=coach.user, value=True)
    frame, jobs, ids = candidate_frames(session, ids=[person.id, other.id])
    assert list(frame["candidate_id"]) == [str(other.id)]
    assert set(jobs["candidate_id"]) == {str(other.id)}
    assert set(ids) == {other.id}
    # The outcome history keeps what happened: it asks for them too.
    frame, _, ids = candidate_frames(session, ids=[person.id, other.id], withheld=True)
    assert set(frame["candidate_id"]) == {str(person.id), str(other.id)}
