"""``clausematch retention run|list``, ``audit verify`` and ``privacy register``: exit codes,
output, a dry run that changes nothing, a run recorded, a broken chain named (exit 1)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from factories import make_user
from sqlalchemy import func, select, text

import service.cli
from service.accounts.audit import audit
from service.config import get_settings
from service.db import alembic_config, make_engine, make_sessionmaker
from service.models.accounts import AuditEntry, WebSession
from service.models.retention import RetentionRun


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, empty_database_url: str) -> Iterator[str]:
    monkeypatch.setattr(service.cli, "_COMMAND_MODULES", ("retention", "audit", "privacy"))
    monkeypatch.setenv("CLAUSEMATCH_DATABASE_URL", empty_database_url)
    monkeypatch.setenv("CLAUSEMATCH_RETENTION_INACTIVE_MONTHS", "18")
    get_settings.cache_clear()
    command.upgrade(alembic_config(empty_database_url), "head")
    engine = make_engine(empty_database_url)
    old = datetime.now(UTC) - timedelta(days=90)
    with make_sessionmaker(engine)() as session, session.begin():
        coach = make_user(session, role="coach", username="coach")
        session.add(
            WebSession(
                token_hash="a" * 64,
                user_id=coach.id,
                csrf_token="x",
                created_at=old,
                last_seen_at=old,
                expires_at=old,
            )
        )
        for i in range(3):
            audit(session, None, "read", "candidate", i, None)
    engine.dispose()
    yield empty_database_url
    get_settings.cache_clear()


def _count(url: str, model: type[object]) -> int:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            return int(session.scalar(select(func.count()).select_from(model)) or 0)
    finally:
        engine.dispose()


def test_dry_run_then_run_then_list(cli: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert service.cli.main(["retention", "run", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Simulation (rien n'est modifié)")
    assert "      1  Sessions web terminées" in out
    assert _count(cli, WebSession) == 1 and _count(cli, RetentionRun) == 0
    assert service.cli.main(["retention", "run"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Exécution n° 1") and "empreinte" in out
    assert _count(cli, WebSession) == 0 and _count(cli, RetentionRun) == 1
    assert service.cli.main(["retention", "run"]) == 0
    assert "      0  Sessions web terminées" in capsys.readouterr().out
    assert service.cli.main(["retention", "list"]) == 0
    assert capsys.readouterr().out.startswith("2 exécution(s)")
    assert service.cli.main(["retention", "run", "--drop-dir", "/nulle/part"]) == 1
    assert "dossier de dépôt introuvable" in capsys.readouterr().err


def test_audit_verify_names_the_first_broken_entry(
    cli: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert service.cli.main(["audit", "verify"]) == 0
    out = capsys.readouterr().out
    assert "3 entrée(s) vérifiée(s) depuis le début" in out and "chaîne intacte" in out
    engine = make_engine(cli)
    with engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET entity_id = 42 WHERE seq = 2"))
    engine.dispose()
    assert service.cli.main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert "chaîne rompue" in err and "entrée n° 2 " in err
    assert _count(cli, AuditEntry) == 3


def test_privacy_register(cli: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert service.cli.main(["privacy", "register"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Registre des activités de traitement")
    assert "anonymisé après 18 mois sans activité" in out  # from the environment's setting
    target = tmp_path / "registre.json"
    assert service.cli.main(["privacy", "register", "--json", "-o", str(target)]) == 0
    data = json.loads(target.read_text(encoding="utf-8"))
    assert data["sections"][0]["title"].startswith("Responsable")
    assert service.cli.main(["privacy", "register", "-o", "/nulle/part/r.txt"]) == 1
