"""The load benchmarks' bulk loader fills a database the service can read: the demo loader's
first people and the bulk-inserted rest, with the demo history drawn from the set's manifest."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
from sqlalchemy import func, select

from service.db import make_engine, make_sessionmaker
from service.models.people import Candidate, CandidateJob
from service.models.workflow import Placement

BULK = Path(__file__).resolve().parents[1] / "benchmarks" / "bulk_people.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bulk_people", BULK)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_load_large_fills_people_beyond_the_orm_ones(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'bulk.db'}"
    tokens = _load().load_large(
        url, tmp_path / "data", n_candidates=260, n_offers=30, orm_people=200
    )
    assert "facilitateur" in tokens
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            assert session.scalar(select(func.count(Candidate.id))) == 260
            people_with_jobs = select(func.count(func.distinct(CandidateJob.candidate_id)))
            assert session.scalar(people_with_jobs) == 260
            # The demo loader drew the history from the set's manifest.
            assert (session.scalar(select(func.count(Placement.id))) or 0) > 0
    finally:
        engine.dispose()
