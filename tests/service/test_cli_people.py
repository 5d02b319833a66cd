"""``clausematch people export | erase | do-not-propose``: files, exit codes, French errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic import command
from factories import make_candidate, make_lot, make_offer, make_user
from openpyxl import load_workbook
from sqlalchemy import select

import service.cli
from service.config import get_settings
from service.db import alembic_config, make_engine, make_sessionmaker
from service.models.accounts import AuditEntry
from service.models.people import Candidate
from service.models.workflow import Placement, Proposal


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, empty_database_url: str) -> Iterator[dict[str, int]]:
    monkeypatch.setattr(service.cli, "_COMMAND_MODULES", ("people",))
    monkeypatch.setenv("CLAUSEMATCH_DATABASE_URL", empty_database_url)
    get_settings.cache_clear()
    command.upgrade(alembic_config(empty_database_url), "head")
    engine = make_engine(empty_database_url)
    with make_sessionmaker(engine)() as session, session.begin():
        coach = make_user(session, role="coach", username="coach")
        offer = make_offer(session)
        free = make_candidate(session, coach=coach, first_name="Anne", last_name="Libre")
        kept = make_candidate(session, coach=coach, first_name="Zoé", last_name="Gardée")
        busy = make_candidate(session, coach=coach, first_name="Léa", last_name="Occupée")
        session.add(
            Proposal(
                candidate_id=busy.id,
                offer_id=offer.id,
                proposed_by=coach.id,
                state="presented",
                state_changed_at=datetime.now(UTC),
            )
        )
        session.add(
            Placement(
                candidate_id=kept.id,
                lot_id=make_lot(session).id,
                delivery_mode="direct_hire",
                contract_type="CDD",
                start_date=date(2026, 3, 16),
                end_date=date(2026, 6, 12),
            )
        )
        ids = {"free": free.id, "kept": kept.id, "busy": busy.id}
    engine.dispose()
    yield ids
    get_settings.cache_clear()


def _person(person_id: int) -> Candidate | None:
    engine = make_engine(get_settings().database_url)
    try:
        with make_sessionmaker(engine)() as session:
            return session.get(Candidate, person_id)
    finally:
        engine.dispose()


def _audit_actions() -> list[tuple[str, str]]:
    engine = make_engine(get_settings().database_url)
    try:
        with make_sessionmaker(engine)() as session:
            return [(e.action, e.role) for e in session.scalars(select(AuditEntry))]
    finally:
        engine.dispose()


def test_export_writes_a_workbook_and_a_json(
    cli: dict[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "acces"
    assert service.cli.main(["people", "export", str(cli["kept"]), "--out", str(out)]) == 0
    data = json.loads((out / f"personne-{cli['kept']}.json").read_text("utf-8"))
    assert data["sections"]["identity"][0]["last_name"] == "Gardée"
    assert data["sections"]["placements"][0]["start_date"] == "2026-03-16"
    book = load_workbook(out / f"personne-{cli['kept']}.xlsx")
    assert "Mises en emploi" in book.sheetnames
    assert ("export", "system") in _audit_actions()
    assert "écrits" in capsys.readouterr().out


def test_export_of_an_unknown_person_fails_in_french(
    cli: dict[str, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert service.cli.main(["people", "export", "999999", "--out", str(tmp_path / "x")]) == 1
    assert "personne 999999 introuvable" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_erase_dry_run_then_for_real(
    cli: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    kept = str(cli["kept"])
    assert service.cli.main(["people", "erase", kept, "--reason", "request", "--dry-run"]) == 0
    assert "serait anonymisée (rien n'a changé)" in capsys.readouterr().out
    row = _person(cli["kept"])
    assert row is not None and row.last_name == "Gardée" and row.anonymised_at is None
    assert ("anonymise", "system") not in _audit_actions()

    assert service.cli.main(["people", "erase", kept, "--reason", "request"]) == 0
    assert "anonymisée sous le pseudonyme ANON-" in capsys.readouterr().out
    row = _person(cli["kept"])
    assert row is not None and row.last_name is None and row.anonymised_at is not None
    assert ("anonymise", "system") in _audit_actions()

    assert service.cli.main(["people", "erase", kept, "--reason", "request"]) == 1
    assert "déjà anonymisée" in capsys.readouterr().err

    free = str(cli["free"])
    assert service.cli.main(["people", "erase", free, "--reason", "objection"]) == 0
    assert "effacée" in capsys.readouterr().out
    assert _person(cli["free"]) is None


def test_erase_refusals_change_nothing(
    cli: dict[str, int], capsys: pytest.CaptureFixture[str]
) -> None:
    busy = str(cli["busy"])
    assert service.cli.main(["people", "erase", busy, "--reason", "request"]) == 1
    assert "proposition en cours" in capsys.readouterr().err
    row = _person(cli["busy"])
    assert row is not None and row.last_name == "Occupée"
    kept = str(cli["kept"])
    assert (
        service.cli.main(["people", "erase", kept, "--reason", "request", "--mode", "erase"]) == 1
    )
    assert "anonymisez-la" in capsys.readouterr().err
    with pytest.raises(SystemExit) as misuse:
        service.cli.main(["people", "erase", kept, "--reason", "au hasard"])
    assert misuse.value.code == 2
    assert _audit_actions() == []


def test_do_not_propose_on_and_off(cli: dict[str, int], capsys: pytest.CaptureFixture[str]) -> None:
    free = str(cli["free"])
    assert service.cli.main(["people", "do-not-propose", free]) == 0
    assert "marquée « ne pas proposer »" in capsys.readouterr().out
    row = _person(cli["free"])
    assert row is not None and row.do_not_propose
    assert service.cli.main(["people", "do-not-propose", free, "--off"]) == 0
    row = _person(cli["free"])
    assert row is not None and not row.do_not_propose
    assert service.cli.main(["people", "do-not-propose", "999999"]) == 1
    assert "introuvable" in capsys.readouterr().err
