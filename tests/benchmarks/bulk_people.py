"""A large database for the load benchmarks, fast: the demo generator's people inserted in bulk.

:func:`load_large` writes a demo set (``fixtures.demo.build.write_demo_set``), loads its users,
buyers, companies, contracts, lots, offers and first ``orm_people`` people through the demo
loader (the ORM, as ``clausematch demo load``), then inserts the other people, their jobs,
licences and reporting attributes with multi-row ``INSERT``s (SQLAlchemy's bulk insert with
``RETURNING`` for the generated ids: ``insertmanyvalues``, thousands of rows per statement):
100,000 people in tens of seconds instead of many minutes row by row. The values are turned into
column values by the same field definitions as the demo loader.
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from alembic import command
from sqlalchemy import insert, select

from fixtures import REFERENTIALS_DIR
from fixtures.demo import read_demo
from fixtures.demo.build import assign_coaches, generate_reporting, write_manifest
from fixtures.demo.identity import generate_identity
from fixtures.demo.synthetic import generate_pool
from fixtures.demo.tables import write_demo
from matching import columns as col
from matching.fields import CANDIDATE_FIELDS, CANDIDATE_JOB_FIELDS
from matching.referentials import load_communes, load_rome
from service.db import alembic_config, make_engine, make_sessionmaker
from service.imports.demo import _records, load_demo
from service.models.accounts import User
from service.models.people import (
    IDENTITY_FIELDS,
    Candidate,
    CandidateJob,
    CandidateLicence,
    CandidateReporting,
    name_key,
)

__all__ = ["load_large"]

_PEOPLE_FILES = ("candidates", "candidate_jobs", "caseload", "reporting", "identity")
_CHUNK = 10_000


def _bool(value: str) -> bool:
    return value.strip().lower() in {"true", "1", "oui"}


def load_large(
    db_url: str,
    data_dir: Path,
    *,
    n_candidates: int,
    n_offers: int,
    seed: int = 5000,
    departements: tuple[str, ...] = ("61",),
    as_of: date | None = None,
    orm_people: int = 500,
) -> dict[str, str]:
    """Migrate ``db_url`` and fill it; returns the demo users' API tokens."""
    _write_set(
        data_dir,
        seed=seed,
        n_candidates=n_candidates,
        n_offers=n_offers,
        departements=departements,
        as_of=as_of or date.today(),
    )
    tables = {
        name: pd.read_csv(data_dir / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in _PEOPLE_FILES
    }
    first = set(tables["candidates"][col.CANDIDATE_ID].head(orm_people))
    small = data_dir.parent / (data_dir.name + "-orm")
    shutil.copytree(data_dir, small, dirs_exist_ok=True)
    for name, frame in tables.items():
        frame[frame[col.CANDIDATE_ID].isin(first)].to_csv(
            small / f"{name}.csv", index=False, lineterminator="\n"
        )
    command.upgrade(alembic_config(db_url), "head")
    engine = make_engine(db_url)
    try:
        with make_sessionmaker(engine)() as session:
            tokens = load_demo(session, small).tokens
            session.commit()
        with make_sessionmaker(engine)() as session:
            _bulk_people(session, data_dir, skip=first)
            session.commit()
    finally:
        engine.dispose()
    return tokens


def _write_set(
    out: Path,
    *,
    seed: int,
    n_candidates: int,
    n_offers: int,
    departements: tuple[str, ...],
    as_of: date,
) -> None:
    """``write_demo_set`` for any size: the demo identities come from a fictitious range of
    10,000 telephone lines, so they are drawn 10,000 people at a time."""
    communes = load_communes(REFERENTIALS_DIR / "communes.csv.gz")
    rome = load_rome(REFERENTIALS_DIR)
    pool_seq, reporting_seq, identity_seq = np.random.SeedSequence(seed).spawn(3)
    data = generate_pool(
        communes=communes,
        rome=rome,
        n_candidates=n_candidates,
        n_offers=n_offers,
        departements=departements,
        rng=np.random.default_rng(pool_seq),
        as_of=as_of,
    )
    write_demo(data, out)
    assign_coaches(data.candidates, communes).to_csv(
        out / "caseload.csv", index=False, lineterminator="\n"
    )
    reporting = generate_reporting(
        data.candidates[col.CANDIDATE_ID], rng=np.random.default_rng(reporting_seq), as_of=as_of
    )
    reporting.replace({True: "true", False: "false"}).to_csv(
        out / "reporting.csv", index=False, lineterminator="\n"
    )
    rng = np.random.default_rng(identity_seq)
    pd.concat(
        [
            generate_identity(
                reporting[col.CANDIDATE_ID].iloc[i : i + 10_000],
                reporting["sex"].iloc[i : i + 10_000],
                rng=rng,
            )
            for i in range(0, len(reporting), 10_000)
        ]
    ).to_csv(out / "identity.csv", index=False, lineterminator="\n")
    write_manifest(out, data, seed=seed, departements=departements, as_of=as_of)


def _bulk_people(session: Any, directory: Path, *, skip: set[str]) -> None:
    demo = read_demo(directory)
    candidates = demo.candidates[~demo.candidates[col.CANDIDATE_ID].isin(skip)]
    jobs = demo.candidate_jobs[~demo.candidate_jobs[col.CANDIDATE_ID].isin(skip)]
    users = dict(session.execute(select(User.username, User.id)).all())
    frame = pd.read_csv(directory / "caseload.csv", dtype=str, keep_default_na=False)
    coaches = dict(zip(frame["candidate_id"], frame["coach"], strict=True))
    reporting: dict[Any, dict[Any, Any]] = (
        pd.read_csv(directory / "reporting.csv", dtype=str, keep_default_na=False)
        .set_index("candidate_id")
        .to_dict("index")
    )
    identity: dict[Any, dict[Any, Any]] = (
        pd.read_csv(directory / "identity.csv", dtype=str, keep_default_na=False)
        .set_index("candidate_id")
        .to_dict("index")
    )
    columns = [n for n in CANDIDATE_FIELDS if n not in (col.CANDIDATE_ID, col.LICENCES)]
    job_columns = [n for n in CANDIDATE_JOB_FIELDS if n != col.CANDIDATE_ID]

    records = _records(candidates, CANDIDATE_FIELDS)
    for start in range(0, len(records), _CHUNK):
        chunk = records[start : start + _CHUNK]
        rows = []
        for rec in chunk:
            ext = rec[col.CANDIDATE_ID]
            ident = {
                name: spec.clean(identity[ext][name]) if identity[ext][name] else None
                for name, spec in IDENTITY_FIELDS.items()
            }
            rows.append(
                {
                    "external_id": ext,
                    "coach_id": users[coaches[ext]],
                    **ident,
                    "name_key": name_key(ident["first_name"], ident["last_name"]),
                    **{name: rec[name] for name in columns},
                    "version": 1,
                }
            )
        ids = dict(
            session.execute(
                insert(Candidate).returning(Candidate.external_id, Candidate.id), rows
            ).all()
        )
        licences = [
            {"candidate_id": ids[rec[col.CANDIDATE_ID]], "code": code}
            for rec in chunk
            for code in rec[col.LICENCES]
        ]
        if licences:
            session.execute(insert(CandidateLicence), licences)
        session.execute(
            insert(CandidateReporting),
            [
                {
                    "candidate_id": ids[ext],
                    "sex": rep["sex"] or None,
                    "birth_year": int(rep["birth_year"]) if rep["birth_year"] else None,
                    "education_level": rep["education_level"] or None,
                    "labour_status": rep["labour_status"] or None,
                    "disability_recognised": _bool(rep["disability_recognised"]),
                    "rsa_beneficiary": _bool(rep["rsa_beneficiary"]),
                }
                for ext in (rec[col.CANDIDATE_ID] for rec in chunk)
                for rep in (reporting[ext],)
            ],
        )
        chunk_ids = set(ids)
        chunk_jobs = jobs[jobs[col.CANDIDATE_ID].isin(chunk_ids)]
        job_rows = [
            {"candidate_id": ids[j[col.CANDIDATE_ID]], **{n: j[n] for n in job_columns}}
            for j in _records(chunk_jobs, CANDIDATE_JOB_FIELDS)
        ]
        if job_rows:
            session.execute(insert(CandidateJob), job_rows)
        session.flush()
