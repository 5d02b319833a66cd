"""The service's own history, exported in the schema training reads."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from factories import Actor, make_candidate, make_lot, make_offer, make_user
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import service.cli
from service.config import get_settings
from service.db import alembic_config, make_engine, make_sessionmaker
from service.models.accounts import AuditEntry
from service.models.people import CandidateReporting
from service.models.scoring import Exposure, Match, MatchRun
from service.models.workflow import Placement, PlacementHours, Proposal, ProposalEvent
from service.reports.history_export import export_history
from training.history import read_history, read_pool, write_history


def _proposal(
    session: Session, coach: Actor, candidate_id: int, offer_id: int, moves: list[str]
) -> Proposal:
    proposal = Proposal(
        candidate_id=candidate_id, offer_id=offer_id, proposed_by=coach.id, state=moves[-1]
    )
    session.add(proposal)
    session.flush()
    before: str | None = None
    for state in moves:
        session.add(
            ProposalEvent(proposal_id=proposal.id, from_state=before, to_state=state, by=coach.id)
        )
        before = state
    session.flush()
    return proposal


def test_export_proposals_list_entries_and_outcomes(
    session: Session, coach: Actor, tmp_path: Path
) -> None:
    lot = make_lot(session)
    offer = make_offer(session, lot_id=lot.id)
    hired = make_candidate(session, coach=coach, is_in_clause_job=True)  # set by the placement
    refused = make_candidate(session, coach=coach)
    listed = make_candidate(session, coach=coach)
    session.add(CandidateReporting(candidate_id=hired.id, sex="F", birth_year=1990))
    p_hired = _proposal(
        session,
        coach,
        hired.id,
        offer.id,
        ["proposed", "validated", "presented", "hired", "in_post", "ended"],
    )
    _proposal(session, coach, refused.id, offer.id, ["proposed", "refused"])
    placement = Placement(
        candidate_id=hired.id,
        lot_id=lot.id,
        proposal_id=p_hired.id,
        delivery_mode="direct_hire",
        contract_type="CDD",
        start_date=date.today() + timedelta(days=10),
        end_date=date.today() + timedelta(days=190),
        outcome_at_end="emploi_durable",
    )
    session.add(placement)
    session.flush()
    session.add_all(
        [
            PlacementHours(placement_id=placement.id, month=date(2026, 3, 1), hours=120.0),
            PlacementHours(placement_id=placement.id, month=date(2026, 4, 1), hours=140.5),
        ]
    )
    facilitator = make_user(session, role="facilitator")
    run = MatchRun(model_version="weighted-v1", status="completed", created_by=facilitator.id)
    session.add(run)
    session.flush()
    for person in (hired, listed):
        session.add(
            Match(
                run_id=run.id,
                offer_id=offer.id,
                candidate_id=person.id,
                score=0.5,
                model_version="weighted-v1",
                rank=1,
            )
        )
    session.flush()

    export = export_history(session)
    frame = export.frame.set_index("candidate_id")
    assert export.n_proposals == 2 and export.n_shown == 2
    row = frame.loc[hired.external_id]
    assert row["proposed"] and row["validated"] and row["hired"]
    assert row["hours"] == 260.5 and row["outcome"] == "emploi_durable"
    assert row["sex"] == "F" and row["age_band"] == "30-54"
    assert row["offer_id"] == offer.external_id and row["offer_code_rome"] == "F1703"
    no = frame.loc[refused.external_id]
    assert no["proposed"] and not no["validated"] and not no["hired"] and no["hours"] == 0
    entry = frame.loc[listed.external_id]
    assert not entry["proposed"] and not entry["hired"]
    assert entry["shown"] and entry["shown_via"] == "batch" and entry["shown_rank"] == 1
    assert not no["shown"] and no["shown_via"] == ""  # a manual proposal: never shown
    # the hire's placement runs today, but they were not in a clause job when proposed
    assert not row["is_in_clause_job"]
    # everyone is in the pool file, as on the first day of the history
    assert set(export.pool["candidate_id"]) >= {hired.external_id, listed.external_id}
    # The files read back through training's own readers.
    path = write_history(export.frame, tmp_path / "history.csv", pool=export.pool)
    assert len(read_history(path)) == 3
    assert len(read_pool(path)) == len(export.pool)


def test_pairs_shown_on_shortlists_and_digests_are_exported(
    client: TestClient, session: Session, coach: Actor, tmp_path: Path
) -> None:
    near = make_candidate(session, coach=coach)
    far = make_candidate(session, coach=coach, commune_insee="61464", max_distance_km=22.0)
    offer = make_offer(session)
    session.flush()
    body = client.get(f"/offers/{offer.id}/shortlist?k=5", headers=coach.headers).json()
    ranks = {i["candidate_id"]: i["rank"] for i in body["items"]}
    client.get(f"/candidates/{far.id}/offers?k=3", headers=coach.headers)
    shown = session.scalars(select(Exposure).where(Exposure.offer_id == offer.id)).all()
    assert {(e.channel, e.candidate_id) for e in shown} == {
        ("shortlist", near.id),
        ("shortlist", far.id),
        ("offers_for", far.id),
    }
    assert all(e.shown_to == coach.user.id and e.model_version for e in shown)
    export = export_history(session)
    frame = export.frame.set_index("candidate_id")
    assert frame.loc[near.external_id, "shown_rank"] == ranks[near.id]
    assert frame.loc[near.external_id, "shown_via"] == "shortlist"
    # the best rank it was shown at: first of its own best offers
    assert frame.loc[far.external_id, "shown_rank"] == 1
    assert frame[["shown"]].all().all() and not frame["proposed"].any()


def test_an_empty_service_exports_empty_files(session: Session, tmp_path: Path) -> None:
    export = export_history(session)
    assert export.frame.empty and export.n_proposals == 0
    path = write_history(export.frame, tmp_path / "history.csv", pool=export.pool)
    assert read_history(path).empty


@pytest.mark.parametrize(("person_id", "offer_id"), [(None, None), ("=1+2", "@SUM(A1)")])
def test_history_export_command_writes_the_history_and_its_pool(
    monkeypatch: pytest.MonkeyPatch,
    empty_database_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    person_id: str | None,
    offer_id: str | None,
) -> None:
    monkeypatch.setenv("CLAUSEMATCH_DATABASE_URL", empty_database_url)
    get_settings.cache_clear()
    command.upgrade(alembic_config(empty_database_url), "head")
    engine = make_engine(empty_database_url)
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            coach = make_user(session, role="coach", username="coach")
            ids = {} if person_id is None else {"external_id": person_id}
            person = make_candidate(session, coach=coach, **ids)
            offer = make_offer(session, **({} if offer_id is None else {"external_id": offer_id}))
            _proposal(session, coach, person.id, offer.id, ["proposed"])
        out = tmp_path / "history.csv"
        assert service.cli.main(["history", "export", "-o", str(out)]) == 0
        printed = capsys.readouterr().out
        assert "1 lignes" in printed and "history.pool.csv" in printed
        assert len(read_history(out)) == 1 and len(read_pool(out)) == 1
        if person_id is not None:  # ids that look like formulas are written as text
            assert read_history(out)["candidate_id"].tolist() == ["'" + person_id]
            assert read_history(out)["offer_id"].tolist() == [f"'{offer_id}"]
            assert read_pool(out)["candidate_id"].tolist() == ["'" + person_id]
        with make_sessionmaker(engine)() as session:
            entry = session.scalar(select(AuditEntry).where(AuditEntry.action == "history_export"))
            assert entry is not None and entry.detail == {"rows": 1}
    finally:
        engine.dispose()
        get_settings.cache_clear()
