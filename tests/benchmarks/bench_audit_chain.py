"""What the audit log's hash chain costs: audited write transactions with the chain sealed at
commit against the same transactions without it (the naive way: no chain), one and several
entries a transaction (a request, a group commit), and the time ``verify_chain`` takes per
entry. SQLite by default; ``--database-url URL`` for PostgreSQL (a database it may fill).

``python tests/benchmarks/bench_audit_chain.py [--transactions N] [--entries N]``
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from alembic import command
from sqlalchemy import event, text
from sqlalchemy.orm import Session

from service.accounts import audit as audit_module
from service.accounts.audit import audit, audit_row, verify_chain
from service.accounts.repository import AuditRepository
from service.db import alembic_config, make_engine, make_sessionmaker


def _transactions(sessions: object, n: int, per: int) -> float:
    start = time.perf_counter()
    for i in range(n):
        with sessions() as session:  # type: ignore[operator]
            for k in range(per):
                audit(session, None, "read", "candidate", i, {"k": k})
            session.commit()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url")
    parser.add_argument("--transactions", type=int, default=1_000)
    parser.add_argument("--entries", type=int, default=100_000, help="entries to verify")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'chain.sqlite'}"
        command.upgrade(alembic_config(url), "head")
        engine = make_engine(url)
        sessions = make_sessionmaker(engine)
        rows = []
        for per in (1, 10):
            chained = _transactions(sessions, args.transactions, per)
            event.remove(Session, "before_commit", audit_module._seal_at_commit)
            try:
                plain = _transactions(sessions, args.transactions, per)
            finally:
                event.listen(Session, "before_commit", audit_module._seal_at_commit)
            with sessions() as session:  # the unchained entries, chained now for the walk
                audit_module.seal_entries(session)
                session.commit()
            rows.append((per, chained, plain))
        # Entries to walk: inserted in bulk, chained in one step.
        with sessions() as session:
            repo = AuditRepository(session)
            batch = [audit_row(None, "read", "candidate", i, {"i": i}) for i in range(args.entries)]
            repo.insert_rows(batch)
            session.commit()
        with sessions() as session:
            start = time.perf_counter()
            report = verify_chain(session)
            walk = time.perf_counter() - start
        backend = engine.dialect.name
        if args.database_url:
            with engine.begin() as conn:
                conn.execute(text("DELETE FROM audit_log"))
        engine.dispose()
    n = args.transactions
    print(f"{backend}, {n} transactions each way")
    print(
        "| entries / transaction | chained, ms / transaction | without chain (naive) | overhead |"
    )
    print("| ---: | ---: | ---: | ---: |")
    for per, chained, plain in rows:
        print(
            f"| {per} | {chained / n * 1000:.2f} | {plain / n * 1000:.2f} | "
            f"{(chained / plain - 1) * 100:+.0f} % |"
        )
    print(
        f"verify_chain: {report.checked} entries in {walk:.2f} s "
        f"({report.checked / walk:,.0f} entries/s), ok={report.ok}"
    )
    return 0 if report.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
