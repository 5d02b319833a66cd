"""A seeded synthetic outcome world, collected the way real history is.

Everything here is invented: the world shows that the pipeline runs end to end and that a model
can recover a signal that is there by construction. It says nothing about what predicts a hire
in the Orne. :data:`ASSUMPTIONS` (also written next to every generated file) lists the choices;
the figures are deliberate round numbers, not measurements.

How real history is collected, and how this world reproduces it
----------------------------------------------------------------
1. **Rounds.** ``n_periods`` monthly rounds, the first on ``start``. Each round draws a fresh
   pool of people (8,000 by default: a département's coaching programme) and clause offers
   with :func:`fixtures.demo.generate_pool` (Orne), ids prefixed by the round (``P03-``); the
   pool as it was that day is the round's pool snapshot.
2. **An earlier ranking chooses who is shown** (the *logging* scorer: the default weights, with
   the travel tolerance given): shortlist pages (ranks 1-20 seen for 90 % of offers, 21-40 for
   30 %), the batch's capacity-aware lists (3 people per position, at most 3 lists a person,
   read in the coaches' digests), and a person's best offers (5 offers, looked at for 10 % of
   people). Each shown pair keeps its best rank, its score and where it was seen.
3. **Coaches choose whom to propose among them**, from what they perceive of the fit (the true
   appeal below plus noise, sd 0.8) and how high the pair was shown (a list is read from the
   top): ``P(propose) = sigmoid(-2 + (perceived - mean of the list) - 0.2 log2(rank))``. They
   also think of about 3 people per offer from what they know (Poisson): those they perceive
   to fit best among the people with no other hard constraint living within their declared
   range plus the larger of 5 km and 60 % of it. Those are proposed, on a list or not: some
   of them beyond what they declared (people take a job a little further when it fits), which
   is what a hard travel range misses.
4. **The facilitator validates** a proposal with probability ``sigmoid(1.2 + 0.4 (perceived -
   the round's median))``.
5. **Companies hire among the validated**, by the hidden true model (:func:`true_hire_logit`,
   on the underlying facts, not on the engine's components nor the default weights): each
   offer's intercept is solved so that its expected hires are ``fill × open_positions`` (``fill``
   ~ U(0.8, 1.3), at most 60 % of the validated), hires are drawn, and at most
   ``open_positions`` kept.
6. **Hours and outcome** (hired only) and ``decided_on`` as before; **reporting attributes**
   (``sex``, ``age_band``) from :func:`fixtures.demo.build.generate_reporting`, drawn
   independently of everything else: no step reads them.

The oracle of this world is :func:`true_hire_logit`: ranking an offer's whole eligible pool by
the true probability that the company hires a person it meets (the benchmark reports it). It is
not a ceiling of pool recall: the logged hires were also chosen by who was shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from fixtures.demo import generate_pool
from fixtures.demo.build import generate_reporting
from matching import columns as col
from matching.capacity import allocate_lists
from matching.components import Relation, job_match, skill_overlap
from matching.engine import MatchingState
from matching.fields import TravelTolerance
from matching.licences import LICENCE_CODES
from matching.ranking import RankedPairs, as_day
from matching.referentials import CommuneIndex, RomeReferential
from matching.scoring import Scorer
from training.history import (
    CANDIDATE_FIELDS,
    DECIDED_ON,
    LABEL,
    OFFER_FIELDS,
    POOL_ON,
    SCHEMA_VERSION,
    SCORED_ON,
    VERSION_COLUMN,
    age_band,
    validate_history,
    validate_pool,
)

__all__ = [
    "ASSUMPTIONS",
    "DEFAULT_START",
    "FILL_RANGE",
    "SyntheticHistory",
    "generate_history",
    "summary_markdown",
    "true_hire_logit",
]

DEFAULT_START: Final = date(2025, 1, 6)
FILL_RANGE: Final = (0.8, 1.3)
PERIOD_DAYS: Final = 30
PAGE: Final = 20
PAGE_ONE_SEEN: Final = 0.9
PAGE_TWO_SEEN: Final = 0.3
SLOTS_PER_POSITION: Final = 3
MAX_LISTS: Final = 3
OFFERS_FOR_SHARE: Final = 0.1
OFFERS_FOR_K: Final = 5
PERCEPTION_SD: Final = 0.8
PROPOSE_BASE, PROPOSE_FIT, PROPOSE_RANK = -2.0, 1.0, 0.2
MANUAL_PER_OFFER: Final = 3.0
MANUAL_REACH: Final = TravelTolerance(km=5.0, share=0.6)
VALIDATE_BASE, VALIDATE_FIT = 1.2, 0.4
MAX_HIRED_SHARE: Final = 0.6
ROWS_PER_OFFER: Final = 36.0
POOL_SIZE: Final = 8000

# the true model, on the logit scale
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
SKILLS_EFFECT: Final = 1.0  # times the share of the required skills declared
KM_EFFECT: Final = -0.04  # per road km beyond 5 km, with a car or two-wheeler
KM_EFFECT_NO_VEHICLE: Final = -0.09  # per road km beyond 5 km, otherwise
FAR_EFFECT: Final = -0.8  # more than 30 road km
BEYOND_RANGE_EFFECT: Final = -1.0  # times the overshoot as a share of the declared range (≤ 1)
STAGE_EFFECT: Final[dict[str, float]] = {
    "diagnostic": -2.0,
    "en_parcours": -0.7,
    "pret_emploi": 0.0,
}
LATE_EFFECT: Final = -0.6  # available after the offer starts
VERY_LATE_EFFECT: Final = -1.0  # more than 45 days after
STALE_EFFECT: Final = -0.4  # assessment more than 270 days old on the day considered
READY_AND_MATCHED_EFFECT: Final = 0.5  # same fiche or appellation and ``pret_emploi``
FULL_HOURS_EFFECT: Final = -0.6  # the job takes all the weekly hours the person can do
PERMIS_B_EFFECT: Final = 0.3  # driving licence held (employers count on it)

ASSUMPTIONS: Final = f"""\
## Assumptions of the synthetic outcome world

Invented data: shows that the pipeline works, not what predicts a hire for real people.

* **Rounds**: monthly rounds from {DEFAULT_START.isoformat()}, each with a fresh pool of people
  ({POOL_SIZE:,} unless told) and offers from `fixtures.demo.generate_pool` (Orne); the pool
  file holds each round's people.
* **Shown** (the earlier ranking: default weights, travel tolerance on): shortlist ranks
  1-{PAGE} for {PAGE_ONE_SEEN:.0%} of offers, {PAGE + 1}-{2 * PAGE} for {PAGE_TWO_SEEN:.0%};
  batch lists ({SLOTS_PER_POSITION} per position, at most {MAX_LISTS} lists a person); the
  {OFFERS_FOR_K} best offers of {OFFERS_FOR_SHARE:.0%} of people.
* **Proposed**: shown pairs with probability sigmoid({PROPOSE_BASE} + {PROPOSE_FIT} (perceived
  fit - its list's mean) - {PROPOSE_RANK} log2(rank)), perceived fit = true logit + N(0,
  {PERCEPTION_SD});
  plus about {MANUAL_PER_OFFER:g} people per offer the coaches think of (proposed, listed or
  not): the best perceived fits among people with no other hard constraint within their
  declared range plus the larger of 5 km and 60 % of it.
* **Validated** with probability sigmoid({VALIDATE_BASE} + {VALIDATE_FIT} (perceived fit - the
  round's median)).
* **Hidden true model** of a hire among the validated (logistic; NOT the default weighted
  score, NOT the engine's components): logit = offer intercept
  + job relation (none {RELATION_EFFECT[Relation.NONE]}, same domain
  {RELATION_EFFECT[Relation.SAME_DOMAIN]}, close fiche {RELATION_EFFECT[Relation.CLOSE]},
  same reference {RELATION_EFFECT[Relation.SAME_REFERENCE]}, same fiche 0, same appellation
  +{RELATION_EFFECT[Relation.SAME_APPELLATION]})
  + {EXPERIENCED_EFFECT} if experience in that job >= max(required, 1 year),
  {UNDER_EXPERIENCED_EFFECT} if below half the required experience
  + {SKILLS_EFFECT} × share of the required skills declared
  + {KM_EFFECT} per road km beyond 5 km with a vehicle ({KM_EFFECT_NO_VEHICLE} without),
  {FAR_EFFECT} beyond 30 km, {BEYOND_RANGE_EFFECT} × the overshoot of the declared range (as a
  share of it, at most 1)
  + stage (diagnostic {STAGE_EFFECT["diagnostic"]}, en parcours {STAGE_EFFECT["en_parcours"]},
  prêt à l'emploi 0)
  + {LATE_EFFECT} if available after the offer's start, {VERY_LATE_EFFECT} more beyond 45 days
  + {STALE_EFFECT} if the assessment is more than 270 days old
  + {READY_AND_MATCHED_EFFECT} when the job is the same fiche or appellation AND the person is
  prêt à l'emploi (interaction)
  + {FULL_HOURS_EFFECT} × how far the job's weekly hours go from 85 % to 100 % of the person's
  maximum
  + {PERMIS_B_EFFECT} with a driving licence B.
* **Competition**: each offer's intercept makes its expected hires = fill × open positions,
  fill ~ U({FILL_RANGE[0]}, {FILL_RANGE[1]}), at most {MAX_HIRED_SHARE:.0%} of the validated;
  at most `open_positions` hires per offer.
* **Hours / outcome**: weeks worked = contract length (CDI 52 weeks) × U(0.8, 1); 12 % abandon
  (× U(0.1, 0.5)); CDI or >= 6 months: emploi durable; CDDI: sortie positive; else emploi de
  transition. Decided 14 to 60 days after the round.
* **Reporting attributes** (sex, age band) drawn independently (`fixtures.demo.build` shares):
  no step of the world reads them.
"""

_PERMIS_B: Final = np.uint64(1 << LICENCE_CODES.index("PERMIS_B"))
_MOTORISED: Final = (col.TRAVEL_MODES.index("voiture"), col.TRAVEL_MODES.index("deux_roues"))


@dataclass(frozen=True, eq=False)
class SyntheticHistory:
    """A generated history and its pool snapshots (one per round)."""

    history: pd.DataFrame
    pool: pd.DataFrame


def true_hire_logit(
    state: MatchingState,
    candidate_idx: npt.NDArray[np.integer],
    offer_idx: npt.NDArray[np.integer],
    distance_km: npt.NDArray[np.floating],
    *,
    as_of_day: int,
) -> npt.NDArray[np.float64]:
    """The true model's logit of pairs, without the offer's intercept, float64 (P,).

    Reads the underlying facts from the prepared state (see :data:`ASSUMPTIONS`); the offer's
    intercept is the same for all its pairs, so ranking an offer's pool by this logit is ranking
    it by the true probability of a hire.
    """
    pool, offers = state.pool, state.offers
    c = np.asarray(candidate_idx, dtype=np.intp)
    o = np.asarray(offer_idx, dtype=np.intp)
    if c.size == 0:
        return np.zeros(0)
    _, slot, relation = job_match(pool, offers, state.affinity, c, o)
    effect = np.array([RELATION_EFFECT[Relation(r)] for r in range(len(Relation))])
    logit = effect[relation.astype(np.int64)].astype(np.float64)
    exp = pool.job_experience[slot, c].astype(np.float64)
    req = offers.experience_required[o].astype(np.float64)
    logit += np.where(exp >= np.maximum(req, 1.0), EXPERIENCED_EFFECT, 0.0)
    logit += np.where((req > 0) & (exp < 0.5 * req), UNDER_EXPERIENCED_EFFECT, 0.0)
    block, local = np.unique(o, return_inverse=True)
    overlap, _ = skill_overlap(pool, offers, block, local, c)
    logit += SKILLS_EFFECT * overlap
    km = np.asarray(distance_km, dtype=np.float64)
    motorised = np.isin(pool.effective_mode[c], _MOTORISED) & pool.has_vehicle[c]
    per_km = np.where(motorised, KM_EFFECT, KM_EFFECT_NO_VEHICLE)
    logit += per_km * np.maximum(km - 5.0, 0.0) + np.where(km > 30.0, FAR_EFFECT, 0.0)
    rng_km = pool.range_km[c].astype(np.float64)
    over = np.where(rng_km > 0, (km - rng_km) / np.maximum(rng_km, 1e-6), np.where(km > 0, 1, 0))
    logit += BEYOND_RANGE_EFFECT * np.clip(over, 0.0, 1.0)
    stage = np.asarray(col.READINESS_STAGES, dtype=object)[pool.stage[c]]
    logit += pd.Series(stage).map(STAGE_EFFECT).to_numpy(dtype=np.float64)
    late = pool.available_day[c].astype(np.int64) - offers.start_day[o].astype(np.int64)
    logit += np.where(late > 0, LATE_EFFECT, 0.0) + np.where(late > 45, VERY_LATE_EFFECT, 0.0)
    age = as_of_day - pool.assessed_day[c].astype(np.int64)
    logit += np.where(age > 270, STALE_EFFECT, 0.0)
    matched = relation >= int(Relation.SAME_FICHE)
    logit += np.where(matched & (stage == "pret_emploi"), READY_AND_MATCHED_EFFECT, 0.0)
    fill = offers.weekly_hours[o].astype(np.float64) / pool.max_weekly_hours[c]
    logit += FULL_HOURS_EFFECT * np.clip((fill - 0.85) / 0.15, 0.0, 1.0)
    logit += np.where(pool.licence_mask[c] & _PERMIS_B, PERMIS_B_EFFECT, 0.0)
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


@dataclass(frozen=True, eq=False)
class _Shown:
    """Shown pairs of a round, one row per (offer, candidate): best rank, its score, channel."""

    offer_idx: npt.NDArray[np.int64]
    candidate_idx: npt.NDArray[np.int64]
    rank: npt.NDArray[np.int64]
    score: npt.NDArray[np.float64]
    via: npt.NDArray[np.object_]


def _shown(state: MatchingState, as_of: date, rng: np.random.Generator) -> _Shown:
    """What the earlier ranking shows to coaches in one round (see the module docstring)."""
    parts: list[pd.DataFrame] = []
    ranked = state.top_k_per_offer(as_of=as_of, k=2 * PAGE)
    seen_one = rng.random(len(state.offers)) < PAGE_ONE_SEEN
    seen_two = seen_one & (rng.random(len(state.offers)) < PAGE_TWO_SEEN)
    o = ranked.offer_idx.astype(np.int64)
    on_page = np.where(ranked.rank <= PAGE, seen_one[o], seen_two[o])
    parts.append(_part(ranked, on_page, "shortlist"))
    # batch: capacity-aware lists over every offer
    capacity = SLOTS_PER_POSITION * state.offers.open_positions.astype(np.int64)
    wide = state.top_k_per_offer(as_of=as_of, k=int(4 * capacity.max()))
    keep = wide.rank.astype(np.int64) <= 4 * capacity[wide.offer_idx]
    chosen = allocate_lists(
        wide.offer_idx[keep],
        wide.candidate_idx[keep],
        wide.score[keep],
        capacity=capacity,
        max_lists=MAX_LISTS,
    ).selected
    listed = np.flatnonzero(keep)[chosen]
    frame = pd.DataFrame(
        {
            "o": wide.offer_idx[listed].astype(np.int64),
            "c": wide.candidate_idx[listed].astype(np.int64),
            "score": wide.score[listed].astype(np.float64),
        }
    )
    frame["rank"] = _rank_within(frame.assign(neg=-frame["score"]), ["o"], "neg") + 1
    parts.append(frame.assign(via="batch"))
    # best offers of some people
    looked = np.flatnonzero(rng.random(len(state.pool)) < OFFERS_FOR_SHARE)
    for c in looked:
        best = state.offers_for(str(state.pool.ids[c]), OFFERS_FOR_K, as_of=as_of, explain=False)
        if best.empty:
            continue
        parts.append(
            pd.DataFrame(
                {
                    "o": state.offers.index_of(best[col.OFFER_ID]).astype(np.int64),
                    "c": np.full(len(best), c, dtype=np.int64),
                    "score": best[col.SCORE].to_numpy(dtype=np.float64),
                    "rank": best[col.RANK].to_numpy(dtype=np.int64),
                    "via": "offers_for",
                }
            )
        )
    allshown = pd.concat(parts, ignore_index=True)
    best_first = allshown.sort_values(["o", "c", "rank"], kind="stable")
    one = best_first.drop_duplicates(["o", "c"], keep="first")
    return _Shown(
        offer_idx=one["o"].to_numpy(np.int64),
        candidate_idx=one["c"].to_numpy(np.int64),
        rank=one["rank"].to_numpy(np.int64),
        score=one["score"].to_numpy(np.float64),
        via=one["via"].to_numpy(object),
    )


def _part(ranked: RankedPairs, keep: npt.NDArray[np.bool_], via: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "o": ranked.offer_idx[keep].astype(np.int64),
            "c": ranked.candidate_idx[keep].astype(np.int64),
            "score": ranked.score[keep].astype(np.float64),
            "rank": ranked.rank[keep].astype(np.int64),
            "via": via,
        }
    )


def _manual(
    wide: MatchingState, as_of_day: int, rng: np.random.Generator
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """People coaches propose from what they know, list or not: the best perceived fits among
    those they could ask (offer and candidate dense indices, the same as the round's state)."""
    o, c, d = wide.rankable_pairs()
    if o.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    perceived = true_hire_logit(wide, c, o, d, as_of_day=as_of_day)
    perceived = perceived + rng.normal(0.0, PERCEPTION_SD, perceived.shape[0])
    # the coaches think of the people they believe fit best
    wanted = rng.poisson(MANUAL_PER_OFFER, size=len(wide.offers))
    frame = pd.DataFrame({"o": o.astype(np.int64), "c": c.astype(np.int64), "neg": -perceived})
    pos = _rank_within(frame, ["o"], "neg")
    picked = frame[pos < wanted[frame["o"].to_numpy()]]
    return picked["o"].to_numpy(np.int64), picked["c"].to_numpy(np.int64)


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
    tolerance: TravelTolerance,
    scorer: Scorer | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    pool_rng, show_rng, draw_rng, report_rng = rng.spawn(4)
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
    state = MatchingState.build(
        cands, jobs, offers, rome=rome, communes=communes, scorer=scorer, tolerance=tolerance
    )
    day = as_day(as_of)
    reporting = generate_reporting(cands[col.CANDIDATE_ID], rng=report_rng, as_of=as_of)
    pool = _pool_rows(cands, jobs, reporting, as_of)

    shown = _shown(state, as_of, show_rng)
    wide = MatchingState.build(
        cands,
        jobs,
        offers,
        rome=rome,
        communes=communes,
        affinity=state.affinity,
        tolerance=MANUAL_REACH,
    )
    known_o, known_c = _manual(wide, day, draw_rng)
    shown_key = shown.offer_idx * len(state.pool) + shown.candidate_idx
    known_key = known_o * len(state.pool) + known_c
    fresh = ~np.isin(known_key, shown_key)
    manual_o, manual_c = known_o[fresh], known_c[fresh]
    o = np.concatenate([shown.offer_idx, manual_o])
    c = np.concatenate([shown.candidate_idx, manual_c])
    n_shown = shown.offer_idx.shape[0]
    is_shown = np.arange(o.shape[0]) < n_shown
    if o.size == 0:
        return pd.DataFrame(), pool
    dist = state.distances.between(state.pool.commune[c], state.offers.commune[o])
    logit = true_hire_logit(state, c, o, dist, as_of_day=day)
    perceived = logit + draw_rng.normal(0.0, PERCEPTION_SD, logit.shape[0])
    # a coach compares the people of one list: the fit they perceive relative to the list's mean
    listed = pd.Series(perceived[is_shown]).groupby(o[is_shown]).transform("mean").to_numpy()
    relative = np.zeros(o.shape[0])
    relative[is_shown] = perceived[is_shown] - listed
    rank = np.concatenate([shown.rank, np.zeros(manual_o.shape[0], np.int64)])
    p_propose = _sigmoid(
        PROPOSE_BASE + PROPOSE_FIT * relative - PROPOSE_RANK * np.log2(np.maximum(rank, 1))
    )
    # a person the coach thought of is proposed, on a list or not
    thought_of = np.r_[np.isin(shown_key, known_key), np.ones(manual_o.shape[0], dtype=bool)]
    proposed = thought_of | (is_shown & (draw_rng.random(o.shape[0]) < p_propose))
    centred = perceived - np.median(perceived)
    validated = proposed & (
        draw_rng.random(o.shape[0]) < _sigmoid(VALIDATE_BASE + VALIDATE_FIT * centred)
    )
    # companies hire among the validated
    m = len(state.offers)
    positions = state.offers.open_positions.astype(np.int64)
    fill = draw_rng.uniform(*FILL_RANGE, size=m)
    vo = o[validated]
    size = np.bincount(vo, minlength=m)
    expected = np.minimum(fill * positions, MAX_HIRED_SHARE * size)
    intercept = _solve_intercepts(logit[validated], vo, expected.astype(np.float64))
    p_hire = np.zeros(o.shape[0])
    p_hire[validated] = _sigmoid(intercept[vo] + logit[validated])
    drawn = draw_rng.random(o.shape[0]) < p_hire
    order_key = pd.DataFrame({"o": o, "u": draw_rng.random(o.shape[0])})
    hire_pos = _rank_within(order_key[drawn], ["o"], "u")
    hired = np.zeros(o.shape[0], dtype=bool)
    hired[np.flatnonzero(drawn)[hire_pos < positions[o[drawn]]]] = True

    frame = _history_rows(
        state,
        cands,
        jobs,
        offers,
        reporting,
        o=o,
        c=c,
        as_of=as_of,
        rng=draw_rng,
        outcome={"proposed": proposed, "validated": validated, LABEL: hired},
        exposure={
            "shown": is_shown,
            "shown_rank": np.where(is_shown, rank, np.nan),
            "shown_score": np.concatenate([shown.score, np.full(manual_o.shape[0], np.nan)]),
            "shown_by": np.where(is_shown, _label(state.scorer), ""),
            "shown_via": np.concatenate([shown.via, np.full(manual_o.shape[0], "", object)]),
        },
    )
    return frame, pool


def _label(scorer: Scorer) -> str:
    return f"{scorer.name}-v{scorer.version}"


def _jobs_of(jobs: pd.DataFrame, ids: pd.Series) -> dict[str, list[tuple[object, ...]]]:
    """The |-joined job columns of each person, aligned on ``ids``."""
    grouped = jobs.groupby(col.CANDIDATE_ID, sort=False).agg(tuple).reindex(ids)
    empty: tuple[object, ...] = ()
    return {
        "job_code_ogr": [
            tuple(None if pd.isna(x) else int(x) for x in t) if isinstance(t, tuple) else empty
            for t in grouped[col.CODE_OGR]
        ],
        "job_code_rome": [
            tuple(str(x) for x in t) if isinstance(t, tuple) else empty
            for t in grouped[col.CODE_ROME]
        ],
        "job_experience_years": [
            tuple(float(x) for x in t) if isinstance(t, tuple) else empty
            for t in grouped[col.EXPERIENCE_YEARS]
        ],
    }


def _pool_rows(
    cands: pd.DataFrame, jobs: pd.DataFrame, reporting: pd.DataFrame, as_of: date
) -> pd.DataFrame:
    n = len(cands)
    out: dict[str, object] = {
        VERSION_COLUMN: np.full(n, SCHEMA_VERSION, dtype=np.int64),
        POOL_ON: np.full(n, np.datetime64(as_of, "s")),
        col.CANDIDATE_ID: cands[col.CANDIDATE_ID].to_numpy(),
    }
    for hist_name, engine_name in CANDIDATE_FIELDS.items():
        out[hist_name] = cands[engine_name].to_numpy()
    out.update(_jobs_of(jobs, cands[col.CANDIDATE_ID]))
    out["sex"] = reporting["sex"].to_numpy()
    out["age_band"] = age_band(as_of.year - reporting["birth_year"].to_numpy())
    return pd.DataFrame(out)


def _history_rows(
    state: MatchingState,
    cands: pd.DataFrame,
    jobs: pd.DataFrame,
    offers: pd.DataFrame,
    reporting: pd.DataFrame,
    *,
    o: npt.NDArray[np.int64],
    c: npt.NDArray[np.int64],
    as_of: date,
    rng: np.random.Generator,
    outcome: dict[str, npt.NDArray[np.bool_]],
    exposure: dict[str, npt.ArrayLike],
) -> pd.DataFrame:
    n = o.shape[0]
    hired = outcome[LABEL]
    offer_rows = offers.iloc[o].reset_index(drop=True)
    start = offer_rows[col.START_DATE].to_numpy(dtype="datetime64[D]")
    end = offer_rows[col.END_DATE].to_numpy(dtype="datetime64[D]")
    length_days = np.where(np.isnat(end), 364, (end - start).astype(np.int64))
    contract = offer_rows[col.CONTRACT_TYPE].to_numpy(dtype=object)
    abandon = rng.random(n) < 0.12
    share = np.where(abandon, rng.uniform(0.1, 0.5, n), rng.uniform(0.8, 1.0, n))
    weeks = np.minimum(length_days, 364) / 7.0 * share
    hours = np.where(hired, np.round(weeks * offer_rows[col.WEEKLY_HOURS].to_numpy()), 0.0)
    result = np.where(
        contract == "CDDI",
        "sortie_positive",
        np.where((contract == "CDI") | (length_days >= 182), "emploi_durable", "emploi_transition"),
    )
    result = np.where(abandon, "abandon", result)
    result = np.where(hired, result, "")
    decided_offset = rng.integers(14, 61, size=len(state.offers))[o]

    cand_rows = cands.iloc[c].reset_index(drop=True)
    rep = reporting.iloc[c].reset_index(drop=True)
    out: dict[str, object] = {
        VERSION_COLUMN: np.full(n, SCHEMA_VERSION, dtype=np.int64),
        col.OFFER_ID: offer_rows[col.OFFER_ID].to_numpy(),
        col.CANDIDATE_ID: cand_rows[col.CANDIDATE_ID].to_numpy(),
        SCORED_ON: np.full(n, np.datetime64(as_of, "s")),
        DECIDED_ON: (np.datetime64(as_of, "D") + decided_offset).astype("datetime64[s]"),
    }
    for hist_name, engine_name in CANDIDATE_FIELDS.items():
        out[hist_name] = cand_rows[engine_name].to_numpy()
    out.update(_jobs_of(jobs, cand_rows[col.CANDIDATE_ID]))
    for hist_name, engine_name in OFFER_FIELDS.items():
        out[hist_name] = offer_rows[engine_name].to_numpy()
    out.update(exposure)
    out.update(outcome)
    out["hours"] = hours
    out["outcome"] = result.astype(object)
    out["sex"] = rep["sex"].to_numpy()
    out["age_band"] = age_band(as_of.year - rep["birth_year"].to_numpy())
    frame = pd.DataFrame(out)
    frame["offer_code_ogr"] = frame["offer_code_ogr"].astype("Int64")
    return frame.sort_values([col.OFFER_ID, "shown_rank"], kind="stable", na_position="last")


def generate_history(
    *,
    n_rows: int,
    rome: RomeReferential,
    communes: CommuneIndex,
    communes_frame: pd.DataFrame,
    rng: np.random.Generator,
    start: date = DEFAULT_START,
    n_periods: int | None = None,
    tolerance: TravelTolerance | None = None,
    scorer: Scorer | None = None,
    n_candidates: int = POOL_SIZE,
) -> SyntheticHistory:
    """Generate about ``n_rows`` history rows and their pool snapshots (module docstring).

    Parameters
    ----------
    n_rows : target number of rows (>= 100); the result is within a few percent of it
    rome, communes : referentials for the engine
    communes_frame : :func:`matching.referentials.load_communes` frame for the pool generator
    rng : the only source of randomness (same state, same history)
    start : date of the first round
    n_periods : number of monthly rounds (default: 2 to 12 by size)
    tolerance : the travel tolerance of the earlier ranking (default the engine's)
    scorer : the earlier ranking (default the transparent weights)
    n_candidates : people in each round's pool (8,000: a département's coaching programme)

    Returns
    -------
    :class:`SyntheticHistory`: a validated history (rows by round, then offer, then rank
    shown, manual proposals last) and the pool snapshots of its rounds.
    """
    if n_rows < 100:
        raise ValueError(f"n_rows must be >= 100, got {n_rows}")
    periods = n_periods if n_periods is not None else max(2, min(12, n_rows // 2500))
    if periods < 1:
        raise ValueError(f"n_periods must be >= 1, got {periods}")
    offers_per_round = max(5, math.ceil(n_rows / ROWS_PER_OFFER / periods))
    frames, pools = [], []
    for period, round_rng in enumerate(rng.spawn(periods)):
        frame, pool = _round(
            period=period,
            as_of=start + timedelta(days=PERIOD_DAYS * period),
            n_offers=offers_per_round,
            n_candidates=n_candidates,
            communes_frame=communes_frame,
            communes=communes,
            rome=rome,
            rng=round_rng,
            tolerance=tolerance if tolerance is not None else TravelTolerance(),
            scorer=scorer,
        )
        frames.append(frame)
        pools.append(pool)
    history = validate_history(pd.concat(frames, ignore_index=True))
    return SyntheticHistory(
        history=history, pool=validate_pool(pd.concat(pools, ignore_index=True))
    )


def summary_markdown(generated: SyntheticHistory, *, command: str, seed: int) -> str:
    """A short description of a generated history: command, sizes, imbalance, assumptions."""
    history = generated.history
    per_offer = history.groupby(col.OFFER_ID)
    hires = per_offer[LABEL].sum()
    positions = per_offer[col.OPEN_POSITIONS].first()
    manual = history["proposed"] & ~history["shown"]
    hired = history[LABEL]
    lines = [
        "# Synthetic outcome history",
        "",
        f"Made by `{command}` (seed {seed}). Invented data, see the assumptions below.",
        "",
        "| | |",
        "| --- | --- |",
        f"| rows (pairs shown or proposed) | {len(history):,} |",
        f"| offers | {len(hires):,} |",
        f"| people in the pool snapshots | {len(generated.pool):,} |",
        f"| rows per offer (mean, min, max) | {per_offer.size().mean():.1f}, "
        f"{per_offer.size().min()}, {per_offer.size().max()} |",
        f"| shown / proposed / validated | {history['shown'].mean():.1%} / "
        f"{history['proposed'].mean():.1%} / {history['validated'].mean():.1%} |",
        f"| manual proposals (never shown) | {int(manual.sum()):,} |",
        f"| hires | {int(hired.sum()):,} ({hired.mean():.1%} of rows) |",
        f"| hires never shown | {int((hired & ~history['shown']).sum()):,} |",
        f"| hires per open position | {hires.sum() / positions.sum():.2f} |",
        f"| offers with no hire | {(hires == 0).mean():.1%} |",
        f"| scored_on range | {history[SCORED_ON].min():%Y-%m-%d} to "
        f"{history[SCORED_ON].max():%Y-%m-%d} |",
        "",
        ASSUMPTIONS,
    ]
    return "\n".join(lines)
