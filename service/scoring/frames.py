"""Database rows → the engine's input frames (:mod:`matching.columns`): the one place it is done.

The engine ids are the database primary keys as strings (stable, and not the pseudonymous
external id: a shortlist shown to another coach carries only this internal id); each function
also returns database id → external id.

Only the columns the engine declares are built: nothing from ``candidate_reporting`` (or any
other attribute of a person) is ever read here. Frames use the dtypes of
:func:`matching.synthetic.read_demo`: ``str`` ids, tuples for list columns, ``Int64`` OGR codes,
``datetime64[s]`` dates (``NaT`` for an open-ended contract). Queries are plain column selects
(no ORM objects), in chunks of ids, so a 100,000-person pool loads in about a second.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from matching import columns as col
from service.models.offers import Offer, OfferLicence
from service.models.people import Candidate, CandidateJob, CandidateLicence
from service.models.procurement import Lot

__all__ = ["EngineInputs", "candidate_frames", "load_engine_inputs", "offer_frame"]


_CHUNK = 5_000  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits


@dataclass(frozen=True)
class EngineInputs:
    """The three engine frames and the external id behind each engine (database) id."""

    candidates: pd.DataFrame
    candidate_jobs: pd.DataFrame
    offers: pd.DataFrame
    candidate_external_ids: dict[int, str]
    offer_external_ids: dict[int, str]


def _dates(values: Sequence[date | None]) -> pd.Series:
    days = np.array(
        [np.datetime64("NaT") if v is None else np.datetime64(v, "D") for v in values],
        dtype="datetime64[D]",
    )
    return pd.Series(days.astype("datetime64[s]"))


def _rows(
    session: Session, stmt: Select[*tuple[Any, ...]], column: Any, ids: list[int] | None
) -> Iterator[Any]:
    if ids is None:
        yield from session.execute(stmt)
        return
    for start in range(0, len(ids), _CHUNK):
        yield from session.execute(stmt.where(column.in_(ids[start : start + _CHUNK])))


def candidate_frames(
    session: Session, *, ids: Iterable[int] | None = None, active_only: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame, dict[int, str]]:
    """``candidates`` and ``candidate_jobs`` frames (everyone, or ``ids``), id → external id."""
    id_list = None if ids is None else sorted(set(ids))
    stmt = select(
        Candidate.id,
        Candidate.external_id,
        Candidate.commune_insee,
        Candidate.skills,
        Candidate.has_vehicle,
        Candidate.travel_mode,
        Candidate.max_distance_km,
        Candidate.max_travel_minutes,
        Candidate.readiness_stage,
        Candidate.readiness_assessed_on,
        Candidate.available_from,
        Candidate.max_weekly_hours,
        Candidate.accepts_nights,
        Candidate.accepts_weekends,
        Candidate.accepts_early_starts,
        Candidate.is_eligible,
        Candidate.is_active,
        Candidate.is_in_clause_job,
    ).order_by(Candidate.id)
    if active_only:
        stmt = stmt.where(Candidate.is_active.is_(True))
    rows = list(_rows(session, stmt, Candidate.id, id_list))
    wanted = [r.id for r in rows]
    licences: dict[int, list[str]] = {}
    lic_stmt = select(CandidateLicence.candidate_id, CandidateLicence.code).order_by(
        CandidateLicence.candidate_id, CandidateLicence.code
    )
    for cid, code in _rows(session, lic_stmt, CandidateLicence.candidate_id, wanted):
        licences.setdefault(int(cid), []).append(str(code))
    job_stmt = select(
        CandidateJob.candidate_id,
        CandidateJob.code_ogr,
        CandidateJob.code_rome,
        CandidateJob.experience_years,
    ).order_by(CandidateJob.candidate_id, CandidateJob.id)
    jobs = list(_rows(session, job_stmt, CandidateJob.candidate_id, wanted))
    candidates = pd.DataFrame(
        {
            col.CANDIDATE_ID: pd.Series([str(r.id) for r in rows], dtype="str"),
            col.COMMUNE_INSEE: pd.Series([r.commune_insee for r in rows], dtype="str"),
            col.LICENCES: pd.Series([tuple(licences.get(r.id, ())) for r in rows], dtype=object),
            col.SKILLS: pd.Series(
                [tuple(int(s) for s in (r.skills or ())) for r in rows], dtype=object
            ),
            col.HAS_VEHICLE: pd.Series([bool(r.has_vehicle) for r in rows], dtype=bool),
            col.TRAVEL_MODE: pd.Series([r.travel_mode for r in rows], dtype="str"),
            col.MAX_DISTANCE_KM: pd.Series(
                [np.nan if r.max_distance_km is None else r.max_distance_km for r in rows],
                dtype=np.float64,
            ),
            col.MAX_TRAVEL_MINUTES: pd.Series(
                [np.nan if r.max_travel_minutes is None else r.max_travel_minutes for r in rows],
                dtype=np.float64,
            ),
            col.READINESS_STAGE: pd.Series([r.readiness_stage for r in rows], dtype="str"),
            col.READINESS_ASSESSED_ON: _dates([r.readiness_assessed_on for r in rows]),
            col.AVAILABLE_FROM: _dates([r.available_from for r in rows]),
            col.MAX_WEEKLY_HOURS: pd.Series([r.max_weekly_hours for r in rows], dtype=np.float64),
            col.ACCEPTS_NIGHTS: pd.Series([bool(r.accepts_nights) for r in rows], dtype=bool),
            col.ACCEPTS_WEEKENDS: pd.Series([bool(r.accepts_weekends) for r in rows], dtype=bool),
            col.ACCEPTS_EARLY_STARTS: pd.Series(
                [bool(r.accepts_early_starts) for r in rows], dtype=bool
            ),
            col.IS_ELIGIBLE: pd.Series([bool(r.is_eligible) for r in rows], dtype=bool),
            col.IS_ACTIVE: pd.Series([bool(r.is_active) for r in rows], dtype=bool),
            col.IS_IN_CLAUSE_JOB: pd.Series([bool(r.is_in_clause_job) for r in rows], dtype=bool),
        },
        columns=list(col.CANDIDATE_COLUMNS),
    )
    candidate_jobs = pd.DataFrame(
        {
            col.CANDIDATE_ID: pd.Series([str(j[0]) for j in jobs], dtype="str"),
            col.CODE_OGR: pd.Series([j[1] for j in jobs], dtype="Int64"),
            col.CODE_ROME: pd.Series([j[2] for j in jobs], dtype="str"),
            col.EXPERIENCE_YEARS: pd.Series([j[3] for j in jobs], dtype=np.float64),
        },
        columns=list(col.CANDIDATE_JOB_COLUMNS),
    )
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
    id_list = None if ids is None else sorted(set(ids))
    stmt = (
        select(
            Offer.id,
            Offer.external_id,
            Offer.code_ogr,
            Offer.code_rome,
            Offer.commune_insee,
            Offer.required_skills,
            Offer.experience_years_required,
            Offer.weekly_hours,
            Offer.has_nights,
            Offer.has_weekends,
            Offer.has_early_starts,
            Offer.start_date,
            Offer.end_date,
            Offer.contract_type,
            Offer.open_positions,
            Lot.reference,
            Offer.intitule,
        )
        .outerjoin(Lot, Offer.lot_id == Lot.id)
        .where(Offer.status.in_(statuses), Offer.code_rome.is_not(None))
        .order_by(Offer.id)
    )
    rows = list(_rows(session, stmt, Offer.id, id_list))
    licences: dict[int, list[str]] = {}
    lic_stmt = select(OfferLicence.offer_id, OfferLicence.code).order_by(
        OfferLicence.offer_id, OfferLicence.code
    )
    for oid, code in _rows(session, lic_stmt, OfferLicence.offer_id, [r.id for r in rows]):
        licences.setdefault(int(oid), []).append(str(code))
    frame = pd.DataFrame(
        {
            col.OFFER_ID: pd.Series([str(r.id) for r in rows], dtype="str"),
            col.CODE_OGR: pd.Series([r.code_ogr for r in rows], dtype="Int64"),
            col.CODE_ROME: pd.Series([r.code_rome for r in rows], dtype="str"),
            col.COMMUNE_INSEE: pd.Series([r.commune_insee for r in rows], dtype="str"),
            col.REQUIRED_LICENCES: pd.Series(
                [tuple(licences.get(r.id, ())) for r in rows], dtype=object
            ),
            col.REQUIRED_SKILLS: pd.Series(
                [tuple(int(s) for s in (r.required_skills or ())) for r in rows], dtype=object
            ),
            col.EXPERIENCE_YEARS_REQUIRED: pd.Series(
                [r.experience_years_required for r in rows], dtype=np.float64
            ),
            col.WEEKLY_HOURS: pd.Series([r.weekly_hours for r in rows], dtype=np.float64),
            col.HAS_NIGHTS: pd.Series([bool(r.has_nights) for r in rows], dtype=bool),
            col.HAS_WEEKENDS: pd.Series([bool(r.has_weekends) for r in rows], dtype=bool),
            col.HAS_EARLY_STARTS: pd.Series([bool(r.has_early_starts) for r in rows], dtype=bool),
            col.START_DATE: _dates([r.start_date for r in rows]),
            col.END_DATE: _dates([r.end_date for r in rows]),
            col.CONTRACT_TYPE: pd.Series([r.contract_type for r in rows], dtype="str"),
            col.OPEN_POSITIONS: pd.Series([r.open_positions for r in rows], dtype=np.int64),
            col.LOT_REF: pd.Series([r.reference or "" for r in rows], dtype="str"),
            "intitule": pd.Series([r.intitule for r in rows], dtype="str"),
        },
        columns=[*col.OFFER_COLUMNS, "intitule"],
    )
    return frame, {int(r.id): r.external_id for r in rows}


def load_engine_inputs(
    session: Session, *, active_only: bool = False, statuses: tuple[str, ...] = ("open",)
) -> EngineInputs:
    """Everything a scoring run reads from the database."""
    candidates, jobs, candidate_ids = candidate_frames(session, active_only=active_only)
    offers, offer_ids = offer_frame(session, statuses=statuses)
    return EngineInputs(candidates, jobs, offers, candidate_ids, offer_ids)
