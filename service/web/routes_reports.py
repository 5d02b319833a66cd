"""Facilitator's reports (tables, chart, xlsx/csv download), hours calculator and supply check.

Reports come from :mod:`service.reports` (the same functions as the API's ``/reports``).
"""

from __future__ import annotations

import importlib
from datetime import date
from typing import Annotated, Any, Final, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from service import reports
from service.db import SessionDep
from service.errors import InvalidInput, NotFound
from service.scoring import ScoringState
from service.web.auth import FacilitatorPage, csrf_protect
from service.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

REPORT_TITLES: Final = {
    "execution": "Exécution des clauses (heures par marché et par lot)",
    "fse": "Indicateurs FSE+",
    "participants": "Participants",
    "funnel": "Parcours des propositions",
}
_MEDIA: Final = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "png": "image/png",
}
DateQ = Annotated[str, Query(max_length=10)]


def _date(value: str, what: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{what} : date attendue au format AAAA-MM-JJ") from None


def _build(
    request: Request, session: SessionDep, web: FacilitatorPage, name: str, du: str, au: str
) -> reports.Report:
    if name not in REPORT_TITLES:
        raise NotFound(f"rapport « {name} » introuvable")
    settings = request.app.state.settings
    return reports.build_report(
        session,
        request.app.state.referentials,
        web.user,
        name,
        reports.ReportFilter(date_from=_date(du, "du"), date_to=_date(au, "au")),
        today=ScoringState.today(),
        tolerance=settings.report_risk_tolerance,
    )


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float):
        return f"{value:,.1f}".replace(",", "\u202f").replace(".", ",")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


@router.get("/facilitateur/rapports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    rapport: Annotated[str, Query(max_length=20)] = "execution",
    du: DateQ = "",
    au: DateQ = "",
) -> HTMLResponse:
    report = _build(request, session, web, rapport, du, au)
    tables = [
        {
            "name": name,
            "columns": [str(c) for c in frame.columns],
            "rows": [[_cell(v) for v in row] for row in frame.itertuples(index=False)],
        }
        for name, frame in report.tables.items()
    ]
    query = f"du={du}&au={au}"
    return render(
        request,
        "facilitator/reports.html",
        web,
        page_title="Rapports",
        nav="rapports",
        titles=REPORT_TITLES,
        rapport=rapport,
        report=report,
        tables=tables,
        du=du,
        au=au,
        query=query,
        has_chart=report.chart is not None,
    )


@router.get("/facilitateur/rapports/{name}.{fmt}")
def report_file(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    name: str,
    fmt: Literal["xlsx", "csv", "png"],
    du: DateQ = "",
    au: DateQ = "",
) -> Response:
    report = _build(request, session, web, name, du, au)
    if fmt == "xlsx":
        body = reports.to_xlsx(report)
    elif fmt == "csv":
        body = reports.to_csv(report)
    else:
        body = reports.to_png(report)
    headers = {"Cache-Control": "no-store"}
    if fmt != "png":
        headers["Content-Disposition"] = f'attachment; filename="clausematch-{name}.{fmt}"'
    return Response(content=body, media_type=_MEDIA[fmt], headers=headers)


def _tools() -> Any | None:
    """:mod:`service.tools` once it is there (the calculator and supply check are built there)."""
    try:
        return importlib.import_module("service.tools")
    except ImportError:
        return None


@router.get("/facilitateur/outils", response_class=HTMLResponse)
def tools_page(request: Request, web: FacilitatorPage) -> HTMLResponse:
    return render(
        request,
        "facilitator/tools.html",
        web,
        page_title="Outils",
        nav="outils",
        available=_tools() is not None,
    )
