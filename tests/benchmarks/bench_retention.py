"""Retention runs on the demo set: a temporary SQLite database loaded with the demo data, then
runs as if 400 days had passed (every person inactive for more than a year): a dry run, the run
that tells the coaches, the run 31 days later that anonymises, a run with nothing left to do;
then the audit chain is walked.

``python tests/benchmarks/bench_retention.py``
"""

from __future__ import annotations

import tempfile
import time
from datetime import timedelta
from pathlib import Path

from alembic import command

from fixtures import DEMO_DIR
from service.accounts.audit import verify_chain
from service.db import alembic_config, make_engine, make_sessionmaker, utcnow
from service.imports.demo import load_demo
from service.retention.service import Periods, anonymise_inactive, run_retention


def main(argv: list[str] | None = None) -> int:
    del argv
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'demo.sqlite'}"
        command.upgrade(alembic_config(url), "head")
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        with sessions() as session:
            load_demo(session, DEMO_DIR)
            session.commit()
        later = utcnow() + timedelta(days=400)
        # Audit entries written today are kept (60 months): the walk below covers them all.
        periods = Periods(audit_months=60)
        print("| run | seconds | what it did |")
        print("| --- | ---: | --- |")
        for label, now, dry in (
            ("dry run, +400 days", later, True),
            ("run, +400 days (notices)", later, False),
            ("run, +431 days (anonymisation)", later + timedelta(days=31), False),
            ("run again", later + timedelta(days=31), False),
        ):
            with sessions() as session:
                start = time.perf_counter()
                result = run_retention(
                    session,
                    periods=periods,
                    anonymise=anonymise_inactive(now.date()),
                    now=now,
                    dry_run=dry,
                )
                session.commit()
                took = time.perf_counter() - start
            done = ", ".join(f"{k} {v}" for k, v in result.counts.items() if v) or "nothing"
            print(f"| {label} | {took:.2f} | {done} |")
        with sessions() as session:
            start = time.perf_counter()
            report = verify_chain(session)
            took = time.perf_counter() - start
        print(f"verify_chain: {report.checked} entries in {took:.2f} s, ok={report.ok}")
        engine.dispose()
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
