"""Judge a hire model on held-out offers against baselines; write the report and model card.

Scorers compared on the same held-out rows (every offer's considered people re-ranked):

=====================  ==============================================================
``model``              the trained model's calibrated probability as served to the engine
                       (:class:`training.model.TrainedScorer`, interpolated table)
``default weights``    :class:`matching.scoring.WeightedScorer` (the engine's day-one score)
``job match only``     the skills component
``distance only``      shorter road distance first
``random``             a constant score (the training hire rate), i.e. a random order
=====================  ==============================================================

Ties are broken by one seeded random draw shared by every scorer. ECE is given for the scorers
that output a probability (the model, and the constant training hire rate of ``random``).

The exposure audit reads the reporting-only columns (``sex``, ``age_band``) of the history,
which neither the engine nor the model ever reads, and compares each group's share of every
offer's top 10 with its share of the people considered (:func:`training.metrics.exposure_ratios`).
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

from matching.scoring import DEFAULT_WEIGHTS, WeightedScorer
from training.features import FEATURES, HistoryFeatures
from training.history import REPORTING_COLUMNS
from training.metrics import (
    EXPOSURE_RANGE,
    expected_calibration_error,
    exposure_ratios,
    ranking_metrics,
    reliability_table,
)
from training.model import MonotoneHireModel, TrainedScorer

__all__ = ["METRIC_COLUMNS", "Evaluation", "evaluate_model", "write_report"]

METRIC_COLUMNS: Final = (
    "ndcg@10",
    "recall@5",
    "recall@10",
    "precision@5",
    "precision@10",
    "ece",
)
MODEL: Final = "model"
DEFAULT: Final = "default weights"
AUDIT_K: Final = 10


@dataclass(frozen=True, eq=False)
class Evaluation:
    """Metrics of every scorer on the held-out rows, the model's reliability, the audit."""

    metrics: pd.DataFrame  # index: scorer, columns METRIC_COLUMNS
    reliability: pd.DataFrame  # training.metrics.reliability_table, 10 quantile bins
    exposure: pd.DataFrame  # scorer + training.metrics.exposure_ratios columns
    n_rows: int
    n_offers: int
    n_offers_with_hire: int
    hire_rate: float
    notes: list[str] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """JSON-ready metrics (NaN as null)."""
        table = self.metrics.astype(object).where(self.metrics.notna(), None)
        return {
            "n_rows": self.n_rows,
            "n_offers": self.n_offers,
            "n_offers_with_hire": self.n_offers_with_hire,
            "hire_rate": self.hire_rate,
            "metrics": {k: dict(v) for k, v in table.to_dict(orient="index").items()},
            "exposure": self.exposure.to_dict(orient="records"),
            "reliability": self.reliability.to_dict(orient="records"),
            "notes": self.notes,
        }


def evaluate_model(
    model: MonotoneHireModel,
    features: HistoryFeatures,
    reporting: pd.DataFrame,
    test_rows: npt.NDArray[np.intp],
    *,
    train_hire_rate: float,
    random_state: int = 0,
) -> Evaluation:
    """Metrics of the model and the baselines on ``test_rows`` (row positions of the history).

    Parameters
    ----------
    model : fitted model
    features : the history's features (all rows)
    reporting : DataFrame of the reporting-only columns (all rows), for the exposure audit only
    test_rows : int (t,), held-out rows (whole offers)
    train_hire_rate : hire rate of the training rows (the ``random`` scorer's probability)
    """
    x = features.X.iloc[test_rows]
    y = features.y[test_rows]
    groups = features.groups[test_rows]
    tie = np.random.default_rng(random_state).random(len(test_rows))
    comps = x.to_numpy(dtype=np.float32)
    proba, _ = TrainedScorer(model=model, version="evaluated").score(comps)
    default, _ = WeightedScorer().score(comps)
    scorers: dict[str, tuple[npt.NDArray[np.floating], npt.NDArray[np.floating] | None]] = {
        MODEL: (proba, proba),
        DEFAULT: (default, None),
        "job match only": (comps[:, FEATURES.index("skills")], None),
        "distance only": (-features.distance_km[test_rows], None),
        "random": (np.zeros(len(test_rows)), np.full(len(test_rows), train_hire_rate)),
    }
    rows = {}
    n_with_hire = 0
    for name, (score, probability) in scorers.items():
        m = ranking_metrics(y, score, groups, ks=(5, 10), tie_breaker=tie)
        n_with_hire = m.n_offers_with_hire
        rows[name] = {
            "ndcg@10": m.ndcg[10],
            "recall@5": m.recall[5],
            "recall@10": m.recall[10],
            "precision@5": m.precision[5],
            "precision@10": m.precision[10],
            "ece": (
                expected_calibration_error(y, probability)
                if probability is not None
                else float("nan")
            ),
        }
    metrics = pd.DataFrame.from_dict(rows, orient="index").loc[:, list(METRIC_COLUMNS)]
    attrs = reporting.iloc[test_rows].loc[:, list(REPORTING_COLUMNS)].reset_index(drop=True)
    exposure = pd.concat(
        [
            exposure_ratios(attrs, score, groups, k=AUDIT_K, tie_breaker=tie).assign(scorer=name)
            for name, (score, _) in scorers.items()
            if name in (MODEL, DEFAULT)
        ],
        ignore_index=True,
    )
    return Evaluation(
        metrics=metrics,
        reliability=reliability_table(y, proba, strategy="quantile"),
        exposure=exposure.loc[:, ["scorer", *exposure.columns.drop("scorer")]],
        n_rows=len(test_rows),
        n_offers=len(set(groups)),
        n_offers_with_hire=n_with_hire,
        hire_rate=float(y.mean()) if len(y) else float("nan"),
    )


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
    ece = float(evaluation.metrics["ece"].to_numpy(dtype=float)[0])  # the model is the first row
    ax.set_title(f"Reliability, held-out offers (ECE {ece:.4f})", fontsize="medium")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _plot_metrics(evaluation: Evaluation, path: Path) -> None:
    fig = Figure(figsize=(7, 4))
    ax = fig.add_subplot()
    cols = ["ndcg@10", "recall@5", "recall@10", "precision@5"]
    table = evaluation.metrics.loc[:, cols]
    width = 0.8 / len(table)
    for i, (name, row) in enumerate(table.iterrows()):
        ax.bar(np.arange(len(cols)) + i * width, row.to_numpy(dtype=float), width, label=name)
    ax.set_xticks(np.arange(len(cols)) + 0.4 - width / 2, cols)
    ax.set_ylim(0, 1)
    ax.set_title("Ranking of hires on held-out offers")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _plot_exposure(evaluation: Evaluation, path: Path) -> None:
    fig = Figure(figsize=(7, 4))
    ax = fig.add_subplot()
    exp = evaluation.exposure
    labels = [f"{a}={v}" for a, v in exp.loc[exp["scorer"] == MODEL, ["attribute", "value"]].values]
    for i, scorer in enumerate((MODEL, DEFAULT)):
        part = exp[exp["scorer"] == scorer]
        ax.bar(
            np.arange(len(part)) + i * 0.4, part["ratio"].to_numpy(dtype=float), 0.4, label=scorer
        )
    ax.axhspan(*EXPOSURE_RANGE, color="green", alpha=0.1, label="accepted range")
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.set_xticks(np.arange(len(labels)) + 0.2, labels, rotation=30, ha="right")
    ax.set_ylabel(f"share on top {AUDIT_K} / share considered")
    ax.set_title("Exposure audit (reporting-only attributes)")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def _model_card(evaluation: Evaluation, metadata: dict[str, Any]) -> str:
    m = evaluation.metrics
    flagged = evaluation.exposure[evaluation.exposure["flagged"]]
    flag_text = (
        "none"
        if flagged.empty
        else ", ".join(
            f"{r.scorer}: {r.attribute}={r.value} ({r.ratio:.2f})" for r in flagged.itertuples()
        )
    )
    libs = metadata.get("libraries", {})
    split = metadata.get("split", {})
    return f"""# Model card — {metadata.get("version", "?")}

## Intended use
Ranks the people a coach may propose for a clause job offer (Département de l'Orne, RSA
beneficiaries) by the estimated probability that the company hires them, from the engine's
three components only ({", ".join(FEATURES)}). It orders a shortlist for people to read; it
decides nothing. Not for: deciding eligibility, refusing anyone support, judging a person.

## Human oversight
Recruitment and access to employment are a high-risk use under the EU AI Act (Annex III, 4(a)).
The workflow enforces that the tool ranks and people decide: a coach chooses whom to propose
(anyone, including people the ranking puts low), the facilitator validates or refuses every
proposal with a reason, and the company makes the hiring decision. Every score shows its
components, their contributions and a French explanation; the model version that scored each
match is recorded. Hard constraints (licences, distance, hours, schedule) stay rules, not model
output. An administrator activates a model version explicitly and can fall back to the
transparent default weights at any time.

## Model
Monotone gradient boosting (scikit-learn `HistGradientBoostingClassifier`, `monotonic_cst=+1`
on every component: a better job match, a shorter trip or a readier person never lowers the
score) with {metadata.get("params", {}).get("calibration", "isotonic")} calibration over
offer-grouped folds. Hyperparameters: `{json.dumps(metadata.get("params", {}))}`.
Libraries: Python {libs.get("python", "?")}, numpy {libs.get("numpy", "?")}, scikit-learn
{libs.get("sklearn", "?")}.

## Data
History file `{metadata.get("data_file", "?")}` (sha256 `{metadata.get("data_sha256", "?")}`),
{metadata.get("n_rows", "?")} rows. Split: {split.get("kind", "?")} by offer, test share
{split.get("test_size", "?")}, seed {split.get("random_state", "?")}; no offer on both sides.
Features are recomputed from the history by the engine's own code (`matching.features`).
Reporting attributes (sex, age band) are kept apart and used only for the audit below.

## Metrics
Held-out: {evaluation.n_offers} offers ({evaluation.n_offers_with_hire} with a hire),
{evaluation.n_rows} rows, hire rate {evaluation.hire_rate:.1%}.

{_markdown_table(m, "scorer")}

NDCG / recall / precision are averaged over offers with at least one hire. ECE (10 equal-width
bins) only for scorers that output a probability.

## Exposure audit
Share of each group on every offer's top {AUDIT_K} over its share among the people considered,
flagged outside {EXPOSURE_RANGE[0]}–{EXPOSURE_RANGE[1]}. Flagged: {flag_text}.

## Limits
* If the history is synthetic (`clausematch history generate`), these figures show that the
  pipeline works and that a model can recover a signal put there by construction; they do not
  show that the model is right for real people. Only real outcome history can.
* The model sees what was recorded about people who were considered: those coaches never
  proposed are missing (selection bias), and past hiring decisions may carry past biases.
* Three components only: anything the engine does not compute is invisible to the model.
* Calibration holds for populations like the training one; re-check it after any change in
  the caseload, the offers or the engine's component formulas (retrain then).
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
    paths["report"].write_text(
        f"""# Evaluation — {metadata.get("version", "?")}

History `{metadata.get("evaluated_file", metadata.get("data_file", "?"))}`; held-out: \
{evaluation.n_offers} offers ({evaluation.n_offers_with_hire} with a hire), {evaluation.n_rows} \
rows, hire rate {evaluation.hire_rate:.1%}.

{notes}
## Ranking and calibration

{_markdown_table(evaluation.metrics, "scorer")}

Default weights: {weights}. ![metrics](metrics.png) ![reliability](reliability.png)

## Exposure audit (top {AUDIT_K} per offer; flagged outside {EXPOSURE_RANGE[0]}–\
{EXPOSURE_RANGE[1]})

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
