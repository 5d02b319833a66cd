"""Service test fixtures.

One migrated database per backend and per xdist worker (a SQLite file always; a PostgreSQL
database ``test_<worker>_<pid>`` when ``CLAUSEMATCH_TEST_DATABASE_URL`` is set: the pid keeps two
runs on one server apart), one transaction per test
rolled back at the end, and the app's session dependency bound to that transaction.
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from alembic import command
from factories import Actor, make_user
from hypothesis.configuration import set_hypothesis_home_dir
from sqlalchemy import Connection, Engine, make_url, text
from sqlalchemy.orm import Session, sessionmaker

from service.config import Settings
from service.db import (
    alembic_config,
    make_engine,
    make_read_sessionmaker,
    request_sessions,
)

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

# starlette asks for httpx2, which is not a dependency of the project; TestClient works unchanged.
_TESTCLIENT_DEPRECATION = "Using `httpx` with `starlette.testclient` is deprecated"
warnings.filterwarnings("ignore", message=_TESTCLIENT_DEPRECATION)

# pyproject's norecursedirs replaces pytest's defaults, so a .hypothesis/ folder in the work tree
# makes collection warn (an error here): keep Hypothesis' files out of the tree.
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "clausematch-hypothesis")

PG_URL = os.environ.get("CLAUSEMATCH_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("filterwarnings", f"ignore:{_TESTCLIENT_DEPRECATION}")


@pytest.fixture(scope="session")
def worker(request: pytest.FixtureRequest) -> str:
    wid: str = getattr(request.config, "workerinput", {}).get("workerid", "main")
    return wid


def _pg_admin() -> Engine:
    url = make_url(PG_URL).set(database="postgres")
    return make_engine(url.render_as_string(hide_password=False)).execution_options(
        isolation_level="AUTOCOMMIT"
    )


def create_pg_database(name: str) -> str:
    """A fresh, empty PostgreSQL database; returns its URL."""
    admin = _pg_admin()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(name: str) -> None:
    admin = _pg_admin()
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture
def empty_database_url(backend: str, tmp_path: Path, worker: str) -> Iterator[str]:
    """A fresh, empty database on the current backend (migration and start-up tests)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite'}"
        return
    name = f"test_{worker}_{os.getpid()}_empty"
    url = create_pg_database(name)
    yield url
    drop_pg_database(name)


@pytest.fixture
def fresh_engine(empty_database_url: str) -> Iterator[Engine]:
    """An engine on a fresh database migrated to head, for tests whose transactions commit."""
    command.upgrade(alembic_config(empty_database_url), "head")
    engine = make_engine(empty_database_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture(scope="session")
def database_url(
    backend: str, tmp_path_factory: pytest.TempPathFactory, worker: str
) -> Iterator[str]:
    """The migrated database of this worker on this backend."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite'}"
        command.upgrade(alembic_config(url), "head")
        yield url
        return
    name = f"test_{worker}_{os.getpid()}"
    url = create_pg_database(name)
    command.upgrade(alembic_config(url), "head")
    yield url
    drop_pg_database(name)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """One outer transaction per test, rolled back at the end whatever the test committed."""
    with engine.connect() as conn:
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
    """The test's own session (factories, checks), on the test's transaction."""
    with _session(connection) as s:
        yield s


@pytest.fixture(scope="session")
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, page_size_default=20, page_size_max=100)


@pytest.fixture(scope="session")
def app(settings: Settings) -> FastAPI:
    from service.main import create_app

    return create_app(settings)


@pytest.fixture(scope="session")
def _started(app: FastAPI) -> Iterator[TestClient]:
    from fastapi.testclient import TestClient

    # Entering the client runs the lifespan once per session: the head check, the referentials.
    with TestClient(app) as client:
        yield client


@pytest.fixture
def client(app: FastAPI, _started: TestClient, connection: Connection) -> Iterator[TestClient]:
    """A client whose requests each get their own session on the test's transaction."""

    # The service's own request sessions (read-only for GET, audit written after the reads),
    # bound to the test's transaction.
    options = {"join_transaction_mode": "create_savepoint"}
    read = make_read_sessionmaker(connection, **options)
    write = sessionmaker(bind=connection, expire_on_commit=False, autoflush=False, **options)

    with request_sessions(app, read, write):
        yield _started


@pytest.fixture
def steady_memory(app: FastAPI, _started: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a request may answer from memory stays fresh for the whole test, however slow the
    machine, so that a test can tell a request answered from memory from one that was not:

    - the token cache's check of the users table is not due (this process's own changes to an
      account still empty it at once);
    - the engine state's watcher does not read the database. It reads the change counters as
      other connections see them, behind those of the test's own uncommitted transaction, and
      would mark the state behind at its next tick (in the service every connection sees the
      same committed counters). This process's own writes still mark it at once."""
    monkeypatch.setattr(app.state.token_cache, "max_age_s", 3600.0)
    scoring = app.state.scoring

    def looked(_: object) -> None:
        scoring._watched_at = time.monotonic()

    monkeypatch.setattr(scoring, "_watch_once", looked)


@pytest.fixture
def coach(session: Session) -> Actor:
    return make_user(session, role="coach", username="coach-a")


@pytest.fixture
def other_coach(session: Session) -> Actor:
    return make_user(session, role="coach", username="coach-b")


@pytest.fixture
def facilitator(session: Session) -> Actor:
    return make_user(session, role="facilitator", username="facil")


@pytest.fixture
def admin(session: Session) -> Actor:
    return make_user(session, role="admin", username="admin")


@pytest.fixture
def actors(coach: Actor, facilitator: Actor, admin: Actor) -> dict[str, Actor]:
    return {"coach": coach, "facilitator": facilitator, "admin": admin}
