"""Finding 1 of issue 21: text that looks like a formula comes out of every export as text.

A buyer named ``=HYPERLINK("http://x","y")`` and a lot trade ``=1+2`` used to come out of
``report execution`` (CLI and ``GET /reports/execution?format=xlsx``) as live formulas, and
unescaped in CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from alembic import command
from factories import Actor, make_buyer, make_candidate, make_contract, make_lot, make_user
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

import service.cli
from service.config import get_settings
from service.db import alembic_config, make_engine, make_sessionmaker
from service.models.workflow import Placement, PlacementHours

BUYER = '=HYPERLINK("http://x","y")'
TRADE = "=1+2"
CONTRACT = "@SUM(1+1)*cmd|' /C calc'!A0"
PERIOD = {"from": "2026-01-01", "to": "2026-06-30"}


def _hostile_lot(session: Session) -> None:
    coach = make_user(session, role="coach", username="coach-formules")
    buyer = make_buyer(session, name=BUYER)
    contract = make_contract(session, buyer=buyer, reference="-M1", title=CONTRACT)
    lot = make_lot(
        session, contract=contract, reference="+L1", trade=TRADE, insertion_hours=100,
        start_date=date(2026, 1, 1), end_date=date(2026, 12, 31),
    )  # fmt: skip
    person = make_candidate(session, coach=coach)
    placement = Placement(
        candidate_id=person.id,
        lot_id=lot.id,
        delivery_mode="direct_hire",
        contract_type="CDD",
        start_date=date(2026, 2, 1),
    )
    session.add(placement)
    session.flush()
    session.add(PlacementHours(placement_id=placement.id, month=date(2026, 3, 1), hours=42))
    session.flush()


def _no_formula(data: bytes) -> list[str]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    formulas = [
        f"{sheet.title}!{cell.coordinate}"
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert formulas == []
    return [
        str(cell.value) for sheet in book.worksheets for row in sheet.iter_rows() for cell in row
    ]


def _csv_cells(data: bytes) -> list[str]:
    text = data.decode("utf-8-sig")
    return [cell for row in csv.reader(io.StringIO(text), delimiter=";") for cell in row]


def _escaped(cells: list[str]) -> None:
    for value in (BUYER, TRADE):
        assert "'" + value in cells
        assert value not in cells
    starts = [c for c in cells if c[:1] in ("=", "+", "@") or (c[:1] == "-" and c[1:2] == "M")]
    assert starts == []


def test_api_exports_carry_no_formula(
    client: TestClient, facilitator: Actor, session: Session
) -> None:
    _hostile_lot(session)
    xlsx = client.get(
        "/reports/execution", params={**PERIOD, "format": "xlsx"}, headers=facilitator.headers
    )
    assert xlsx.status_code == 200, xlsx.text
    values = _no_formula(xlsx.content)
    assert BUYER in values and TRADE in values  # kept as text, unchanged
    for table in ("lots", "marches"):
        body = client.get(
            "/reports/execution",
            params={**PERIOD, "format": "csv", "table": table},
            headers=facilitator.headers,
        )
        assert body.status_code == 200, body.text
        cells = _csv_cells(body.content)
        assert "'" + BUYER in cells
        if table == "lots":
            _escaped(cells)
            assert "42.0" in cells or "42" in cells  # hours stay numbers


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, empty_database_url: str) -> Iterator[str]:
    monkeypatch.setattr(service.cli, "_COMMAND_MODULES", ("report",))
    monkeypatch.setenv("CLAUSEMATCH_DATABASE_URL", empty_database_url)
    get_settings.cache_clear()
    command.upgrade(alembic_config(empty_database_url), "head")
    engine = make_engine(empty_database_url)
    with make_sessionmaker(engine)() as session, session.begin():
        _hostile_lot(session)
    engine.dispose()
    yield empty_database_url
    get_settings.cache_clear()


def test_cli_report_files_carry_no_formula(cli: str, tmp_path: Path) -> None:
    xlsx = tmp_path / "execution.xlsx"
    args = ["report", "execution", "--from", "2026-01-01", "--to", "2026-06-30"]
    assert service.cli.main([*args, "-o", str(xlsx)]) == 0
    values = _no_formula(xlsx.read_bytes())
    assert BUYER in values and TRADE in values
    out = tmp_path / "execution.csv"
    assert service.cli.main([*args, "--table", "lots", "-o", str(out)]) == 0
    _escaped(_csv_cells(out.read_bytes()))
