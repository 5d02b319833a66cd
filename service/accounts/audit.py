"""The audit log: who did what to which entity, when (never the values), chained by hashes.

Every entry is chained to the one before (:mod:`service.accounts.chain`) when the transaction
that wrote it commits: a session event (``before_commit``) takes the chain's lock (PostgreSQL:
an advisory lock held to the commit; SQLite: the transaction already holds the one write lock),
reads the chain's last entry, and numbers and hashes the transaction's entries after it. So
concurrent requests, the group commit of read requests' entries (:class:`service.db.GroupWriter`)
and other processes (a CLI command, a second worker) all extend one chain; the lock is held only
from this step to the commit. :func:`verify_chain` walks it and names the first broken entry.

Read requests' entries, queued until the commit, are numbered and hashed *before* they are
inserted (their ids drawn first): each is written once, chained, instead of inserted and then
updated — the update of an indexed column rewrote the row and every index entry of it.
Entries added through the ORM (write requests, commands) are chained after their flush.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, UOWTransaction

from service.accounts.audit_export import MAX_EXPORT_ROWS, audit_csv
from service.accounts.chain import GENESIS, chain_hash
from service.accounts.repository import UNSEALED, AuditFilter, AuditRepository, UserRepository
from service.db import after_reads, is_read_only, utcnow
from service.errors import InvalidInput
from service.kit.crud import Pagination
from service.kit.repository import before_queued_insert, flush_queued, table_of
from service.models.accounts import AuditEntry, User

__all__ = [
    "ChainReport",
    "audit",
    "audit_filter",
    "audit_row",
    "audit_usernames",
    "export_audit",
    "list_audit",
    "seal_entries",
    "verify_chain",
]


def audit(
    session: Session,
    user: User | None,
    action: str,
    entity_type: str,
    entity_id: int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record who did what to which entity. ``detail`` must hold no personal data.

    In a write transaction the entry is part of it; a read-only request writes it once its
    reads are done, before the response leaves (:func:`service.db.after_reads`)."""
    row = audit_row(user, action, entity_type, entity_id, detail)
    if is_read_only(session):
        after_reads(session, lambda writer: AuditRepository(writer).insert_rows([row]))
    else:
        AuditRepository(session).add(AuditEntry(**row))


def audit_row(
    user: User | None,
    action: str,
    entity_type: str,
    entity_id: int | None,
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An audit entry's columns, stamped now (what :func:`audit` writes; for
    :meth:`AuditRepository.insert_rows` too)."""
    return {
        "at": utcnow(),
        "user_id": user.id if user else None,
        "role": user.role if user else "system",
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "detail": detail,
    }


def list_audit(
    session: Session, where: AuditFilter, page: Pagination
) -> tuple[list[AuditEntry], int]:
    return AuditRepository(session).page(where, limit=page.limit, offset=page.offset)


def audit_filter(
    *,
    user_id: int | None = None,
    entity_type: str | None = None,
    entity_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> AuditFilter:
    """The filter of the log's list, page and export; refused in French when the dates are
    without a time zone or in the wrong order."""
    for name, value in (("from", since), ("to", until)):
        if value is not None and value.tzinfo is None:
            raise InvalidInput(f"{name} : donnez un fuseau horaire (ex. 2026-01-31T00:00:00Z)")
    if since is not None and until is not None and until < since:
        raise InvalidInput(f"to ({until}) est avant from ({since})")
    return AuditFilter(
        user_id=user_id,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        since=since,
        until=until,
    )


def audit_usernames(session: Session) -> dict[int, str]:
    """Every account's name by id (the log shows who; accounts are few)."""
    users, _ = UserRepository(session).page(limit=100_000, offset=0)
    return {u.id: u.username for u in users}


def export_audit(session: Session, admin: User, where: AuditFilter) -> tuple[bytes, int]:
    """The filtered log as CSV (:mod:`service.accounts.audit_export`), oldest first; audited."""
    rows = AuditRepository(session).export_rows(where, limit=MAX_EXPORT_ROWS + 1)
    if len(rows) > MAX_EXPORT_ROWS:
        raise InvalidInput(
            f"plus de {MAX_EXPORT_ROWS:,} entrées : resserrez les filtres (dates, action, "
            "utilisateur) pour exporter".replace(",", " ")
        )
    data = audit_csv(rows, audit_usernames(session))
    filters = {k: str(v) for k, v in vars(where).items() if v is not None}
    audit(session, admin, "export", "audit_log", None, {"rows": len(rows), "filters": filters})
    return data, len(rows)


# ------------------------------------------------------------------------------ the chain


def seal_entries(session: Session) -> int:
    """Chain this transaction's new entries after the chain's last one; how many."""
    repo = AuditRepository(session)
    repo.lock_chain()
    rows = repo.unsealed()
    if not rows:
        return 0
    seq, previous = repo.tail()
    links = []
    for row in rows:
        seq += 1
        previous = chain_hash(previous, {**row, "seq": seq})
        links.append((int(row["id"]), seq, previous))
    repo.seal(links)
    return len(links)


def _seal_queued(session: Session, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Number and hash queued entries after the chain's last one, before they are inserted."""
    repo = AuditRepository(session)
    repo.lock_chain()
    seq, previous = repo.tail()
    sealed = []
    for row, entry_id in zip(rows, repo.next_ids(len(rows)), strict=True):
        seq += 1
        entry = {**row, "id": entry_id, "seq": seq}
        previous = chain_hash(previous, entry)
        entry["hash"] = previous
        sealed.append(entry)
    return sealed


before_queued_insert(table_of(AuditEntry), _seal_queued)


@event.listens_for(Session, "after_flush")
def _note_entries(session: Session, _: UOWTransaction) -> None:
    # Entries added through the ORM (audit(), a command's own AuditEntry) mark the session.
    if any(isinstance(obj, AuditEntry) for obj in session.new):
        session.info[UNSEALED] = True


@event.listens_for(Session, "before_commit")
def _seal_at_commit(session: Session) -> None:
    # before_commit runs before the commit's own final flush: flush first, so that entries
    # still pending in the unit of work are written (and noted) before they are chained.
    if session.new or session.dirty or session.deleted:
        session.flush()
    if session.info.pop(UNSEALED, False):
        flush_queued(session)  # read requests' entries, queued until now (chained as inserted)
        seal_entries(session)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    session.info.pop(UNSEALED, None)


@dataclass
class ChainReport:
    """What :func:`verify_chain` found. ``first_broken`` names the first entry that does not
    hold (French); ``breaks`` counts every break found."""

    checked: int = 0
    start_seq: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    first_broken: str | None = None
    first_broken_seq: int | None = None
    breaks: int = 0
    unsealed: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.breaks == 0 and self.unsealed == 0


_MAX_PROBLEMS = 20


def verify_chain(session: Session, *, chunk: int = 5_000) -> ChainReport:
    """Walk the chain from the latest checkpoint (or the start) and recompute every hash.

    A changed entry fails its own hash; a removed one leaves a gap in ``seq``; an inserted or
    re-ordered one fails the hash of the entry after it. After a break the walk goes on from
    the stored hash, so that every break is counted."""
    repo = AuditRepository(session)
    checkpoint = repo.latest_checkpoint()
    seq, previous = (
        (checkpoint.through_seq, checkpoint.through_hash) if checkpoint else (0, GENESIS)
    )
    report = ChainReport(start_seq=seq, head_seq=seq, head_hash=previous)

    def broken(at_seq: int, message: str) -> None:
        report.breaks += 1
        if report.first_broken is None:
            report.first_broken, report.first_broken_seq = message, at_seq
        if len(report.problems) < _MAX_PROBLEMS:
            report.problems.append(message)

    while rows := repo.chained_after(seq, limit=chunk):
        for row in rows:
            row_seq, row_id = int(row["seq"]), int(row["id"])
            if row_seq != seq + 1:
                # The entry was chained to one that is gone: its own hash cannot be checked.
                broken(
                    row_seq,
                    f"entrées n° {seq + 1} à {row_seq - 1} absentes : supprimées "
                    f"(la suivante est l'entrée n° {row_seq}, id {row_id})",
                )
            elif row["hash"] != (expected := chain_hash(previous, row)):
                broken(
                    row_seq,
                    f"entrée n° {row_seq} (id {row_id}, {row['action']}) modifiée, ou insérée, "
                    f"ou l'empreinte de la précédente changée : son empreinte ne correspond pas "
                    f"(attendue {expected[:12]}…, trouvée {str(row['hash'])[:12]}…)",
                )
            report.checked += 1
            seq, previous = row_seq, str(row["hash"])
    report.head_seq, report.head_hash = seq, previous
    report.unsealed = repo.count_unsealed()
    if report.unsealed:
        report.problems.append(f"{report.unsealed} entrée(s) sans numéro ni empreinte")
        if report.first_broken is None:
            report.first_broken = report.problems[-1]
    return report
