"""Judge a hire model on the whole eligible pool of held-out offers; write the report and card.

What a coach sees is an offer's ranked pool, not the rows of a history: the earlier ranking
chose who was shown, so re-ranking only the logged rows flatters any model that agrees with it.
Every scorer here ranks **each held-out offer's whole eligible pool**
(:func:`training.features.pool_table`), and is judged on the offer's real hires:

=====================  ==============================================================
``model``              the candidate model, as the engine would serve it
                       (:class:`training.model.TrainedScorer`)
``current``            the scorer the service uses now (the active model, else the weights)
``default weights``    :class:`matching.scoring.WeightedScorer` (the engine's day-one score)
``distance only``      shorter road distance first
``random``             a seeded random order
=====================  ==============================================================

Figures and what they can tell
------------------------------
* **Pool recall@10, @20 and NDCG@10** (:func:`training.metrics.pool_recall`): the share of an
  offer's hires in the scorer's top k of its pool, a hire no ranking can reach (excluded by a
  hard constraint) counting as a miss. It can tell which ranking puts the people who were hired
  higher. It cannot tell what would have happened had the model ranked: the logged hires were
  chosen among the people the earlier ranking showed, which favours rankings like it (a model
  better at finding people nobody was shown gets no credit for them).
* **Difference with the current scorer**, recall@10 and @20, with a 95 % percentile bootstrap
  interval over offers (:func:`training.metrics.bootstrap_difference`): the promotion gate
  (``clausematch models activate``) asks for a recall@10 difference whose interval is above 0.
* **Coverage**: the share of the model's top 10 that the earlier ranking ever showed. Only
  those pairs have a logged outcome; the lower it is, the less the logs can say about the
  model (an inverse-propensity estimate needs every pair to have had a chance of being shown:
  with deterministic shortlists most pairs had none, so none is reported).
* **Calibration** (ECE, reliability table) of the model's probability over the pool, and over
  the logged rows alone (people who were shown or proposed are hired far more often than the
  pool: a pool-level probability is expected to under-predict there).
* **Hires a hard constraint excludes**, with the travel tolerance and with a hard travel range.
* **Exposure audit**: share of each sex and age band on the top 10 of every offer (shortlists)
  and on capacity-aware batch lists (3 people per position, at most 3 lists a person), over its
  share of the eligible pools, flagged outside 0.8–1.25. The attributes are read from the
  reporting-only columns, which neither the engine nor the model reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.figure import Figure

from matching.capacity import allocate_lists
from matching.scoring import DEFAULT_WEIGHTS, Scorer, WeightedScorer
from training.features import ALL_FEATURES, PoolTable
from training.metrics import (
    EXPOSURE_RANGE,
    bootstrap_difference,
    expected_calibration_error,
    pool_recall,
    ranks_within,
    reliability_table,
    selection_exposure,
)

__all__ = [
    "CURRENT",
    "DEFAULT",
    "METRIC_COLUMNS",
    "MODEL",
    "Evaluation",
    "evaluate_scorers",
    "write_report",
]

METRIC_COLUMNS: Final = ("recall@10", "recall@20", "ndcg@10")
MODEL: Final = "model"
CURRENT: Final = "current"
DEFAULT: Final = "default weights"
AUDIT_K: Final = 10
SLOTS_PER_POSITION: Final = 3
MAX_LISTS: Final = 3
GATE_K: Final = 10


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Pool-level figures of every scorer on the held-out offers, and the model's audit."""

    metrics: pd.DataFrame  # index: scorer, columns METRIC_COLUMNS
    differences: pd.DataFrame  # index: recall@10, recall@20; difference, low, high
    calibration: pd.DataFrame  # index: pool, logged rows; ece, mean_predicted, observed, rows
    reliability: pd.DataFrame  # of the logged rows (10 quantile bins)
    exposure: pd.DataFrame  # scorer, list, attribute, value, ..., ratio, flagged
    hires_excluded: dict[str, float]  # with_tolerance, hard_range (shares of the hires)
    excluded_reasons: dict[str, int]
    coverage: float
    current_label: str
    n_offers: int
    n_offers_with_hire: int
    n_hires: int
    n_pairs: int
    notes: list[str] = field(default_factory=list)

    def gate(self) -> dict[str, Any]:
        """The promotion gate's figures: pool recall@10 of the model and of the current scorer,
        their difference and its interval, and the same at k = 20."""
        out: dict[str, Any] = {
            "metric": f"pool recall@{GATE_K}",
            "against": self.current_label,
            "n_offers": self.n_offers_with_hire,
        }
        metrics = self.metrics.to_dict(orient="index")
        differences = self.differences.to_dict(orient="index")
        for k in (GATE_K, 20):
            name = f"recall@{k}"
            out[name] = {
                "model": float(metrics[MODEL][name]),
                "current": float(metrics[CURRENT][name]),
                **{key: float(v) for key, v in differences[name].items()},
            }
        out["passed"] = bool(out[f"recall@{GATE_K}"]["low"] > 0)
        return out

    def summary(self) -> dict[str, Any]:
        """JSON-ready figures (NaN as null)."""

        def records(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
            table = frame.astype(object).where(frame.notna(), None)
            return {
                str(k): {str(c): x for c, x in v.items()}
                for k, v in table.to_dict(orient="index").items()
            }

        return {
            "n_offers": self.n_offers,
            "n_offers_with_hire": self.n_offers_with_hire,
            "n_hires": self.n_hires,
            "n_pairs": self.n_pairs,
            "current": self.current_label,
            "metrics": records(self.metrics),
            "differences": records(self.differences),
            "gate": self.gate(),
            "coverage": self.coverage,
            "calibration": records(self.calibration),
            "hires_excluded": self.hires_excluded,
            "excluded_reasons": self.excluded_reasons,
            "exposure": self.exposure.to_dict(orient="records"),
            "reliability": self.reliability.to_dict(orient="records"),
            "notes": self.notes,
        }


def _scores(scorer: Scorer, table: PoolTable) -> npt.NDArray[np.float32]:
    x = table.X.loc[:, list(scorer.features)].to_numpy(dtype=np.float32)
    return np.asarray(scorer.scores(x), dtype=np.float32)


def _batch_lists(
    scores: npt.NDArray[np.floating], table: PoolTable, positions: pd.Series
) -> npt.NDArray[np.bool_]:
    """The pairs capacity-aware batch lists would hold (see :mod:`matching.capacity`)."""
    offer_codes, offers = pd.factorize(pd.Series(table.offer_id))
    person_codes, _ = pd.factorize(pd.Series(table.candidate_id))
    capacity = SLOTS_PER_POSITION * positions.reindex(offers).to_numpy(dtype=np.int64)
    rank = ranks_within(scores, offer_codes)
    edge = rank <= 4 * capacity[offer_codes]
    chosen = allocate_lists(
        offer_codes[edge].astype(np.int32),
        person_codes[edge].astype(np.int32),
        np.maximum(np.asarray(scores, dtype=np.float32)[edge], np.float32(1e-9)),
        capacity=capacity,
        max_lists=MAX_LISTS,
    ).selected
    out = np.zeros(len(table), dtype=bool)
    out[np.flatnonzero(edge)[chosen]] = True
    return out


def evaluate_scorers(
    model: Scorer,
    current: Scorer,
    table: PoolTable,
    positions: pd.Series,
    *,
    current_label: str,
    random_state: int = 0,
) -> Evaluation:
    """Pool-level figures of ``model`` against ``current`` and the baselines (module doc).

    Parameters
    ----------
    model : the candidate scorer (a :class:`training.model.TrainedScorer`)
    current : the scorer the service uses now; ``current_label`` names it
    table : the held-out offers' eligible pools (every pair, weight 1)
    positions : open positions of each offer (index: offer id), for the batch lists
    """
    tie = np.random.default_rng(random_state).random(len(table))
    scored: dict[str, npt.NDArray[np.floating]] = {
        MODEL: _scores(model, table),
        CURRENT: _scores(current, table),
        DEFAULT: _scores(WeightedScorer(), table),
        "distance only": -table.distance_km.astype(np.float64),
        "random": np.zeros(len(table)),
    }
    per_offer: dict[str, dict[str, pd.Series]] = {}
    rows = {}
    for name, score in scored.items():
        recall10, ndcg10 = pool_recall(
            table.hired, score, table.offer_id, table.hires_per_offer, k=10, tie_breaker=tie
        )
        recall20, _ = pool_recall(
            table.hired, score, table.offer_id, table.hires_per_offer, k=20, tie_breaker=tie
        )
        per_offer[name] = {"recall@10": recall10, "recall@20": recall20}
        rows[name] = {
            "recall@10": float(recall10.mean()),
            "recall@20": float(recall20.mean()),
            "ndcg@10": float(ndcg10.mean()),
        }
    metrics = pd.DataFrame.from_dict(rows, orient="index").loc[:, list(METRIC_COLUMNS)]
    diffs = {}
    for metric in ("recall@10", "recall@20"):
        mean, low, high = bootstrap_difference(
            per_offer[MODEL][metric], per_offer[CURRENT][metric], random_state=random_state
        )
        diffs[metric] = {"difference": mean, "low": low, "high": high}
    differences = pd.DataFrame.from_dict(diffs, orient="index")

    proba = scored[MODEL].astype(np.float64)
    logged = table.logged
    calibration = pd.DataFrame.from_dict(
        {
            "pool": _calibration(table.hired, proba),
            "logged rows": _calibration(table.hired[logged], proba[logged]),
        },
        orient="index",
    )
    model_rank = ranks_within(scored[MODEL], table.offer_id, tie)
    top = model_rank <= AUDIT_K
    coverage = float((np.isfinite(table.shown_rank) & top).sum() / max(int(top.sum()), 1))

    audits = []
    for name in (MODEL, CURRENT):
        rank = ranks_within(scored[name], table.offer_id, tie)
        for list_name, selected in (
            (f"shortlists (top {AUDIT_K})", rank <= AUDIT_K),
            ("batch lists", _batch_lists(scored[name], table, positions)),
        ):
            audits.append(
                selection_exposure(table.reporting, selected).assign(scorer=name, list=list_name)
            )
    exposure = pd.concat(audits, ignore_index=True)
    exposure = exposure.loc[:, ["scorer", "list", *exposure.columns.drop(["scorer", "list"])]]
    missed = table.missed_hires
    reasons = missed.loc[missed["reason"] != "", "reason"].str.split("|").explode()
    return Evaluation(
        metrics=metrics,
        differences=differences,
        calibration=calibration,
        reliability=reliability_table(table.hired[logged], proba[logged], strategy="quantile"),
        exposure=exposure,
        hires_excluded=table.hire_exclusion_shares(),
        excluded_reasons={str(k): int(v) for k, v in reasons.value_counts().items()},
        coverage=coverage,
        current_label=current_label,
        n_offers=int(table.hires_per_offer.shape[0]),
        n_offers_with_hire=int((table.hires_per_offer > 0).sum()),
        n_hires=int(table.hires_per_offer.sum()),
        n_pairs=len(table),
    )


def _calibration(y: npt.ArrayLike, p: npt.NDArray[np.float64]) -> dict[str, float]:
    y_arr = np.asarray(y, dtype=np.float64)
    return {
        "ece": expected_calibration_error(y_arr, p),
        "mean_predicted": float(p.mean()) if p.size else float("nan"),
        "observed": float(y_arr.mean()) if y_arr.size else float("nan"),
        "rows": float(y_arr.size),
    }


# --------------------------------------------------------------------------- report


def _fmt(v: object, digits: int = 3) -> str:
    if isinstance(v, float):
        return "—" if np.isnan(v) else f"{v:.{digits}f}"
    return str(v)


def _markdown_table(frame: pd.DataFrame, index_name: str) -> str:
    cols = [index_name, *map(str, frame.columns)]
    digits = [4 if c == "ece" else 3 for c in frame.columns]
    lines = ["| " + " | ".join(cols) + " |", "| " + " | ".join("---" for _ in cols) + " |"]
    for idx, row in frame.iterrows():
        cells = [_fmt(v, d) for v, d in zip(row.to_list(), digits, strict=True)]
        lines.append("| " + " | ".join([str(idx), *cells]) + " |")
    return "\n".join(lines)


def _plot_reliability(evaluation: Evaluation, path: Path) -> None:
    fig = Figure(figsize=(5, 5))
    ax = fig.add_subplot()
    rel = evaluation.reliability
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    ax.plot(rel["mean_predicted"], rel["observed_rate"], marker="o", label="model")
    top = max(0.05, float(rel["mean_predicted"].max()), float(rel["observed_rate"].max())) * 1.1
    ax.set_xlim(0, min(1.0, top))
    ax.set_ylim(0, min(1.0, top))
    ax.set_xlabel("predicted probability of a hire (10 quantile bins)")
    ax.set_ylabel("observed hire rate")
    ece = float(evaluation.calibration.to_dict(orient="index")["logged rows"]["ece"])
    ax.set_title(f"Reliability on the logged rows (ECE {ece:.4f})", fontsize="medium")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _plot_metrics(evaluation: Evaluation, path: Path) -> None:
    fig = Figure(figsize=(7, 4))
    ax = fig.add_subplot()
    table = evaluation.metrics.loc[:, list(METRIC_COLUMNS)]
    width = 0.8 / len(table)
    for i, (name, row) in enumerate(table.iterrows()):
        ax.bar(np.arange(len(METRIC_COLUMNS)) + i * width, row.to_numpy(float), width, label=name)
    ax.set_xticks(np.arange(len(METRIC_COLUMNS)) + 0.4 - width / 2, list(METRIC_COLUMNS))
    ax.set_ylim(0, 1)
    ax.set_title("Hires found in each held-out offer's whole eligible pool")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _plot_exposure(evaluation: Evaluation, path: Path) -> None:
    fig = Figure(figsize=(8, 4))
    ax = fig.add_subplot()
    exp = evaluation.exposure
    first = exp[(exp["scorer"] == MODEL) & (exp["list"] == exp["list"].iloc[0])]
    labels = [f"{a}={v}" for a, v in first[["attribute", "value"]].to_numpy()]
    bars = exp.groupby(["scorer", "list"], sort=False)
    width = 0.8 / max(bars.ngroups, 1)
    for i, ((scorer, list_name), part) in enumerate(bars):
        ax.bar(
            np.arange(len(part)) + i * width,
            part["ratio"].to_numpy(dtype=float),
            width,
            label=f"{scorer}, {list_name}",
        )
    ax.axhspan(*EXPOSURE_RANGE, color="green", alpha=0.1, label="accepted range")
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.set_xticks(np.arange(len(labels)) + 0.4 - width / 2, labels, rotation=30, ha="right")
    ax.set_ylabel("share on the lists / share of the pools")
    ax.set_title("Exposure audit (reporting-only attributes)")
    ax.legend(fontsize="x-small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _gate_text(gate: dict[str, Any]) -> str:
    g10, g20 = gate[f"recall@{GATE_K}"], gate["recall@20"]
    verdict = "passed" if gate["passed"] else "NOT passed"
    return (
        f"Pool recall@10: model {g10['model']:.3f}, current ({gate['against']}) "
        f"{g10['current']:.3f}, difference {g10['difference']:+.3f} "
        f"[{g10['low']:+.3f}, {g10['high']:+.3f}] (95 % bootstrap over "
        f"{gate['n_offers']} offers) — gate {verdict}. Pool recall@20: model "
        f"{g20['model']:.3f}, current {g20['current']:.3f}, difference "
        f"{g20['difference']:+.3f} [{g20['low']:+.3f}, {g20['high']:+.3f}]."
    )


def _model_card(evaluation: Evaluation, metadata: dict[str, Any]) -> str:
    flagged = evaluation.exposure[evaluation.exposure["flagged"]]
    flag_text = (
        "none"
        if flagged.empty
        else ", ".join(
            f"{r.scorer} {r.list}: {r.attribute}={r.value} ({r.ratio:.2f})"
            for r in flagged.itertuples()
        )
    )
    libs = metadata.get("libraries", {})
    split = metadata.get("split", {})
    features = metadata.get("features", list(ALL_FEATURES))
    excluded = evaluation.hires_excluded
    return f"""# Model card — {metadata.get("version", "?")}

## Intended use
Ranks the people a coach may propose for a clause job offer (Département de l'Orne, RSA
beneficiaries) by the estimated probability that the company hires them, from what the engine
computes about the pair ({", ".join(features)}). It orders a shortlist for people to read; it
decides nothing. Not for: deciding eligibility, refusing anyone support, judging a person. It
never reads sex, age, nationality, health, disability or family situation.

## Human oversight
Recruitment and access to employment are a high-risk use under the EU AI Act (Annex III, 4(a)).
The workflow enforces that the tool ranks and people decide: a coach chooses whom to propose
(anyone, including people the ranking puts low), the facilitator validates or refuses every
proposal with a reason, and the company makes the hiring decision. Every score shows its
components, their contributions and a French explanation; the model version that scored each
match is recorded. Hard constraints (licences, distance beyond the tolerance, hours, schedule)
stay rules, not model output. An administrator activates a model version explicitly — refused
unless it is ahead of the current scorer on the figures below, or forced and recorded — and can
fall back to the transparent default weights at any time.

## Model
Family `{metadata.get("family", "?")}` (see `training/model.py`), monotone in every feature whose
direction is known. Hyperparameters: `{json.dumps(metadata.get("params", {}), default=str)}`.
Libraries: Python {libs.get("python", "?")}, numpy {libs.get("numpy", "?")}, scikit-learn
{libs.get("sklearn", "?")}.

## Data
History file `{metadata.get("data_file", "?")}` and its pool file (sha256
`{metadata.get("data_sha256", "?")}`), {metadata.get("n_rows", "?")} rows. Split:
{split.get("kind", "?")} by offer, test share {split.get("test_size", "?")}, seed
{split.get("random_state", "?")}; no offer on both sides. The model learns from each training
offer's whole eligible pool (every logged pair, and a weighted sample of the others), with the
features recomputed by the engine's own code. Reporting attributes (sex, age band) are kept
apart and used only for the audit below.

## Promotion figures (held-out offers, whole eligible pools)
{_gate_text(evaluation.gate())}

{_markdown_table(evaluation.metrics, "scorer")}

Coverage of the model's top {AUDIT_K} by what was ever shown: {evaluation.coverage:.1%}.
Hires a hard constraint excludes: {excluded["with_tolerance"]:.1%} with the travel tolerance,
{excluded["hard_range"]:.1%} with a hard travel range.

## Exposure audit
Share of each group on every offer's top {AUDIT_K} and on batch lists over its share of the
eligible pools, flagged outside {EXPOSURE_RANGE[0]}–{EXPOSURE_RANGE[1]}. Flagged: {flag_text}.

## Limits
* If the history is synthetic (`clausematch history generate`), these figures show that the
  pipeline works and that a model can recover a signal put there by construction; they do not
  show that the model is right for real people. Only real outcome history can.
* The logged hires were chosen among the people an earlier ranking showed: pool-level recall
  favours rankings like it, and a model finding good people nobody was shown gets no credit.
  A model trained on such history partly learns who used to be shown.
* The service's own export carries each person's current state, not their state when they were
  shown (see `clausematch history export`).
* Calibration holds for populations like the training one; re-check it after any change in
  the caseload, the offers or the engine's formulas (retrain then).
* Small groups make exposure ratios noisy; a ratio inside the range is not proof of fairness.
"""


def write_report(
    evaluation: Evaluation, out_dir: str | Path, *, metadata: dict[str, Any]
) -> list[Path]:
    """Write ``report.md``, ``metrics.json``, ``model_card.md`` and three PNG plots.

    Returns the paths written.
    """
    d = Path(out_dir)
    d.mkdir(parents=True, exist_ok=True)
    paths = {
        "reliability": d / "reliability.png",
        "metrics_plot": d / "metrics.png",
        "exposure_plot": d / "exposure.png",
        "json": d / "metrics.json",
        "report": d / "report.md",
        "card": d / "model_card.md",
    }
    _plot_reliability(evaluation, paths["reliability"])
    _plot_metrics(evaluation, paths["metrics_plot"])
    _plot_exposure(evaluation, paths["exposure_plot"])
    summary = {"model": _json_safe(metadata), **evaluation.summary()}
    paths["json"].write_text(json.dumps(summary, indent=2, default=str) + "\n")
    exposure = evaluation.exposure.set_index("scorer")
    notes = "".join(f"* {n}\n" for n in evaluation.notes)
    weights = ", ".join(f"{k} {v}" for k, v in DEFAULT_WEIGHTS.items())
    excluded = evaluation.hires_excluded
    reasons = ", ".join(f"{k} {v}" for k, v in evaluation.excluded_reasons.items()) or "none"
    paths["report"].write_text(
        f"""# Evaluation — {metadata.get("version", "?")}

History `{metadata.get("evaluated_file", metadata.get("data_file", "?"))}`; held-out: \
{evaluation.n_offers} offers ({evaluation.n_offers_with_hire} with a hire, \
{evaluation.n_hires} hires), {evaluation.n_pairs} pairs in their eligible pools. Current \
scorer: `{evaluation.current_label}`.

{notes}
## Hires found in each offer's whole eligible pool

{_markdown_table(evaluation.metrics, "scorer")}

{_gate_text(evaluation.gate())}

Default weights: {weights}. ![metrics](metrics.png)

What these can tell: which ranking puts the people who were hired higher in the whole pool a
coach sees. What they cannot: the hires were chosen among the people an earlier ranking showed,
so rankings like it are favoured. Coverage — the share of the model's top {AUDIT_K} that was \
ever shown, hence has a logged outcome: {evaluation.coverage:.1%}.

## Calibration of the model's probability

{_markdown_table(evaluation.calibration, "rows")}

![reliability](reliability.png)

## Hires a hard constraint excludes

{excluded["with_tolerance"]:.1%} of the hires with the travel tolerance (reasons: {reasons}); \
{excluded["hard_range"]:.1%} with the declared range as a hard limit.

## Exposure audit (flagged outside {EXPOSURE_RANGE[0]}–{EXPOSURE_RANGE[1]})

{_markdown_table(exposure, "scorer")}

![exposure](exposure.png)

See `model_card.md` for the intended use, human oversight and limits.
"""
    )
    paths["card"].write_text(_model_card(evaluation, metadata))
    return list(paths.values())


def _json_safe(metadata: dict[str, Any]) -> dict[str, Any]:
    out = dict(metadata)
    split = dict(out.get("split", {}))
    split.pop("test_offers", None)
    out["split"] = split
    return out
