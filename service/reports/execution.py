"""Clause execution per contract and lot: hours done against hours committed, lots at risk."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy.orm import Session

from service.referentials.service import Referentials
from service.reports.common import Report, ReportFilter, in_territory, rounded, site_commune
from service.reports.repository import HOUR_COLUMNS, ReportRepository
from service.workflow.states import (
    DELIVERY_MODE_LABELS,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def execution_report(
    session: Session,
    refs: Referentials,
    where: ReportFilter,
    *,
    today: date,
    tolerance: float,
    hours: pd.DataFrame | None = None,
) -> Report:
    """``hours``: every row of ``placement_hours`` (columns ``HOUR_COLUMNS``) when the caller
    has read them already (the summary reads them once for this report and the FSE+ one)."""
    repo = ReportRepository(session)
    as_of = where.date_to or today
    lots = pd.DataFrame(repo.lots(buyer_id=where.buyer_id, contract_id=where.contract_id))
    modes = list(DELIVERY_MODE_LABELS)
    mode_cols = [f"heures_{m}" for m in modes]
    columns = [
        "marche_id",
        "marche",
        "acheteur",
        "lot",
        "metier",
        "entreprise",
        "debut",
        "fin",
        "heures_engagees",
        "heures_periode",
        "heures_realisees",
        *mode_cols,
        "taux_realisation",
        "part_duree_ecoulee",
        "en_retard",
    ]
    if lots.empty:
        lot_table = pd.DataFrame(columns=columns)
    else:
        lots = lots[in_territory(refs, where, site_commune(lots))].copy()
        if hours is None:
            hours = pd.DataFrame(
                repo.placement_hours(month_from=None, month_to=as_of),
                columns=list(HOUR_COLUMNS),
            )
        else:
            hours = hours[hours["month"] <= as_of]
        done = hours.groupby("lot_id")["hours"].sum()
        by_mode = hours.pivot_table(
            index="lot_id", columns="delivery_mode", values="hours", aggfunc="sum", fill_value=0.0
        )
        mode_hours = by_mode.reindex(columns=modes, fill_value=0.0).to_dict("index")
        month_from = where.date_from.replace(day=1) if where.date_from else None
        in_period = hours if month_from is None else hours[hours["month"] >= month_from]
        period = in_period.groupby("lot_id")["hours"].sum()
        rows = []
        for lot in lots.to_dict("records"):
            lot_id = lot["lot_id"]
            committed = float(lot["insertion_hours"] or 0.0)
            achieved = float(done.get(lot_id, 0.0))
            end = lot["lot_end"] or lot["contract_end"]
            start = lot["lot_start"]
            elapsed: float | None = None
            if end is not None and end > start:
                elapsed = min(1.0, max(0.0, (as_of - start).days / (end - start).days))
            ratio = achieved / committed if committed > 0 else None
            at_risk = (
                committed > 0
                and elapsed is not None
                and elapsed > 0
                and ratio is not None
                and ratio < elapsed - tolerance
            )
            row: dict[str, Any] = {
                "marche_id": lot["contract_id"],
                "marche": lot["contract_reference"],
                "acheteur": lot["buyer"],
                "lot": lot["lot_reference"],
                "metier": lot["trade"],
                "entreprise": lot["company"],
                "debut": start,
                "fin": end,
                "heures_engagees": committed,
                "heures_periode": float(period.get(lot_id, 0.0)),
                "heures_realisees": achieved,
            }
            lot_modes = mode_hours.get(lot_id, {})
            for mode in modes:
                row[f"heures_{mode}"] = float(lot_modes.get(mode, 0.0))
            row["taux_realisation"] = None if ratio is None else rounded(ratio, 4)
            row["part_duree_ecoulee"] = None if elapsed is None else rounded(elapsed, 4)
            row["en_retard"] = bool(at_risk)
            rows.append(row)
        lot_table = pd.DataFrame(rows, columns=columns)
    contracts = (
        lot_table.groupby(["marche", "acheteur", "marche_id"], sort=True)
        .agg(
            lots=("lot", "count"),
            heures_engagees=("heures_engagees", "sum"),
            heures_realisees=("heures_realisees", "sum"),
            lots_en_retard=("en_retard", "sum"),
        )
        .reset_index()
        if not lot_table.empty
        else pd.DataFrame(
            columns=[
                "marche",
                "acheteur",
                "marche_id",
                "lots",
                "heures_engagees",
                "heures_realisees",
                "lots_en_retard",
            ]
        )
    )
    if not contracts.empty:
        contracts["lots_en_retard"] = contracts["lots_en_retard"].astype(int)
        contracts["taux_realisation"] = [
            rounded(d / c, 4) if c > 0 else None
            for d, c in zip(
                contracts["heures_realisees"], contracts["heures_engagees"], strict=True
            )
        ]
    total_done = float(lot_table["heures_realisees"].sum()) if not lot_table.empty else 0.0
    mode_rows = []
    for mode in modes:
        value = float(lot_table[f"heures_{mode}"].sum()) if not lot_table.empty else 0.0
        mode_rows.append(
            {
                "mode": mode,
                "libelle": DELIVERY_MODE_LABELS[mode],
                "heures": value,
                "part": rounded(value / total_done, 4) if total_done > 0 else None,
            }
        )
    return Report(
        name="execution",
        title="Exécution des clauses : heures engagées et réalisées",
        tables={
            "lots": lot_table,
            "marches": contracts,
            "modes": pd.DataFrame(mode_rows),
        },
        notes=[
            f"Heures réalisées : cumul des heures déclarées jusqu'au {as_of.isoformat()} ; "
            "heures_periode : celles des mois de la période.",
            "Lot en retard : heures réalisées / heures engagées inférieur à la part écoulée de "
            f"la durée du lot moins {tolerance:.0%} (lot sans date de fin : non évalué).",
        ],
        chart=_execution_chart,
    )


def _execution_chart(report: Report) -> Figure:
    from matplotlib.figure import Figure  # only when a chart is drawn: a light start-up

    table = report.tables["marches"]
    fig = Figure(figsize=(8, 1.2 + 0.5 * max(1, len(table))))
    ax = fig.add_subplot()
    labels = [str(m) for m in table["marche"]]
    y = range(len(labels))
    ax.barh([i + 0.2 for i in y], table["heures_engagees"], height=0.4, label="engagées")
    ax.barh([i - 0.2 for i in y], table["heures_realisees"], height=0.4, label="réalisées")
    ax.set_yticks(list(y), labels)
    ax.set_xlabel("heures d'insertion")
    ax.set_title("Heures d'insertion par marché")
    ax.legend(loc="lower right")  # "best" is searched, slowly on a busy machine (a warning)
    fig.tight_layout()
    return fig
