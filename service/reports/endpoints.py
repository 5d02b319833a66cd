"""Reports: clause execution, FSE+ indicators, participants, proposals funnel.

``?format=json|csv|xlsx|png`` (a chart for execution, fse and funnel); filters ``from``, ``to``,
``bassin``, ``epci``, ``buyer_id``, ``contract_id``.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response

from service.accounts.auth import ManagerUser
from service.db import SessionDep
from service.kit.deps import STANDARD_ERRORS, IdFilter, SettingsDep
from service.referentials.deps import RefsDep
from service.reports import common, exports

router = APIRouter(prefix="/reports", tags=["reports"], responses=STANDARD_ERRORS)


Format = Literal["json", "csv", "xlsx", "png"]


_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
}


From = Annotated[date | None, Query(alias="from", description="début de période (AAAA-MM-JJ)")]


To = Annotated[date | None, Query(alias="to", description="fin de période (AAAA-MM-JJ)")]


Bassin = Annotated[str | None, Query(pattern=r"^\d{4}$", description="code bassin d'emploi")]


Epci = Annotated[str | None, Query(pattern=r"^\d{9}$", description="code SIREN de l'EPCI")]


Table = Annotated[str | None, Query(description="table à exporter en CSV (la première sinon)")]


def _answer(
    session: SessionDep,
    refs: RefsDep,
    settings: SettingsDep,
    user: ManagerUser,
    name: str,
    *,
    fmt: Format,
    table: str | None,
    where: common.ReportFilter,
) -> Any:
    report = exports.build_report(
        session,
        refs,
        user,
        name,
        where,
        today=date.today(),
        tolerance=settings.report_risk_tolerance,
    )
    if fmt == "json":
        return exports.to_json(report)
    if fmt == "csv":
        body = exports.to_csv(report, table)
    elif fmt == "xlsx":
        body = exports.to_xlsx(report)
    else:
        body = exports.to_png(report)
    suffix = "xlsx" if fmt == "xlsx" else fmt
    return Response(
        content=body,
        media_type=_MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="clausematch-{name}.{suffix}"'},
    )


def _route(name: str, summary: str) -> None:
    def endpoint(
        session: SessionDep,
        refs: RefsDep,
        settings: SettingsDep,
        user: ManagerUser,
        date_from: From = None,
        date_to: To = None,
        bassin: Bassin = None,
        epci: Epci = None,
        buyer_id: IdFilter = None,
        contract_id: IdFilter = None,
        format: Format = "json",
        table: Table = None,
    ) -> Any:
        where = common.ReportFilter(
            date_from=date_from,
            date_to=date_to,
            bassin=bassin,
            epci=epci,
            buyer_id=buyer_id,
            contract_id=contract_id,
        )
        return _answer(session, refs, settings, user, name, fmt=format, table=table, where=where)

    endpoint.__name__ = f"get_{name}_report"
    endpoint.__doc__ = summary
    router.add_api_route(
        f"/{name}",
        endpoint,
        methods=["GET"],
        response_model=None,
        summary=summary,
        responses={
            200: {
                "content": {
                    "application/json": {},
                    **{media: {} for media in _MEDIA.values()},
                },
                "description": "le rapport (JSON), ou le fichier demandé",
            }
        },
    )


_route("execution", "Clause execution per contract and lot: hours committed, done, lots at risk.")


_route("fse", "FSE+ project indicators: RSA beneficiaries' hours and employment after placement.")


_route("participants", "FSE+ participants by category and sex (small cells masked).")


_route("funnel", "Proposals funnel per coach and territory, with refusal reasons.")
