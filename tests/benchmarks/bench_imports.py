"""Benchmark: offer imports and batch matching, database to database, bulk vs naive.

On SQLite (a file in a temporary folder) and, when ``--pg URL`` or ``CLAUSEMATCH_TEST_DATABASE_URL``
is given, on PostgreSQL (a database ``bench_imports`` created and dropped on that server):

1. **batch**: 20,000 candidates and 500 new open offers (``fixtures.demo.generate_pool``)
   are put in the database (not timed), then :func:`service.scoring.batch.run_batch` is timed
   from a cold scoring state (read the pool and offers from the database, score, allocate,
   explain, write the run and its matches, commit). Target ≤ 10 s. The naive way, in the same run: a query per
   offer, a per-offer shortlist, one ORM object and one flush per match (rolled back).
2. **import**: a 10,000-offer Orne emploi CSV without ROME codes (the titles are normalised by the
   shipped title index, built once beforehand; its build time is reported apart) is imported with
   :func:`service.imports.offer_import.import_offers`, then imported again (nothing changes). Target
   ≤ 10 s for the first import. The naive way: the same parsed records written one ORM object and
   one flush at a time, with a query per row for the offer and one for its company (rolled back).

Usage::

    .venv/bin/python tests/benchmarks/bench_imports.py [--pg URL] [--candidates 20000]
        [--offers 10000] [--batch-offers 500]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402
from sqlalchemy import func, insert, make_url, select, text  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from fixtures import REFERENTIALS_DIR  # noqa: E402
from fixtures.demo import DemoData, generate_pool  # noqa: E402
from matching import columns as col  # noqa: E402
from matching.referentials import load_communes  # noqa: E402
from service.db import alembic_config, make_engine, make_sessionmaker  # noqa: E402
from service.imports.offer_import import import_offers  # noqa: E402
from service.imports.offer_records import OfferRecord  # noqa: E402
from service.imports.offers import parse_offers  # noqa: E402
from service.imports.reading import ImportLimits  # noqa: E402
from service.models.accounts import User  # noqa: E402
from service.models.offers import Offer, OfferLicence  # noqa: E402
from service.models.people import Candidate, CandidateJob, CandidateLicence  # noqa: E402
from service.models.procurement import Company  # noqa: E402
from service.models.scoring import Match, MatchRun  # noqa: E402
from service.procurement.siret import is_valid_siret  # noqa: E402
from service.referentials.service import Referentials, load_referentials  # noqa: E402
from service.referentials.titles import TitleNormaliser, normaliser_for, title_index  # noqa: E402
from service.scoring.batch import BatchParameters, run_batch  # noqa: E402
from service.scoring.state import ScoringState  # noqa: E402

AS_OF = date(2026, 11, 25)
TARGET_S = 10.0


@dataclass
class Row:
    backend: str
    step: str
    rows: int
    seconds: float
    naive_seconds: float | None = None
    target_s: float | None = None


# --------------------------------------------------------------------------- data


def _none(value: Any) -> Any:
    """A frame cell as a database value: NaN, NA and NaT → None, timestamps → dates."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


def _seed_pool(session: Session, data: DemoData, n_offers: int) -> None:
    """Candidates (with jobs and licences) and ``n_offers`` open offers, bulk inserted."""
    coach = User(username="coach-bench", role="coach", token_hash="x" * 64, version=1)
    session.add(coach)
    session.flush()
    cands = data.candidates
    rows = [
        {
            "external_id": str(r[col.CANDIDATE_ID]),
            "coach_id": coach.id,
            "commune_insee": str(r[col.COMMUNE_INSEE]),
            "has_vehicle": bool(r[col.HAS_VEHICLE]),
            "travel_mode": str(r[col.TRAVEL_MODE]),
            "max_distance_km": _none(r[col.MAX_DISTANCE_KM]),
            "max_travel_minutes": _none(r[col.MAX_TRAVEL_MINUTES]),
            "readiness_stage": str(r[col.READINESS_STAGE]),
            "readiness_assessed_on": _none(r[col.READINESS_ASSESSED_ON]),
            "available_from": _none(r[col.AVAILABLE_FROM]),
            "max_weekly_hours": float(r[col.MAX_WEEKLY_HOURS]),
            "accepts_nights": bool(r[col.ACCEPTS_NIGHTS]),
            "accepts_weekends": bool(r[col.ACCEPTS_WEEKENDS]),
            "accepts_early_starts": bool(r[col.ACCEPTS_EARLY_STARTS]),
            "is_eligible": bool(r[col.IS_ELIGIBLE]),
            "is_active": bool(r[col.IS_ACTIVE]),
            "is_in_clause_job": bool(r[col.IS_IN_CLAUSE_JOB]),
            "skills": [int(s) for s in r[col.SKILLS]],
            "version": 1,
        }
        for r in cands.to_dict("records")
    ]
    ids: dict[str, int] = {}
    for i in range(0, len(rows), 5000):
        stmt = insert(Candidate).returning(Candidate.external_id, Candidate.id)
        ids.update({e: int(n) for e, n in session.execute(stmt, rows[i : i + 5000])})
    jobs = [
        {
            "candidate_id": ids[str(r[col.CANDIDATE_ID])],
            "code_ogr": _none(r[col.CODE_OGR]),
            "code_rome": str(r[col.CODE_ROME]),
            "experience_years": float(r[col.EXPERIENCE_YEARS]),
        }
        for r in data.candidate_jobs.to_dict("records")
    ]
    session.execute(insert(CandidateJob), jobs)
    lic = [
        {"candidate_id": ids[str(c)], "code": code}
        for c, codes in zip(cands[col.CANDIDATE_ID], cands[col.LICENCES], strict=True)
        for code in sorted(set(codes))
    ]
    if lic:
        session.execute(insert(CandidateLicence), lic)
    offers = data.offers.head(n_offers)
    offer_rows = [
        {
            "external_id": f"B-{r[col.OFFER_ID]}",
            "intitule": str(r["intitule"]),
            "code_ogr": _none(r[col.CODE_OGR]),
            "code_rome": str(r[col.CODE_ROME]),
            "commune_insee": str(r[col.COMMUNE_INSEE]),
            "required_skills": [int(s) for s in r[col.REQUIRED_SKILLS]],
            "experience_years_required": float(r[col.EXPERIENCE_YEARS_REQUIRED]),
            "weekly_hours": float(r[col.WEEKLY_HOURS]),
            "has_nights": bool(r[col.HAS_NIGHTS]),
            "has_weekends": bool(r[col.HAS_WEEKENDS]),
            "has_early_starts": bool(r[col.HAS_EARLY_STARTS]),
            "start_date": _none(r[col.START_DATE]),
            "end_date": _none(r[col.END_DATE]),
            "contract_type": str(r[col.CONTRACT_TYPE]),
            "open_positions": int(r[col.OPEN_POSITIONS]),
            "status": "open",
            "source": "orne_emploi",
            "version": 1,
        }
        for r in offers.to_dict("records")
    ]
    stmt = insert(Offer).returning(Offer.external_id, Offer.id)
    oids = {e: int(n) for e, n in session.execute(stmt, offer_rows)}
    olic = [
        {"offer_id": oids[f"B-{o}"], "code": code}
        for o, codes in zip(offers[col.OFFER_ID], offers[col.REQUIRED_LICENCES], strict=True)
        for code in sorted(set(codes))
    ]
    if olic:
        session.execute(insert(OfferLicence), olic)


def offers_csv(data: DemoData, n: int, prefix: str) -> bytes:
    """An Orne emploi CSV of ``n`` offers, without ROME codes (the titles are normalised)."""
    offers = data.offers.head(n)
    companies = dict(zip(data.lots["lot_ref"], data.lots["siret"], strict=True))
    names = dict(zip(data.companies["siret"], data.companies["name"], strict=True))
    lines = [
        "Référence;Intitulé;Code ROME;Commune;Type de contrat;Durée hebdomadaire;Date de début;"
        "Date de fin;Nombre de postes;SIRET;Entreprise;Permis requis;Compétences;"
        "Expérience requise;Travail de nuit;Travail le week-end;Horaires décalés"
    ]
    for r in offers.to_dict("records"):
        siret = str(companies.get(r[col.LOT_REF], "") or "")
        if not is_valid_siret(siret):
            siret = ""
        end = r[col.END_DATE]
        lines.append(
            ";".join(
                (
                    f"{prefix}{r[col.OFFER_ID]}",
                    str(r["intitule"]).replace(";", ","),
                    "",
                    str(r[col.COMMUNE_INSEE]),
                    str(r[col.CONTRACT_TYPE]),
                    f"{float(r[col.WEEKLY_HOURS]):g}",
                    r[col.START_DATE].strftime("%d/%m/%Y"),
                    "" if pd.isna(end) else end.strftime("%d/%m/%Y"),
                    str(int(r[col.OPEN_POSITIONS])),
                    siret,
                    str(names.get(siret, "")).replace(";", ",") if siret else "",
                    ", ".join(r[col.REQUIRED_LICENCES]),
                    "|".join(str(s) for s in r[col.REQUIRED_SKILLS]),
                    f"{float(r[col.EXPERIENCE_YEARS_REQUIRED]):g}",
                    "oui" if r[col.HAS_NIGHTS] else "non",
                    "oui" if r[col.HAS_WEEKENDS] else "non",
                    "oui" if r[col.HAS_EARLY_STARTS] else "non",
                )
            )
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


def _fix_rows(data: bytes, fixes: dict[int, tuple[int, str]]) -> bytes:
    """Replace one cell of some lines: line → (cell position, new value)."""
    out = data.decode("utf-8").split("\n")
    for line, (cell, value) in fixes.items():
        cells = out[line - 1].split(";")
        cells[cell] = value
        out[line - 1] = ";".join(cells)
    return "\n".join(out).encode("utf-8")


def prepared_csv(
    data: DemoData,
    n: int,
    prefix: str,
    *,
    refs: Referentials,
    normalise: TitleNormaliser,
    limits: ImportLimits,
) -> tuple[bytes, int]:
    """The CSV, with the ROME code given for titles the index does not recognise and the name
    given for INSEE codes that are also another commune's postal code (the parser refuses them
    as ambiguous). Returns the file and the number of titles left to the index."""
    csv = offers_csv(data, n, prefix)
    codes = dict(zip(data.offers[col.OFFER_ID], data.offers[col.CODE_ROME], strict=True))
    n_titles = 0
    # A row with a bad commune is not sent to the title index: fix until the file is clean.
    for _ in range(3):
        parsed = parse_offers(
            csv,
            filename="o.csv",
            communes=refs.communes,
            rome=refs.rome,
            normalise_titles=normalise,
            limits=limits,
        )
        if not parsed.errors:
            break
        lines = csv.decode("utf-8").split("\n")
        fixes: dict[int, tuple[int, str]] = {}
        for e in parsed.errors:
            assert e.line is not None, e
            ref = lines[e.line - 1].split(";")[0].removeprefix(prefix)
            if e.code in ("unrecognised_title", "vague_title"):
                fixes[e.line] = (2, str(codes[ref]))
                n_titles += 1
            elif e.code == "ambiguous_commune":
                insee = lines[e.line - 1].split(";")[3]
                hit = refs.communes.by_insee(insee)
                assert hit is not None
                fixes[e.line] = (3, f"{hit.nom} ({insee[:2]})")
            else:
                raise AssertionError(e)
        csv = _fix_rows(csv, fixes)
    assert not parsed.errors, parsed.errors[:5]
    return csv, n_titles


# --------------------------------------------------------------------------- naive ways


def naive_batch(session: Session, refs: Referentials, *, slots: int, as_of: date) -> int:
    """A query per offer, a per-offer shortlist, one ORM object and one flush per match."""
    scoring = ScoringState(rome=refs.rome, communes=refs.communes)
    state = scoring.build(session)
    scoring.close()
    run = MatchRun(kind="batch", model_version="naive", status="completed")
    session.add(run)
    session.flush()
    n = 0
    for oid in session.scalars(select(Offer.id).where(Offer.status == "open")):
        offer = session.get(Offer, oid)
        assert offer is not None
        ranked = state.shortlist(str(oid), slots * offer.open_positions, as_of=as_of)
        for r in ranked.to_dict("records"):
            session.add(
                Match(
                    run_id=run.id,
                    offer_id=oid,
                    candidate_id=int(r[col.CANDIDATE_ID]),
                    score=min(max(float(r[col.SCORE]), 0.0), 1.0),
                    components={c: float(r[c]) for c in col.COMPONENTS},
                    explanation=str(r[col.EXPLANATION]),
                    model_version="naive",
                    rank=int(r[col.RANK]),
                )
            )
            session.flush()
            n += 1
    return n


def naive_import(session: Session, records: list[OfferRecord]) -> int:
    """A query per row for the offer and its company, one ORM object and one flush per row."""
    for rec in records:
        found = session.scalars(select(Offer).where(Offer.external_id == rec.external_id)).first()
        company_id = None
        if rec.siret:
            company = session.scalars(select(Company).where(Company.siret == rec.siret)).first()
            if company is None and rec.company_name:
                company = Company(siret=rec.siret, name=rec.company_name[:200])
                session.add(company)
                session.flush()
            company_id = company.id if company else None
        if found is None:
            found = Offer(external_id=rec.external_id)
            session.add(found)
        found.intitule = rec.intitule
        found.code_rome = rec.code_rome
        found.code_ogr = rec.code_ogr
        found.commune_insee = rec.commune_insee
        found.required_skills = list(rec.required_skills)
        found.experience_years_required = rec.experience_years_required
        found.weekly_hours = rec.weekly_hours
        found.has_nights = rec.has_nights
        found.has_weekends = rec.has_weekends
        found.has_early_starts = rec.has_early_starts
        found.start_date = rec.start_date
        found.end_date = rec.end_date
        found.contract_type = rec.contract_type
        found.open_positions = rec.open_positions
        found.company_id = company_id
        found.source = "orne_emploi"
        found.required_licences = [OfferLicence(code=c) for c in sorted(set(rec.required_licences))]
        session.flush()
    return len(records)


# --------------------------------------------------------------------------- runs


@contextmanager
def _database(backend: str, pg_url: str, tmp: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp / 'bench.sqlite'}"
        return
    admin = make_engine(
        make_url(pg_url).set(database="postgres").render_as_string(hide_password=False)
    ).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('DROP DATABASE IF EXISTS "bench_imports" WITH (FORCE)'))
        conn.execute(text('CREATE DATABASE "bench_imports"'))
    try:
        yield make_url(pg_url).set(database="bench_imports").render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text('DROP DATABASE IF EXISTS "bench_imports" WITH (FORCE)'))
        admin.dispose()


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def bench_backend(
    backend: str,
    url: str,
    data: DemoData,
    *,
    refs: Referentials,
    n_offers: int,
    n_batch: int,
    log: Callable[[str], None],
) -> list[Row]:
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    sessions: sessionmaker[Session] = make_sessionmaker(engine)
    out: list[Row] = []
    try:
        with sessions() as s:
            _seed_pool(s, data, n_batch)
            s.commit()
        log(f"{backend}: {len(data.candidates):,} candidates and {n_batch} offers in the database")
        params = BatchParameters(as_of=AS_OF)

        def batch() -> Any:
            with sessions() as s:
                scoring = ScoringState(rome=refs.rome, communes=refs.communes)
                try:
                    result = run_batch(s, scoring, user=None, params=params)
                finally:
                    scoring.close()
                s.commit()
                return result

        seconds, result = _timed(batch)
        assert result.status == "completed", result.message
        log(f"{backend}: batch {result.message} in {seconds:.2f} s")

        def naive() -> int:
            with sessions() as s:
                n = naive_batch(s, refs, slots=params.slots_per_position, as_of=AS_OF)
                s.rollback()
                return n

        naive_s, n_naive = _timed(naive)
        log(f"{backend}: naive batch {n_naive} matches in {naive_s:.2f} s")
        out.append(
            Row(
                backend,
                f"batch: {n_batch} offers × {len(data.candidates):,} candidates",
                result.n_matches,
                seconds,
                naive_s,
                TARGET_S,
            )
        )
        again_s, again = _timed(batch)
        assert again.status == "nothing_to_do"
        out.append(Row(backend, "batch again (same inputs: nothing to do)", 0, again_s))

        normalise = normaliser_for(title_index(REFERENTIALS_DIR))
        limits = ImportLimits(max_bytes=50 * 1024 * 1024, max_rows=100_000)
        csv, unrecognised = prepared_csv(
            data, n_offers, "I-", refs=refs, normalise=normalise, limits=limits
        )
        naive_csv, _ = prepared_csv(
            data, n_offers, "N-", refs=refs, normalise=normalise, limits=limits
        )

        def imp(payload: bytes) -> Any:
            with sessions() as s:
                report = import_offers(
                    s,
                    payload,
                    filename="offres.csv",
                    refs=refs,
                    normalise_titles=normalise,
                    limits=limits,
                    user=None,
                )
                s.commit()
                return report

        seconds, report = _timed(lambda: imp(csv))
        assert report.created == n_offers, report
        log(
            f"{backend}: import {report.created} created, {report.companies_created} companies, "
            f"{unrecognised} titles not recognised (codes given), {seconds:.2f} s"
        )

        def naive_imp() -> int:
            records = parse_offers(
                naive_csv,
                filename="o.csv",
                communes=refs.communes,
                rome=refs.rome,
                normalise_titles=normalise,
                limits=limits,
            ).records
            with sessions() as s:
                n = naive_import(s, records)
                s.rollback()
                return n

        naive_s, _ = _timed(naive_imp)
        out.append(
            Row(
                backend,
                f"import {n_offers:,} offers (titles normalised)",
                report.created,
                seconds,
                naive_s,
                TARGET_S,
            )
        )
        again_s, again_report = _timed(lambda: imp(csv))
        assert again_report.unchanged == n_offers
        out.append(Row(backend, "same file again (nothing changes)", 0, again_s))
        with sessions() as s:
            assert s.scalar(select(func.count()).select_from(Offer)) == n_offers + n_batch
    finally:
        engine.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pg", default=os.environ.get("CLAUSEMATCH_TEST_DATABASE_URL", ""))
    parser.add_argument("--candidates", type=int, default=20_000)
    parser.add_argument("--offers", type=int, default=10_000)
    parser.add_argument("--batch-offers", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    t = time.perf_counter()
    refs = load_referentials(REFERENTIALS_DIR)
    data = generate_pool(
        communes=load_communes(REFERENTIALS_DIR / "communes.csv.gz"),
        rome=refs.rome,
        n_candidates=args.candidates,
        n_offers=max(args.offers, args.batch_offers),
        rng=np.random.default_rng(args.seed),
        as_of=AS_OF,
    )
    log(f"synthetic pool generated in {time.perf_counter() - t:.1f} s")
    index_s, _ = _timed(lambda: title_index(REFERENTIALS_DIR))
    log(f"title index built in {index_s:.1f} s (once per process)")
    rows: list[Row] = []
    backends = ["sqlite", *(["postgresql"] if args.pg else [])]
    with tempfile.TemporaryDirectory() as tmp:
        for backend in backends:
            with _database(backend, args.pg, Path(tmp)) as url:
                rows += bench_backend(
                    backend,
                    url,
                    data,
                    refs=refs,
                    n_offers=args.offers,
                    n_batch=args.batch_offers,
                    log=log,
                )
    print()
    print(f"Title index build (once per process, not in the import times): {index_s:.1f} s")
    print()
    print("| backend | step | rows written | seconds | naive seconds | naive / ours | target |")
    print("| --- | --- | ---: | ---: | ---: | ---: | --- |")
    ok = True
    for r in rows:
        naive = f"{r.naive_seconds:.2f}" if r.naive_seconds is not None else ""
        ratio = f"{r.naive_seconds / r.seconds:.1f}×" if r.naive_seconds is not None else ""
        target = ""
        if r.target_s is not None:
            met = r.seconds <= r.target_s
            ok &= met
            target = f"≤ {r.target_s:g} s {'met' if met else 'NOT met'}"
        print(
            f"| {r.backend} | {r.step} | {r.rows:,} | {r.seconds:.2f} | {naive} | {ratio} | "
            f"{target} |"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
