"""``clausematch doctor``: one French line per check, ✔ or ✘ with what to do, exit code 1 on any ✘."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from alembic import command
from smtp_server import free_port, smtp_server

import service.cli
from service.config import get_settings
from service.db import alembic_config, make_engine, make_sessionmaker
from service.imports.demo import load_demo


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """A migrated SQLite database, private, on this machine: a sound local deployment."""
    monkeypatch.setattr(service.cli, "_COMMAND_MODULES", ("doctor",))
    for name in list(os.environ):
        if name.startswith("CLAUSEMATCH_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no .env of the work tree
    db = tmp_path / "clausematch.db"
    url = f"sqlite:///{db}"
    command.upgrade(alembic_config(url), "head")
    db.chmod(0o600)
    monkeypatch.setenv("CLAUSEMATCH_DATABASE_URL", url)
    monkeypatch.setenv("CLAUSEMATCH_MODELS_DIR", str(tmp_path / "models"))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


def _doctor(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str, **env: str
) -> tuple[int, list[str]]:
    for name, value in env.items():
        monkeypatch.setenv(f"CLAUSEMATCH_{name.upper()}", value)
    get_settings.cache_clear()
    code = service.cli.main(["doctor", *args])
    lines = capsys.readouterr().out.splitlines()
    assert all(line[0] in "✔✘" for line in lines[:-1]), lines
    return code, lines


def _failed(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("✘")]


def test_a_sound_local_deployment_passes(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (env / "drop").mkdir(mode=0o700)
    code, lines = _doctor(capsys, monkeypatch, "--dossier", str(env / "drop"))
    assert code == 0, lines
    assert _failed(lines) == []
    assert "base à la dernière révision" in "\n".join(lines)
    assert lines[-1].startswith("Tout est en ordre")


def test_database_behind_the_code_or_unreachable(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    command.downgrade(alembic_config(f"sqlite:///{env / 'clausematch.db'}"), "0006_identity")
    code, lines = _doctor(capsys, monkeypatch)
    assert code == 1
    assert any("0006_identity" in f and "clausematch db upgrade" in f for f in _failed(lines))

    code, lines = _doctor(
        capsys,
        monkeypatch,
        database_url=f"postgresql+psycopg://clause:tres-secret@127.0.0.1:{free_port()}/prod",
    )
    assert code == 1
    assert any("injoignable" in f for f in _failed(lines))
    assert "tres-secret" not in "\n".join(lines)

    code, lines = _doctor(capsys, monkeypatch, database_url=f"sqlite:///{env / 'absent.db'}")
    assert code == 1 and any("absente" in f for f in _failed(lines))
    assert not (env / "absent.db").exists()  # the check created nothing


def test_open_to_the_network_needs_https_secure_cookies_and_one_trusted_proxy(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    (env / "clausematch.db").chmod(0o644)
    code, lines = _doctor(
        capsys,
        monkeypatch,
        host="0.0.0.0",
        public_url="http://clauses.orne.example",
        trusted_proxies="0.0.0.0/0",
    )
    assert code == 1
    failed = "\n".join(_failed(lines))
    for expected in (
        "CLAUSEMATCH_PUBLIC_URL=https://",
        "CLAUSEMATCH_WEB_COOKIE_SECURE=true",
        "jamais *",
        "PostgreSQL",
        "chmod 600",
    ):
        assert expected in failed, expected

    (env / "clausematch.db").chmod(0o600)
    code, lines = _doctor(
        capsys,
        monkeypatch,
        host="127.0.0.1",
        public_url="https://clauses.orne.example",
        web_cookie_secure="true",
        trusted_proxies="10.0.0.5",
    )
    failed = "\n".join(_failed(lines))
    # Only SQLite is left (the service is linked from outside through the proxy).
    assert code == 1 and _failed(lines) == [f for f in _failed(lines) if "SQLite" in f], failed
    assert any("10.0.0.5" in line and line.startswith("✔") for line in lines)


def test_demo_accounts_with_their_known_password(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fixtures.demo.build import write_demo_set

    write_demo_set(env / "demo", seed=3, n_candidates=20, n_offers=3, as_of=date.today())
    engine = make_engine(f"sqlite:///{env / 'clausematch.db'}")
    with make_sessionmaker(engine)() as session:
        load_demo(session, env / "demo")
        session.commit()
    engine.dispose()
    code, lines = _doctor(capsys, monkeypatch)
    assert code == 1
    [line] = [f for f in _failed(lines) if "démonstration" in f]
    assert "facilitateur" in line and "clausematch users passwd" in line


def test_smtp_checked_when_configured(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with smtp_server(password="mot-de-passe-smtp") as (_, port):
        code, lines = _doctor(
            capsys,
            monkeypatch,
            smtp_host="127.0.0.1",
            smtp_port=str(port),
            smtp_security="none",
            smtp_user="clausematch",
            smtp_password="mot-de-passe-smtp",
        )
        assert code == 0, lines
        assert any("SMTP" in line and "identifiant accepté" in line for line in lines)
        code, lines = _doctor(capsys, monkeypatch, smtp_password="pas-le-bon")
        assert code == 1 and any("SMTP" in f for f in _failed(lines))
    code, lines = _doctor(capsys, monkeypatch, smtp_port=str(free_port()))
    assert code == 1
    assert any("injoignable" in f and "CLAUSEMATCH_SMTP_HOST" in f for f in _failed(lines))
    assert "mot-de-passe-smtp" not in "\n".join(lines)


def test_feed_credentials_when_the_feed_is_scheduled(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, lines = _doctor(capsys, monkeypatch, "--flux")
    assert code == 1
    assert any("CLAUSEMATCH_FT_CLIENT_ID et CLAUSEMATCH_FT_CLIENT_SECRET" in f for f in lines)
    code, lines = _doctor(capsys, monkeypatch, ft_client_id="orne-clauses")
    assert code == 1 and any("CLAUSEMATCH_FT_CLIENT_SECRET manquant" in f for f in lines)
    code, lines = _doctor(capsys, monkeypatch, "--flux", ft_client_secret="s3cret-ft")
    assert code == 0, lines
    assert "s3cret-ft" not in "\n".join(lines)


def test_folders_must_exist_be_writable_and_private(
    env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = env / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    (env / "models").mkdir(mode=0o777)
    (env / "models").chmod(0o777)
    code, lines = _doctor(
        capsys, monkeypatch, "--dossier", str(shared), "--dossier", str(env / "nowhere")
    )
    assert code == 1
    failed = "\n".join(_failed(lines))
    assert f"chmod 700 {shared}" in failed
    assert f"chmod 700 {env / 'models'}" in failed
    assert f"mkdir -m 700 {env / 'nowhere'}" in failed
