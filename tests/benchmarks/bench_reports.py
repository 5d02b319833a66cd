"""Reports, the dashboard and the command line's start-up on ten times the demo's history.

Builds a SQLite database with the demo set and ``--copies`` draws of its invented history
(``--copies 10``: ten times the placements, monthly hours, proposals and earlier contracts of
``make run``), then measures, best of ``--repeat`` runs:

* in process, each report (execution, FSE+, participants, funnel) computed and written as xlsx,
  CSV and JSON, the PDF bilan, and the dashboard page served end to end (login, HTML);
* the command line in a fresh process: ``clausematch --help``, ``clausematch report --help``,
  and a whole ``clausematch report fse -o FILE.xlsx`` — each the way it starts today on main
  (every command module imported to build the parser: ``build_parser()``) and the light way
  (only the chosen command's module: ``clausematch`` itself).

Target (issue 20): every report and the dashboard ≤ 1 s on ten times the demo data; light
commands start in ≤ 1 s. The machine's two cores are shared, so figures move between runs.

    python tests/benchmarks/bench_reports.py [--copies 10] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

TARGET_S = 1.0


def _best(repeat: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def _prepare(url: str, copies: int) -> dict[str, int]:
    from alembic import command
    from sqlalchemy import func, select

    from fixtures import DEMO_DIR
    from service.db import alembic_config, make_engine, make_sessionmaker
    from service.imports.demo import DEMO_USERS, load_demo
    from service.imports.demo_history import load_history
    from service.models.accounts import User
    from service.models.workflow import Placement, PlacementHours, Proposal

    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        load_demo(session, DEMO_DIR)
        users = {u.username: u for u in session.scalars(select(User))}
        coaches = {
            r.split(",")[0]: r.split(",")[1].strip()
            for r in (DEMO_DIR / "caseload.csv").read_text(encoding="utf-8").splitlines()[1:]
        }
        assert set(coaches.values()) <= {name for name, _ in DEMO_USERS}
        for copy in range(1, copies):
            load_history(session, DEMO_DIR, users=users, coaches=coaches, copy=copy)
        session.commit()
        counts = {
            "placements": session.scalar(select(func.count()).select_from(Placement)) or 0,
            "monthly hours": session.scalar(select(func.count()).select_from(PlacementHours)) or 0,
            "proposals": session.scalar(select(func.count()).select_from(Proposal)) or 0,
        }
    engine.dispose()
    return counts


def _in_process(url: str, repeat: int) -> list[tuple[str, float]]:
    from fastapi.testclient import TestClient
    from sqlalchemy.orm import Session

    from service.config import Settings
    from service.db import make_engine, make_sessionmaker
    from service.imports.demo import demo_password
    from service.main import create_app
    from service.referentials.service import load_referentials
    from service.reports.bilan import bilan_pdf
    from service.reports.common import REPORT_NAMES, ReportFilter
    from service.reports.exports import build_report, to_csv, to_json, to_xlsx
    from service.reports.summary import build_summary

    settings = Settings(database_url=url)
    refs = load_referentials(settings.referentials_dir)
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    today = date.today()
    rows: list[tuple[str, float]] = []

    def report(name: str, fmt: str) -> Callable[[], object]:
        def run() -> object:
            session: Session
            with factory() as session:
                built = build_report(
                    session,
                    refs,
                    None,
                    name,
                    ReportFilter(),
                    today=today,
                    tolerance=settings.report_risk_tolerance,
                )
                out = {"xlsx": to_xlsx, "csv": to_csv, "json": to_json}[fmt](built)
                session.rollback()
                return out

        return run

    for name in REPORT_NAMES:
        for fmt in ("json", "csv", "xlsx"):
            rows.append((f"report {name} ({fmt})", _best(repeat, report(name, fmt))))

    def pdf() -> object:
        with factory() as session:
            summary = build_summary(
                session, refs, ReportFilter(), today=today, tolerance=settings.report_risk_tolerance
            )
            return bilan_pdf(summary, scope="l'ensemble de l'opération")

    rows.append(("PDF bilan of the operation", _best(repeat, pdf)))
    engine.dispose()

    app = create_app(settings)
    with TestClient(app) as client:
        page = client.get("/connexion")
        token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post(
            "/connexion",
            data={
                "username": "facilitateur",
                "password": demo_password("facilitateur"),
                "csrf_token": token,
            },
        )

        def dashboard() -> object:
            response = client.get("/facilitateur/tableau-de-bord")
            assert response.status_code == 200, response.status_code
            return response

        rows.append(("dashboard page (HTTP, HTML)", _best(repeat, dashboard)))

        def reports_page() -> object:
            response = client.get("/facilitateur/rapports", params={"rapport": "fse"})
            assert response.status_code == 200, response.status_code
            return response

        rows.append(("reports page, FSE+ (HTTP, HTML)", _best(repeat, reports_page)))
    return rows


_EAGER = (
    "import sys, service.cli as c\n"
    "p = c.build_parser()\n"  # every command module, as main does today
    "a = p.parse_args(sys.argv[1:])\n"
    "sys.exit(a.func(a))\n"
)


def _command_line(url: str, repeat: int, out: Path) -> list[tuple[str, float, float]]:
    env = {**os.environ, "CLAUSEMATCH_DATABASE_URL": url}
    light = [str(Path(sys.executable).with_name("clausematch"))]
    eager = [sys.executable, "-c", _EAGER]
    cases = [
        ("clausematch --help", ["--help"]),
        ("clausematch report --help", ["report", "--help"]),
        ("clausematch report fse -o FILE.xlsx", ["report", "fse", "-o", str(out)]),
    ]
    rows = []
    for label, args in cases:

        def run(prefix: list[str], args: list[str] = args) -> None:
            subprocess.run([*prefix, *args], env=env, check=False, capture_output=True, timeout=300)

        before = _best(repeat, lambda: run(eager))
        after = _best(repeat, lambda: run(light))
        rows.append((label, before, after))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--copies", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite'}"
        start = time.perf_counter()
        counts = _prepare(url, args.copies)
        print(
            f"data: demo set + {args.copies} draws of its history — "
            + ", ".join(f"{n:,} {what}" for what, n in counts.items())
            + f" (built in {time.perf_counter() - start:.0f} s)"
        )
        failures = 0
        print(f"\n| in process (best of {args.repeat}) | seconds | ≤ {TARGET_S:.0f} s |")
        print("| --- | ---: | :---: |")
        for label, seconds in _in_process(url, args.repeat):
            ok = seconds <= TARGET_S
            failures += not ok
            print(f"| {label} | {seconds:.2f} | {'yes' if ok else 'NO'} |")
        print(
            f"\n| fresh process (best of {args.repeat}) | today: every module (s) "
            f"| light start-up (s) | ≤ {TARGET_S:.0f} s |"
        )
        print("| --- | ---: | ---: | :---: |")
        for label, before, after in _command_line(url, args.repeat, Path(tmp) / "fse.xlsx"):
            light = "--help" in label
            ok = after <= TARGET_S or not light
            failures += not ok
            verdict = ("yes" if ok else "NO") if light else "(not a light command)"
            print(f"| {label} | {before:.2f} | {after:.2f} | {verdict} |")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
