"""Seeded synthetic outcome history, for developing and testing the training pipeline.

Everything here is invented: the history shows that the pipeline runs end to end and that a
model can recover a signal that is there by construction. It says nothing about what predicts a
hire in the Orne. :data:`ASSUMPTIONS` (also written next to every generated file) lists the
choices; the figures are deliberate round numbers, not measurements.

How a history is made
---------------------
1. **Periods.** ``n_periods`` monthly rounds (2 to 12 by size), the first on ``start``. Each
   round draws a fresh pool of people and clause offers with
   :func:`fixtures.demo.generate_pool` (Orne), ids prefixed by the round (``P03-``).
2. **Who is considered.** The engine ranks each offer's reachable, non-excluded people with
   the default weights (top 200). Coaches consider 10 to 30 people per offer (uniform); each is
   taken from the engine's shortlist (ranks 1-20) with probability 0.75, otherwise from ranks
   21-200 (people the coach knows, found by search), at random within each part.
3. **The hidden "true" model** of a hire, on the underlying facts (not on the engine's
   components, and not the default weighted score): a logistic with thresholds and interactions,
   see :data:`ASSUMPTIONS`. Each offer's intercept is solved so that its expected hires are
   ``fill × open_positions`` with ``fill`` ~ U(0.8, 1.3) per offer (the company picks among the
   people it meets: a person's chance depends on the competition); hires are drawn
   (Bernoulli), then at most ``open_positions`` per offer are kept (the first drawn, at random).
4. **Funnel.** Hired ⇒ validated ⇒ proposed. Others are proposed with probability 0.55 when
   on the engine's shortlist, 0.35 otherwise, and validated with probability 0.6 once proposed.
5. **Hours and outcome** (hired only): weeks worked = contract length (CDI: 52 weeks) × U(0.8,
   1); 12 % abandon (weeks × U(0.1, 0.5)); the rest is ``emploi_durable`` for a CDI or a
   contract of 6 months or more, ``sortie_positive`` for a CDDI (hire by an SIAE),
   ``emploi_transition`` otherwise. ``decided_on`` = round date + 14 to 60 days (per offer).
6. **Reporting attributes** (``sex``, ``age_band``) come from
   :func:`fixtures.demo.build.generate_reporting`, drawn independently of everything else: the
   true model does not use them, so an unbiased ranking gives exposure ratios close to 1.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from fixtures.demo import generate_pool
from fixtures.demo.build import generate_reporting
from matching import columns as col
from matching.components import Relation, job_match
from matching.engine import MatchingState
from matching.referentials import CommuneIndex, RomeReferential
from training.history import (
    CANDIDATE_FIELDS,
    DECIDED_ON,
    LABEL,
    OFFER_FIELDS,
    SCORED_ON,
    age_band,
    validate_history,
)

__all__ = [
    "ASSUMPTIONS",
    "DEFAULT_START",
    "FILL_RANGE",
    "generate_history",
    "hire_logit",
    "summary_markdown",
]

DEFAULT_START: Final = date(2025, 1, 6)
FILL_RANGE: Final = (0.8, 1.3)
SHORTLIST_SIZE: Final = 20
CONSIDERED_POOL: Final = 200
CONSIDERED_MIN, CONSIDERED_MAX = 10, 30
SHORTLIST_SHARE: Final = 0.75
ROWS_PER_OFFER: Final = 0.5 * (CONSIDERED_MIN + CONSIDERED_MAX)
PERIOD_DAYS: Final = 30

# true model, on the logit scale
RELATION_EFFECT: Final[dict[Relation, float]] = {
    Relation.NONE: -2.4,
    Relation.SAME_DOMAIN: -1.5,
    Relation.CLOSE: -0.6,
    Relation.SAME_REFERENCE: -0.4,
    Relation.SAME_FICHE: 0.0,
    Relation.SAME_APPELLATION: 0.3,
}
EXPERIENCED_EFFECT: Final = 0.7  # experience in the job >= max(required, 1 year)
UNDER_EXPERIENCED_EFFECT: Final = -0.5  # experience < half of what the offer requires
KM_EFFECT: Final = -0.04  # per road km beyond 5 km, with a car or two-wheeler
KM_EFFECT_NO_VEHICLE: Final = -0.09  # per road km beyond 5 km, otherwise
FAR_EFFECT: Final = -0.8  # more than 30 road km
STAGE_EFFECT: Final[dict[str, float]] = {
    "diagnostic": -2.0,
    "en_parcours": -0.7,
    "pret_emploi": 0.0,
}
LATE_EFFECT: Final = -0.6  # available after the offer starts
VERY_LATE_EFFECT: Final = -1.0  # more than 45 days after
STALE_EFFECT: Final = -0.4  # assessment more than 270 days old on the day considered
READY_AND_MATCHED_EFFECT: Final = 0.5  # same fiche or appellation and ``pret_emploi``

ASSUMPTIONS: Final = f"""\
## Assumptions of the synthetic history

Invented data: shows that the pipeline works, not what predicts a hire for real people.

* **Rounds**: monthly rounds from {DEFAULT_START.isoformat()} (2 to 12 by size), each with a
  fresh pool of people and offers from `fixtures.demo.generate_pool` (Orne).
* **Considered**: {CONSIDERED_MIN} to {CONSIDERED_MAX} people per offer (uniform); each from
  the engine's default-weight shortlist (ranks 1-{SHORTLIST_SIZE}) with probability
  {SHORTLIST_SHARE}, else from ranks {SHORTLIST_SIZE + 1}-{CONSIDERED_POOL}. Only people the
  engine can rank (no hard constraint) are considered.
* **Hidden true model** of a hire (logistic; NOT the default weighted score, NOT the engine's
  components): logit = offer intercept
  + job relation (none {RELATION_EFFECT[Relation.NONE]}, same domain
  {RELATION_EFFECT[Relation.SAME_DOMAIN]}, close fiche {RELATION_EFFECT[Relation.CLOSE]},
  same reference {RELATION_EFFECT[Relation.SAME_REFERENCE]}, same fiche 0, same appellation
  +{RELATION_EFFECT[Relation.SAME_APPELLATION]})
  + {EXPERIENCED_EFFECT} if experience in that job >= max(required, 1 year),
  {UNDER_EXPERIENCED_EFFECT} if below half the required experience
  + {KM_EFFECT} per road km beyond 5 km with a vehicle ({KM_EFFECT_NO_VEHICLE} without),
  {FAR_EFFECT} beyond 30 km
  + stage (diagnostic {STAGE_EFFECT["diagnostic"]}, en parcours {STAGE_EFFECT["en_parcours"]},
  prêt à l'emploi 0)
  + {LATE_EFFECT} if available after the offer's start, {VERY_LATE_EFFECT} more beyond 45 days
  + {STALE_EFFECT} if the assessment is more than 270 days old
  + {READY_AND_MATCHED_EFFECT} when the job is the same fiche or appellation AND the person is
  prêt à l'emploi (interaction).
* **Imbalance and competition**: each offer's intercept makes its expected hires = fill ×
  open positions, fill ~ U({FILL_RANGE[0]}, {FILL_RANGE[1]}) per offer; at most `open_positions`
  hires per offer (about one hire per position, most candidates not hired).
* **Funnel**: hired ⇒ validated ⇒ proposed; others proposed with probability 0.55 (on the
  shortlist) or 0.35, validated with probability 0.6 once proposed.
* **Hours / outcome**: weeks worked = contract length (CDI 52 weeks) × U(0.8, 1); 12 % abandon
  (× U(0.1, 0.5)); CDI or >= 6 months: emploi durable; CDDI: sortie positive; else emploi de
  transition. Decided 14 to 60 days after the round.
* **Reporting attributes** (sex, age band) drawn independently (`fixtures.demo.build` shares):
  the true model never uses them.
"""


def hire_logit(
    *,
    relation: npt.NDArray[np.integer],
    experience_years: npt.NDArray[np.floating],
    experience_required: npt.NDArray[np.floating],
    distance_km: npt.NDArray[np.floating],
    has_vehicle: npt.NDArray[np.bool_],
    stage: npt.NDArray[np.object_],
    days_late: npt.NDArray[np.integer],
    assessment_age_days: npt.NDArray[np.integer],
) -> npt.NDArray[np.float64]:
    """The true model's logit without intercept nor offer effect, float64 (P,).

    Parameters (all (P,))
    ----------
    relation : :class:`~matching.components.Relation` of the person's best job to the offer's
    experience_years, experience_required : years in that job, years the offer asks for
    distance_km : road km; has_vehicle : car or two-wheeler usable
    stage : readiness stage names; days_late : available day - offer start (days)
    assessment_age_days : days since the coach's assessment on the day considered
    """
    rel = np.asarray(relation, dtype=np.int64)
    effect = np.array([RELATION_EFFECT[Relation(r)] for r in range(len(Relation))])
    logit = effect[rel].astype(np.float64)
    exp = np.asarray(experience_years, dtype=np.float64)
    req = np.asarray(experience_required, dtype=np.float64)
    logit += np.where(exp >= np.maximum(req, 1.0), EXPERIENCED_EFFECT, 0.0)
    logit += np.where((req > 0) & (exp < 0.5 * req), UNDER_EXPERIENCED_EFFECT, 0.0)
    km = np.asarray(distance_km, dtype=np.float64)
    per_km = np.where(has_vehicle, KM_EFFECT, KM_EFFECT_NO_VEHICLE)
    logit += per_km * np.maximum(km - 5.0, 0.0) + np.where(km > 30.0, FAR_EFFECT, 0.0)
    stage_effect = pd.Series(stage).map(STAGE_EFFECT).to_numpy(dtype=np.float64)
    logit += stage_effect
    late = np.asarray(days_late, dtype=np.int64)
    logit += np.where(late > 0, LATE_EFFECT, 0.0) + np.where(late > 45, VERY_LATE_EFFECT, 0.0)
    logit += np.where(np.asarray(assessment_age_days) > 270, STALE_EFFECT, 0.0)
    matched = rel >= int(Relation.SAME_FICHE)
    logit += np.where(matched & (np.asarray(stage) == "pret_emploi"), READY_AND_MATCHED_EFFECT, 0.0)
    return logit


def _sigmoid(x: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    out: npt.NDArray[np.float64] = 1.0 / (1.0 + np.exp(-x))
    return out


def _solve_intercepts(
    logit: npt.NDArray[np.float64], group: npt.NDArray[np.int64], expected: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Per-group intercept ``a_g`` with ``sum_{i in g} sigmoid(a_g + logit_i) = expected_g``.

    Bisection on every group at once; ``expected_g`` must be below the group's size.
    """
    n_groups = expected.shape[0]
    lo, hi = np.full(n_groups, -30.0), np.full(n_groups, 30.0)
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        total = np.bincount(group, weights=_sigmoid(mid[group] + logit), minlength=n_groups)
        above = total > expected
        hi = np.where(above, mid, hi)
        lo = np.where(above, lo, mid)
    out: npt.NDArray[np.float64] = 0.5 * (lo + hi)
    return out


def _rank_within(keys: pd.DataFrame, by: list[str], order: str) -> npt.NDArray[np.int64]:
    """0-based position of each row within its ``by`` group, ordered by ``order``."""
    pos = keys.sort_values([*by, order], kind="stable").groupby(by, sort=False).cumcount()
    return np.asarray(pos.reindex(keys.index), dtype=np.int64)


def _round(
    *,
    period: int,
    as_of: date,
    n_offers: int,
    n_candidates: int,
    communes_frame: pd.DataFrame,
    communes: CommuneIndex,
    rome: RomeReferential,
    rng: np.random.Generator,
) -> pd.DataFrame:
    pool_rng, draw_rng, report_rng = rng.spawn(3)
    data = generate_pool(
        communes=communes_frame,
        rome=rome,
        n_candidates=n_candidates,
        n_offers=n_offers,
        rng=pool_rng,
        as_of=as_of,
    )
    prefix = f"P{period:02d}-"
    cands = data.candidates.assign(candidate_id=prefix + data.candidates[col.CANDIDATE_ID])
    jobs = data.candidate_jobs.assign(candidate_id=prefix + data.candidate_jobs[col.CANDIDATE_ID])
    offers = data.offers.assign(offer_id=prefix + data.offers[col.OFFER_ID])
    state = MatchingState.build(cands, jobs, offers, rome=rome, communes=communes)
    ranked = state.top_k_per_offer(as_of=as_of, k=CONSIDERED_POOL)
    if len(ranked) == 0:
        return pd.DataFrame()

    # who is considered: a quota from the shortlist, the rest from further down
    o_idx = ranked.offer_idx.astype(np.int64)
    n_offers_ranked = len(state.offers)
    wanted = draw_rng.integers(CONSIDERED_MIN, CONSIDERED_MAX + 1, size=n_offers_ranked)
    from_short = draw_rng.binomial(wanted, SHORTLIST_SHARE)
    is_short = ranked.rank <= SHORTLIST_SIZE
    keys = pd.DataFrame({"o": o_idx, "short": is_short, "u": draw_rng.random(len(ranked))})
    pos = _rank_within(keys, ["o", "short"], "u")
    quota = np.where(is_short, from_short[o_idx], wanted[o_idx] - from_short[o_idx])
    keep = pos < quota
    o = o_idx[keep]
    c = ranked.candidate_idx[keep].astype(np.int64)
    short = is_short[keep]
    dist = ranked.distance_km[keep]

    # facts for the true model, from the engine's prepared arrays
    pool, offer_set = state.pool, state.offers
    _, slot, relation = job_match(pool, offer_set, state.affinity, c, o)
    experience = pool.job_experience[slot, c]
    stage = np.asarray(col.READINESS_STAGES, dtype=object)[pool.stage[c]]
    motorised = np.isin(
        pool.effective_mode[c],
        [col.TRAVEL_MODES.index("voiture"), col.TRAVEL_MODES.index("deux_roues")],
    )
    day0 = int((np.datetime64(as_of, "D") - np.datetime64("1970-01-01", "D")).astype(np.int64))
    logit = hire_logit(
        relation=relation,
        experience_years=experience,
        experience_required=offer_set.experience_required[o],
        distance_km=dist,
        has_vehicle=pool.has_vehicle[c] & motorised,
        stage=stage,
        days_late=pool.available_day[c].astype(np.int64) - offer_set.start_day[o],
        assessment_age_days=day0 - pool.assessed_day[c].astype(np.int64),
    )
    positions = offer_set.open_positions.astype(np.int64)
    fill = draw_rng.uniform(*FILL_RANGE, size=n_offers_ranked)
    size = np.bincount(o, minlength=n_offers_ranked)
    expected = np.minimum(fill * positions, 0.5 * size)
    intercept = _solve_intercepts(logit, o, expected.astype(np.float64))
    p = _sigmoid(intercept[o] + logit)
    drawn = draw_rng.random(p.shape[0]) < p
    order_key = pd.DataFrame({"o": o, "u": draw_rng.random(p.shape[0])})
    hire_pos = _rank_within(order_key[drawn], ["o"], "u")
    hired = np.zeros(p.shape[0], dtype=bool)
    hired[np.flatnonzero(drawn)[hire_pos < positions[o[drawn]]]] = True

    n = hired.shape[0]
    proposed = hired | (draw_rng.random(n) < np.where(short, 0.55, 0.35))
    validated = hired | (proposed & (draw_rng.random(n) < 0.6))
    offer_rows = offers.iloc[o].reset_index(drop=True)
    start = offer_rows[col.START_DATE].to_numpy(dtype="datetime64[D]")
    end = offer_rows[col.END_DATE].to_numpy(dtype="datetime64[D]")
    length_days = np.where(np.isnat(end), 364, (end - start).astype(np.int64))
    contract = offer_rows[col.CONTRACT_TYPE].to_numpy(dtype=object)
    abandon = draw_rng.random(n) < 0.12
    share = np.where(abandon, draw_rng.uniform(0.1, 0.5, n), draw_rng.uniform(0.8, 1.0, n))
    weeks = np.minimum(length_days, 364) / 7.0 * share
    hours = np.where(hired, np.round(weeks * offer_rows[col.WEEKLY_HOURS].to_numpy()), 0.0)
    outcome = np.where(
        contract == "CDDI",
        "sortie_positive",
        np.where((contract == "CDI") | (length_days >= 182), "emploi_durable", "emploi_transition"),
    )
    outcome = np.where(abandon, "abandon", outcome)
    outcome = np.where(hired, outcome, "")
    decided_offset = draw_rng.integers(14, 61, size=n_offers_ranked)[o]

    cand_rows = cands.iloc[c].reset_index(drop=True)
    job_tuples = jobs.groupby(col.CANDIDATE_ID, sort=False).agg(tuple)
    per_cand = job_tuples.reindex(cand_rows[col.CANDIDATE_ID])
    empty: tuple[object, ...] = ()
    reporting = generate_reporting(cands[col.CANDIDATE_ID], rng=report_rng, as_of=as_of)
    rep = reporting.iloc[c].reset_index(drop=True)
    out: dict[str, object] = {
        col.OFFER_ID: offer_rows[col.OFFER_ID].to_numpy(),
        col.CANDIDATE_ID: cand_rows[col.CANDIDATE_ID].to_numpy(),
        SCORED_ON: np.full(n, np.datetime64(as_of, "s")),
        DECIDED_ON: (np.datetime64(as_of, "D") + decided_offset).astype("datetime64[s]"),
    }
    for hist_name, engine_name in CANDIDATE_FIELDS.items():
        out[hist_name] = cand_rows[engine_name].to_numpy()
    out["job_code_ogr"] = [
        tuple(None if pd.isna(x) else int(x) for x in t) if isinstance(t, tuple) else empty
        for t in per_cand[col.CODE_OGR]
    ]
    out["job_code_rome"] = [
        tuple(str(x) for x in t) if isinstance(t, tuple) else empty for t in per_cand[col.CODE_ROME]
    ]
    out["job_experience_years"] = [
        tuple(float(x) for x in t) if isinstance(t, tuple) else empty
        for t in per_cand[col.EXPERIENCE_YEARS]
    ]
    for hist_name, engine_name in OFFER_FIELDS.items():
        out[hist_name] = offer_rows[engine_name].to_numpy()
    out["proposed"] = proposed
    out["validated"] = validated
    out[LABEL] = hired
    out["hours"] = hours
    out["outcome"] = outcome.astype(object)
    out["sex"] = rep["sex"].to_numpy()
    out["age_band"] = age_band(as_of.year - rep["birth_year"].to_numpy())
    frame = pd.DataFrame(out)
    frame["offer_code_ogr"] = frame["offer_code_ogr"].astype("Int64")
    return frame


def generate_history(
    *,
    n_rows: int,
    rome: RomeReferential,
    communes: CommuneIndex,
    communes_frame: pd.DataFrame,
    rng: np.random.Generator,
    start: date = DEFAULT_START,
    n_periods: int | None = None,
) -> pd.DataFrame:
    """Generate about ``n_rows`` history rows (see the module docstring).

    Parameters
    ----------
    n_rows : target number of rows (>= 100); the result is within a few percent of it
    rome, communes : referentials for the engine
    communes_frame : :func:`matching.referentials.load_communes` frame for the pool generator
    rng : the only source of randomness (same state, same history)
    start : date of the first round
    n_periods : number of monthly rounds (default: 2 to 12 by size)

    Returns
    -------
    A validated history frame (:func:`training.history.validate_history`), rows by round, then
    offer, then the engine's rank.
    """
    if n_rows < 100:
        raise ValueError(f"n_rows must be >= 100, got {n_rows}")
    periods = n_periods if n_periods is not None else max(2, min(12, n_rows // 2500))
    if periods < 1:
        raise ValueError(f"n_periods must be >= 1, got {periods}")
    # some offers reach fewer people than wanted: ask for 30 % more offers
    offers_per_round = max(5, math.ceil(1.3 * n_rows / ROWS_PER_OFFER / periods))
    candidates_per_round = max(1500, 5 * offers_per_round)
    frames = []
    for period, round_rng in enumerate(rng.spawn(periods)):
        frames.append(
            _round(
                period=period,
                as_of=start + timedelta(days=PERIOD_DAYS * period),
                n_offers=offers_per_round,
                n_candidates=candidates_per_round,
                communes_frame=communes_frame,
                communes=communes,
                rome=rome,
                rng=round_rng,
            )
        )
    history = pd.concat(frames, ignore_index=True)
    # trim to about n_rows by dropping whole offers (last ones of each round first)
    sizes = history.groupby(col.OFFER_ID, sort=False).size()
    keep_offers = sizes.index[np.cumsum(sizes.to_numpy()) <= max(n_rows, int(sizes.iloc[0]))]
    history = history[history[col.OFFER_ID].isin(keep_offers)]
    return validate_history(history)


def summary_markdown(history: pd.DataFrame, *, command: str, seed: int) -> str:
    """A short description of a generated history: command, sizes, imbalance, assumptions."""
    per_offer = history.groupby(col.OFFER_ID)
    hires = per_offer[LABEL].sum()
    positions = per_offer[col.OPEN_POSITIONS].first()
    lines = [
        "# Synthetic outcome history",
        "",
        f"Made by `{command}` (seed {seed}). Invented data, see the assumptions below.",
        "",
        "| | |",
        "| --- | --- |",
        f"| rows (candidate considered for an offer) | {len(history):,} |",
        f"| offers | {len(hires):,} |",
        f"| distinct candidates | {history[col.CANDIDATE_ID].nunique():,} |",
        f"| considered per offer (mean, min, max) | {per_offer.size().mean():.1f}, "
        f"{per_offer.size().min()}, {per_offer.size().max()} |",
        f"| hires | {int(hires.sum()):,} ({history[LABEL].mean():.1%} of rows) |",
        f"| hires per open position | {hires.sum() / positions.sum():.2f} |",
        f"| offers with no hire | {(hires == 0).mean():.1%} |",
        f"| proposed / validated | {history['proposed'].mean():.1%} / "
        f"{history['validated'].mean():.1%} |",
        f"| scored_on range | {history[SCORED_ON].min():%Y-%m-%d} to "
        f"{history[SCORED_ON].max():%Y-%m-%d} |",
        "",
        ASSUMPTIONS,
    ]
    return "\n".join(lines)
