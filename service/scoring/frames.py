"""Database rows → the engine's input frames (:mod:`matching.columns`): the one place it is done.

The engine ids are the database primary keys as strings (stable, and not the pseudonymous
external id: a shortlist shown to another coach carries only this internal id); each function
also returns database id → external id.

Only the columns the engine declares are built: nothing from ``candidate_reporting`` (or any
other attribute of a person) is ever read here. Frames use the dtypes of
:func:`fixtures.demo.read_demo`: ``str`` ids, tuples for list columns, ``Int64`` OGR codes,
``datetime64[s]`` dates (``NaT`` for an open-ended contract). The rows come from
:class:`~service.scoring.repository.ScoringRepository` (plain column selects in chunks of ids,
no ORM objects), so a 100,000-person pool loads in about a second.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy.orm import Session

from matching import columns as col
from matching.fields import CANDIDATE_FIELDS, CANDIDATE_JOB_FIELDS, OFFER_FIELDS, frame_from_rows
from service.models.offers import Offer
from service.models.people import Candidate
from service.scoring.repository import ROW_FIELDS, ScoringRepository

__all__ = ["EngineInputs", "candidate_frames", "load_engine_inputs", "offer_frame"]


@dataclass(frozen=True)
class EngineInputs:
    """The three engine frames and the external id behind each engine (database) id."""

    candidates: pd.DataFrame
    candidate_jobs: pd.DataFrame
    offers: pd.DataFrame
    candidate_external_ids: dict[int, str]
    offer_external_ids: dict[int, str]


def candidate_frames(
    session: Session,
    *,
    ids: Iterable[int] | None = None,
    active_only: bool = False,
    withheld: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[int, str]]:
    """``candidates`` and ``candidate_jobs`` frames (everyone, or ``ids``), id → external id.

    People marked « ne pas proposer » (and anonymised people) are left out: the engine never
    sees them, so no shortlist, batch list, digest or best-offers list holds them. ``withheld``
    keeps them (the outcome history's rows about them)."""
    repo = ScoringRepository(session)
    rows = repo.candidate_rows(
        None if ids is None else sorted(set(ids)), active_only=active_only, withheld=withheld
    )
    wanted = [r.id for r in rows]
    licences = repo.candidate_licences(wanted)
    jobs = repo.candidate_jobs(wanted)
    values = {name: [getattr(r, name) for r in rows] for name in ROW_FIELDS[Candidate]}
    values[col.CANDIDATE_ID] = [str(r.id) for r in rows]
    values[col.LICENCES] = [licences.get(r.id, ()) for r in rows]
    candidates = frame_from_rows(CANDIDATE_FIELDS, values, n=len(rows))
    job_values = {name: [getattr(j, name) for j in jobs] for name in CANDIDATE_JOB_FIELDS}
    job_values[col.CANDIDATE_ID] = [str(j.candidate_id) for j in jobs]
    candidate_jobs = frame_from_rows(CANDIDATE_JOB_FIELDS, job_values, n=len(jobs))
    return candidates, candidate_jobs, {int(r.id): r.external_id for r in rows}


def offer_frame(
    session: Session,
    *,
    ids: Iterable[int] | None = None,
    statuses: tuple[str, ...] = ("open",),
) -> tuple[pd.DataFrame, dict[int, str]]:
    """The ``offers`` frame (plus ``intitule``) and id → external id.

    Offers of the given statuses (all, or ``ids``) that have a ROME fiche: the others wait for
    their title to be normalised.
    """
    repo = ScoringRepository(session)
    rows = repo.offer_rows(None if ids is None else sorted(set(ids)), statuses=statuses)
    licences = repo.offer_licences([r.id for r in rows])
    values = {name: [getattr(r, name) for r in rows] for name in ROW_FIELDS[Offer]}
    values[col.OFFER_ID] = [str(r.id) for r in rows]
    values[col.REQUIRED_LICENCES] = [licences.get(r.id, ()) for r in rows]
    values[col.LOT_REF] = [r.reference or "" for r in rows]
    frame = frame_from_rows(OFFER_FIELDS, values, n=len(rows))
    frame["intitule"] = pd.Series([r.intitule for r in rows], dtype="str")
    return frame, {int(r.id): r.external_id for r in rows}


def load_engine_inputs(
    session: Session, *, active_only: bool = False, statuses: tuple[str, ...] = ("open",)
) -> EngineInputs:
    """Everything a scoring run reads from the database."""
    candidates, jobs, candidate_ids = candidate_frames(session, active_only=active_only)
    offers, offer_ids = offer_frame(session, statuses=statuses)
    return EngineInputs(candidates, jobs, offers, candidate_ids, offer_ids)
