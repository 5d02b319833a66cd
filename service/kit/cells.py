"""Spreadsheet and CSV cells that never run: the one escaping rule of every export.

A spreadsheet program runs a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula
(``=HYPERLINK(...)``, ``=cmd|' /C calc'!A0``), and a leading tab or carriage return can hide
one (OWASP, "CSV Injection"). Any text that reaches an export may come from an import file, an
API body or a form, so every writer of a CSV or xlsx cell goes through this module:

- **CSV**: a text cell whose first character (after leading spaces) is one of
  :data:`FORMULA_TRIGGERS` is written with a ``'`` in front (:func:`safe_cell`); the ``csv``
  module quotes what contains the separator, a quote or a line break. A text that *is* a plain
  number (``-12``, ``+3,5``) is left alone: it cannot run, and the apostrophe would only hide the
  figure. Numbers (``int``, ``float``, numpy) are never text: a negative number stays a number.
- **xlsx**: openpyxl stores a string that starts with ``=`` as a *formula* (data type ``f``).
  :func:`set_xlsx_cell` writes every text as a string (data type ``s``), never a formula, and
  marks a text starting with a trigger ``quotePrefix`` (Excel's own "typed with an apostrophe"
  flag), so that editing the cell does not turn it live either; the text itself is unchanged.
  Characters XML cannot carry (NUL and the other C0 controls but tab, line feed and carriage
  return) are dropped instead of failing the whole file. :func:`neutralise_workbook` is the last
  pass before saving: whatever wrote the sheets, no cell leaves as a formula.

:func:`csv_bytes` and :func:`xlsx_bytes` write whole pandas frames this way; report writers that
build their own sheets use :func:`append_xlsx_row` / :func:`set_xlsx_cell` and finish with
:func:`neutralise_workbook`, and CSV writers pass each row through :func:`safe_row`.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet.worksheet import Worksheet

from service.kit.times import paris

__all__ = [
    "FORMULA_TRIGGERS",
    "append_xlsx_row",
    "csv_bytes",
    "csv_text",
    "is_formula_like",
    "neutralise_workbook",
    "safe_cell",
    "safe_frame",
    "safe_row",
    "set_xlsx_cell",
    "write_csv_rows",
    "xlsx_bytes",
    "xlsx_value",
]


FORMULA_TRIGGERS: Final = ("=", "+", "-", "@", "\t", "\r")


# Leading characters a spreadsheet skips before deciding whether a cell is a formula.
_LEADING_BLANKS: Final = " \u00a0"


_PLAIN_NUMBER: Final = re.compile(r"[+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?")


def is_formula_like(text: str) -> bool:
    """``True`` when a spreadsheet could read ``text`` as a formula (see the module's rule)."""
    head = text.lstrip(_LEADING_BLANKS)
    if not head or not head.startswith(FORMULA_TRIGGERS):
        # A cell of blanks then a tab or carriage return is caught by the raw first character.
        return text.startswith(FORMULA_TRIGGERS)
    return _PLAIN_NUMBER.fullmatch(head) is None


def safe_cell(value: Any) -> Any:
    """A CSV cell: a formula-like text prefixed with ``'``; anything else unchanged."""
    if isinstance(value, str) and is_formula_like(value):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    """One CSV row with :func:`safe_cell` applied to each value."""
    return [safe_cell(v) for v in values]


def write_csv_rows(writer: Any, rows: Iterable[Iterable[Any]]) -> None:
    """Write ``rows`` with a :func:`csv.writer`, each cell through :func:`safe_cell`."""
    for row in rows:
        writer.writerow(safe_row(row))


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names went through :func:`safe_cell`;
    numeric columns are untouched (a negative number stays a number)."""
    out = frame.copy()
    for name in out.columns:
        column = out[name]
        if column.dtype == object or isinstance(column.dtype, pd.StringDtype):
            out[name] = column.map(safe_cell, na_action="ignore")
    out.columns = [safe_cell(c) if isinstance(c, str) else c for c in out.columns]
    return out


def csv_bytes(
    frame: pd.DataFrame, *, sep: str = ";", bom: bool = True, lineterminator: str = "\n"
) -> bytes:
    """``frame`` as CSV (no index) with every text cell escaped; UTF-8 with a BOM by default,
    which Excel needs to read accents."""
    text = safe_frame(frame).to_csv(index=False, sep=sep, lineterminator=lineterminator)
    return text.encode("utf-8-sig" if bom else "utf-8")


def csv_text(rows: Iterable[Sequence[Any]], *, sep: str = ";") -> str:
    """Rows (the header first) as CSV text, each cell through :func:`safe_cell`."""
    buffer = io.StringIO()
    write_csv_rows(csv.writer(buffer, delimiter=sep, lineterminator="\n"), rows)
    return buffer.getvalue()


def xlsx_value(value: Any) -> Any:
    """What openpyxl can store for ``value``: empty for missing values, Python scalars for numpy
    ones, naive Paris time for an aware date-time, text without the characters XML refuses."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):  # numpy scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, pd.Timestamp):
        value = value.to_pydatetime()
    if isinstance(value, datetime):
        return paris(value).replace(tzinfo=None) if value.tzinfo is not None else value
    if isinstance(value, bool | int | float | Decimal | date):
        return value
    text = value if isinstance(value, str) else str(value)
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def set_xlsx_cell(cell: Cell, value: Any) -> Cell:
    """Store ``value`` in ``cell``: text always as a string (never a formula), a formula-like
    text flagged ``quotePrefix``; numbers, dates and booleans as themselves."""
    stored = xlsx_value(value)
    cell.value = stored
    if isinstance(stored, str):
        cell.data_type = "s"
        if is_formula_like(stored):
            cell.quotePrefix = True
    return cell


def append_xlsx_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """Append one row to ``sheet``, every value through :func:`set_xlsx_cell`."""
    sheet.append([set_xlsx_cell(Cell(sheet), value) for value in values])


def neutralise_workbook(book: Workbook) -> int:
    """Turn every formula cell of ``book`` into the text it holds; returns how many there were.

    The last pass before saving any workbook the service writes (openpyxl, pandas or by hand).
    """
    count = 0
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    set_xlsx_cell(cell, str(cell.value))
                    count += 1
    return count


def xlsx_bytes(sheets: Mapping[str, pd.DataFrame]) -> bytes:
    """Each frame on its own sheet (name cut to Excel's 31 characters), header then rows, every
    cell through :func:`set_xlsx_cell`; saved after :func:`neutralise_workbook`."""
    book = Workbook()
    first = book.active
    if first is not None:
        book.remove(first)
    for name, frame in sheets.items():
        sheet = book.create_sheet(title=_sheet_title(name))
        append_xlsx_row(sheet, [str(c) for c in frame.columns])
        for values in frame.itertuples(index=False, name=None):
            append_xlsx_row(sheet, values)
    neutralise_workbook(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


_SHEET_FORBIDDEN: Final = re.compile(r"[\[\]:*?/\\]")


def _sheet_title(name: str) -> str:
    # Excel refuses these characters and names longer than 31 characters in a sheet title.
    return _SHEET_FORBIDDEN.sub("_", ILLEGAL_CHARACTERS_RE.sub("", name))[:31] or "feuille"
