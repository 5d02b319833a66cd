"""The audit log as CSV for the admin (the web page's export and ``GET /audit/export``).

Every cell is escaped against formula injection (CSV injection): a cell that starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with an apostrophe, so that a
spreadsheet shows it as text instead of running it. Semicolon-separated UTF-8 with a BOM (what
a French spreadsheet opens), times in Europe/Paris.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Final

from service.kit.cells import safe_cell
from service.kit.times import paris
from service.models.accounts import AuditEntry

__all__ = ["HEADER", "MAX_EXPORT_ROWS", "audit_csv", "safe_cell"]

MAX_EXPORT_ROWS: Final = 100_000
"""At most this many entries in one export (narrow the filters beyond)."""

HEADER: Final = (
    "n°",
    "id",
    "date (Paris)",
    "utilisateur",
    "rôle",
    "action",
    "objet",
    "id de l'objet",
    "détail",
    "empreinte",
)


def audit_csv(entries: Iterable[AuditEntry], usernames: dict[int, str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(HEADER)
    for e in entries:
        detail = json.dumps(e.detail, ensure_ascii=False, sort_keys=True) if e.detail else ""
        writer.writerow(
            safe_cell(v)
            for v in (
                e.seq,
                e.id,
                paris(e.at).strftime("%d/%m/%Y %H:%M:%S"),
                usernames.get(e.user_id, "") if e.user_id is not None else "service",
                e.role,
                e.action,
                e.entity_type,
                e.entity_id,
                detail,
                e.hash,
            )
        )
    return out.getvalue().encode("utf-8-sig")
