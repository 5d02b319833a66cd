"""What a service process keeps for its whole life is loaded when it starts, not by the first
request that needs it (issue 21: the mixed soak's memory must not grow)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service import main
from service.config import Settings


def test_the_title_index_is_built_at_start_up(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[Path] = []
    monkeypatch.setattr(main, "title_index", built.append)
    settings = Settings(database_url=database_url)
    app = main.create_app(settings)
    with TestClient(app):
        # Before any request: an offer import, a people import or a title search would
        # otherwise build it (about 60 MB, seconds) in the middle of serving.
        assert built == [settings.referentials_dir]
