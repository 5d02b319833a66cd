"""``clausematch backup`` / ``restore``: the restore drill (every table compared row by row after
restoring into a fresh database, on SQLite and PostgreSQL) and every refusal."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from conftest import create_pg_database, drop_pg_database
from fastapi.testclient import TestClient
from sqlalchemy import text

import service.cli
from fixtures.demo.build import write_demo_set
from service.config import Settings, get_settings
from service.db import alembic_config, make_engine, make_sessionmaker
from service.imports.demo import load_demo
from service.main import create_app
from service.operations.backup import libpq_arguments
from service.operations.repository import DatabaseContents


@pytest.fixture
def databases(backend: str, tmp_path: Path, worker: str) -> Iterator[tuple[str, str]]:
    """Two fresh, empty databases on the current backend: (source, target)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'source.sqlite'}", f"sqlite:///{tmp_path / 'target.sqlite'}"
        return
    names = [f"test_{worker}_{os.getpid()}_bk_{side}" for side in ("src", "dst")]
    urls = [create_pg_database(name) for name in names]
    yield urls[0], urls[1]
    for name in names:
        drop_pg_database(name)


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(service.cli, "_COMMAND_MODULES", ("db", "batch", "backup"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _use(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("CLAUSEMATCH_DATABASE_URL", url)
    get_settings.cache_clear()


def _fill(url: str, tmp_path: Path) -> None:
    """Demo-like data through the service's own doors: the demo loader, a batch run, shortlists
    and a proposal through the API (audit log, exposures, proposals, outbox)."""
    command.upgrade(alembic_config(url), "head")
    write_demo_set(tmp_path / "demo", seed=21, n_candidates=300, n_offers=25, as_of=date.today())
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        tokens = load_demo(session, tmp_path / "demo").tokens
        session.commit()
    engine.dispose()
    assert service.cli.main(["batch"]) == 0
    app = create_app(Settings(database_url=url))
    with TestClient(app) as client:
        coach = {"Authorization": f"Bearer {tokens['coach-alencon']}"}
        offers = client.get("/offers", params={"limit": 200}, headers=coach).json()["items"]
        proposed = False
        for offer in offers:
            r = client.get(f"/offers/{offer['id']}/shortlist", params={"k": 10}, headers=coach)
            if r.status_code != 200:
                continue
            mine = [i for i in r.json()["items"] if i["is_own_caseload"]]
            if mine and not proposed:
                made = client.post(
                    "/proposals",
                    json={"offer_id": offer["id"], "candidate_id": mine[0]["candidate_id"]},
                    headers=coach,
                )
                proposed = made.status_code == 201
        assert proposed
    app.state.engine.dispose()


def _contents(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = make_engine(url)
    try:
        return DatabaseContents(engine).rows()
    finally:
        engine.dispose()


def test_restore_drill_every_table_row_by_row(
    databases: tuple[str, str],
    tmp_path: Path,
    cli: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    source, target = databases
    _use(monkeypatch, source)
    _fill(source, tmp_path)
    backup = tmp_path / "nightly.backup"
    capsys.readouterr()
    assert service.cli.main(["backup", "--out", str(backup)]) == 0
    assert "Sauvegarde écrite" in capsys.readouterr().out
    # People's records: readable by the account that made the backup only.
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert service.cli.main(["backup", "--out", str(backup)]) == 1
    assert "existe déjà" in capsys.readouterr().err

    _use(monkeypatch, target)
    assert service.cli.main(["restore", str(backup)]) == 0
    said = capsys.readouterr().out
    assert "Restauré" in said and "révision" in said and "candidates : 300" in said
    if target.startswith("sqlite"):
        assert stat.S_IMODE(Path(target.removeprefix("sqlite:///")).stat().st_mode) == 0o600

    before, after = _contents(source), _contents(target)
    assert sorted(after) == sorted(before)
    filled = [name for name, rows in before.items() if rows]
    # The drill means something only if the workflow's tables hold rows too.
    for name in ("candidates", "offers", "matches", "proposals", "audit_log", "exposures"):
        assert name in filled, name
    assert len(filled) >= 15
    for name in before:
        assert after[name] == before[name], f"table {name} differs after the restore"

    # A database with rows is never overwritten without --force, and stays as it was.
    engine = make_engine(target)
    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)"))
    engine.dispose()
    changed = _contents(target)
    assert service.cli.main(["restore", str(backup)]) == 1
    err = capsys.readouterr().err
    assert "n'est pas vide" in err and "--force" in err
    assert _contents(target) == changed
    assert service.cli.main(["restore", str(backup), "--force"]) == 0
    assert "remplace" in capsys.readouterr().out
    assert _contents(target) == before


def test_restore_refuses_wrong_files(
    tmp_path: Path, cli: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _use(monkeypatch, f"sqlite:///{tmp_path / 'target.sqlite'}")
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"not a backup at all")
    assert service.cli.main(["restore", str(junk)]) == 1
    assert "n'est pas une sauvegarde SQLite" in capsys.readouterr().err
    assert service.cli.main(["restore", str(tmp_path / "missing")]) == 1
    assert "introuvable" in capsys.readouterr().err

    # A backup from a newer version of the code (a revision this code does not know).
    future = tmp_path / "future.sqlite3"
    command.upgrade(alembic_config(f"sqlite:///{future}"), "head")
    with sqlite3.connect(future) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0099_future'")
    conn.close()
    assert service.cli.main(["restore", str(future)]) == 1
    assert "0099_future" in capsys.readouterr().err
    assert not (tmp_path / "target.sqlite").exists()

    # A PostgreSQL target does not take a SQLite backup.
    _use(monkeypatch, "postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert service.cli.main(["restore", str(future)]) == 1
    assert "pas une sauvegarde PostgreSQL" in capsys.readouterr().err


def test_pg_tools_missing_and_password_kept_off_the_command_line(
    tmp_path: Path, cli: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql+psycopg://clause:s3cr%40t@db.example:5433/prod?sslmode=require"
    args, env = libpq_arguments(url)
    assert args == ["-h", "db.example", "-p", "5433", "-U", "clause", "-d", "prod"]
    assert env == {"PGPASSWORD": "s3cr@t", "PGSSLMODE": "require"}
    assert not any("s3cr" in a for a in args)

    _use(monkeypatch, url)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert service.cli.main(["backup", "--out", str(tmp_path / "x.pgdump")]) == 1
    err = capsys.readouterr().err
    assert "pg_dump est introuvable" in err and "postgresql-client" in err
    assert "s3cr" not in err
    assert not (tmp_path / "x.pgdump").exists()


def test_sqlite_backup_is_consistent_while_the_service_writes(
    tmp_path: Path, cli: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'live.sqlite'}"
    command.upgrade(alembic_config(url), "head")
    _use(monkeypatch, url)
    engine = make_engine(url)
    stop = threading.Event()
    written = [0]

    def writer() -> None:
        while not stop.is_set():
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO audit_log (at, role, action, entity_type) "
                        "VALUES (CURRENT_TIMESTAMP, 'admin', 'drill', 'user')"
                    )
                )
            written[0] += 1

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        while written[0] < 20:
            threading.Event().wait(0.01)
        assert service.cli.main(["backup", "--out", str(tmp_path / "live.backup")]) == 0
    finally:
        stop.set()
        thread.join()
        engine.dispose()
    with sqlite3.connect(tmp_path / "live.backup") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        n = conn.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    conn.close()
    assert 20 <= n <= written[0]
