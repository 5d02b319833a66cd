"""FSE+ project indicators: hours of RSA beneficiaries, people in post, outcomes."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy.orm import Session

from service.referentials.service import Referentials
from service.reports.common import Report, ReportFilter, in_territory, rounded, site_commune
from service.reports.repository import HOUR_COLUMNS, PLACEMENT_COLUMNS, ReportRepository
from service.workflow.states import (
    DURABLE_RETURN,
    IN_EMPLOYMENT,
    OUTCOME_LABELS,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def _placements(session: Session, refs: Referentials, where: ReportFilter) -> pd.DataFrame:
    repo = ReportRepository(session)
    rows = repo.placements(start_to=where.date_to, end_from=where.date_from)
    frame = pd.DataFrame(
        rows,
        columns=list(PLACEMENT_COLUMNS),
    )
    if frame.empty:
        return frame
    if where.buyer_id is not None:
        frame = frame[frame["buyer_id"] == where.buyer_id]
    if where.contract_id is not None:
        frame = frame[frame["contract_id"] == where.contract_id]
    return frame[in_territory(refs, where, site_commune(frame))].copy()


def _ended_in(frame: pd.DataFrame, where: ReportFilter, as_of: date) -> pd.DataFrame:
    ends = frame["end_date"]
    keep = ends.notna() & ends.map(lambda d: d is not None and d <= as_of)
    if where.date_from is not None:
        keep &= ends.map(lambda d: d is not None and d >= where.date_from)
    return frame[keep.astype(bool)]


def fse_report(
    session: Session,
    refs: Referentials,
    where: ReportFilter,
    *,
    today: date,
    hours: pd.DataFrame | None = None,
    placements: pd.DataFrame | None = None,
) -> Report:
    """``hours`` (every row, columns ``HOUR_COLUMNS``) and ``placements`` (``_placements`` for
    ``where``): when the caller has read them already."""
    as_of = where.date_to or today
    if placements is None:
        placements = _placements(session, refs, where)
    month_from = where.date_from.replace(day=1) if where.date_from else None
    if hours is None:
        hours = pd.DataFrame(
            ReportRepository(session).placement_hours(
                month_from=month_from, month_to=where.date_to
            ),
            columns=list(HOUR_COLUMNS),
        )
    else:
        if month_from is not None:
            hours = hours[hours["month"] >= month_from]
        if where.date_to is not None:
            hours = hours[hours["month"] <= where.date_to]
    kept = set(placements["placement_id"]) if not placements.empty else set()
    hours = hours[hours["placement_id"].isin(kept)]
    rsa_hours = hours[hours["rsa"].astype(bool)]
    rsa = placements[placements["rsa"].astype(bool)] if not placements.empty else placements
    people = set(rsa["candidate_id"]) if not rsa.empty else set()
    durable = (
        set(
            rsa.loc[
                rsa["outcome_at_end"].isin(DURABLE_RETURN)
                | rsa["outcome_6_months"].isin(DURABLE_RETURN),
                "candidate_id",
            ]
        )
        if not rsa.empty
        else set()
    )
    ended = _ended_in(rsa, where, as_of) if not rsa.empty else rsa
    at_end = ended[ended["outcome_at_end"].notna()] if not ended.empty else ended
    six = ended[ended["outcome_6_months"].notna()] if not ended.empty else ended
    leavers_end = set(at_end["candidate_id"]) if not at_end.empty else set()
    employed_end = (
        set(at_end.loc[at_end["outcome_at_end"].isin(IN_EMPLOYMENT), "candidate_id"])
        if not at_end.empty
        else set()
    )
    leavers_six = set(six["candidate_id"]) if not six.empty else set()
    employed_six = (
        set(six.loc[six["outcome_6_months"].isin(IN_EMPLOYMENT), "candidate_id"])
        if not six.empty
        else set()
    )

    def share(part: set[Any], whole: set[Any]) -> float | None:
        return rounded(len(part) / len(whole), 4) if whole else None

    indicators = pd.DataFrame(
        [
            {
                "code": "heures_rsa",
                "indicateur": "Heures travaillées par des bénéficiaires du RSA sur des marchés "
                "à clause",
                "valeur": rounded(float(rsa_hours["hours"].sum()), 2),
            },
            {
                "code": "personnes_rsa_placees",
                "indicateur": "Bénéficiaires du RSA en placement sur la période",
                "valeur": len(people),
            },
            {
                "code": "personnes_rsa_emploi_durable",
                "indicateur": "Bénéficiaires du RSA revenus à l'emploi durable après un "
                "placement (CDI, CDD de 6 mois et plus, formation qualifiante, création "
                "d'entreprise ; à la fin ou six mois après)",
                "valeur": len(durable),
            },
            {
                "code": "sortants_situation_fin",
                "indicateur": "Sortants dont la situation à la fin est connue",
                "valeur": len(leavers_end),
            },
            {
                "code": "part_emploi_fin",
                "indicateur": "Part en emploi (durable ou de transition) à la fin du placement",
                "valeur": share(employed_end, leavers_end),
            },
            {
                "code": "sortants_situation_6_mois",
                "indicateur": "Sortants dont la situation six mois après est connue",
                "valeur": len(leavers_six),
            },
            {
                "code": "part_emploi_6_mois",
                "indicateur": "Part en emploi (durable ou de transition) six mois après",
                "valeur": share(employed_six, leavers_six),
            },
        ]
    )
    monthly = (
        hours.assign(rsa_hours=hours["hours"].where(hours["rsa"].astype(bool), 0.0))
        .groupby("month")
        .agg(heures=("hours", "sum"), heures_rsa=("rsa_hours", "sum"))
        .reset_index()
        .rename(columns={"month": "mois"})
        if not hours.empty
        else pd.DataFrame(columns=["mois", "heures", "heures_rsa"])
    )
    outcomes = pd.DataFrame(
        [
            {
                "situation": code,
                "libelle": label,
                "a_la_fin": int((at_end["outcome_at_end"] == code).sum())
                if not at_end.empty
                else 0,
                "six_mois_apres": int((six["outcome_6_months"] == code).sum())
                if not six.empty
                else 0,
            }
            for code, label in OUTCOME_LABELS.items()
        ]
    )
    return Report(
        name="fse",
        title="Indicateurs du projet FSE+ : heures et emploi des bénéficiaires du RSA",
        tables={"indicateurs": indicators, "heures_par_mois": monthly, "situations": outcomes},
        notes=[
            "En emploi : emploi durable ou de transition. Sortants : placements terminés dans "
            "la période (au plus tard à la date du rapport) ; une personne compte une fois.",
            "Situations à la sortie : nombre de placements terminés, par situation.",
        ],
        chart=_monthly_chart,
    )


def _monthly_chart(report: Report) -> Figure:
    from matplotlib.figure import Figure  # only when a chart is drawn: a light start-up

    table = report.tables["heures_par_mois"]
    fig = Figure(figsize=(8, 4))
    ax = fig.add_subplot()
    labels = [pd.Timestamp(m).strftime("%m/%Y") for m in table["mois"]]
    x = range(len(labels))
    ax.bar(list(x), table["heures"], label="toutes")
    ax.bar(list(x), table["heures_rsa"], label="bénéficiaires du RSA", alpha=0.7)
    ax.set_xticks(list(x), labels, rotation=45, ha="right")
    ax.set_ylabel("heures")
    ax.set_title("Heures d'insertion par mois")
    ax.legend(loc="upper left")  # "best" is searched, slowly on a busy machine (a warning)
    fig.tight_layout()
    return fig
