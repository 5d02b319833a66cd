"""The time zone people read times in: the database stores UTC, every page, export and message
shows Europe/Paris."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Final
from zoneinfo import ZoneInfo

__all__ = ["PARIS", "day_end", "day_start", "paris"]

PARIS: Final = ZoneInfo("Europe/Paris")


def paris(value: datetime) -> datetime:
    """A stored time (UTC, or naive UTC) in Europe/Paris."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(PARIS)


def day_start(day: date) -> datetime:
    """Midnight starting ``day`` in Paris, as a UTC time."""
    return datetime.combine(day, time.min, tzinfo=PARIS).astimezone(UTC)


def day_end(day: date) -> datetime:
    """The last instant of ``day`` in Paris, as a UTC time."""
    return datetime.combine(day, time.max, tzinfo=PARIS).astimezone(UTC)
