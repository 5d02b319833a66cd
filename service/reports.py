"""Reports for the Département and the FSE+: clause execution, the project's indicators, the
participants' breakdown, and the proposals funnel. Each is a few small tables (pandas), given as
JSON, CSV (one table), xlsx (every table and the notes) or a PNG chart.

Filters: a period (``date_from``/``date_to``), a territory (bassin d'emploi or EPCI code of the
contract's site commune, or of the buyer's when the contract has none; for the funnel, of the
offer's commune), a buyer and a contract.

**Lots at risk** (execution): on the report date (``date_to``, else today), the elapsed share of
a lot is ``(date - start) / (end - start)`` clipped to [0, 1], with the lot's end date or else
its contract's. A lot is *at risk* when it has committed hours, has started, and
``hours done to date / hours committed < elapsed share - tolerance`` (setting
``report_risk_tolerance``, 0.15 by default: a lot half-way through its duration is at risk below
35 % of its hours). A lot without an end date is not assessed.

**FSE+ categories** (Regulation (EU) 2021/1057, Annex I, common indicators for participants):
EECO01 total; EECO02 unemployed including long-term unemployed; EECO03 long-term unemployed;
EECO04 inactive; EECO05 employed; EECO06 below 18; EECO07 18 to 29; EECO08 55 and above;
EECO09 ISCED 0-2; EECO10 ISCED 3-4; EECO11 ISCED 5-8; EECO12 participants with disabilities;
results EECR04 in employment upon leaving, EECR05 in employment six months after leaving. Every
count is broken down by sex (the regulation asks for gender; the reporting table holds F, M or
nothing). Age is taken at entry from the birth year only (year of entry - birth year). A
participant is a person whose placement starts in the period; a leaver one whose placement ends
in it. Counts of 1 to 4 people are shown as ``<5`` (statistical confidentiality).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from functools import lru_cache
from pathlib import Path
from typing import Any, Final, Literal

import pandas as pd
from matplotlib.figure import Figure
from sqlalchemy.orm import Session

from fixtures import REFERENTIALS_DIR
from service.errors import InvalidInput
from service.models import User
from service.placements import DELIVERY_MODE_LABELS, IN_EMPLOYMENT, OUTCOME_LABELS
from service.referentials import Referentials
from service.services import audit
from service.workflow import REFUSAL_REASONS
from service.workflow_repositories import ReportRepository

__all__ = [
    "REPORT_NAMES",
    "SMALL_CELL",
    "Report",
    "ReportFilter",
    "build_report",
    "to_csv",
    "to_json",
    "to_png",
    "to_xlsx",
]

ReportName = Literal["execution", "fse", "participants", "funnel"]
REPORT_NAMES: Final = ("execution", "fse", "participants", "funnel")
SMALL_CELL: Final = "<5"
SMALL_CELL_LIMIT: Final = 5
STAGES: Final = ("proposed", "validated", "presented", "hired", "in_post", "ended")
STAGE_LABELS: Final = {
    "proposed": "proposées",
    "validated": "validées",
    "presented": "présentées",
    "hired": "embauchées",
    "in_post": "en poste",
    "ended": "terminées",
}


@dataclass(frozen=True)
class ReportFilter:
    date_from: date | None = None
    date_to: date | None = None
    bassin: str | None = None
    epci: str | None = None
    buyer_id: int | None = None
    contract_id: int | None = None

    def check(self) -> None:
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise InvalidInput(f"to ({self.date_to}) est avant from ({self.date_from})")

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "bassin": self.bassin,
            "epci": self.epci,
            "buyer_id": self.buyer_id,
            "contract_id": self.contract_id,
        }


@dataclass
class Report:
    name: str
    title: str
    tables: dict[str, pd.DataFrame]
    notes: list[str] = field(default_factory=list)
    chart: Callable[[Report], Figure] | None = None
    filters: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- territory


_TERRITORY_CACHE: dict[int, dict[str, tuple[str, str]]] = {}


def _territory_map(refs: Referentials) -> dict[str, tuple[str, str]]:
    """INSEE code → (bassin d'emploi code, EPCI code), built once per referentials object."""
    key = id(refs.communes)
    cached = _TERRITORY_CACHE.get(key)
    if cached is None:
        frame = refs.communes.communes
        cached = {
            str(c): (str(b), str(e))
            for c, b, e in zip(
                frame["code_insee"], frame["code_bassin_emploi"], frame["epci_code"], strict=True
            )
        }
        _TERRITORY_CACHE.clear()
        _TERRITORY_CACHE[key] = cached
    return cached


@lru_cache(maxsize=2)
def _bassin_labels(path: Path) -> dict[str, str]:
    frame = pd.read_csv(path, dtype=str)
    return dict(zip(frame["code_bassin_emploi"], frame["libelle"], strict=True))


def _in_territory(refs: Referentials, where: ReportFilter, communes: pd.Series) -> pd.Series:
    """Rows whose commune lies in the asked bassin / EPCI (all rows when none is asked)."""
    if where.bassin is None and where.epci is None:
        return pd.Series(True, index=communes.index)
    mapping = _territory_map(refs)
    places = communes.map(lambda c: mapping.get(str(c)) if isinstance(c, str) else None)
    keep = pd.Series(True, index=communes.index)
    if where.bassin is not None:
        keep &= places.map(lambda p: p is not None and p[0] == where.bassin).astype(bool)
    if where.epci is not None:
        keep &= places.map(lambda p: p is not None and p[1] == where.epci).astype(bool)
    return keep


def _site(frame: pd.DataFrame) -> pd.Series:
    return frame["contract_commune"].where(
        frame["contract_commune"].notna(), frame["buyer_commune"]
    )


def _round(x: float, digits: int = 1) -> float:
    return float(round(x, digits))


# --------------------------------------------------------------------------- execution


def execution_report(
    session: Session,
    refs: Referentials,
    where: ReportFilter,
    *,
    today: date,
    tolerance: float,
) -> Report:
    repo = ReportRepository(session)
    as_of = where.date_to or today
    lots = pd.DataFrame(repo.lots(buyer_id=where.buyer_id, contract_id=where.contract_id))
    modes = list(DELIVERY_MODE_LABELS)
    mode_cols = [f"heures_{m}" for m in modes]
    columns = [
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
        lots = lots[_in_territory(refs, where, _site(lots))].copy()
        hours = pd.DataFrame(
            repo.placement_hours(month_from=None, month_to=as_of),
            columns=[
                "placement_id",
                "month",
                "hours",
                "lot_id",
                "candidate_id",
                "delivery_mode",
                "rsa",
            ],
        )
        done = hours.groupby("lot_id")["hours"].sum()
        by_mode = hours.pivot_table(
            index="lot_id", columns="delivery_mode", values="hours", aggfunc="sum", fill_value=0.0
        )
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
            for mode in modes:
                value = 0.0
                if lot_id in by_mode.index and mode in by_mode.columns:
                    value = float(by_mode.loc[lot_id, mode])
                row[f"heures_{mode}"] = value
            row["taux_realisation"] = None if ratio is None else _round(ratio, 4)
            row["part_duree_ecoulee"] = None if elapsed is None else _round(elapsed, 4)
            row["en_retard"] = bool(at_risk)
            rows.append(row)
        lot_table = pd.DataFrame(rows, columns=columns)
    contracts = (
        lot_table.groupby(["marche", "acheteur"], sort=True)
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
            _round(d / c, 4) if c > 0 else None
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
                "part": _round(value / total_done, 4) if total_done > 0 else None,
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
    ax.legend()
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- FSE+


def _placements(session: Session, refs: Referentials, where: ReportFilter) -> pd.DataFrame:
    repo = ReportRepository(session)
    rows = repo.placements(start_to=where.date_to, end_from=where.date_from)
    frame = pd.DataFrame(
        rows,
        columns=[
            "placement_id",
            "candidate_id",
            "lot_id",
            "delivery_mode",
            "start_date",
            "end_date",
            "outcome_at_end",
            "outcome_6_months",
            "contract_id",
            "buyer_id",
            "contract_commune",
            "buyer_commune",
            "sex",
            "birth_year",
            "education_level",
            "labour_status",
            "disability_recognised",
            "rsa",
        ],
    )
    if frame.empty:
        return frame
    if where.buyer_id is not None:
        frame = frame[frame["buyer_id"] == where.buyer_id]
    if where.contract_id is not None:
        frame = frame[frame["contract_id"] == where.contract_id]
    return frame[_in_territory(refs, where, _site(frame))].copy()


def _ended_in(frame: pd.DataFrame, where: ReportFilter, as_of: date) -> pd.DataFrame:
    ends = frame["end_date"]
    keep = ends.notna() & ends.map(lambda d: d is not None and d <= as_of)
    if where.date_from is not None:
        keep &= ends.map(lambda d: d is not None and d >= where.date_from)
    return frame[keep.astype(bool)]


def fse_report(session: Session, refs: Referentials, where: ReportFilter, *, today: date) -> Report:
    as_of = where.date_to or today
    placements = _placements(session, refs, where)
    month_from = where.date_from.replace(day=1) if where.date_from else None
    hours = pd.DataFrame(
        ReportRepository(session).placement_hours(month_from=month_from, month_to=where.date_to),
        columns=[
            "placement_id",
            "month",
            "hours",
            "lot_id",
            "candidate_id",
            "delivery_mode",
            "rsa",
        ],
    )
    kept = set(placements["placement_id"]) if not placements.empty else set()
    hours = hours[hours["placement_id"].isin(kept)]
    rsa_hours = hours[hours["rsa"].astype(bool)]
    rsa = placements[placements["rsa"].astype(bool)] if not placements.empty else placements
    people = set(rsa["candidate_id"]) if not rsa.empty else set()
    durable = (
        set(
            rsa.loc[
                (rsa["outcome_at_end"] == "emploi_durable")
                | (rsa["outcome_6_months"] == "emploi_durable"),
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
        return _round(len(part) / len(whole), 4) if whole else None

    indicators = pd.DataFrame(
        [
            {
                "code": "heures_rsa",
                "indicateur": "Heures travaillées par des bénéficiaires du RSA sur des marchés "
                "à clause",
                "valeur": _round(float(rsa_hours["hours"].sum()), 2),
            },
            {
                "code": "personnes_rsa_placees",
                "indicateur": "Bénéficiaires du RSA en placement sur la période",
                "valeur": len(people),
            },
            {
                "code": "personnes_rsa_emploi_durable",
                "indicateur": "Bénéficiaires du RSA en emploi durable après un placement "
                "(à la fin ou six mois après)",
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
            "Situations (feuille « situations ») : nombre de placements terminés, par situation.",
        ],
        chart=_monthly_chart,
    )


def _monthly_chart(report: Report) -> Figure:
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
    ax.legend()
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- participants


def participants_report(
    session: Session,
    refs: Referentials,
    where: ReportFilter,
    *,
    today: date,
    mask_small_cells: bool = True,
) -> Report:
    """Participants by FSE+ category and sex; counts of 1 to 4 shown as ``<5`` (the unmasked
    counts are for checks only, never an API output)."""

    def _mask(n: int) -> int | str:
        return SMALL_CELL if mask_small_cells and 0 < n < SMALL_CELL_LIMIT else n

    as_of = where.date_to or today
    placements = _placements(session, refs, where)
    if not placements.empty and where.date_from is not None:
        entering = placements[placements["start_date"] >= where.date_from]
    else:
        entering = placements
    # One row per person: their first placement of the period gives the entry.
    people = (
        entering.sort_values(["candidate_id", "start_date"]).drop_duplicates("candidate_id")
        if not entering.empty
        else entering
    )
    leavers = _ended_in(placements, where, as_of) if not placements.empty else placements

    def count_by_sex(frame: pd.DataFrame, mask: pd.Series | None) -> dict[str, int | str]:
        part = frame if mask is None else frame[mask.astype(bool)]
        sex = part["sex"] if not part.empty else pd.Series(dtype=object)
        total = int(part["candidate_id"].nunique()) if not part.empty else 0
        women = int(part.loc[sex == "F", "candidate_id"].nunique()) if not part.empty else 0
        men = int(part.loc[sex == "M", "candidate_id"].nunique()) if not part.empty else 0
        return {
            "total": _mask(total),
            "femmes": _mask(women),
            "hommes": _mask(men),
            "sexe_non_renseigne": _mask(total - women - men),
        }

    p = people
    age = (
        pd.Series(
            [
                (s.year - int(b)) if b is not None and b == b else None
                for s, b in zip(p["start_date"], p["birth_year"], strict=True)
            ],
            index=p.index,
            dtype="float64",
        )
        if not p.empty
        else pd.Series(dtype="float64")
    )
    status = p["labour_status"] if not p.empty else pd.Series(dtype=object)
    level = p["education_level"] if not p.empty else pd.Series(dtype=object)
    disabled = p["disability_recognised"] if not p.empty else pd.Series(dtype=object)
    lines: list[tuple[str, str, pd.DataFrame, pd.Series | None]] = [
        ("EECO01", "Nombre total de participants", p, None),
        (
            "EECO02",
            "Chômeurs, y compris de longue durée",
            p,
            status.isin(["unemployed", "long_term_unemployed"]),
        ),
        ("EECO03", "Chômeurs de longue durée", p, status == "long_term_unemployed"),
        ("EECO04", "Inactifs", p, status == "inactive"),
        ("EECO05", "Personnes exerçant un emploi, y compris indépendants", p, status == "employed"),
        ("", "Situation sur le marché du travail non renseignée", p, status.isna()),
        ("EECO06", "Moins de 18 ans", p, age < 18),
        ("EECO07", "18 à 29 ans", p, (age >= 18) & (age <= 29)),
        ("EECO08", "55 ans et plus", p, age >= 55),
        ("", "Âge non renseigné", p, age.isna()),
        ("EECO09", "Niveau CITE 0 à 2", p, level == "ISCED_0_2"),
        ("EECO10", "Niveau CITE 3 à 4", p, level == "ISCED_3_4"),
        ("EECO11", "Niveau CITE 5 à 8", p, level == "ISCED_5_8"),
        ("", "Niveau d'études non renseigné", p, level.isna()),
        ("EECO12", "Participants handicapés", p, disabled.fillna(False).astype(bool)),
    ]
    out = leavers
    lines += [
        (
            "EECR04",
            "Participants exerçant un emploi, y compris indépendants, à la sortie",
            out,
            out["outcome_at_end"].isin(IN_EMPLOYMENT) if not out.empty else None,
        ),
        (
            "EECR05",
            "Participants exerçant un emploi, y compris indépendants, six mois après la sortie",
            out,
            out["outcome_6_months"].isin(IN_EMPLOYMENT) if not out.empty else None,
        ),
    ]
    rows = []
    for code, label, frame, mask in lines:
        rows.append({"code": code, "indicateur": label, **count_by_sex(frame, mask)})
    return Report(
        name="participants",
        title="Participants FSE+ (règlement (UE) 2021/1057, annexe I), par sexe",
        tables={"participants": pd.DataFrame(rows)},
        notes=[
            "Participants : personnes dont un placement commence dans la période ; sortants "
            "(EECR04, EECR05) : personnes dont un placement se termine dans la période.",
            "Âge à l'entrée calculé sur l'année de naissance seule.",
            f"« {SMALL_CELL} » : effectif de 1 à 4 personnes, masqué (secret statistique).",
            "En emploi : emploi durable ou de transition.",
        ],
    )


# --------------------------------------------------------------------------- funnel


def funnel_report(
    session: Session, refs: Referentials, where: ReportFilter, *, today: date
) -> Report:
    repo = ReportRepository(session)
    created_from = (
        datetime.combine(where.date_from, time.min, tzinfo=UTC) if where.date_from else None
    )
    created_to = datetime.combine(where.date_to, time.max, tzinfo=UTC) if where.date_to else None
    proposals = pd.DataFrame(
        repo.proposals(created_from=created_from, created_to=created_to),
        columns=[
            "proposal_id",
            "state",
            "created_at",
            "coach_id",
            "coach",
            "offer_commune",
            "contract_id",
            "buyer_id",
        ],
    )
    if not proposals.empty:
        if where.buyer_id is not None:
            proposals = proposals[proposals["buyer_id"] == where.buyer_id]
        if where.contract_id is not None:
            proposals = proposals[proposals["contract_id"] == where.contract_id]
        proposals = proposals[_in_territory(refs, where, proposals["offer_commune"])].copy()
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
    mapping = _territory_map(refs)
    labels = _bassin_labels(REFERENTIALS_DIR / "bassins_emploi.csv")
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
            "taux_validation": _round(validated / n, 4) if n else None,
            "taux_embauche": _round(hired / n, 4) if n else None,
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
    table = report.tables["entonnoir"]
    fig = Figure(figsize=(7, 3.5))
    ax = fig.add_subplot()
    labels = [str(s) for s in table["etape"]][::-1]
    ax.barh(labels, list(table["propositions"])[::-1])
    ax.set_xlabel("propositions")
    ax.set_title("Du positionnement à l'embauche")
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- entry points


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
    if isinstance(value, date | datetime | pd.Timestamp):
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
    return _table(report, table).to_csv(index=False, sep=";").encode("utf-8-sig")


def to_xlsx(report: Report) -> bytes:
    """Every table on its own sheet, then the filters and notes."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in report.tables.items():
            frame.to_excel(writer, sheet_name=name[:31], index=False)
        about = [("rapport", report.title)]
        about += [(f"filtre {k}", "" if v is None else str(v)) for k, v in report.filters.items()]
        about += [("note", n) for n in report.notes]
        pd.DataFrame(about, columns=["rubrique", "valeur"]).to_excel(
            writer, sheet_name="notes", index=False
        )
    return buffer.getvalue()


def to_png(report: Report) -> bytes:
    if report.chart is None:
        raise InvalidInput(f"pas de graphique pour le rapport « {report.name} »")
    fig = report.chart(report)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()
