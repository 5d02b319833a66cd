"""The facilitator's home page: hours done against hours committed (whole, by buyer, by
contract), lots at risk, people in post, returns to durable employment, proposals waiting, with
inline SVG charts and links into the lists; and the one-page PDF bilans.

Every figure comes from :func:`service.reports.summary.build_summary`, as in the reports.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from service.accounts.audit import audit
from service.db import SessionDep
from service.procurement.service import get_contract
from service.reports.cells import french_text
from service.reports.common import ReportFilter
from service.reports.summary import Summary, build_summary
from service.scoring.state import ScoringState
from service.web.auth import FacilitatorPage, csrf_protect
from service.web.charts import Series, bar_chart, column_chart
from service.web.reports import parse_id
from service.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


COMMITTED = "#9db7d5"
DONE = "#00529b"
RSA = "#185c37"


def _summary(request: Request, session: SessionDep, where: ReportFilter) -> Summary:
    return build_summary(
        session,
        request.app.state.referentials,
        where,
        today=ScoringState.today(),
        tolerance=request.app.state.settings.report_risk_tolerance,
    )


def _charts(summary: Summary) -> dict[str, Any]:
    buyers = summary.by_buyer
    monthly = summary.fse.tables["heures_par_mois"].tail(24)
    months = [m.strftime("%m/%Y") for m in monthly["mois"]]
    modes = summary.execution.tables["modes"]
    return {
        "buyers": bar_chart(
            title="Heures d'insertion par acheteur",
            desc="Pour chaque acheteur, heures engagées et heures réalisées ; les chiffres sont "
            "dans le tableau qui suit.",
            categories=[str(b) for b in buyers["acheteur"]],
            series=[
                Series("engagées", list(buyers["heures_engagees"]), COMMITTED),
                Series("réalisées", list(buyers["heures_realisees"]), DONE),
            ],
            unit="h",
        ),
        "months": column_chart(
            title="Heures d'insertion par mois",
            desc="Heures déclarées chaque mois, dont celles des bénéficiaires du RSA, sur les "
            "24 derniers mois ; les chiffres sont dans le tableau qui suit.",
            categories=months,
            series=[
                Series("toutes", list(monthly["heures"]), COMMITTED),
                Series("bénéficiaires du RSA", list(monthly["heures_rsa"]), RSA),
            ],
            unit="heures",
        ),
        "modes": bar_chart(
            title="Heures par mode de réalisation",
            desc="Heures réalisées par mode (embauche directe, mise à disposition, GEIQ, SIAE, "
            "EA ou ESAT) ; les chiffres sont dans le tableau qui suit.",
            categories=[str(x) for x in modes["libelle"]],
            series=[Series("heures réalisées", list(modes["heures"]), DONE)],
            unit="h",
        ),
        "monthly_rows": [
            (m, french_text(h, "hours"), french_text(r, "hours"))
            for m, h, r in zip(months, monthly["heures"], monthly["heures_rsa"], strict=True)
        ],
    }


@router.get("/facilitateur/tableau-de-bord", response_class=HTMLResponse)
def dashboard_page(request: Request, session: SessionDep, web: FacilitatorPage) -> HTMLResponse:
    summary = _summary(request, session, ReportFilter())
    audit(session, web.user, "dashboard", "report", None, {"name": "dashboard"})
    values = summary.values
    shown = {
        code: french_text(value, "ratio" if code == "taux_realisation" else "hours")
        for code, value in values.items()
    }
    contracts = summary.execution.tables["marches"]
    return render(
        request,
        "facilitator/dashboard.html",
        web,
        page_title="Tableau de bord",
        nav="tableau",
        summary=summary,
        values=values,
        shown=shown,
        as_of=summary.as_of.strftime("%d/%m/%Y"),
        buyers=[
            {
                "name": r["acheteur"],
                "committed": french_text(r["heures_engagees"], "hours"),
                "done": french_text(r["heures_realisees"], "hours"),
                "rate": french_text(r["taux_realisation"], "ratio"),
            }
            for r in summary.by_buyer.to_dict("records")
        ],
        contracts=[
            {
                "id": int(r["marche_id"]),
                "reference": r["marche"],
                "buyer": r["acheteur"],
                "committed": french_text(r["heures_engagees"], "hours"),
                "done": french_text(r["heures_realisees"], "hours"),
                "rate": french_text(r["taux_realisation"], "ratio"),
                "percent": min(100, round(100 * float(r["taux_realisation"] or 0))),
                "late": int(r["lots_en_retard"]),
            }
            for r in contracts.to_dict("records")
        ],
        at_risk=[
            {
                "lot": r["lot"],
                "contract": r["marche"],
                "trade": r["metier"],
                "done": french_text(r["heures_realisees"], "hours"),
                "committed": french_text(r["heures_engagees"], "hours"),
                "rate": french_text(r["taux_realisation"], "ratio"),
                "elapsed": french_text(r["part_duree_ecoulee"], "ratio"),
            }
            for r in summary.lots_at_risk.to_dict("records")
        ],
        modes=[
            (r["libelle"], french_text(r["heures"], "hours"), french_text(r["part"], "ratio"))
            for r in summary.execution.tables["modes"].to_dict("records")
        ],
        charts=_charts(summary),
    )


@router.get("/facilitateur/bilan.pdf")
def bilan_pdf(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    marche: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    """The one-page bilan of the whole operation, or of one contract (``?marche=ID``)."""
    from service.reports.bilan import bilan_pdf as make_pdf

    contract_id = parse_id(marche, "marché")
    scope = "l'ensemble de l'opération"
    if contract_id is not None:
        contract = get_contract(session, contract_id)
        scope = f"marché {contract.reference} — {contract.title}"
    summary = _summary(request, session, ReportFilter(contract_id=contract_id))
    audit(
        session, web.user, "report", "report", None, {"name": "bilan", "contract_id": contract_id}
    )
    name = "clausematch-bilan" + (f"-marche-{contract_id}" if contract_id else "") + ".pdf"
    return Response(
        content=make_pdf(summary, scope=scope),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
