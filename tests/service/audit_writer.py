"""A process that writes audit entries, one short transaction each (the chain's concurrency
test starts two of these at once): ``python audit_writer.py URL N LABEL``."""

from __future__ import annotations

import sys

from service.accounts.audit import audit
from service.db import make_engine, make_sessionmaker


def main(url: str, n: int, label: str) -> None:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    try:
        for i in range(n):
            with sessions() as session:
                # Several entries in one transaction, as a request or a group commit writes.
                for k in range(1 + i % 3):
                    audit(session, None, "read", "candidate", i, {"writer": label, "k": k})
                session.commit()
    finally:
        engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
