"""``clausematch db``, ``users`` and ``serve``: exit codes and what they print."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import service.cli
from service.config import Settings, get_settings
from service.main import create_app


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, empty_database_url: str) -> Iterator[str]:
    # Only this suite's commands: the parser must not depend on modules other people write.
    monkeypatch.setattr(service.cli, "_COMMAND_MODULES", ("serve", "db", "users"))
    monkeypatch.setenv("CLAUSEMATCH_DATABASE_URL", empty_database_url)
    get_settings.cache_clear()
    yield empty_database_url
    get_settings.cache_clear()


def test_db_upgrade_then_users(cli: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert service.cli.main(["db", "current"]) == 0
    assert "aucune" in capsys.readouterr().out

    assert service.cli.main(["users", "list"]) == 1
    assert "clausematch db upgrade" in capsys.readouterr().err

    assert service.cli.main(["db", "upgrade"]) == 0
    assert "à jour" in capsys.readouterr().out

    assert service.cli.main(["users", "add", "camille", "--role", "coach"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert service.cli.main(["users", "add", "camille", "--role", "coach"]) == 1
    assert "existe déjà" in capsys.readouterr().err
    assert service.cli.main(["users", "add", "Bad Name", "--role", "coach"]) == 1
    capsys.readouterr()

    assert service.cli.main(["users", "list"]) == 0
    listing = capsys.readouterr().out
    assert "camille" in listing and "coach" in listing and token not in listing

    app = create_app(Settings(database_url=cli))
    with TestClient(app) as client:
        me = client.get("/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["username"] == "camille"
        assert me.json()["token_expires_at"] is not None
        # The operator replaces a token: the old one stops working, the new one works.
        assert service.cli.main(["users", "token", "camille"]) == 0
        new = capsys.readouterr().out.strip().splitlines()[-1]
        assert new != token
        assert client.get("/me", headers={"Authorization": f"Bearer {new}"}).status_code == 200
        app.state.token_cache.clear()
        assert client.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
        assert service.cli.main(["users", "token", "personne"]) == 1
        assert "compte inconnu" in capsys.readouterr().err
    app.state.engine.dispose()

    assert service.cli.main(["db", "downgrade", "base"]) == 0
    assert "aucune" in capsys.readouterr().out


def test_bad_role_is_misuse(cli: str) -> None:
    with pytest.raises(SystemExit) as exit_:
        service.cli.main(["users", "add", "x", "--role", "boss"])
    assert exit_.value.code == 2


def test_serve_refuses_a_database_not_at_head(cli: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert service.cli.main(["serve", "--port", "8765"]) == 1
    assert "clausematch db upgrade" in capsys.readouterr().err
