"""The operation's headline figures, computed once: the facilitator's dashboard, the summary on
top of the reports page, the « synthèse » sheet and table of the execution and FSE+ exports
(xlsx, CSV, JSON) and the PDF bilan all read :class:`Summary`.

Every figure comes from the execution report (hours committed and done, lots at risk, by buyer
and contract), the FSE+ report (RSA hours, returns to durable employment) or the placements and
proposals behind them, with the same filters: nothing is summed twice in two ways.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import pandas as pd
from sqlalchemy.orm import Session

from service.referentials.service import Referentials
from service.reports.common import Report, ReportFilter, in_territory, rounded
from service.reports.execution import execution_report
from service.reports.fse import _placements, fse_report
from service.reports.repository import HOUR_COLUMNS, PROPOSAL_COLUMNS, ReportRepository
from service.workflow.states import OPEN_STATES

__all__ = ["SUMMARY_LABELS", "Summary", "build_summary"]


# code → (French label, unit); the order of the summary table.
SUMMARY_LABELS: Final[dict[str, tuple[str, str]]] = {
    "heures_engagees": ("Heures d'insertion engagées", "h"),
    "heures_realisees": ("Heures d'insertion réalisées", "h"),
    "taux_realisation": ("Taux de réalisation des heures", "%"),
    "lots_evalues": ("Lots commencés, avec une date de fin", "lots"),
    "lots_en_retard": ("Lots en retard", "lots"),
    "personnes_en_poste": ("Personnes en poste à la date du rapport", "personnes"),
    "retours_emploi_durable": (
        "Retours à l'emploi durable (CDI, CDD de 6 mois et plus, formation qualifiante, "
        "création d'entreprise), bénéficiaires du RSA",
        "personnes",
    ),
    "heures_rsa": ("Heures travaillées par des bénéficiaires du RSA", "h"),
    "propositions_en_attente": (
        "Propositions en attente (à valider, validées, présentées)",
        "propositions",
    ),
}


@dataclass(frozen=True)
class Summary:
    """Headline figures on ``as_of`` for the filters, with the reports they come from."""

    as_of: date
    values: dict[str, float | int | None]
    waiting_by_state: dict[str, int]
    execution: Report
    fse: Report

    def table(self) -> pd.DataFrame:
        """``code``, ``indicateur``, ``valeur``, ``unite``: the « synthèse » table."""
        return pd.DataFrame(
            [
                {"code": code, "indicateur": label, "valeur": self.values[code], "unite": unit}
                for code, (label, unit) in SUMMARY_LABELS.items()
            ]
        )

    @property
    def by_buyer(self) -> pd.DataFrame:
        """``acheteur``, ``heures_engagees``, ``heures_realisees``, ``taux_realisation``."""
        contracts = self.execution.tables["marches"]
        if contracts.empty:
            return pd.DataFrame(
                columns=["acheteur", "heures_engagees", "heures_realisees", "taux_realisation"]
            )
        frame = (
            contracts.groupby("acheteur", sort=True)[["heures_engagees", "heures_realisees"]]
            .sum()
            .reset_index()
        )
        frame["taux_realisation"] = [
            rounded(d / c, 4) if c > 0 else None
            for d, c in zip(frame["heures_realisees"], frame["heures_engagees"], strict=True)
        ]
        return frame

    @property
    def lots_at_risk(self) -> pd.DataFrame:
        """Lots at risk, the furthest behind first (elapsed share minus hours share)."""
        lots = self.execution.tables["lots"]
        if lots.empty:
            return lots
        late = lots[lots["en_retard"].astype(bool)]
        gap = late["part_duree_ecoulee"].astype(float) - late["taux_realisation"].astype(float)
        return late.iloc[gap.argsort(kind="stable")[::-1]]


def build_summary(
    session: Session,
    refs: Referentials,
    where: ReportFilter,
    *,
    today: date,
    tolerance: float,
) -> Summary:
    """The headline figures (module docstring) for ``where`` on ``where.date_to`` or ``today``."""
    where.check()
    as_of = where.date_to or today
    # Hours and placements read once, for both reports and the people in post.
    hours = pd.DataFrame(
        ReportRepository(session).placement_hours(month_from=None, month_to=None),
        columns=list(HOUR_COLUMNS),
    )
    placements = _placements(session, refs, where)
    execution = execution_report(
        session, refs, where, today=today, tolerance=tolerance, hours=hours
    )
    fse = fse_report(session, refs, where, today=today, hours=hours, placements=placements)
    lots = execution.tables["lots"]
    committed = float(lots["heures_engagees"].sum()) if not lots.empty else 0.0
    done = float(lots["heures_realisees"].sum()) if not lots.empty else 0.0
    assessed = int(lots["part_duree_ecoulee"].notna().sum()) if not lots.empty else 0
    late = int(lots["en_retard"].astype(bool).sum()) if not lots.empty else 0
    # A placement running on the report date overlaps the period: it is among ``placements``.
    in_post = 0
    if not placements.empty:
        running = (placements["start_date"] <= as_of) & placements["end_date"].map(
            lambda d: d is None or d >= as_of
        ).astype(bool)
        in_post = int(placements.loc[running, "candidate_id"].nunique())
    fse_values = dict(
        zip(fse.tables["indicateurs"]["code"], fse.tables["indicateurs"]["valeur"], strict=True)
    )
    waiting = _waiting(session, refs, where)
    values: dict[str, float | int | None] = {
        "heures_engagees": rounded(committed, 1),
        "heures_realisees": rounded(done, 1),
        "taux_realisation": rounded(done / committed, 4) if committed > 0 else None,
        "lots_evalues": assessed,
        "lots_en_retard": late,
        "personnes_en_poste": in_post,
        "retours_emploi_durable": int(fse_values["personnes_rsa_emploi_durable"] or 0),
        "heures_rsa": fse_values["heures_rsa"],
        "propositions_en_attente": sum(waiting.values()),
    }
    return Summary(
        as_of=as_of, values=values, waiting_by_state=waiting, execution=execution, fse=fse
    )


def _waiting(session: Session, refs: Referentials, where: ReportFilter) -> dict[str, int]:
    rows = pd.DataFrame(
        ReportRepository(session).proposals(created_from=None, created_to=None),
        columns=list(PROPOSAL_COLUMNS),
    )
    rows = rows[rows["state"].isin(OPEN_STATES)]
    if where.buyer_id is not None:
        rows = rows[rows["buyer_id"] == where.buyer_id]
    if where.contract_id is not None:
        rows = rows[rows["contract_id"] == where.contract_id]
    if not rows.empty:
        rows = rows[in_territory(refs, where, rows["offer_commune"])]
    counts = rows["state"].value_counts()
    return {state: int(counts.get(state, 0)) for state in OPEN_STATES}
