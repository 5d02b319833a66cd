"""``clausematch proposals list``, ``report`` and ``tools``: exit codes, output, files."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from alembic import command
from factories import make_candidate, make_lot, make_offer, make_user

import service.cli
import service.cli.report
from service.config import get_settings
from service.db import alembic_config, make_engine, make_sessionmaker
from service.models.workflow import Placement, PlacementHours, Proposal
from service.reports.common import REPORT_NAMES


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, empty_database_url: str) -> Iterator[str]:
    monkeypatch.setattr(service.cli, "_COMMAND_MODULES", ("proposals", "report", "tools"))
    monkeypatch.setenv("CLAUSEMATCH_DATABASE_URL", empty_database_url)
    get_settings.cache_clear()
    command.upgrade(alembic_config(empty_database_url), "head")
    engine = make_engine(empty_database_url)
    with make_sessionmaker(engine)() as session, session.begin():
        coach = make_user(session, role="coach", username="coach")
        lot = make_lot(session, reference="L1", insertion_hours=100, end_date=date(2026, 12, 31))
        offer = make_offer(session, lot_id=lot.id)
        person = make_candidate(session, coach=coach)
        for days in (30, 1):
            session.add(
                Proposal(
                    candidate_id=person.id,
                    offer_id=offer.id,
                    proposed_by=coach.id,
                    state="proposed",
                    state_changed_at=datetime.now(UTC) - timedelta(days=days),
                )
            )
        placement = Placement(
            candidate_id=person.id,
            lot_id=lot.id,
            delivery_mode="direct_hire",
            contract_type="CDD",
            start_date=date(2026, 3, 1),
        )
        session.add(placement)
        session.flush()
        session.add(PlacementHours(placement_id=placement.id, month=date(2026, 3, 1), hours=42))
    engine.dispose()
    yield empty_database_url
    get_settings.cache_clear()


def test_proposals_list(cli: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert service.cli.main(["proposals", "list"]) == 0
    assert capsys.readouterr().out.startswith("2 proposition(s)")
    assert service.cli.main(["proposals", "list", "--stale"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("1 proposition(s) sans mouvement depuis 14 jours")
    assert "(sans mouvement)" in out


def test_report_files(cli: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    xlsx = tmp_path / "execution.xlsx"
    args = ["report", "execution", "--from", "2026-01-01", "--to", "2026-06-30", "-o", str(xlsx)]
    assert service.cli.main(args) == 0
    lots = pd.read_excel(xlsx, sheet_name="Lots")
    assert list(lots["Heures réalisées (h)"]) == [42]
    csv = tmp_path / "execution.csv"
    args = ["report", "execution", "--to", "2026-06-30", "--table", "lots", "-o", str(csv)]
    assert service.cli.main(args) == 0
    assert list(pd.read_csv(csv, sep=";", encoding="utf-8-sig")["Lot"]) == ["L1"]
    assert service.cli.main(["report", "funnel"]) == 0
    assert "proposées" in capsys.readouterr().out
    assert service.cli.main(["report", "fse", "--from", "hier"]) == 1
    assert "date invalide" in capsys.readouterr().err
    assert service.cli.main(["report", "fse", "-o", str(tmp_path / "x.pdf")]) == 1


def test_tools_hours(cli: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["tools", "hours", "--amount", "1000000", "--labour-share", "0,5", "--rate", "0.05"]
    assert service.cli.main([*args, "--hourly-cost", "30"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "1 000 000 € × 50 % × 5 % ÷ 30 €/h = 833 h"
    bad = ["tools", "hours", "--amount", "1000", "--trade", "x", "--rate", "0.05"]
    assert service.cli.main(bad) == 1
    assert "gros_oeuvre" in capsys.readouterr().err


def test_tools_supply(cli: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["tools", "supply", "--rome", "F1703,F1704", "--commune", "61001", "--hours", "500"]
    assert service.cli.main(args) == 0
    out = capsys.readouterr().out
    assert "Alençon (61001)" in out
    assert "1 personne(s) à portée" in out
    assert service.cli.main(["tools", "supply", "--rome", "ZZ", "--commune", "61001"]) == 1


def test_help_starts_without_heavy_libraries() -> None:
    """``clausematch --help`` and ``clausematch report --help`` import neither pandas nor the
    database layer nor the engine: only the chosen command's module is loaded."""
    code = (
        "import sys, service.cli\n"
        "for argv in (['--help'], ['report', '--help'], ['tools', '--help']):\n"
        "    try:\n"
        "        service.cli.main(argv)\n"
        "    except SystemExit:\n"
        "        pass\n"
        "heavy = {'pandas', 'sqlalchemy', 'fastapi', 'sklearn', 'openpyxl', 'matching'}\n"
        "print(sorted(heavy & set(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert "report" in done.stdout and "execution" in done.stdout


def test_the_light_parser_knows_every_command_and_report() -> None:
    full = service.cli.build_parser()
    commands = full._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert set(commands) == set(service.cli.COMMANDS)
    assert service.cli.report.REPORT_NAMES == REPORT_NAMES
    light = service.cli.build_parser("report")
    assert set(light._subparsers._group_actions[0].choices) == set(commands)  # type: ignore[union-attr]
