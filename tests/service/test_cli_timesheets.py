"""``clausematch import hours FILE [--dry-run]``: exit codes, output, all or nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from factories import make_candidate, make_lot, make_user
from sqlalchemy import select

import service.cli
from service.config import get_settings
from service.db import alembic_config, make_engine, make_sessionmaker
from service.models.workflow import Placement, PlacementHours


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, empty_database_url: str) -> Iterator[str]:
    monkeypatch.setattr(service.cli, "_COMMAND_MODULES", ("imports",))
    monkeypatch.setenv("CLAUSEMATCH_DATABASE_URL", empty_database_url)
    get_settings.cache_clear()
    command.upgrade(alembic_config(empty_database_url), "head")
    engine = make_engine(empty_database_url)
    with make_sessionmaker(engine)() as session, session.begin():
        coach = make_user(session, role="coach", username="coach")
        lot = make_lot(session, reference="L-CLI-1", start_date=date(2026, 1, 1))
        person = make_candidate(session, coach=coach, external_id="P-CLI")
        session.add(
            Placement(
                candidate_id=person.id,
                lot_id=lot.id,
                delivery_mode="direct_hire",
                contract_type="CDD",
                start_date=date(2026, 2, 1),
                end_date=date(2026, 5, 31),
            )
        )
    engine.dispose()
    yield empty_database_url
    get_settings.cache_clear()


def _hours(url: str) -> list[tuple[date, float]]:
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        rows = [(h.month, h.hours) for h in session.scalars(select(PlacementHours))]
    engine.dispose()
    return sorted(rows)


def test_import_hours(cli: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "releve.csv"
    path.write_text("Identifiant de suivi;Lot;Mois;Heures\nP-CLI;L-CLI-1;03/2026;120\n")
    assert service.cli.main(["import", "hours", str(path), "--dry-run"]) == 0
    assert "1 mois seraient déclaré(s)" in capsys.readouterr().out
    assert _hours(cli) == []
    assert service.cli.main(["import", "hours", str(path)]) == 0
    assert "1 mois ont été déclaré(s)" in capsys.readouterr().out
    assert service.cli.main(["import", "hours", str(path)]) == 0
    assert "1 inchangé(s)" in capsys.readouterr().out
    assert _hours(cli) == [(date(2026, 3, 1), 120.0)]


def test_import_hours_refused(cli: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "releve.csv"
    path.write_text(
        "Identifiant de suivi;Lot;Mois;Heures\nP-CLI;L-CLI-1;03/2026;120\nP-CLI;L-CLI-1;04/2026;250\n"
    )
    assert service.cli.main(["import", "hours", str(path)]) == 1
    err = capsys.readouterr().err
    assert "ligne 3, colonne « Heures » : 04/2026 : 250 h déclarées" in err
    assert _hours(cli) == []
    assert service.cli.main(["import", "hours", str(tmp_path / "absent.csv")]) == 1
