"""Reports as JSON, CSV, xlsx and PNG charts; one entry point by report name."""

from __future__ import annotations

import io
from datetime import date, datetime
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from service.accounts.audit import audit
from service.errors import InvalidInput
from service.kit.cells import csv_bytes, xlsx_bytes
from service.kit.times import paris
from service.models.accounts import User
from service.referentials.service import Referentials
from service.reports.common import REPORT_NAMES, Report, ReportFilter
from service.reports.execution import execution_report
from service.reports.fse import fse_report
from service.reports.funnel import funnel_report
from service.reports.participants import participants_report

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
    if name == "execution":
        report = execution_report(session, refs, where, today=today, tolerance=tolerance)
    elif name == "fse":
        report = fse_report(session, refs, where, today=today)
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


def _table(report: Report, table: str | None) -> pd.DataFrame:
    if table is None:
        return next(iter(report.tables.values()))
    if table not in report.tables:
        raise InvalidInput(f"table : « {table} » inconnue ({', '.join(report.tables)})")
    return report.tables[table]


def to_csv(report: Report, table: str | None = None) -> bytes:
    """One table (the first unless named), ``;``-separated UTF-8 with a BOM (opens in Excel)."""
    return csv_bytes(_table(report, table), sep=";")


def to_xlsx(report: Report) -> bytes:
    """Every table on its own sheet, then the filters and notes."""
    about = [("rapport", report.title)]
    about += [(f"filtre {k}", "" if v is None else str(v)) for k, v in report.filters.items()]
    about += [("note", n) for n in report.notes]
    notes = pd.DataFrame(about, columns=["rubrique", "valeur"])
    # Text is written as text, never as a formula (service.kit.cells).
    return xlsx_bytes({**report.tables, "notes": notes})


def to_png(report: Report) -> bytes:
    if report.chart is None:
        raise InvalidInput(f"pas de graphique pour le rapport « {report.name} »")
    fig = report.chart(report)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()
