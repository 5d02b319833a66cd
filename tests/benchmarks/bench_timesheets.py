"""Benchmark: a company's monthly timesheets imported in bulk against the naive way.

On a SQLite file: ``--people`` people placed on 10 lots for a year, and a timesheet of one line
per person and month (``--people`` × 12 lines). Timed, each in its own transaction:

- **check** (``dry_run``) and **import** with :func:`service.timesheets.service.import_hours`;
- **re-import** of the same file (every month unchanged: nothing written);
- **naive**: the same lines typed one at a time through
  :func:`service.workflow.placements.put_hours` (what the placement page does, one month of one
  placement per request), in one transaction, rolled back.

Usage::

    .venv/bin/python tests/benchmarks/bench_timesheets.py [--people 300]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402
from sqlalchemy import select  # noqa: E402

from service.db import alembic_config, make_engine, make_sessionmaker  # noqa: E402
from service.imports.reading import ImportLimits  # noqa: E402
from service.models.accounts import User  # noqa: E402
from service.models.people import Candidate  # noqa: E402
from service.models.procurement import Buyer, Contract, Lot  # noqa: E402
from service.models.workflow import Placement  # noqa: E402
from service.timesheets.service import import_hours  # noqa: E402
from service.workflow.placements import put_hours  # noqa: E402
from service.workflow.schemas import HoursIn, MonthHours  # noqa: E402

YEAR = 2026


def _setup(url: str, people: int) -> str:
    """The database's people, lots and placements; the timesheet's text."""
    engine = make_engine(url)
    lines = ["Identifiant de suivi;Nom;Lot;Mois;Heures réalisées"]
    with make_sessionmaker(engine)() as session, session.begin():
        coach = User(username="coach", role="coach", token_hash="x" * 64, is_active=True)
        buyer = Buyer(name="Département de l'Orne")
        session.add_all([coach, buyer])
        session.flush()
        contract = Contract(
            buyer_id=buyer.id, reference="B-1", title="Banc d'essai", start_date=date(YEAR, 1, 1)
        )
        session.add(contract)
        session.flush()
        lots = [
            Lot(
                contract_id=contract.id,
                reference=f"B-1-LOT{n:02d}",
                number=str(n),
                trade="Gros œuvre",
                insertion_hours=10_000.0,
                start_date=date(YEAR, 1, 1),
            )
            for n in range(1, 11)
        ]
        session.add_all(lots)
        session.flush()
        for i in range(people):
            person = Candidate(
                external_id=f"P{i:05d}",
                coach_id=coach.id,
                commune_insee="61001",
                has_vehicle=True,
                travel_mode="voiture",
                max_distance_km=25.0,
                readiness_stage="pret_emploi",
                readiness_assessed_on=date(YEAR, 1, 1),
                available_from=date(YEAR, 1, 1),
                max_weekly_hours=35.0,
                skills=[],
            )
            session.add(person)
            session.flush()
            lot = lots[i % len(lots)]
            session.add(
                Placement(
                    candidate_id=person.id,
                    lot_id=lot.id,
                    delivery_mode="direct_hire",
                    contract_type="CDD",
                    start_date=date(YEAR, 1, 1),
                    end_date=date(YEAR, 12, 31),
                )
            )
            for month in range(1, 13):
                lines.append(
                    f"P{i:05d};Nom {i};{lot.reference};{month:02d}/{YEAR};{100 + i % 50},5"
                )
    engine.dispose()
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=300)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        command.upgrade(alembic_config(url), "head")
        data = _setup(url, args.people).encode("utf-8")
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        limits = ImportLimits()
        times: dict[str, float] = {}
        for name, dry in (("check (dry run)", True), ("import", False), ("re-import", False)):
            with sessions() as session, session.begin():
                start = time.perf_counter()
                report = import_hours(session, data, limits=limits, user=None, dry_run=dry)
                times[name] = time.perf_counter() - start
            print(
                f"{name}: {report.rows} lines, created {report.created}, replaced "
                f"{report.updated}, unchanged {report.unchanged}",
                file=sys.stderr,
            )
        with sessions() as session:
            admin = User(username="naive", role="facilitator", token_hash="y" * 64, is_active=True)
            session.add(admin)
            session.flush()
            rows = [line.split(";") for line in data.decode().splitlines()[1:]]
            ids = {p.candidate_id: p.id for p in session.scalars(select(Placement))}
            by_external = {c.external_id: ids[c.id] for c in session.scalars(select(Candidate))}
            start = time.perf_counter()
            for person, _, _, month, hours in rows:
                m, y = month.split("/")
                put_hours(
                    session,
                    admin,
                    by_external[person],
                    HoursIn(
                        items=[
                            MonthHours(
                                month=date(int(y), int(m), 1), hours=float(hours.replace(",", "."))
                            )
                        ]
                    ),
                )
            times["naive: one month at a time"] = time.perf_counter() - start
            session.rollback()
        engine.dispose()
    lines = len(data.splitlines()) - 1
    print(f"\nTimesheet of {lines} lines ({args.people} people × 12 months), SQLite")
    print("| way | seconds | lines/s |")
    print("| --- | ---: | ---: |")
    for name, seconds in times.items():
        print(f"| {name} | {seconds:.2f} | {lines / seconds:,.0f} |")
    ratio = times["naive: one month at a time"] / times["import"]
    print(f"\nimport vs naive: {ratio:.1f}× faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
