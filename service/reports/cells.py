"""Values as they go into an exported cell, in one place.

Every value written to an xlsx or CSV cell goes through :func:`export_cell` (a guard against
what a spreadsheet would misread belongs there, once); :func:`french_text` writes a value the
way a French reader expects it (``1 234,5``, ``12,3 %``, ``07/12/2026``, ``oui``), for CSV files,
web pages and PDF bilans.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd

from service.reports.labels import Kind

__all__ = ["export_cell", "french_number", "french_text", "plain"]


_NARROW_NBSP = "\u202f"


def plain(value: Any) -> Any:
    """A Python value: numpy scalars unwrapped, NaN/NaT and pandas' NA as ``None``."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if type(value).__name__ in {"NAType", "NaTType"}:
        return None
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def export_cell(value: Any) -> Any:
    """The value written into one exported cell (xlsx or CSV)."""
    return plain(value)


def french_number(value: float, digits: int) -> str:
    text = f"{value:,.{digits}f}"
    return text.replace(",", _NARROW_NBSP).replace(".", ",")


def french_text(value: Any, kind: Kind) -> str:
    """``value`` written for a French reader; an unknown value is an empty string."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if kind == "bool" or isinstance(value, bool):
        return "oui" if value else "non"
    if kind == "date" and isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if kind == "month" and isinstance(value, date):
        return value.strftime("%m/%Y")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if kind == "ratio":
        return f"{french_number(float(value) * 100, 1)} %"
    if kind == "hours":
        number = float(value)
        return french_number(number, 0 if number.is_integer() else 1)
    if kind == "count" and float(value).is_integer():
        return french_number(float(value), 0)
    if isinstance(value, float):
        return french_number(value, 0 if value.is_integer() else 2)
    return str(value)
