"""The drop folder and the command line: files imported, moved to done/ or rejected/ with a
report, then the batch; ``import``, ``batch`` and ``digest`` end to end on a real database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from factories import Actor, make_user
from importing import (
    CANDIDATE_HEADER,
    OFFER_HEADER,
    candidate_line,
    fake_titles,
    nested_sessions,
    offer_line,
    refs,
    snapshot,
)
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from service.cli import main
from service.config import get_settings
from service.db import alembic_config, make_engine, make_sessionmaker
from service.imports.reading import ImportLimits
from service.imports.watch import Runner, file_kind, ready_files, watch_once
from service.models.offers import Offer
from service.models.people import Candidate
from service.models.scoring import MatchRun
from service.scoring.state import ScoringState


@pytest.fixture
def runner(connection: Connection) -> Iterator[Runner]:
    r = refs()
    runner = Runner(
        sessions=nested_sessions(connection),
        refs=r,
        normaliser=lambda: fake_titles,
        limits=ImportLimits(max_bytes=200_000),
        scoring=ScoringState(rome=r.rome, communes=r.communes),
    )
    yield runner
    runner.close()


def test_file_kinds(tmp_path: Path) -> None:
    names = {
        "offres.csv": "offers",
        "OFFRES.JSON": "offers",
        "candidats-2026-11.csv": "candidates",
        "Candidates.csv": "candidates",
        ".cache.csv": None,
        "offres.csv.part": None,
        "notes.txt": None,
    }
    for name, kind in names.items():
        (tmp_path / name).write_text("x")
        assert file_kind(tmp_path / name) == kind, name
    (tmp_path / "dir.csv").mkdir()
    assert file_kind(tmp_path / "dir.csv") is None


def test_a_file_still_growing_waits_for_the_next_pass(tmp_path: Path) -> None:
    seen: dict[Path, tuple[int, int]] = {}
    f = tmp_path / "offres.csv"
    f.write_text("a")
    assert ready_files(tmp_path, seen=seen) == []  # first look
    f.write_text("abc")
    assert ready_files(tmp_path, seen=seen) == []  # changed since
    assert ready_files(tmp_path, seen=seen) == [f]  # stable
    assert ready_files(tmp_path, seen={}, settle_s=0.01) == [f]  # --once looks twice


def test_watch_imports_rejects_with_a_report_then_batches(
    runner: Runner, tmp_path: Path, session: Session, coach: Actor
) -> None:
    (tmp_path / "candidats.csv").write_text(
        CANDIDATE_HEADER + candidate_line("P-1") + candidate_line("P-2", km="40"),
        encoding="cp1252",
    )
    (tmp_path / "offres.csv").write_text(
        OFFER_HEADER + offer_line("OE-1", rome="F1703") + offer_line("OE-2", positions="2"),
        encoding="utf-8",
    )
    (tmp_path / "offres-mauvaises.csv").write_text(
        OFFER_HEADER + offer_line("OE-3", commune="Atlantide") + offer_line("OE-4", hours="x")
    )
    (tmp_path / "envoi.csv.part").write_text("en cours")
    logs: list[str] = []
    outcomes, batch = watch_once(runner, tmp_path, settle_s=0.01, log=logs.append)
    assert [(o.path.name, o.ok) for o in outcomes] == [
        ("candidats.csv", True),
        ("offres-mauvaises.csv", False),
        ("offres.csv", True),
    ]
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == ["candidats.csv", "offres.csv"]
    rejected = tmp_path / "rejected"
    assert sorted(p.name for p in rejected.iterdir()) == [
        "offres-mauvaises.csv",
        "offres-mauvaises.csv.errors.json",
        "offres-mauvaises.csv.errors.txt",
    ]
    report = (rejected / "offres-mauvaises.csv.errors.txt").read_text(encoding="utf-8")
    assert "Rien n'a été importé." in report
    assert "ligne 2, colonne « Commune » : Commune inconnue : « Atlantide »." in report
    assert "ligne 3, colonne « Durée hebdomadaire »" in report
    errors = json.loads((rejected / "offres-mauvaises.csv.errors.json").read_text("utf-8"))
    assert [e["code"] for e in errors["errors"]] == ["unknown_commune", "bad_weekly_hours"]
    assert (tmp_path / "envoi.csv.part").exists()  # left alone
    assert batch is not None and batch.status == "completed" and batch.n_offers == 2
    assert set(session.scalars(select(Offer.external_id))) == {"OE-1", "OE-2"}
    assert len(logs) == 4
    # Nothing new: a second pass does nothing at all.
    before = snapshot(session)
    assert watch_once(runner, tmp_path, settle_s=0.01, log=logs.append) == ([], None)
    assert snapshot(session) == before


def test_watch_rejects_a_file_over_the_limit(runner: Runner, tmp_path: Path) -> None:
    (tmp_path / "offres.csv").write_text(OFFER_HEADER + offer_line() * 6000)
    outcomes, batch = watch_once(runner, tmp_path, settle_s=0.01, log=lambda _: None)
    assert [o.ok for o in outcomes] == [False] and batch is None
    text = (tmp_path / "rejected" / "offres.csv.errors.txt").read_text("utf-8")
    assert "Fichier trop volumineux" in text and "[file_too_large]" in text


# --------------------------------------------------------------------------- command line


@pytest.fixture
def cli_db(empty_database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A migrated database the command line (its own sessions, committed) works on."""
    command.upgrade(alembic_config(empty_database_url), "head")
    monkeypatch.setenv("CLAUSEMATCH_DATABASE_URL", empty_database_url)
    get_settings.cache_clear()
    engine = make_engine(empty_database_url)
    try:
        with make_sessionmaker(engine)() as session:
            make_user(session, role="coach", username="coach-a")
            session.commit()
    finally:
        engine.dispose()
    yield empty_database_url
    get_settings.cache_clear()


def _counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as s:
            return (
                int(s.scalar(select(func.count()).select_from(Candidate)) or 0),
                int(s.scalar(select(func.count()).select_from(Offer)) or 0),
                int(s.scalar(select(func.count()).select_from(MatchRun)) or 0),
            )
    finally:
        engine.dispose()


def test_cli_import_batch_digest_and_watch(
    cli_db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    people = tmp_path / "candidats.csv"
    people.write_text(CANDIDATE_HEADER + candidate_line("P-1") + candidate_line("P-2"))
    offers = tmp_path / "offres.csv"
    offers.write_text(OFFER_HEADER + offer_line("OE-1", rome="F1703"))
    bad = tmp_path / "mauvais.csv"
    bad.write_text(OFFER_HEADER + offer_line("OE-2", rome="F1703", start="31/02/2027"))

    assert main(["import", "candidates", str(people), "--dry-run"]) == 0
    assert "à créer : P-1, P-2" in capsys.readouterr().out
    assert _counts(cli_db) == (0, 0, 0)
    assert main(["import", "candidates", str(people)]) == 0
    assert main(["import", "offers", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "rien n'a été importé" in err and "ligne 2, colonne « Date de début »" in err
    assert "[bad_start_date]" in err
    assert main(["import", "offers", str(offers)]) == 0
    out = capsys.readouterr().out
    assert "1 ont été créée(s)" in out and "Rapprochement n° 1" in out
    assert _counts(cli_db) == (2, 1, 1)
    assert main(["batch"]) == 0
    assert "Aucune offre nouvelle" in capsys.readouterr().out
    assert main(["import", "offers", str(offers)]) == 0
    assert _counts(cli_db) == (2, 1, 1)

    assert main(["digest", "--coach", "coach-a"]) == 0
    out = capsys.readouterr().out
    assert "Résumé pour coach-a : 2 nouvelle(s) proposition(s) sur 1 offre(s)" in out
    assert main(["digest"]) == 0
    assert "Rien de nouveau" in capsys.readouterr().out
    assert main(["digest", "--coach", "personne"]) == 1

    drop = tmp_path / "depot"
    drop.mkdir()
    (drop / "offres-2.csv").write_text(OFFER_HEADER + offer_line("OE-1", rome="F1703", hours="20"))
    assert main(["watch", str(drop), "--once", "--settle", "0.01"]) == 0
    assert (drop / "done" / "offres-2.csv").exists()
    assert _counts(cli_db) == (2, 1, 2)
