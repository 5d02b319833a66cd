"""Candidate imports into the database: upsert by external id, --full, all or nothing, API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from factories import Actor, make_candidate, make_user
from fastapi import FastAPI
from fastapi.testclient import TestClient
from importing import (
    CANDIDATE_HEADER,
    candidate_line,
    do_import_candidates,
    fake_titles,
    snapshot,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.errors import InvalidInput
from service.models.people import Candidate, CandidateJob, CandidateLicence, CandidateReporting
from service.referentials.titles import get_title_normaliser


@pytest.fixture
def coaches(session: Session) -> tuple[Actor, Actor]:
    return make_user(session, role="coach", username="coach-a"), make_user(
        session, role="coach", username="coach-b"
    )


GOOD = (
    CANDIDATE_HEADER
    + candidate_line("P-001", jobs="F1703:4|Agent d'entretien:1", licences="B, CACES 3")
    + candidate_line(
        "P-002",
        "coach-b",
        commune="Flers",
        jobs="N1101",
        vehicle="non",
        km="",
        stage="en parcours",
        sex="",
        birth="",
    )
)


def _people(session: Session) -> dict[str, Candidate]:
    return {c.external_id: c for c in session.scalars(select(Candidate))}


def test_creates_people_jobs_licences_and_reporting(
    session: Session, coaches: tuple[Actor, Actor]
) -> None:
    report = do_import_candidates(session, GOOD)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    people = _people(session)
    one = people["P-001"]
    assert one.coach_id == coaches[0].id and one.readiness_stage == "pret_emploi"
    assert one.is_active and one.is_eligible and one.version == 1
    jobs = session.execute(
        select(CandidateJob.code_rome, CandidateJob.experience_years)
        .where(CandidateJob.candidate_id == one.id)
        .order_by(CandidateJob.id)
    ).all()
    assert [tuple(j) for j in jobs] == [("F1703", 4.0), ("K2204", 1.0)]
    codes = set(
        session.scalars(
            select(CandidateLicence.code).where(CandidateLicence.candidate_id == one.id)
        )
    )
    assert codes == {"PERMIS_B", "CACES_R489_3"}
    rep = session.get(CandidateReporting, one.id)
    assert rep is not None and rep.sex == "F" and rep.birth_year == 1980
    assert people["P-002"].travel_mode == "transport_commun"


def test_reimport_changes_nothing(session: Session, coaches: tuple[Actor, Actor]) -> None:
    do_import_candidates(session, GOOD)
    before = snapshot(session)
    report = do_import_candidates(session, GOOD)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    after = snapshot(session)
    assert after.pop("audit_log") == before.pop("audit_log") + 1
    assert after == before


def test_a_changed_row_updates_by_external_id(
    session: Session, coaches: tuple[Actor, Actor]
) -> None:
    do_import_candidates(session, GOOD)
    v = {k: c.version for k, c in _people(session).items()}
    changed = GOOD.replace("F1703:4|Agent d'entretien:1", "F1703:5").replace(
        "P-002;coach-b", "P-002;coach-a"
    )
    report = do_import_candidates(session, changed)
    assert (report.created, report.updated, report.unchanged) == (0, 2, 0)
    session.expire_all()
    people = _people(session)
    assert people["P-002"].coach_id == coaches[0].id
    assert people["P-001"].version == v["P-001"] + 1
    jobs = session.execute(
        select(CandidateJob.code_rome, CandidateJob.experience_years).where(
            CandidateJob.candidate_id == people["P-001"].id
        )
    ).all()
    assert [tuple(j) for j in jobs] == [("F1703", 5.0)]


def test_full_deactivates_people_missing_from_the_export(
    session: Session, coaches: tuple[Actor, Actor]
) -> None:
    do_import_candidates(session, GOOD)
    manual = make_candidate(session, coach=coaches[1].user, external_id="P-MANUEL")
    only_one = CANDIDATE_HEADER + candidate_line(
        "P-001", jobs="F1703:4|Agent d'entretien:1", licences="B, CACES 3"
    )
    preview = do_import_candidates(session, only_one, full=True, dry_run=True)
    assert sorted(preview.deactivated_ids) == ["P-002", "P-MANUEL"]
    report = do_import_candidates(session, only_one, full=True)
    assert report.deactivated == 2 and report.unchanged == 1
    session.expire_all()
    people = _people(session)
    assert people["P-001"].is_active
    assert not people["P-002"].is_active and not people["P-MANUEL"].is_active
    assert people["P-MANUEL"].id == manual.id  # kept, never deleted
    again = do_import_candidates(session, only_one, full=True)
    assert again.deactivated == 0 and again.unchanged == 1
    # Without --full, nobody is deactivated.
    do_import_candidates(session, GOOD)
    assert _people(session)["P-002"].is_active


def test_dry_run_writes_nothing(session: Session, coaches: tuple[Actor, Actor]) -> None:
    before = snapshot(session)
    report = do_import_candidates(session, GOOD, dry_run=True)
    assert report.created_ids == ["P-001", "P-002"]
    assert snapshot(session) == before


BAD_FILES: dict[str, tuple[bytes, str]] = {
    "wrong encoding": (
        (CANDIDATE_HEADER + candidate_line()).encode() + b"\x81\x90\n",
        "bad_encoding",
    ),
    "wrong separator": (
        (CANDIDATE_HEADER + candidate_line()).replace(";", "|").encode(),
        "missing_columns",
    ),
    "missing column": (b"Identifiant;Coach\nP-1;coach-a\n", "missing_columns"),
    "extra value": (
        (CANDIDATE_HEADER + candidate_line().rstrip("\n") + ";x\n").encode(),
        "wrong_field_count",
    ),
    "empty file": (b"", "empty_file"),
    "header only": (CANDIDATE_HEADER.encode(), "header_only"),
    "duplicated ids": (
        (CANDIDATE_HEADER + candidate_line() + candidate_line()).encode(),
        "duplicate_id",
    ),
    "unknown commune": (
        (CANDIDATE_HEADER + candidate_line(commune="Atlantide")).encode(),
        "unknown_commune",
    ),
    "unknown coach": (
        (CANDIDATE_HEADER + candidate_line(coach="coach-z")).encode(),
        "unknown_coach",
    ),
    "impossible date": (
        (CANDIDATE_HEADER + candidate_line(assessed="30/02/2026")).encode(),
        "bad_assessed_on",
    ),
    "non-numeric distance": ((CANDIDATE_HEADER + candidate_line(km="loin")).encode(), "bad_max_km"),
    "a 10 MB line": (
        (CANDIDATE_HEADER + candidate_line(jobs="x" * 10_485_760)).encode(),
        "field_too_long",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_changes_nothing(
    session: Session, coaches: tuple[Actor, Actor], case: str
) -> None:
    do_import_candidates(session, GOOD)
    before = snapshot(session)
    data, code = BAD_FILES[case]
    with pytest.raises(InvalidInput) as info:
        do_import_candidates(session, data, full=True)
    codes = {e["code"] for e in info.value.errors or []}
    assert code in codes or any(c.startswith(code) for c in codes), info.value.errors
    assert snapshot(session) == before


@pytest.fixture
def api(app: FastAPI) -> Iterator[FastAPI]:
    app.dependency_overrides[get_title_normaliser] = lambda: fake_titles
    try:
        yield app
    finally:
        app.dependency_overrides.pop(get_title_normaliser, None)


def test_api_candidates_import(
    api: FastAPI,
    client: TestClient,
    session: Session,
    facilitator: Actor,
    coaches: tuple[Actor, Actor],
) -> None:
    def post(data: str, **params: str) -> tuple[int, dict[str, object]]:
        r = client.post(
            "/imports/candidates",
            files={"file": ("candidats.csv", data.encode("cp1252"), "text/csv")},
            params=params,
            headers=facilitator.headers,
        )
        return r.status_code, r.json()

    status, body = post(GOOD)
    assert status == 200 and body["created"] == 2
    status, body = post(
        CANDIDATE_HEADER
        + candidate_line("P-001", jobs="F1703:4|Agent d'entretien:1", licences="B, CACES 3"),
        full="true",
    )
    assert status == 200 and body["deactivated"] == 1
    status, body = post(CANDIDATE_HEADER + candidate_line("P-003", coach="coach-z"))
    assert status == 422 and body["errors"][0]["code"] == "unknown_coach"  # type: ignore[index]
    assert "P-003" not in _people(session)
