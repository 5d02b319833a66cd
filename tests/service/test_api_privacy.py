"""A person's rights through the API: right of access (JSON and xlsx), erasure or
anonymisation, « ne pas proposer » (out of shortlists, best offers, proposals, digests)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from factories import Actor, audit_entries, make_candidate, make_lot, make_offer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session

from service.config import Settings
from service.models.people import Candidate, CandidateReporting
from service.models.scoring import Exposure, Match, MatchRun
from service.models.workflow import Placement, PlacementHours, Proposal
from service.referentials.service import load_referentials
from service.scoring.deps import get_scoring_state
from service.scoring.repository import DigestRepository
from service.scoring.state import ScoringState


@pytest.fixture(autouse=True)
def fresh_scoring(app: FastAPI, settings: Settings) -> Iterator[None]:
    # Every test rolls back: a state kept across tests could see ids SQLite reuses.
    refs = load_referentials(settings.referentials_dir)
    state = ScoringState(rome=refs.rome, communes=refs.communes)
    app.dependency_overrides[get_scoring_state] = lambda: state
    yield
    app.dependency_overrides.pop(get_scoring_state, None)
    state.close()


def _person(session: Session, coach: Actor) -> Candidate:
    person = make_candidate(
        session,
        coach=coach,
        first_name="Zéphyrine",
        last_name="Quatrebarbes",
        phone="06 71 23 45 98",
        email="zephyrine.quatrebarbes@exemple.fr",
    )
    session.add(CandidateReporting(candidate_id=person.id, sex="F", birth_year=1987))
    session.flush()
    return person


def _placement(session: Session, person: Candidate, offer_id: int) -> Placement:
    proposal = Proposal(
        candidate_id=person.id,
        offer_id=offer_id,
        proposed_by=person.coach_id,
        state="ended",
        state_changed_at=datetime.now(UTC),
        comment="Très motivée, voir sa situation familiale",
    )
    session.add(proposal)
    session.flush()
    row = Placement(
        candidate_id=person.id,
        lot_id=make_lot(session).id,
        proposal_id=proposal.id,
        delivery_mode="direct_hire",
        contract_type="CDD",
        start_date=date(2026, 3, 16),
        end_date=date(2026, 6, 12),
        outcome_at_end="emploi_durable",
    )
    session.add(row)
    session.flush()
    session.add(PlacementHours(placement_id=row.id, month=date(2026, 4, 1), hours=100.0))
    session.flush()
    return row


# --------------------------------------------------------------------------- right of access


def test_export_json_holds_every_section(
    client: TestClient, session: Session, coach: Actor, facilitator: Actor
) -> None:
    person = _person(session, coach)
    offer = make_offer(session)
    _placement(session, person, offer.id)
    session.add(
        Exposure(
            channel="offers_for",
            offer_id=offer.id,
            candidate_id=person.id,
            rank=2,
            score=0.71,
            model_version="weighted",
            shown_to=coach.id,
        )
    )
    session.flush()
    client.get(f"/candidates/{person.id}", headers=coach.headers)
    client.get(f"/candidates?q={person.external_id}", headers=coach.headers)
    other = make_candidate(session, coach=coach)
    client.get(f"/candidates?q={other.external_id}", headers=coach.headers)

    resp = client.get(f"/candidates/{person.id}/export", headers=facilitator.headers)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    sections = body["sections"]
    assert set(sections) == {
        "identity",
        "profile",
        "jobs",
        "reporting",
        "proposals",
        "proposal_events",
        "placements",
        "hours",
        "exposures",
        "batch_lists",
        "audit",
    }
    assert sections["identity"][0]["last_name"] == "Quatrebarbes"
    assert sections["identity"][0]["phone"] == "06 71 23 45 98"
    assert sections["reporting"][0]["birth_year"] == 1987
    assert sections["jobs"][0]["code_rome"] == "F1703"
    assert sections["proposals"][0]["comment"] == "Très motivée, voir sa situation familiale"
    assert sections["placements"][0]["start_date"] == "2026-03-16"
    assert sections["hours"][0]["hours"] == 100.0
    assert sections["exposures"][0]["score"] == 0.71
    assert sections["exposures"][0]["shown_to"] == coach.user.username
    assert any(a["action"] == "read" and a["role"] == "coach" for a in sections["audit"])
    lists = [a for a in sections["audit"] if a["action"] == "list"]
    assert [a["detail"]["ids"] for a in lists] == [[person.id]]  # not the list without them
    assert audit_entries(session, action="export", entity_id=person.id)


def test_export_carries_the_explanations_shown_about_the_person(
    client: TestClient, session: Session, coach: Actor, facilitator: Actor
) -> None:
    person = _person(session, coach)
    offer = make_offer(session)
    resp = client.get(f"/offers/{offer.id}/shortlist?k=10", headers=coach.headers)
    assert resp.status_code == 200, resp.text
    shown = {i["candidate_id"]: i["explanation"] for i in resp.json()["items"]}
    assert shown[person.id]
    resp = client.get(f"/candidates/{person.id}/offers?k=5", headers=coach.headers)
    assert resp.status_code == 200, resp.text
    best = {i["offer_id"]: i["explanation"] for i in resp.json()["items"]}

    resp = client.get(f"/candidates/{person.id}/export", headers=facilitator.headers)
    assert resp.status_code == 200, resp.text
    rows = resp.json()["sections"]["exposures"]
    by_channel = {r["channel"]: r["explanation"] for r in rows}
    assert by_channel["shortlist"] == shown[person.id]
    assert by_channel["offers_for"] == best[offer.id]


def test_export_xlsx_is_a_french_workbook(
    client: TestClient, session: Session, coach: Actor
) -> None:
    person = _person(session, coach)
    resp = client.get(f"/candidates/{person.id}/export?format=xlsx", headers=coach.headers)
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(resp.content))
    assert book.sheetnames[:5] == [
        "À propos",
        "Identité",
        "Profil",
        "Métiers visés",
        "Données statistiques",
    ]
    identity = {row[0]: row[1] for row in book["Identité"].iter_rows(values_only=True)}
    assert identity["Nom"] == "Quatrebarbes"
    assert identity["Ne pas proposer"] == "non"
    profile = {row[0]: row[1] for row in book["Profil"].iter_rows(values_only=True)}
    assert profile["Étape du parcours"] == "prêt à l'emploi"
    assert profile["Nom de la commune"] == "Alençon"
    stats = {row[0]: row[1] for row in book["Données statistiques"].iter_rows(values_only=True)}
    assert stats["Sexe"] == "femme"


def test_export_is_for_the_coach_of_the_person_only(
    client: TestClient, session: Session, coach: Actor, other_coach: Actor
) -> None:
    person = _person(session, coach)
    resp = client.get(f"/candidates/{person.id}/export", headers=other_coach.headers)
    assert resp.status_code == 404
    assert "introuvable" in resp.json()["detail"]
    assert client.get("/candidates/999999/export", headers=coach.headers).status_code == 404
    assert not audit_entries(session, action="export")


# --------------------------------------------------------------------------- erasure


def test_erasure_auto_erases_without_placement_and_anonymises_with_one(
    client: TestClient, session: Session, coach: Actor, facilitator: Actor
) -> None:
    free = _person(session, coach)
    kept = _person(session, coach)
    _placement(session, kept, make_offer(session).id)
    resp = client.post(
        f"/candidates/{free.id}/erasure", json={"reason": "request"}, headers=coach.headers
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["action"] == "erased"
    assert client.get(f"/candidates/{free.id}", headers=coach.headers).status_code == 404

    resp = client.post(
        f"/candidates/{kept.id}/erasure", json={"reason": "request"}, headers=facilitator.headers
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["action"] == "anonymised" and body["pseudonym"].startswith("ANON-")
    read = client.get(f"/candidates/{kept.id}", headers=facilitator.headers).json()
    assert read["last_name"] is None and read["external_id"] == body["pseudonym"]
    assert read["do_not_propose"] and read["anonymised_at"] is not None
    patch = client.patch(
        f"/candidates/{kept.id}",
        json={"version": read["version"], "first_name": "Zoé"},
        headers=facilitator.headers,
    )
    assert patch.status_code == 409
    assert "anonymisée" in patch.json()["detail"]
    put = client.put(
        f"/candidates/{kept.id}/reporting", json={"sex": "M"}, headers=facilitator.headers
    )
    assert put.status_code == 409 and "anonymisée" in put.json()["detail"]
    stats = client.get(f"/candidates/{kept.id}/reporting", headers=facilitator.headers).json()
    assert (stats["sex"], stats["birth_year"]) == ("F", 1987)


@pytest.mark.parametrize(
    ("case", "status", "fragment"),
    [
        ("unknown", 404, "introuvable"),
        ("other_coach", 404, "introuvable"),
        ("open_proposal", 409, "proposition en cours"),
        ("already", 409, "déjà anonymisée"),
        ("erase_with_placement", 409, "anonymisez-la"),
        ("bad_reason", 422, "reason"),
    ],
)
def test_erasure_refusals_are_french_and_change_nothing(
    client: TestClient,
    session: Session,
    coach: Actor,
    other_coach: Actor,
    case: str,
    status: int,
    fragment: str,
) -> None:
    person = _person(session, coach)
    offer = make_offer(session)
    actor, body, pid = coach, {"reason": "request"}, person.id
    if case == "unknown":
        pid = 999_999
    elif case == "other_coach":
        actor = other_coach
    elif case == "open_proposal":
        session.add(
            Proposal(
                candidate_id=person.id,
                offer_id=offer.id,
                proposed_by=coach.id,
                state="validated",
                state_changed_at=datetime.now(UTC),
            )
        )
        session.flush()
    elif case == "already":
        _placement(session, person, offer.id)
        first = client.post(f"/candidates/{person.id}/erasure", json=body, headers=coach.headers)
        assert first.status_code == 200
    elif case == "erase_with_placement":
        _placement(session, person, offer.id)
        body = {"reason": "request", "mode": "erase"}
    elif case == "bad_reason":
        body = {"reason": "pour voir"}
    before = client.get(f"/candidates/{person.id}", headers=coach.headers).json()
    n_changes = len(audit_entries(session, action="anonymise")) + len(
        audit_entries(session, action="erase")
    )
    resp = client.post(f"/candidates/{pid}/erasure", json=body, headers=actor.headers)
    assert resp.status_code == status, resp.text
    assert fragment in resp.text
    after = client.get(f"/candidates/{person.id}", headers=coach.headers).json()
    assert after == before
    assert (
        len(audit_entries(session, action="anonymise"))
        + len(audit_entries(session, action="erase"))
        == n_changes
    )


# --------------------------------------------------------------------------- ne pas proposer


def test_do_not_propose_takes_the_person_out_of_everything_and_back(
    client: TestClient, session: Session, coach: Actor
) -> None:
    person = _person(session, coach)
    other = make_candidate(session, coach=coach)
    offer = make_offer(session)

    def ranked() -> list[int]:
        resp = client.get(f"/offers/{offer.id}/shortlist?k=10", headers=coach.headers)
        assert resp.status_code == 200, resp.text
        return [i["candidate_id"] for i in resp.json()["items"]]

    assert person.id in ranked()
    resp = client.put(
        f"/candidates/{person.id}/do-not-propose",
        json={"do_not_propose": True},
        headers=coach.headers,
    )
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"candidate_id": person.id, "do_not_propose": True}
    assert ranked() == [other.id]
    best = client.get(f"/candidates/{person.id}/offers", headers=coach.headers)
    assert best.status_code == 409 and "ne pas proposer" in best.json()["detail"]
    why = client.get(f"/candidates/{person.id}/why-not/{offer.id}", headers=coach.headers)
    assert why.status_code == 409
    proposal = client.post(
        "/proposals", json={"candidate_id": person.id, "offer_id": offer.id}, headers=coach.headers
    )
    assert proposal.status_code == 409 and "ne pas proposer" in proposal.json()["detail"]
    record = client.get(f"/candidates/{person.id}", headers=coach.headers).json()
    assert record["last_name"] == "Quatrebarbes" and record["do_not_propose"]

    resp = client.put(
        f"/candidates/{person.id}/do-not-propose",
        json={"do_not_propose": False},
        headers=coach.headers,
    )
    assert resp.json()["do_not_propose"] is False
    assert person.id in ranked()
    actions = [e.action for e in audit_entries(session, entity_id=person.id)]
    assert "do_not_propose" in actions and "may_propose" in actions


def test_digest_leaves_out_people_marked_do_not_propose(session: Session, coach: Actor) -> None:
    person = _person(session, coach)
    offer = make_offer(session)
    run = MatchRun(kind="batch", model_version="weighted", status="completed")
    session.add(run)
    session.flush()
    session.add(
        Match(
            run_id=run.id,
            offer_id=offer.id,
            candidate_id=person.id,
            score=0.8,
            model_version="weighted",
            rank=1,
        )
    )
    session.flush()
    repo = DigestRepository(session)
    assert [c.id for _, c, _ in repo.new_matches(coach.id, 0)] == [person.id]
    person.do_not_propose = True
    session.flush()
    assert repo.new_matches(coach.id, 0) == []


def test_admin_is_refused_every_privacy_route(
    client: TestClient, session: Session, coach: Actor, admin: Actor
) -> None:
    person = _person(session, coach)
    assert client.get(f"/candidates/{person.id}/export", headers=admin.headers).status_code == 403
    resp = client.post(
        f"/candidates/{person.id}/erasure", json={"reason": "request"}, headers=admin.headers
    )
    assert resp.status_code == 403
    resp = client.put(
        f"/candidates/{person.id}/do-not-propose",
        json={"do_not_propose": True},
        headers=admin.headers,
    )
    assert resp.status_code == 403


def test_batch_lists_leave_out_people_marked_do_not_propose(
    client: TestClient, session: Session, coach: Actor, facilitator: Actor
) -> None:
    from sqlalchemy import select

    kept = _person(session, coach)
    other = make_candidate(session, coach=coach)
    offer = make_offer(session, open_positions=2)
    resp = client.put(
        f"/candidates/{kept.id}/do-not-propose",
        json={"do_not_propose": True},
        headers=coach.headers,
    )
    assert resp.status_code == 200
    run = client.post("/match-runs", headers=facilitator.headers)
    assert run.status_code in (200, 201), run.text
    listed = session.scalars(select(Match.candidate_id).where(Match.offer_id == offer.id)).all()
    assert listed == [other.id]
