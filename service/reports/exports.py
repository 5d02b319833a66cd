"""Reports as JSON, CSV, xlsx and PNG charts; one entry point by report name."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from service.accounts.audit import audit
from service.errors import InvalidInput
from service.kit.cells import safe_row
from service.kit.times import paris
from service.models.accounts import User
from service.referentials.service import Referentials
from service.reports.cells import export_cell, french_text
from service.reports.common import REPORT_NAMES, Report, ReportFilter
from service.reports.funnel import funnel_report
from service.reports.participants import participants_report
from service.reports.readable import readable
from service.reports.summary import build_summary

__all__ = ["build_report", "to_csv", "to_json", "to_png", "to_xlsx"]


def build_report(
    session: Session,
    refs: Referentials,
    user: User | None,
    name: str,
    where: ReportFilter,
    *,
    today: date,
    tolerance: float,
) -> Report:
    """Compute one report (audited: who asked for which report with which filters)."""
    where.check()
    if name in ("execution", "fse"):
        # The headline figures first, from the same computation as the dashboard's.
        summary = build_summary(session, refs, where, today=today, tolerance=tolerance)
        report = summary.execution if name == "execution" else summary.fse
        tables = {"synthese": summary.table(), **report.tables}
        if name == "fse":
            # The FSE+ common indicators for participants, as the FSE+ reporting lays them out.
            people = participants_report(session, refs, where, today=today)
            tables["participants"] = people.tables["participants"]
            extra = [n for n in people.notes if not n.startswith("En emploi")]  # said already
            report.notes = [*report.notes, *extra]
        report.tables = tables
        report.summary = summary
    elif name == "participants":
        report = participants_report(session, refs, where, today=today)
    elif name == "funnel":
        report = funnel_report(session, refs, where, today=today)
    else:
        raise InvalidInput(f"rapport inconnu « {name} » ({', '.join(REPORT_NAMES)})")
    report.filters = where.as_dict()
    audit(session, user, "report", "report", None, {"name": name, **report.filters})
    return report


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):  # a pd.Timestamp too
        return paris(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    if hasattr(value, "item"):  # numpy scalars
        return _jsonable(value.item())
    return value


def to_json(report: Report) -> dict[str, Any]:
    return {
        "report": report.name,
        "title": report.title,
        "filters": report.filters,
        "notes": report.notes,
        "tables": {
            name: [{k: _jsonable(v) for k, v in row.items()} for row in frame.to_dict("records")]
            for name, frame in report.tables.items()
        },
    }


def _table(report: Report, table: str | None) -> tuple[str, pd.DataFrame]:
    if table is None:
        return next(iter(report.tables.items()))
    if table not in report.tables:
        raise InvalidInput(f"table : « {table} » inconnue ({', '.join(report.tables)})")
    return table, report.tables[table]


def to_csv(report: Report, table: str | None = None) -> bytes:
    """One table (the first unless named), ``;``-separated UTF-8 with a BOM (opens in Excel),
    French headers and numbers (``1 234,5``, ``12,3 %``, ``07/12/2026``)."""
    name, frame = _table(report, table)
    shown = readable(name, frame)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    writer.writerow(safe_row(export_cell(h) for h in shown.headers))
    for row, kinds in zip(shown.rows, shown.kinds, strict=True):
        writer.writerow(
            safe_row(export_cell(french_text(v, k)) for v, k in zip(row, kinds, strict=True))
        )
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(report: Report) -> bytes:
    """Every table on its own sheet (formatted table, frozen header, native chart where one
    helps), then the filters and notes (:mod:`service.reports.workbook`)."""
    from service.reports.workbook import report_workbook

    return report_workbook(report)


def to_png(report: Report) -> bytes:
    if report.chart is None:
        raise InvalidInput(f"pas de graphique pour le rapport « {report.name} »")
    fig = report.chart(report)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()
