"""The service's own outcome history, in the schema training reads (:mod:`training.history`).

One row per (candidate, offer) the service *considered*: every proposal (whatever became of
it), and every pair a completed batch run put on an offer's list without anyone proposing it
(``proposed`` false: the negatives a model also needs).

- ``proposed`` — a proposal exists; ``validated`` — it reached *validated* at some point;
  ``hired`` — it reached *hired*; ``hours`` — insertion hours recorded on the placement it led
  to; ``outcome`` — the placement's situation at its end (``emploi_durable``,
  ``emploi_transition``, ``sortie_positive``; empty for *other* or *unknown*, which the history
  schema does not name).
- ``scored_on`` — the day the proposal was made, or the batch run's day; ``decided_on`` — the
  day of the proposal's last move (``scored_on`` for a list entry never proposed).
- **Limitation**: the service keeps the current state of people and offers, not their state on
  ``scored_on``. Rows carry the current state (a person's readiness today, not when they were
  proposed). Retraining on an export therefore mixes later information into older decisions;
  the export says so in its summary, and a snapshot table is the fix if this matters.
- ``sex`` and ``age_band`` come from the reporting-only table, for the bias audit only; the
  model never reads them (:mod:`training.features`).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
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
    SCORED_ON,
    age_band,
    validate_history,
)

__all__ = ["HistoryExport", "export_history"]


_REACHED_VALIDATED = ("validated", "presented", "hired", "not_retained", "in_post", "ended")


_REACHED_HIRED = ("hired", "in_post", "ended")


@dataclass(frozen=True)
class HistoryExport:
    frame: pd.DataFrame
    n_proposals: int
    n_list_entries: int
    skipped: int


def _day(value: object) -> date:
    if isinstance(value, pd.Timestamp):
        return value.date()
    if hasattr(value, "date"):
        return value.date()  # type: ignore[no-any-return]
    assert isinstance(value, date)
    return value


def export_history(session: Session) -> HistoryExport:
    """Every considered pair with what became of it (see the module docstring)."""
    candidates, jobs, cand_ext = candidate_frames(session)
    offers, offer_ext = offer_frame(session, statuses=OFFER_STATUSES)

    repo = HistoryRepository(session)
    events: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for pid, to_state, at in repo.proposal_moves():
        events[int(pid)].append((str(to_state), _day(at)))
    hours = repo.hours_by_proposal()
    outcomes = repo.outcome_by_proposal()

    pairs: dict[tuple[int, int], dict[str, object]] = {}
    n_proposals = 0
    for p in repo.proposals():
        moves = events.get(p.id, [])
        reached = {state for state, _ in moves} | {p.state}
        hired = bool(reached & set(_REACHED_HIRED))
        outcome = outcomes.get(p.id) if hired else None
        scored_day = _day(p.created_at)
        decided = max([scored_day, *(d for _, d in moves)])
        pairs[(p.candidate_id, p.offer_id)] = {
            SCORED_ON: scored_day,
            DECIDED_ON: decided,
            "proposed": True,
            "validated": bool(reached & set(_REACHED_VALIDATED)),
            "hired": hired,
            "hours": float(hours.get(p.id, 0.0) or 0.0) if hired else 0.0,
            "outcome": outcome if outcome in OUTCOMES else "",
        }
        n_proposals += 1
    n_entries = 0
    for cid, oid, started in repo.first_listed():
        if (cid, oid) in pairs:
            continue
        day = _day(started)
        pairs[(int(cid), int(oid))] = {
            SCORED_ON: day,
            DECIDED_ON: day,
            "proposed": False,
            "validated": False,
            "hired": False,
            "hours": 0.0,
            "outcome": "",
        }
        n_entries += 1

    reporting = repo.reporting_of([c for c, _ in pairs])
    cand_rows = candidates.set_index(col.CANDIDATE_ID)
    offer_rows = offers.set_index(col.OFFER_ID)
    jobs_by = {k: g for k, g in jobs.groupby(col.CANDIDATE_ID, sort=False)}
    records = []
    skipped = 0
    for (cid, oid), outcome_fields in pairs.items():
        c_ext, o_ext = cand_ext.get(cid), offer_ext.get(oid)
        if c_ext is None or o_ext is None:
            skipped += 1  # an offer without a ROME code: the engine cannot score it
            continue
        person = cand_rows.loc[str(cid)]
        offer = offer_rows.loc[str(oid)]
        mine = jobs_by.get(str(cid))
        rep = reporting.get(cid)
        scored_on = outcome_fields[SCORED_ON]
        assert isinstance(scored_on, date)
        age = (
            scored_on.year - rep.birth_year
            if rep is not None and rep.birth_year is not None
            else np.nan
        )
        row: dict[str, object] = {
            col.OFFER_ID: o_ext,
            col.CANDIDATE_ID: c_ext,
            **outcome_fields,
            **{h: person[e] for h, e in CANDIDATE_FIELDS.items()},
            **{
                h: tuple(
                    ()
                    if mine is None
                    else (
                        None if pd.isna(v) else (int(v) if e == col.CODE_OGR else v)
                        for v in mine[e]
                    )
                )
                for h, e in JOB_FIELDS.items()
            },
            **{h: offer[e] for h, e in OFFER_FIELDS.items()},
            "sex": (rep.sex or "") if rep is not None else "",
            "age_band": str(age_band([age])[0]),
        }
        records.append(row)
    frame = pd.DataFrame.from_records(records, columns=list(HISTORY_COLUMNS))
    for name in (SCORED_ON, DECIDED_ON):
        frame[name] = pd.to_datetime(frame[name]).astype("datetime64[s]")
    return HistoryExport(validate_history(frame), n_proposals, n_entries, skipped)
