"""A process that writes audit entries, one short transaction each (the chain's concurrency
test starts two of these at once): ``python audit_writer.py URL N LABEL``."""

from __future__ import annotations

import sys

from service.accounts.audit import audit, audit_row
from service.accounts.repository import AuditRepository
from service.db import make_engine, make_sessionmaker


def main(url: str, n: int, label: str) -> None:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    try:
        for i in range(n):
            with sessions() as session:
                # Several entries in one transaction, as a request or a group commit writes:
                # through the ORM (chained after their flush), queued as read requests queue
                # theirs (chained as they are inserted), or both.
                for k in range(1 + i % 3):
                    detail = {"writer": label, "k": k}
                    if (i + k) % 2:
                        audit(session, None, "read", "candidate", i, detail)
                    else:
                        AuditRepository(session).insert_rows(
                            [audit_row(None, "read", "candidate", i, detail)]
                        )
                session.commit()
    finally:
        engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
