"""Facilitator's reports (tables, chart, xlsx/csv download), hours calculator and supply check.

Reports come from :mod:`service.reports` (the same functions as the API's ``/reports``).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Final, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from service.db import SessionDep
from service.errors import AppError, InvalidInput, NotFound
from service.kit.crud import Pagination
from service.procurement.service import list_buyers, list_contracts
from service.reports import common, exports
from service.reports.cells import french_text
from service.reports.labels import value_kind
from service.reports.readable import readable
from service.reports.summary import SUMMARY_LABELS
from service.scoring import schemas as scoring_schemas
from service.scoring import tools
from service.scoring.state import ScoringState
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


IdQ = Annotated[str, Query(max_length=12)]


def _date(value: str, what: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{what} : date attendue au format AAAA-MM-JJ") from None


def parse_id(value: str, what: str) -> int | None:
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 2_147_483_647:
        raise InvalidInput(f"{what} : choisissez dans la liste")
    return int(value)


def _build(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    name: str,
    du: str,
    au: str,
    acheteur: str = "",
    marche: str = "",
) -> common.Report:
    if name not in REPORT_TITLES:
        raise NotFound(f"rapport « {name} » introuvable")
    settings = request.app.state.settings
    return exports.build_report(
        session,
        request.app.state.referentials,
        web.user,
        name,
        common.ReportFilter(
            date_from=_date(du, "du"),
            date_to=_date(au, "au"),
            buyer_id=parse_id(acheteur, "acheteur"),
            contract_id=parse_id(marche, "marché"),
        ),
        today=ScoringState.today(),
        tolerance=settings.report_risk_tolerance,
    )


@router.get("/facilitateur/rapports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    rapport: Annotated[str, Query(max_length=20)] = "execution",
    du: DateQ = "",
    au: DateQ = "",
    acheteur: IdQ = "",
    marche: IdQ = "",
) -> HTMLResponse:
    report = _build(request, session, web, rapport, du, au, acheteur, marche)
    tables = []
    for name, frame in report.tables.items():
        shown = readable(name, frame)
        tables.append(
            {
                "name": name,
                "title": shown.title,
                "columns": shown.headers,
                "numeric": [k not in ("text", "bool") for k in shown.column_kinds],
                "rows": [
                    [french_text(v, k) or "—" for v, k in zip(row, kinds, strict=True)]
                    for row, kinds in zip(shown.rows, shown.kinds, strict=True)
                ],
            }
        )
    summary = None
    if report.summary is not None:
        summary = [
            (
                label,
                french_text(report.summary.values[code], value_kind("synthese", code, unit)),
                unit,
            )
            for code, (label, unit) in SUMMARY_LABELS.items()
        ]
    query = urlencode({"du": du, "au": au, "acheteur": acheteur, "marche": marche})
    buyers, _ = list_buyers(session, Pagination(limit=10_000, offset=0))
    contracts, _ = list_contracts(session, Pagination(limit=10_000, offset=0))
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
        acheteur=acheteur,
        marche=marche,
        buyers=buyers,
        contracts=contracts,
        query=query,
        has_chart=report.chart is not None,
        summary=summary,
        bilan_query=urlencode({"marche": marche}) if marche else "",
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
    acheteur: IdQ = "",
    marche: IdQ = "",
) -> Response:
    report = _build(request, session, web, name, du, au, acheteur, marche)
    if fmt == "xlsx":
        body = exports.to_xlsx(report)
    elif fmt == "csv":
        body = exports.to_csv(report)
    else:
        body = exports.to_png(report)
    headers = {"Cache-Control": "no-store"}
    if fmt != "png":
        headers["Content-Disposition"] = f'attachment; filename="clausematch-{name}.{fmt}"'
    return Response(content=body, media_type=_MEDIA[fmt], headers=headers)


def _float(value: str, what: str) -> float | None:
    text = value.strip().replace("\u202f", "").replace(" ", "").replace(",", ".").rstrip("%")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        raise InvalidInput(f"{what} : nombre attendu (ex. 250000 ou 12,5)") from None


def _share(value: str, what: str) -> float | None:
    """A share typed as 0.05, 5 or 5 % (above 1, a percentage)."""
    number = _float(value, what)
    return number / 100 if number is not None and number > 1 else number


TextQ = Annotated[str, Query(max_length=200)]


@router.get("/facilitateur/outils", response_class=HTMLResponse)
def tools_page(
    request: Request,
    web: FacilitatorPage,
    montant: TextQ = "",
    taux: TextQ = "",
    part: TextQ = "",
    metier: TextQ = "",
    cout: TextQ = "",
) -> HTMLResponse:
    settings = request.app.state.settings
    shares = tools.labour_shares(settings.labour_shares_path)
    estimate: scoring_schemas.HoursEstimate | None = None
    error: str | None = None
    if montant or taux:
        try:
            amount = _float(montant, "montant")
            rate = _share(taux, "taux d'insertion")
            if amount is None or rate is None or amount <= 0 or not 0 < rate <= 1:
                raise InvalidInput(
                    "indiquez le montant du lot (en euros) et le taux d'insertion (ex. 5 %)"
                )
            share = _share(part, "part de main-d'œuvre")
            hourly = _float(cout, "coût horaire")
            estimate = tools.estimate_hours(
                amount_eur=amount,
                insertion_rate=rate,
                hourly_cost_eur=hourly or settings.insertion_hourly_cost_eur,
                labour_share=share,
                trade=metier or None,
                shares_path=settings.labour_shares_path,
            )
        except AppError as exc:
            error = exc.detail
    return render(
        request,
        "facilitator/tools.html",
        web,
        status_code=422 if error else 200,
        page_title="Outils",
        nav="outils",
        shares=shares,
        estimate=estimate,
        error=error,
        form={"montant": montant, "taux": taux, "part": part, "metier": metier, "cout": cout},
        default_cost=settings.insertion_hourly_cost_eur,
    )


@router.get("/facilitateur/outils/vivier", response_class=HTMLResponse)
def supply_page(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    rome: TextQ = "",
    commune: TextQ = "",
    heures: TextQ = "",
    debut: DateQ = "",
    mois: TextQ = "",
) -> HTMLResponse:
    supply: scoring_schemas.SupplyRead | None = None
    error: str | None = None
    if rome or commune:
        try:
            hours = _float(heures, "heures")
            months = _float(mois, "durée")
            fields: dict[str, Any] = {
                "rome_codes": [c for c in rome.replace(";", ",").split(",") if c.strip()],
                "commune_insee": commune.strip(),
                "hours": hours,
                "start_date": _date(debut, "début"),
            }
            if months is not None:
                fields["months"] = months
            data = scoring_schemas.SupplyIn.model_validate(fields)
            scoring = request.app.state.scoring
            supply = tools.candidate_supply(
                session,
                scoring,
                request.app.state.referentials,
                web.user,
                data,
                today=scoring.today(),
            )
        except ValidationError as exc:
            error = "saisie invalide : " + " ; ".join(
                f"{'.'.join(str(p) for p in e['loc'])} : {e['msg']}" for e in exc.errors()
            )
        except AppError as exc:
            error = exc.detail
    return render(
        request,
        "facilitator/supply.html",
        web,
        status_code=422 if error else 200,
        page_title="Vivier pour un lot prévu",
        nav="outils",
        supply=supply,
        error=error,
        form={"rome": rome, "commune": commune, "heures": heures, "debut": debut, "mois": mois},
    )
