"""Migrations from an empty database and back, on every backend; start-up refuses an old schema."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from fastapi.testclient import TestClient
from sqlalchemy import inspect

from service.config import Settings
from service.db import (
    Base,
    DatabaseNotAtHead,
    alembic_config,
    current_revision,
    head_revision,
    make_engine,
)
from service.main import create_app


def test_upgrade_from_empty_then_downgrade_to_empty(empty_database_url: str) -> None:
    config = alembic_config(empty_database_url)
    engine = make_engine(empty_database_url)
    try:
        command.upgrade(config, "head")
        assert current_revision(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables

        command.downgrade(config, "base")
        assert current_revision(engine) is None
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}

        command.upgrade(config, "head")
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_models_and_migrations_agree(empty_database_url: str) -> None:
    command.upgrade(alembic_config(empty_database_url), "head")
    engine = make_engine(empty_database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_app_refuses_to_start_on_a_database_not_at_head(empty_database_url: str) -> None:
    app = create_app(Settings(database_url=empty_database_url))
    with (
        pytest.raises(DatabaseNotAtHead, match="clausematch db upgrade") as refused,
        TestClient(app),
    ):
        pass
    assert "n'est pas à jour" in str(refused.value)
    assert "not up to date" in str(refused.value)


def test_app_starts_once_migrated(empty_database_url: str) -> None:
    command.upgrade(alembic_config(empty_database_url), "head")
    app = create_app(Settings(database_url=empty_database_url))
    with TestClient(app) as client:
        assert client.get("/health").json()["revision"] == head_revision()
    app.state.engine.dispose()
