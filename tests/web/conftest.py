"""Web page fixtures: one migrated database per backend and xdist worker (a SQLite file always;
PostgreSQL when ``CLAUSEMATCH_TEST_DATABASE_URL`` is set), one rolled-back transaction per test,
and a logged-in client helper. The browser journeys (``test_web_browser.py``) start their own
server on a file database loaded with the demo set.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from alembic import command
from fastapi import FastAPI
from sqlalchemy import Connection, Engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker
from web_factories import PASSWORD, make_user
from web_helpers import Login, csrf_of

from service.config import Settings
from service.db import (
    alembic_config,
    make_engine,
    make_read_sessionmaker,
    request_sessions,
)
from service.models.accounts import User

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

_TESTCLIENT_DEPRECATION = "Using `httpx` with `starlette.testclient` is deprecated"
warnings.filterwarnings("ignore", message=_TESTCLIENT_DEPRECATION)

PG_URL = os.environ.get("CLAUSEMATCH_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("filterwarnings", f"ignore:{_TESTCLIENT_DEPRECATION}")


@pytest.fixture(scope="session")
def web_worker(request: pytest.FixtureRequest) -> str:
    wid: str = getattr(request.config, "workerinput", {}).get("workerid", "main")
    return wid


def _pg_admin() -> Engine:
    url = make_url(PG_URL).set(database="postgres")
    return make_engine(url.render_as_string(hide_password=False)).execution_options(
        isolation_level="AUTOCOMMIT"
    )


@pytest.fixture(scope="session", params=BACKENDS)
def web_backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="session")
def web_database_url(
    web_backend: str, tmp_path_factory: pytest.TempPathFactory, web_worker: str
) -> Iterator[str]:
    if web_backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('webdb') / 'web.sqlite'}"
        command.upgrade(alembic_config(url), "head")
        yield url
        return
    # The process id too: other runs on the same server (other worktrees) must not drop it.
    name = f"test_web_{web_worker}_{os.getpid()}"
    admin = _pg_admin()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    command.upgrade(alembic_config(url), "head")
    yield url
    admin = _pg_admin()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def web_engine(web_database_url: str) -> Iterator[Engine]:
    eng = make_engine(web_database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(web_engine: Engine) -> Iterator[Connection]:
    with web_engine.connect() as conn:
        trans = conn.begin()
        try:
            yield conn
        finally:
            trans.rollback()


def _session(connection: Connection) -> Session:
    return Session(
        bind=connection,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
    )


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    with _session(connection) as s:
        yield s


@pytest.fixture(scope="session")
def web_settings(web_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # Files waiting for an import's confirmation go to a folder of this run, never the repo.
    uploads = tmp_path_factory.mktemp("uploads") / "pending"
    return Settings(database_url=web_database_url, uploads_dir=uploads)


@pytest.fixture(scope="session")
def web_app(web_settings: Settings) -> FastAPI:
    from service.main import create_app

    return create_app(web_settings)


@pytest.fixture(scope="session")
def _started(web_app: FastAPI) -> Iterator[TestClient]:
    from fastapi.testclient import TestClient

    with TestClient(web_app) as client:
        yield client


@pytest.fixture
def client(web_app: FastAPI, _started: TestClient, connection: Connection) -> Iterator[TestClient]:
    """A client with an empty cookie jar whose requests share the test's transaction."""

    # The service's own request sessions (read-only for GET, audit written after the reads),
    # bound to the test's transaction.
    options = {"join_transaction_mode": "create_savepoint"}
    read = make_read_sessionmaker(connection, **options)
    write = sessionmaker(bind=connection, expire_on_commit=False, autoflush=False, **options)

    _started.cookies.clear()
    try:
        with request_sessions(web_app, read, write):
            yield _started
    finally:
        _started.cookies.clear()


@pytest.fixture
def coach(session: Session) -> User:
    return make_user(session, role="coach", username="web-coach-a")


@pytest.fixture
def other_coach(session: Session) -> User:
    return make_user(session, role="coach", username="web-coach-b")


@pytest.fixture
def facilitator(session: Session) -> User:
    return make_user(session, role="facilitator", username="web-facil")


@pytest.fixture
def admin(session: Session) -> User:
    return make_user(session, role="admin", username="web-admin")


@pytest.fixture
def login(client: TestClient) -> Login:
    """Sign ``user`` in on the client (fresh cookie jar); returns the session's CSRF token."""

    def do(user: User) -> str:
        client.cookies.clear()
        page = client.get("/connexion")
        resp = client.post(
            "/connexion",
            data={
                "username": user.username,
                "password": PASSWORD,
                "csrf_token": csrf_of(page.text),
            },
            follow_redirects=False,
        )
        assert resp.status_code == 303, resp.text
        home = client.get(resp.headers["location"])
        assert home.status_code == 200, home.text
        return csrf_of(home.text)

    return do


@pytest.fixture(scope="session")
def screenshots_dir() -> Path:
    path = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
    path.mkdir(parents=True, exist_ok=True)
    return path
