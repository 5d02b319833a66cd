"""The audit log's hash chain: what one entry's hash covers, computed one way everywhere (the
sealing step at commit, ``clausematch audit verify``, the migration that chained the entries
written before it).

``hash(n) = SHA-256(hash(n-1) + "\\n" + canonical(entry n))`` in hexadecimal, with 64 zeros
before the first entry. The canonical form is compact JSON with sorted keys of every column but
the hash itself, the time in UTC ISO 8601 to the microsecond: changing, removing or inserting
an entry changes every hash after it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Final

__all__ = ["CHAINED_COLUMNS", "GENESIS", "canonical", "chain_hash"]

GENESIS: Final = "0" * 64
"""The "previous hash" of the first entry."""

CHAINED_COLUMNS: Final = (
    "seq",
    "id",
    "at",
    "user_id",
    "role",
    "action",
    "entity_type",
    "entity_id",
    "detail",
)


def _at(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite's raw text, read without the column type: UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical(entry: Mapping[str, Any]) -> str:
    """The text an entry's hash covers (``entry`` maps :data:`CHAINED_COLUMNS` to values)."""
    values = {name: entry[name] for name in CHAINED_COLUMNS}
    values["at"] = _at(values["at"])
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def chain_hash(previous: str, entry: Mapping[str, Any]) -> str:
    """The hash of ``entry`` chained after an entry whose hash is ``previous``."""
    return hashlib.sha256(f"{previous}\n{canonical(entry)}".encode()).hexdigest()
