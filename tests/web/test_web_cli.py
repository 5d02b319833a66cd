"""``clausematch users passwd NAME`` and the demo users' web passwords."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select

import service.cli
from fixtures import DEMO_DIR
from service.accounts.passwords import verify_password
from service.config import get_settings
from service.db import alembic_config, make_engine, make_sessionmaker
from service.imports.demo import DEMO_USERS, demo_password, load_demo
from service.models.accounts import AuditEntry, User


@pytest.fixture
def cli_db(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.sqlite'}"
    command.upgrade(alembic_config(url), "head")
    monkeypatch.setattr(service.cli, "_COMMAND_MODULES", ("users",))
    monkeypatch.setenv("CLAUSEMATCH_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


def _user(url: str, name: str) -> User | None:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            return session.scalar(select(User).where(User.username == name))
    finally:
        engine.dispose()


def test_users_passwd_reads_the_password_from_stdin(
    cli_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert service.cli.main(["users", "add", "camille", "--role", "coach"]) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO("un-mot-de-passe-solide\n"))
    assert service.cli.main(["users", "passwd", "camille"]) == 0
    assert "mot de passe web de camille enregistré" in capsys.readouterr().out
    user = _user(cli_db, "camille")
    assert user is not None and verify_password(user.password_hash, "un-mot-de-passe-solide")
    assert "un-mot-de-passe-solide" not in (user.password_hash or "")
    engine = make_engine(cli_db)
    with make_sessionmaker(engine)() as session:
        assert session.scalar(select(AuditEntry).where(AuditEntry.action == "set_password"))
    engine.dispose()


def test_users_passwd_refuses_short_passwords_and_unknown_users(
    cli_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert service.cli.main(["users", "add", "camille", "--role", "coach"]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("court\n"))
    assert service.cli.main(["users", "passwd", "camille"]) == 1
    assert "trop court" in capsys.readouterr().err
    user = _user(cli_db, "camille")
    assert user is not None and user.password_hash is None
    monkeypatch.setattr("sys.stdin", io.StringIO("un-mot-de-passe-solide\n"))
    assert service.cli.main(["users", "passwd", "inconnu"]) == 1
    assert "compte inconnu : inconnu" in capsys.readouterr().err


def test_demo_load_gives_the_demo_users_a_password_once(cli_db: str) -> None:
    engine = make_engine(cli_db)
    try:
        with make_sessionmaker(engine)() as session:
            report = load_demo(session, DEMO_DIR)
            session.commit()
            assert set(report.passwords) == {name for name, _ in DEMO_USERS}
            for name, _ in DEMO_USERS:
                user = session.scalar(select(User).where(User.username == name))
                assert user is not None and verify_password(user.password_hash, demo_password(name))
            again = load_demo(session, DEMO_DIR)  # idempotent: passwords kept as they are
            assert again.passwords == {}
    finally:
        engine.dispose()


def test_demo_load_prints_the_web_passwords(
    cli_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(service.cli, "_COMMAND_MODULES", ("demo",))
    assert service.cli.main(["demo", "load"]) == 0
    out = capsys.readouterr().out
    assert "Pages web" in out and "demo-coach-alencon" in out and "demo-facilitateur" in out
