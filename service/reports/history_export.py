"""The service's own outcome history, in the schema training reads (:mod:`training.history`).

One row per (candidate, offer) the service *showed* or someone *proposed*: every pair a
completed batch run put on a list, every pair shown on a shortlist page, in a coach's digest or
among a person's best offers (table ``exposures``), every proposal (whatever became of it). The
earlier ranking chose who was shown; the rows say so, so that training and evaluation can tell.

- ``shown`` — the pair was shown at least once; ``shown_rank`` — the best rank it was shown at,
  with the score it had then (``shown_score``), the scorer that ranked it (``shown_by``) and
  where (``shown_via``: ``batch``, ``shortlist``, ``digest``, ``offers_for``). A proposal of a
  pair never shown is a manual one.
- ``proposed`` — a proposal exists; ``validated`` — it reached *validated* at some point;
  ``hired`` — it reached *hired*; ``hours`` — insertion hours recorded on the placement it led
  to; ``outcome`` — the placement's situation at its end (``emploi_durable``,
  ``emploi_transition``, ``sortie_positive`` (a qualifying training too); empty for *other* or
  *unknown*, which the history schema does not name).
- ``scored_on`` — the first day the pair was shown or proposed; ``decided_on`` — the day of the
  proposal's last move (``scored_on`` for a pair never proposed).
- **The pool file** holds every person as stored, on ``pool_on`` = the first ``scored_on`` of
  the export, so that evaluation ranks each offer's whole eligible pool.
- "Already in a clause job" is recomputed from the placements for the day of each row (and for
  ``pool_on``): a person hired through one of these offers was not in a clause job when shown.
- **Limitation**: the service keeps the current state of people and offers, not their state on
  ``scored_on``. Rows carry the current state (a person's readiness today, not when they were
  proposed). Retraining on an export therefore mixes later information into older decisions;
  the command says so, and a snapshot table is the fix if this matters.
- ``sex`` and ``age_band`` come from the reporting-only table, for the exposure audit only; the
  model never reads them (:mod:`training.features`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from matching import columns as col
from service.models.offers import OFFER_STATUSES
from service.reports.repository import HistoryRepository
from service.scoring.frames import candidate_frames, offer_frame
from training.history import (
    CANDIDATE_FIELDS,
    DECIDED_ON,
    HISTORY_COLUMNS,
    JOB_FIELDS,
    OFFER_FIELDS,
    OUTCOMES,
    POOL_COLUMNS,
    POOL_ON,
    SCHEMA_VERSION,
    SCORED_ON,
    VERSION_COLUMN,
    age_band,
    validate_history,
    validate_pool,
)

__all__ = ["HistoryExport", "export_history"]


_REACHED_VALIDATED = ("validated", "presented", "hired", "not_retained", "in_post", "ended")


_REACHED_HIRED = ("hired", "in_post", "ended")


@dataclass(frozen=True)
class HistoryExport:
    frame: pd.DataFrame
    pool: pd.DataFrame
    n_proposals: int
    n_shown: int
    skipped: int


@dataclass
class _Pair:
    """What the service knows of one (person, offer) pair."""

    first_day: date
    shown: list[tuple[int, float, str, str, date]] = field(default_factory=list)
    outcome: dict[str, object] = field(default_factory=dict)


def _day(value: object) -> date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "date"):
        return value.date()  # type: ignore[no-any-return]
    assert isinstance(value, date)
    return value


class _ClauseJobs:
    """Whether a person was in a clause job on a day, from their placements (a person with no
    placement keeps the stored flag: it came from the Département's file)."""

    def __init__(self, periods: list[tuple[int, date, date | None]]) -> None:
        self._periods: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
        for cid, start, end in periods:
            self._periods[int(cid)].append((start, end))

    def on(self, candidate_id: int, day: date, stored: bool) -> bool:
        periods = self._periods.get(candidate_id)
        if periods is None:
            return stored
        return any(start <= day and (end is None or day <= end) for start, end in periods)


def _pairs(repo: HistoryRepository) -> tuple[dict[tuple[int, int], _Pair], int]:
    """Every pair shown or proposed, with its exposures and outcome."""
    pairs: dict[tuple[int, int], _Pair] = {}

    def pair(cid: int, oid: int, day: date) -> _Pair:
        found = pairs.get((cid, oid))
        if found is None:
            found = pairs[(cid, oid)] = _Pair(first_day=day)
        found.first_day = min(found.first_day, day)
        return found

    for cid, oid, rank, score, version, started in repo.listed():
        day = _day(started)
        pair(int(cid), int(oid), day).shown.append((int(rank), float(score), version, "batch", day))
    for cid, oid, rank, score, version, at, channel in repo.exposures():
        day = _day(at)
        pair(int(cid), int(oid), day).shown.append((int(rank), float(score), version, channel, day))

    events: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for pid, to_state, at in repo.proposal_moves():
        events[int(pid)].append((str(to_state), _day(at)))
    hours = repo.hours_by_proposal()
    outcomes = repo.outcome_by_proposal()
    n_proposals = 0
    for p in repo.proposals():
        moves = events.get(p.id, [])
        reached = {state for state, _ in moves} | {p.state}
        hired = bool(reached & set(_REACHED_HIRED))
        outcome = outcomes.get(p.id) if hired else None
        # The history schema has no qualifying-training outcome: it is a positive exit there.
        outcome = "sortie_positive" if outcome == "formation_qualifiante" else outcome
        proposed_day = _day(p.created_at)
        found = pair(p.candidate_id, p.offer_id, proposed_day)
        found.outcome = {
            DECIDED_ON: max([found.first_day, proposed_day, *(d for _, d in moves)]),
            "proposed": True,
            "validated": bool(reached & set(_REACHED_VALIDATED)),
            "hired": hired,
            "hours": float(hours.get(p.id, 0.0) or 0.0) if hired else 0.0,
            "outcome": outcome if outcome in OUTCOMES else "",
        }
        n_proposals += 1
    return pairs, n_proposals


def _exposure_fields(shown: list[tuple[int, float, str, str, date]]) -> dict[str, object]:
    if not shown:
        return {
            "shown": False,
            "shown_rank": np.nan,
            "shown_score": np.nan,
            "shown_by": "",
            "shown_via": "",
        }
    rank, score, version, channel, _ = min(shown, key=lambda s: (s[0], s[4]))
    return {
        "shown": True,
        "shown_rank": float(rank),
        "shown_score": min(max(score, 0.0), 1.0),
        "shown_by": version,
        "shown_via": channel,
    }


def _jobs(jobs_by: dict[str, pd.DataFrame], cid: int) -> dict[str, object]:
    mine = jobs_by.get(str(cid))
    return {
        h: tuple(
            ()
            if mine is None
            else (None if pd.isna(v) else (int(v) if e == col.CODE_OGR else v) for v in mine[e])
        )
        for h, e in JOB_FIELDS.items()
    }


def _band(birth_year: int | None, day: date) -> str:
    age = np.nan if birth_year is None else day.year - birth_year
    return str(age_band([age])[0])


def export_history(session: Session) -> HistoryExport:
    """Every pair shown or proposed with what became of it, and the pool (module docstring)."""
    # People withheld from ranking are part of what happened: their rows stay.
    candidates, jobs, cand_ext = candidate_frames(session, withheld=True)
    offers, offer_ext = offer_frame(session, statuses=OFFER_STATUSES)
    repo = HistoryRepository(session)
    pairs, n_proposals = _pairs(repo)
    clause_jobs = _ClauseJobs(repo.placement_periods())
    reporting = repo.reporting()
    cand_rows = candidates.set_index(col.CANDIDATE_ID)
    offer_rows = offers.set_index(col.OFFER_ID)
    jobs_by = {str(k): g for k, g in jobs.groupby(col.CANDIDATE_ID, sort=False)}

    def person(cid: int, day: date) -> dict[str, object]:
        row = cand_rows.loc[str(cid)]
        fields = {h: row[e] for h, e in CANDIDATE_FIELDS.items()}
        fields[col.IS_IN_CLAUSE_JOB] = clause_jobs.on(cid, day, bool(row[col.IS_IN_CLAUSE_JOB]))
        rep = reporting.get(cid)
        return {
            **fields,
            **_jobs(jobs_by, cid),
            "sex": (rep.sex or "") if rep is not None else "",
            "age_band": _band(rep.birth_year if rep is not None else None, day),
        }

    records = []
    skipped = 0
    for (cid, oid), found in pairs.items():
        c_ext, o_ext = cand_ext.get(cid), offer_ext.get(oid)
        if c_ext is None or o_ext is None:
            skipped += 1  # an offer without a ROME code: the engine cannot score it
            continue
        offer = offer_rows.loc[str(oid)]
        outcome = found.outcome or {
            DECIDED_ON: found.first_day,
            "proposed": False,
            "validated": False,
            "hired": False,
            "hours": 0.0,
            "outcome": "",
        }
        records.append(
            {
                VERSION_COLUMN: SCHEMA_VERSION,
                col.OFFER_ID: o_ext,
                col.CANDIDATE_ID: c_ext,
                SCORED_ON: found.first_day,
                **outcome,
                **person(cid, found.first_day),
                **{h: offer[e] for h, e in OFFER_FIELDS.items()},
                **_exposure_fields(found.shown),
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(HISTORY_COLUMNS))
    for name in (SCORED_ON, DECIDED_ON):
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[s]")
    pool_on = min((found.first_day for found in pairs.values()), default=date.today())
    pool = pd.DataFrame.from_records(
        [
            {
                VERSION_COLUMN: SCHEMA_VERSION,
                POOL_ON: pool_on,
                col.CANDIDATE_ID: ext,
                **person(cid, pool_on),
            }
            for cid, ext in cand_ext.items()
        ],
        columns=list(POOL_COLUMNS),
    )
    pool[POOL_ON] = pd.to_datetime(pool[POOL_ON]).astype("datetime64[s]")
    return HistoryExport(
        validate_history(frame),
        validate_pool(pool),
        n_proposals,
        int(frame["shown"].sum()),
        skipped,
    )
