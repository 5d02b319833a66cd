"""A report table as a person reads it: French headers with units, labels instead of codes, one
kind per cell (hours, count, share, date...). The CSV and xlsx exports, the web page and the PDF
bilan all write tables through :func:`readable`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from service.reports.cells import plain
from service.reports.labels import (
    HIDDEN,
    TABLE_TITLES,
    Kind,
    column_kind,
    column_label,
    value_kind,
)

__all__ = ["ReadableTable", "readable"]


@dataclass(frozen=True)
class ReadableTable:
    name: str
    title: str
    headers: list[str]
    kinds: list[list[Kind]]  # one per cell, row by row
    rows: list[list[Any]]  # plain Python values (None when unknown)

    @property
    def column_kinds(self) -> list[Kind]:
        """The kind of each column (``text`` for a column mixing kinds)."""
        if not self.rows:
            return ["text"] * len(self.headers)
        out: list[Kind] = []
        for j in range(len(self.headers)):
            kinds = {row[j] for row in self.kinds}
            out.append(kinds.pop() if len(kinds) == 1 else "text")
        return out


def readable(name: str, frame: pd.DataFrame) -> ReadableTable:
    hidden = HIDDEN.get(name, frozenset())
    columns = [c for c in frame.columns if c not in hidden]
    kinds_by_column = [column_kind(str(c)) for c in columns]
    codes = frame["code"].astype(str).tolist() if "code" in frame.columns else None
    units = frame["unite"].astype(str).tolist() if "unite" in frame.columns else None
    rows: list[list[Any]] = []
    kinds: list[list[Kind]] = []
    for i, record in enumerate(frame[columns].itertuples(index=False)):
        values = [plain(v) for v in record]
        row_kinds = list(kinds_by_column)
        for j, column in enumerate(columns):
            if column == "valeur":
                kind = value_kind(name, codes[i] if codes else "", units[i] if units else None)
                row_kinds[j] = "text" if isinstance(values[j], str) else kind
            elif isinstance(values[j], str) and row_kinds[j] != "text":
                row_kinds[j] = "text"  # a masked small cell ("<5")
        rows.append(values)
        kinds.append(row_kinds)
    return ReadableTable(
        name=name,
        title=TABLE_TITLES.get(name, name.replace("_", " ").capitalize()),
        headers=[column_label(name, str(c)) for c in columns],
        kinds=kinds,
        rows=rows,
    )
