"""``clausematch clause``: the .docx written with the calculator's hours; bad input exits 1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from docx import Document
from factories import make_lot

import service.cli
from service.config import get_settings
from service.db import alembic_config, make_engine, make_sessionmaker


@pytest.fixture
def lot_id(monkeypatch: pytest.MonkeyPatch, empty_database_url: str) -> Iterator[int]:
    monkeypatch.setattr(service.cli, "_COMMAND_MODULES", ("tools", "clauses"))
    monkeypatch.setenv("CLAUSEMATCH_DATABASE_URL", empty_database_url)
    get_settings.cache_clear()
    command.upgrade(alembic_config(empty_database_url), "head")
    engine = make_engine(empty_database_url)
    with make_sessionmaker(engine)() as session, session.begin():
        lot = make_lot(session, reference="L-CLAUSE")
        found = lot.id
    engine.dispose()
    yield found
    get_settings.cache_clear()


def test_clause_document(lot_id: int, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "clause.docx"
    args = ["--lot", str(lot_id), "--amount", "1000000", "--labour-share", "0,5", "--rate", "0,05"]
    assert service.cli.main(["clause", *args, "-o", str(out)]) == 0
    assert "= 833 h" in capsys.readouterr().out
    text = "\n".join(p.text for p in Document(str(out)).paragraphs)
    assert "au moins 833 heures" in text
    assert service.cli.main(["clause", *args, "-o", str(tmp_path / "x.pdf")]) == 1
    assert ".docx" in capsys.readouterr().err
    bad = ["--lot", "999999", "--amount", "1000", "--labour-share", "0.5", "--rate", "0.05"]
    assert service.cli.main(["clause", *bad, "-o", str(out)]) == 1
    assert "lot 999999 introuvable" in capsys.readouterr().err
