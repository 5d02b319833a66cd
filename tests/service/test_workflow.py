"""Pre-selection workflow: proposals, each transition allowed or refused (role and state),
optimistic locking, obsolete on hire elsewhere, stale listing, placements and hours."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from factories import Actor, audit_entries, make_candidate, make_lot, make_offer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.config import Settings
from service.models.offers import Offer
from service.models.people import Candidate
from service.models.procurement import Lot
from service.models.workflow import Placement, Proposal, ProposalEvent
from service.referentials.service import load_referentials
from service.scoring.deps import get_scoring_state
from service.scoring.state import ScoringState
from service.workflow.states import PROPOSAL_TARGETS, TRANSITIONS

ALL_STATES = (
    "proposed",
    "validated",
    "refused",
    "presented",
    "hired",
    "not_retained",
    "in_post",
    "ended",
    "obsolete",
    "withdrawn",
)


@pytest.fixture(autouse=True)
def fresh_scoring(app: FastAPI, settings: Settings) -> Iterator[None]:
    # Every test rolls back: a state kept across tests could see ids SQLite reuses.
    refs = load_referentials(settings.referentials_dir)
    state = ScoringState(rome=refs.rome, communes=refs.communes)
    app.dependency_overrides[get_scoring_state] = lambda: state
    yield
    app.dependency_overrides.pop(get_scoring_state, None)
    state.close()


def _setup(session: Session, coach: Actor) -> tuple[Candidate, Offer, Lot]:
    lot = make_lot(session, start_date=date(2026, 1, 1), end_date=date(2027, 12, 31))
    offer = make_offer(session, lot_id=lot.id)
    candidate = make_candidate(session, coach=coach)
    return candidate, offer, lot


def _proposal(
    session: Session, candidate: Candidate, offer: Offer, coach: Actor, state: str = "proposed"
) -> Proposal:
    proposal = Proposal(
        candidate_id=candidate.id,
        offer_id=offer.id,
        proposed_by=coach.id,
        state=state,
        state_changed_at=datetime.now(UTC),
    )
    session.add(proposal)
    session.flush()
    return proposal


def _body(to: str, version: int, lot_id: int | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"to": to, "version": version}
    if to in {"refused", "not_retained"}:
        body["reason"] = "skills_lacking"
    if to == "in_post":
        body["placement"] = {
            "delivery_mode": "direct_hire",
            "contract_type": "CDD",
            "start_date": "2026-11-02",
            "end_date": "2027-04-30",
        }
    if to == "ended":
        body["outcome"] = "emploi_durable"
    return body


def _move(
    client: TestClient, actor: Actor, proposal_id: int, to: str, version: int, **extra: Any
) -> Any:
    body = _body(to, version)
    body.update(extra)
    return client.post(f"/proposals/{proposal_id}/transitions", json=body, headers=actor.headers)


# --------------------------------------------------------------------------- proposing


def test_coach_proposes_from_shortlist_with_snapshot(
    client: TestClient, session: Session, coach: Actor, facilitator: Actor
) -> None:
    candidate, offer, _ = _setup(session, coach)
    response = client.post(
        "/proposals",
        json={"candidate_id": candidate.id, "offer_id": offer.id, "comment": "Très motivé"},
        headers=coach.headers,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["state"] == "proposed"
    assert body["state_label"] == "proposée"
    assert body["is_manual"] is False
    assert 0.0 < body["score"] <= 1.0
    assert set(body["components"]) == {"skills", "mobility", "readiness"}
    assert body["rank"] == 1
    assert body["explanation"]
    assert body["model_version"]
    assert body["exclusion_reasons"] == []
    assert body["comment"] == "Très motivé"
    events = list(
        session.scalars(select(ProposalEvent).where(ProposalEvent.proposal_id == body["id"]))
    )
    assert [(e.from_state, e.to_state, e.by) for e in events] == [(None, "proposed", coach.id)]
    # The comment is stored, never copied to the audit log.
    for entry in audit_entries(session, entity_type="proposal"):
        assert "Très motivé" not in str(entry.detail)
    # The facilitator reads it.
    read = client.get(f"/proposals/{body['id']}", headers=facilitator.headers)
    assert read.status_code == 200
    assert read.json()["comment"] == "Très motivé"


def test_excluded_pair_keeps_why_not_and_may_be_proposed_by_hand(
    client: TestClient, session: Session, coach: Actor
) -> None:
    lot = make_lot(session)
    offer = make_offer(session, lot_id=lot.id, required_licences=("PERMIS_C",))
    candidate = make_candidate(session, coach=coach)
    response = client.post(
        "/proposals",
        json={"candidate_id": candidate.id, "offer_id": offer.id, "source": "manual"},
        headers=coach.headers,
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["is_manual"] is True
    assert body["score"] is None
    assert body["exclusion_reasons"], body
    assert any("permis" in r["message"].lower() for r in body["exclusion_reasons"])


def test_duplicate_open_proposal_is_a_conflict(
    client: TestClient, session: Session, coach: Actor
) -> None:
    candidate, offer, _ = _setup(session, coach)
    payload = {"candidate_id": candidate.id, "offer_id": offer.id}
    assert client.post("/proposals", json=payload, headers=coach.headers).status_code == 201
    again = client.post("/proposals", json=payload, headers=coach.headers)
    assert again.status_code == 409
    assert again.json()["error"] == "Conflict"


def test_no_proposal_on_a_closed_offer(client: TestClient, session: Session, coach: Actor) -> None:
    candidate, offer, _ = _setup(session, coach)
    offer.status = "closed"
    session.flush()
    response = client.post(
        "/proposals",
        json={"candidate_id": candidate.id, "offer_id": offer.id},
        headers=coach.headers,
    )
    assert response.status_code == 409
    assert "clôturée" in response.json()["detail"]


def test_only_a_coach_proposes_and_only_their_own_people(
    client: TestClient, session: Session, coach: Actor, other_coach: Actor, facilitator: Actor
) -> None:
    candidate, offer, _ = _setup(session, coach)
    payload = {"candidate_id": candidate.id, "offer_id": offer.id}
    assert client.post("/proposals", json=payload, headers=other_coach.headers).status_code == 404
    assert client.post("/proposals", json=payload, headers=facilitator.headers).status_code == 403


def test_withdrawn_or_refused_proposal_may_be_made_again(
    client: TestClient, session: Session, coach: Actor
) -> None:
    candidate, offer, _ = _setup(session, coach)
    _proposal(session, candidate, offer, coach, state="refused")
    payload = {"candidate_id": candidate.id, "offer_id": offer.id}
    assert client.post("/proposals", json=payload, headers=coach.headers).status_code == 201


# --------------------------------------------------------------------------- transitions


CASES = [(state, to) for state in ALL_STATES for to in PROPOSAL_TARGETS]


@pytest.mark.parametrize(("state", "to"), CASES)
def test_each_transition_by_role_and_state(
    client: TestClient,
    session: Session,
    coach: Actor,
    facilitator: Actor,
    state: str,
    to: str,
) -> None:
    candidate, offer, _ = _setup(session, coach)
    proposal = _proposal(session, candidate, offer, coach, state=state)
    allowed_role = TRANSITIONS.get((state, to))
    actors = {"coach": coach, "facilitator": facilitator}
    for role, actor in actors.items():
        if role == allowed_role:
            continue
        response = _move(client, actor, proposal.id, to, proposal.version)
        if allowed_role is None:
            assert response.status_code == 409, (role, response.json())
        elif role != allowed_role:
            assert response.status_code == 403, (role, response.json())
            assert "seul" in response.json()["detail"]
    if allowed_role is not None:
        response = _move(client, actors[allowed_role], proposal.id, to, proposal.version)
        assert response.status_code == 200, response.json()
        assert response.json()["state"] == to
        assert response.json()["version"] == proposal.version + 1
        events = session.scalars(
            select(ProposalEvent).where(ProposalEvent.proposal_id == proposal.id)
        ).all()
        assert [(e.from_state, e.to_state, e.by) for e in events] == [
            (state, to, actors[allowed_role].id)
        ]
        assert events[0].at is not None


def test_full_path_creates_placement_and_records_outcome(
    client: TestClient, session: Session, coach: Actor, facilitator: Actor
) -> None:
    candidate, offer, lot = _setup(session, coach)
    created = client.post(
        "/proposals",
        json={"candidate_id": candidate.id, "offer_id": offer.id},
        headers=coach.headers,
    ).json()
    version = created["version"]
    for to in ("validated", "presented", "hired", "in_post", "ended"):
        response = _move(client, facilitator, created["id"], to, version)
        assert response.status_code == 200, (to, response.json())
        version = response.json()["version"]
        session.refresh(candidate)
        # The engine's "already in a clause job" flag follows the placement.
        assert candidate.is_in_clause_job is (to == "in_post"), to
    final = response.json()
    assert final["state"] == "ended"
    assert final["state_reason"] == "emploi_durable"
    placement = session.scalars(
        select(Placement).where(Placement.proposal_id == created["id"])
    ).one()
    assert placement.lot_id == lot.id
    assert placement.outcome_at_end == "emploi_durable"
    events = client.get(f"/proposals/{created['id']}/events", headers=coach.headers).json()
    assert [e["to_state"] for e in events] == [
        "proposed",
        "validated",
        "presented",
        "hired",
        "in_post",
        "ended",
    ]
    assert {e["by_username"] for e in events[1:]} == {"facil"}


def test_refusal_needs_a_reason_from_the_list(
    client: TestClient, session: Session, coach: Actor, facilitator: Actor
) -> None:
    candidate, offer, _ = _setup(session, coach)
    proposal = _proposal(session, candidate, offer, coach)
    url = f"/proposals/{proposal.id}/transitions"
    no_reason = client.post(url, json={"to": "refused", "version": 1}, headers=facilitator.headers)
    assert no_reason.status_code == 422
    assert "motif" in no_reason.json()["detail"]
    bad = client.post(
        url, json={"to": "refused", "version": 1, "reason": "lazy"}, headers=facilitator.headers
    )
    assert bad.status_code == 422
    other = client.post(
        url, json={"to": "refused", "version": 1, "reason": "other"}, headers=facilitator.headers
    )
    assert other.status_code == 422
    assert "autre" in other.json()["detail"]
    ok = client.post(
        url,
        json={"to": "refused", "version": 1, "reason": "other", "reason_text": "Déménagement"},
        headers=facilitator.headers,
    )
    assert ok.status_code == 200
    assert ok.json()["state_reason_label"] == "Autre motif (précisé)"
    assert ok.json()["state_reason_text"] == "Déménagement"


def test_stale_version_is_a_conflict(
    client: TestClient, session: Session, coach: Actor, facilitator: Actor
) -> None:
    candidate, offer, _ = _setup(session, coach)
    proposal = _proposal(session, candidate, offer, coach)
    assert _move(client, facilitator, proposal.id, "validated", 1).status_code == 200
    late = _move(client, facilitator, proposal.id, "refused", 1)
    assert late.status_code == 409
    assert "version" in late.json()["detail"]


def test_coach_cannot_see_or_move_another_coachs_proposal(
    client: TestClient, session: Session, coach: Actor, other_coach: Actor
) -> None:
    candidate, offer, _ = _setup(session, coach)
    proposal = _proposal(session, candidate, offer, coach)
    assert client.get(f"/proposals/{proposal.id}", headers=other_coach.headers).status_code == 404
    assert _move(client, other_coach, proposal.id, "withdrawn", 1).status_code == 404
    listed = client.get("/proposals", headers=other_coach.headers).json()
    assert listed["total"] == 0


# --------------------------------------------------------------------------- obsolete, stale


def test_hired_elsewhere_makes_other_open_proposals_obsolete(
    client: TestClient, session: Session, coach: Actor, facilitator: Actor
) -> None:
    candidate, offer_a, lot = _setup(session, coach)
    offer_b = make_offer(session, lot_id=lot.id)
    offer_c = make_offer(session, lot_id=lot.id)
    offer_d = make_offer(session, lot_id=lot.id)
    hired = _proposal(session, candidate, offer_a, coach, state="presented")
    open_b = _proposal(session, candidate, offer_b, coach, state="proposed")
    open_c = _proposal(session, candidate, offer_c, coach, state="validated")
    refused_d = _proposal(session, candidate, offer_d, coach, state="refused")
    other_person = make_candidate(session, coach=coach)
    unrelated = _proposal(session, other_person, offer_b, coach, state="proposed")
    assert _move(client, facilitator, hired.id, "hired", 1).status_code == 200
    states = {
        p.id: p.state
        for p in session.scalars(select(Proposal).execution_options(populate_existing=True))
    }
    assert states[open_b.id] == "obsolete"
    assert states[open_c.id] == "obsolete"
    assert states[refused_d.id] == "refused"
    assert states[unrelated.id] == "proposed"
    assert states[hired.id] == "hired"
    event = session.scalars(
        select(ProposalEvent).where(ProposalEvent.proposal_id == open_b.id)
    ).one()
    assert (event.from_state, event.to_state, event.reason, event.by) == (
        "proposed",
        "obsolete",
        "hired_elsewhere",
        facilitator.id,
    )
    assert (
        client.get(f"/proposals/{open_b.id}", headers=coach.headers).json()["state_reason_label"]
        == "Embauchée sur une autre offre"
    )


def test_direct_placement_makes_open_proposals_obsolete(
    client: TestClient, session: Session, coach: Actor, facilitator: Actor
) -> None:
    candidate, offer, lot = _setup(session, coach)
    open_one = _proposal(session, candidate, offer, coach, state="validated")
    response = client.post(
        "/placements",
        json={
            "candidate_id": candidate.id,
            "lot_id": lot.id,
            "delivery_mode": "mise_a_disposition",
            "intermediary": "ETTI",
            "contract_type": "INTERIM",
            "start_date": "2026-03-01",
        },
        headers=facilitator.headers,
    )
    assert response.status_code == 201, response.json()
    session.refresh(open_one)
    assert open_one.state == "obsolete"


def test_stale_proposals_are_listed(
    client: TestClient, session: Session, coach: Actor, facilitator: Actor
) -> None:
    candidate, offer, lot = _setup(session, coach)
    old = _proposal(session, candidate, offer, coach, state="validated")
    old.state_changed_at = datetime.now(UTC) - timedelta(days=20)
    fresh = _proposal(session, candidate, make_offer(session, lot_id=lot.id), coach)
    closed = _proposal(session, candidate, make_offer(session, lot_id=lot.id), coach, "refused")
    closed.state_changed_at = datetime.now(UTC) - timedelta(days=60)
    session.flush()
    stale = client.get("/proposals", params={"stale": "true"}, headers=facilitator.headers)
    assert stale.status_code == 200
    assert [p["id"] for p in stale.json()["items"]] == [old.id]
    assert stale.json()["items"][0]["is_stale"] is True
    everything = client.get("/proposals", headers=coach.headers).json()
    assert {p["id"] for p in everything["items"]} == {old.id, fresh.id, closed.id}
    by_state = client.get("/proposals", params={"state": "proposed"}, headers=coach.headers)
    assert [p["id"] for p in by_state.json()["items"]] == [fresh.id]
    by_offer = client.get("/proposals", params={"offer_id": offer.id}, headers=coach.headers)
    assert [p["id"] for p in by_offer.json()["items"]] == [old.id]


# --------------------------------------------------------------------------- hours


@pytest.fixture
def placement(session: Session, coach: Actor) -> Placement:
    candidate, _, lot = _setup(session, coach)
    row = Placement(
        candidate_id=candidate.id,
        lot_id=lot.id,
        delivery_mode="direct_hire",
        contract_type="CDD",
        start_date=date(2026, 3, 15),
        end_date=date(2026, 6, 10),
    )
    session.add(row)
    session.flush()
    return row


@pytest.mark.parametrize(
    ("items", "fragment"),
    [
        ([{"month": "2026-04-01", "hours": -5}], "04/2026 : nombre d'heures négatif"),
        ([{"month": "2026-04-01", "hours": 230}], "04/2026 : 230 h déclarées, plus que le plafond"),
        ([{"month": "2026-02-01", "hours": 20}], "02/2026 : hors des dates du placement"),
        ([{"month": "2026-07-01", "hours": 20}], "07/2026 : hors des dates du placement"),
        (
            [{"month": "2026-04-01", "hours": 20}, {"month": "2026-04-15", "hours": 20}],
            "04/2026 : mois déclaré deux fois",
        ),
    ],
)
def test_hours_plausibility(
    client: TestClient,
    facilitator: Actor,
    placement: Placement,
    items: list[dict[str, Any]],
    fragment: str,
) -> None:
    response = client.put(
        f"/placements/{placement.id}/hours", json={"items": items}, headers=facilitator.headers
    )
    assert response.status_code == 422, response.json()
    assert fragment in response.json()["detail"]
    assert (
        client.get(f"/placements/{placement.id}/hours", headers=facilitator.headers).json()["items"]
        == []
    )


def test_hours_are_declared_and_replaced(
    client: TestClient, facilitator: Actor, placement: Placement
) -> None:
    url = f"/placements/{placement.id}/hours"
    first = client.put(
        url,
        json={
            "items": [{"month": "2026-03-01", "hours": 60}, {"month": "2026-06-01", "hours": 220}]
        },
        headers=facilitator.headers,
    )
    assert first.status_code == 200, first.json()
    assert first.json()["total_hours"] == 280
    again = client.put(
        url, json={"items": [{"month": "2026-03-20", "hours": 70}]}, headers=facilitator.headers
    )
    assert again.json()["items"] == [
        {"month": "2026-03-01", "hours": 70.0},
        {"month": "2026-06-01", "hours": 220.0},
    ]
    read = client.get(f"/placements/{placement.id}", headers=facilitator.headers).json()
    assert read["total_hours"] == 290
    assert read["delivery_mode_label"] == "Embauche directe par l'entreprise"
    # Dates may not move away from declared hours.
    moved = client.patch(
        f"/placements/{placement.id}",
        json={"version": read["version"], "end_date": "2026-05-31"},
        headers=facilitator.headers,
    )
    assert moved.status_code == 422
    assert "06/2026" in moved.json()["detail"]
    outcome = client.patch(
        f"/placements/{placement.id}",
        json={"version": read["version"], "outcome_6_months": "emploi_transition"},
        headers=facilitator.headers,
    )
    assert outcome.status_code == 200
    assert outcome.json()["outcome_6_months_label"].startswith("Emploi de transition")


def test_mise_a_disposition_needs_an_intermediary(
    client: TestClient, session: Session, coach: Actor, facilitator: Actor
) -> None:
    candidate, _, lot = _setup(session, coach)
    response = client.post(
        "/placements",
        json={
            "candidate_id": candidate.id,
            "lot_id": lot.id,
            "delivery_mode": "mise_a_disposition",
            "contract_type": "INTERIM",
            "start_date": "2026-03-01",
        },
        headers=facilitator.headers,
    )
    assert response.status_code == 422
    assert "ETTI ou une AI" in response.json()["detail"]
