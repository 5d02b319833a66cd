"""Two facilitators act on the same proposal at the same moment: one wins, the other gets a
409, and nothing is lost (real sessions and commits, on a database of its own)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from alembic import command
from factories import make_candidate, make_lot, make_offer, make_user
from fastapi.testclient import TestClient
from sqlalchemy import select

from service.config import Settings
from service.db import alembic_config
from service.main import create_app
from service.models.workflow import Proposal, ProposalEvent


def test_two_facilitators_acting_at_once(empty_database_url: str) -> None:
    command.upgrade(alembic_config(empty_database_url), "head")
    app = create_app(Settings(database_url=empty_database_url))
    try:
        with TestClient(app) as client:
            with app.state.sessionmaker() as session, session.begin():
                coach = make_user(session, role="coach", username="coach")
                first = make_user(session, role="facilitator", username="facil-1")
                second = make_user(session, role="facilitator", username="facil-2")
                lot = make_lot(session)
                offer = make_offer(session, lot_id=lot.id)
                candidate = make_candidate(session, coach=coach)
                proposal = Proposal(
                    candidate_id=candidate.id,
                    offer_id=offer.id,
                    proposed_by=coach.id,
                    state="proposed",
                    state_changed_at=datetime.now(UTC),
                )
                session.add(proposal)
                session.flush()
                proposal_id = proposal.id
            barrier = threading.Barrier(2)
            statuses: dict[str, int] = {}

            def act(name: str, headers: dict[str, str], body: dict[str, object]) -> None:
                barrier.wait()
                response = client.post(
                    f"/proposals/{proposal_id}/transitions", json=body, headers=headers
                )
                statuses[name] = response.status_code

            threads = [
                threading.Thread(
                    target=act, args=("validate", first.headers, {"to": "validated", "version": 1})
                ),
                threading.Thread(
                    target=act,
                    args=(
                        "refuse",
                        second.headers,
                        {"to": "refused", "version": 1, "reason": "not_ready"},
                    ),
                ),
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=30)
            assert sorted(statuses.values()) == [200, 409], statuses
            winner = next(name for name, status in statuses.items() if status == 200)
            with app.state.sessionmaker() as session:
                row = session.get(Proposal, proposal_id)
                assert row is not None
                assert row.state == {"validate": "validated", "refuse": "refused"}[winner]
                assert row.version == 2
                events = session.scalars(
                    select(ProposalEvent).where(ProposalEvent.proposal_id == proposal_id)
                ).all()
                assert [e.to_state for e in events] == [row.state]
    finally:
        app.state.engine.dispose()
