"""Database rows → engine frames: the engine's own validators accept them, nothing else leaks."""

from __future__ import annotations

from datetime import date

import numpy as np
from factories import Actor, make_candidate, make_lot, make_offer
from sqlalchemy.orm import Session

from matching import columns as col
from matching.referentials import CommuneIndex, RomeReferential
from matching.schema import prepare_candidates, prepare_offers
from service.models.people import CandidateReporting
from service.scoring.frames import candidate_frames, load_engine_inputs, offer_frame


def test_frames_pass_the_engine_schema(
    session: Session, coach: Actor, rome: RomeReferential, communes: CommuneIndex
) -> None:
    walker = make_candidate(
        session,
        coach=coach,
        travel_mode="marche",
        has_vehicle=False,
        max_distance_km=None,
        max_travel_minutes=30.0,
        licences=(),
        jobs=((None, "K2204", 0.0),),
        skills=[100007],
    )
    driver = make_candidate(session, coach=coach, licences=("PERMIS_C", "FIMO"))
    session.add(CandidateReporting(candidate_id=driver.id, sex="F", birth_year=1980))
    lot = make_lot(session)
    make_offer(session, lot_id=lot.id, required_licences=("PERMIS_B",))
    make_offer(session, code_ogr=None, code_rome="K2204", end_date=None, contract_type="CDI")
    make_offer(session, status="closed")
    make_offer(session, code_ogr=None, code_rome=None, intitule="Poste à définir")
    session.flush()

    inputs = load_engine_inputs(session)

    assert list(inputs.candidates.columns) == list(col.CANDIDATE_COLUMNS)
    assert list(inputs.candidate_jobs.columns) == list(col.CANDIDATE_JOB_COLUMNS)
    assert {"sex", "birth_year"} & set(inputs.candidates.columns) == set()
    assert len(inputs.offers) == 2  # neither the closed offer nor the one without ROME code
    assert inputs.offers[col.LOT_REF].tolist() == [lot.reference, ""]
    assert inputs.offers[col.END_DATE].isna().tolist() == [False, True]
    assert inputs.candidate_external_ids == {
        walker.id: walker.external_id,
        driver.id: driver.external_id,
    }
    assert inputs.candidates[col.CANDIDATE_ID].tolist() == [str(walker.id), str(driver.id)]
    row = inputs.candidates.set_index(col.CANDIDATE_ID).loc[str(walker.id)]
    assert np.isnan(row[col.MAX_DISTANCE_KM])
    assert row[col.SKILLS] == (100007,)
    assert row[col.READINESS_ASSESSED_ON] == np.datetime64(date(2026, 9, 1))

    pool = prepare_candidates(
        inputs.candidates, inputs.candidate_jobs, rome=rome, communes=communes
    )
    offers = prepare_offers(inputs.offers, rome=rome, communes=communes)
    assert list(pool.ids) == list(inputs.candidates[col.CANDIDATE_ID])
    assert list(offers.ids) == list(inputs.offers[col.OFFER_ID])


def test_subsets_by_id(session: Session, coach: Actor) -> None:
    people = [make_candidate(session, coach=coach) for _ in range(3)]
    offers = [make_offer(session) for _ in range(2)]
    session.flush()
    candidates, jobs, _ = candidate_frames(session, ids=[people[1].id])
    assert candidates[col.CANDIDATE_ID].tolist() == [str(people[1].id)]
    assert set(jobs[col.CANDIDATE_ID]) == {str(people[1].id)}
    frame, external = offer_frame(session, ids=[offers[0].id])
    assert frame[col.OFFER_ID].tolist() == [str(offers[0].id)]
    assert external == {offers[0].id: offers[0].external_id}


def test_active_only(session: Session, coach: Actor) -> None:
    make_candidate(session, coach=coach)
    make_candidate(session, coach=coach, is_active=False)
    assert len(load_engine_inputs(session, active_only=True).candidates) == 1
    assert len(load_engine_inputs(session).candidates) == 2
