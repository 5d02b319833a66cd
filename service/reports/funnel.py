"""The proposals funnel: proposed → validated → presented → hired, with refusal reasons."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any, Final

import pandas as pd
from sqlalchemy.orm import Session

from fixtures import REFERENTIALS_DIR
from service.kit.times import day_end, day_start
from service.referentials.service import Referentials
from service.reports.common import (
    STAGE_LABELS,
    STAGES,
    Report,
    ReportFilter,
    bassin_labels,
    in_territory,
    rounded,
    territory_map,
)
from service.reports.repository import PROPOSAL_COLUMNS, ReportRepository
from service.workflow.states import (
    REFUSAL_REASONS,
)

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def funnel_report(
    session: Session, refs: Referentials, where: ReportFilter, *, today: date
) -> Report:
    repo = ReportRepository(session)
    # the days of the filter are days in Paris
    created_from = day_start(where.date_from) if where.date_from else None
    created_to = day_end(where.date_to) if where.date_to else None
    proposals = pd.DataFrame(
        repo.proposals(created_from=created_from, created_to=created_to),
        columns=list(PROPOSAL_COLUMNS),
    )
    if not proposals.empty:
        if where.buyer_id is not None:
            proposals = proposals[proposals["buyer_id"] == where.buyer_id]
        if where.contract_id is not None:
            proposals = proposals[proposals["contract_id"] == where.contract_id]
        proposals = proposals[in_territory(refs, where, proposals["offer_commune"])].copy()
    events = pd.DataFrame(
        repo.events(proposals["proposal_id"].tolist() if not proposals.empty else []),
        columns=["proposal_id", "to_state", "reason"],
    )
    rank = {s: i for i, s in enumerate(STAGES)}
    reached: dict[int, int] = {}
    for pid, state in zip(proposals["proposal_id"], proposals["state"], strict=True):
        reached[int(pid)] = rank.get(str(state), 0)
    for pid, state in zip(events["proposal_id"], events["to_state"], strict=True):
        if int(pid) in reached:
            reached[int(pid)] = max(reached[int(pid)], rank.get(str(state), 0))
    refusals = proposals[proposals["state"].isin(["refused", "not_retained"])]
    reasons_of = {
        int(pid): str(reason)
        for pid, state, reason in zip(
            events["proposal_id"], events["to_state"], events["reason"], strict=True
        )
        if state in {"refused", "not_retained"} and reason is not None
    }
    mapping = territory_map(refs)
    labels = bassin_labels(REFERENTIALS_DIR / "bassins_emploi.csv")
    if not proposals.empty:
        proposals["reached"] = proposals["proposal_id"].map(lambda p: reached[int(p)])
        proposals["bassin"] = proposals["offer_commune"].map(
            lambda c: mapping.get(str(c), ("", ""))[0]
        )
    else:
        proposals["reached"] = pd.Series(dtype=int)
        proposals["bassin"] = pd.Series(dtype=object)

    def funnel(group: pd.DataFrame) -> dict[str, Any]:
        n = len(group)
        validated = int((group["reached"] >= rank["validated"]).sum())
        hired = int((group["reached"] >= rank["hired"]).sum())
        return {
            "proposees": n,
            "validees": validated,
            "presentees": int((group["reached"] >= rank["presented"]).sum()),
            "embauchees": hired,
            "refusees": int((group["state"] == "refused").sum()),
            "non_retenues": int((group["state"] == "not_retained").sum()),
            "en_cours": int(group["state"].isin(["proposed", "validated", "presented"]).sum()),
            "taux_validation": rounded(validated / n, 4) if n else None,
            "taux_embauche": rounded(hired / n, 4) if n else None,
        }

    by_coach = pd.DataFrame(
        [{"coach": coach, **funnel(g)} for coach, g in proposals.groupby("coach", sort=True)],
        columns=["coach", *_FUNNEL_COLUMNS],
    )
    by_territory = pd.DataFrame(
        [
            {"bassin": code, "libelle": labels.get(str(code), ""), **funnel(g)}
            for code, g in proposals.groupby("bassin", sort=True)
        ],
        columns=["bassin", "libelle", *_FUNNEL_COLUMNS],
    )
    overall = pd.DataFrame(
        [
            {
                "etape": STAGE_LABELS[stage],
                "propositions": int((proposals["reached"] >= rank[stage]).sum())
                if not proposals.empty
                else 0,
            }
            for stage in ("proposed", "validated", "presented", "hired")
        ]
    )
    reason_rows = []
    for state, stage_label in (
        ("refused", "refus du facilitateur"),
        ("not_retained", "non retenu"),
    ):
        part = refusals[refusals["state"] == state]
        counts: dict[str, int] = {}
        for pid in part["proposal_id"]:
            code = reasons_of.get(int(pid), "non_renseigne")
            counts[code] = counts.get(code, 0) + 1
        for code, n in sorted(counts.items()):
            reason_rows.append(
                {
                    "etape": stage_label,
                    "motif": code,
                    "libelle": REFUSAL_REASONS.get(code, "Motif non renseigné"),
                    "propositions": n,
                }
            )
    return Report(
        name="funnel",
        title="Propositions : du positionnement à l'embauche",
        tables={
            "entonnoir": overall,
            "par_coach": by_coach,
            "par_bassin": by_territory,
            "motifs": pd.DataFrame(
                reason_rows, columns=["etape", "motif", "libelle", "propositions"]
            ),
        },
        notes=[
            "Propositions créées dans la période. Une proposition compte à chaque étape "
            "qu'elle a atteinte (une embauchée a aussi été validée et présentée).",
            "Territoire : bassin d'emploi de la commune de l'offre.",
        ],
        chart=_funnel_chart,
    )


_FUNNEL_COLUMNS: Final = (
    "proposees",
    "validees",
    "presentees",
    "embauchees",
    "refusees",
    "non_retenues",
    "en_cours",
    "taux_validation",
    "taux_embauche",
)


def _funnel_chart(report: Report) -> Figure:
    from matplotlib.figure import Figure  # only when a chart is drawn: a light start-up

    table = report.tables["entonnoir"]
    fig = Figure(figsize=(7, 3.5))
    ax = fig.add_subplot()
    labels = [str(s) for s in table["etape"]][::-1]
    ax.barh(labels, list(table["propositions"])[::-1])
    ax.set_xlabel("propositions")
    ax.set_title("Du positionnement à l'embauche")
    fig.tight_layout()
    return fig
