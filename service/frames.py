"""Database rows → the engine's input frames (:mod:`matching.columns`), and back to ids.

Only the columns the engine declares are built: nothing from ``candidate_reporting`` (or any
other attribute of a person) is ever read here. Frames use the dtypes of
:func:`matching.synthetic.read_demo`: ``str`` ids, tuples for list columns, ``Int64`` OGR codes,
``datetime64[s]`` dates (``NaT`` for an open-ended contract).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from matching import columns as col
from service.repositories import CandidateRepository, OfferRepository

__all__ = ["EngineInputs", "candidate_frames", "load_engine_inputs", "offer_frame"]


@dataclass(frozen=True)
class EngineInputs:
    """The three engine frames and the database id behind each external id."""

    candidates: pd.DataFrame
    candidate_jobs: pd.DataFrame
    offers: pd.DataFrame
    candidate_db_ids: dict[str, int]
    offer_db_ids: dict[str, int]


def _dates(values: Sequence[date | None]) -> pd.Series:
    days = np.array(
        [np.datetime64("NaT") if v is None else np.datetime64(v, "D") for v in values],
        dtype="datetime64[D]",
    )
    return pd.Series(days.astype("datetime64[s]"))


def candidate_frames(
    session: Session, *, active_only: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, int]]:
    """``candidates`` and ``candidate_jobs`` frames, and external id → database id."""
    rows = CandidateRepository(session).for_engine(active_only=active_only)
    candidates = pd.DataFrame(
        {
            col.CANDIDATE_ID: pd.Series([c.external_id for c in rows], dtype="str"),
            col.COMMUNE_INSEE: pd.Series([c.commune_insee for c in rows], dtype="str"),
            col.LICENCES: pd.Series(
                [tuple(lic.code for lic in c.licences) for c in rows], dtype=object
            ),
            col.SKILLS: pd.Series([tuple(int(s) for s in c.skills) for c in rows], dtype=object),
            col.HAS_VEHICLE: pd.Series([c.has_vehicle for c in rows], dtype=bool),
            col.TRAVEL_MODE: pd.Series([c.travel_mode for c in rows], dtype="str"),
            col.MAX_DISTANCE_KM: pd.Series(
                [np.nan if c.max_distance_km is None else c.max_distance_km for c in rows],
                dtype=np.float64,
            ),
            col.MAX_TRAVEL_MINUTES: pd.Series(
                [np.nan if c.max_travel_minutes is None else c.max_travel_minutes for c in rows],
                dtype=np.float64,
            ),
            col.READINESS_STAGE: pd.Series([c.readiness_stage for c in rows], dtype="str"),
            col.READINESS_ASSESSED_ON: _dates([c.readiness_assessed_on for c in rows]),
            col.AVAILABLE_FROM: _dates([c.available_from for c in rows]),
            col.MAX_WEEKLY_HOURS: pd.Series([c.max_weekly_hours for c in rows], dtype=np.float64),
            col.ACCEPTS_NIGHTS: pd.Series([c.accepts_nights for c in rows], dtype=bool),
            col.ACCEPTS_WEEKENDS: pd.Series([c.accepts_weekends for c in rows], dtype=bool),
            col.ACCEPTS_EARLY_STARTS: pd.Series([c.accepts_early_starts for c in rows], dtype=bool),
            col.IS_ELIGIBLE: pd.Series([c.is_eligible for c in rows], dtype=bool),
            col.IS_ACTIVE: pd.Series([c.is_active for c in rows], dtype=bool),
            col.IS_IN_CLAUSE_JOB: pd.Series([c.is_in_clause_job for c in rows], dtype=bool),
        },
        columns=list(col.CANDIDATE_COLUMNS),
    )
    jobs = [(c.external_id, j) for c in rows for j in c.jobs]
    candidate_jobs = pd.DataFrame(
        {
            col.CANDIDATE_ID: pd.Series([cid for cid, _ in jobs], dtype="str"),
            col.CODE_OGR: pd.Series([j.code_ogr for _, j in jobs], dtype="Int64"),
            col.CODE_ROME: pd.Series([j.code_rome for _, j in jobs], dtype="str"),
            col.EXPERIENCE_YEARS: pd.Series(
                [j.experience_years for _, j in jobs], dtype=np.float64
            ),
        },
        columns=list(col.CANDIDATE_JOB_COLUMNS),
    )
    return candidates, candidate_jobs, {c.external_id: c.id for c in rows}


def offer_frame(
    session: Session, *, statuses: tuple[str, ...] = ("open",)
) -> tuple[pd.DataFrame, dict[str, int]]:
    """The ``offers`` frame (plus ``intitule``), and external id → database id.

    Offers without a ROME code yet (title not normalised) are left out: the engine needs a fiche.
    """
    rows = OfferRepository(session).for_engine(statuses=statuses)
    offers = [o for o, _ in rows]
    frame = pd.DataFrame(
        {
            col.OFFER_ID: pd.Series([o.external_id for o in offers], dtype="str"),
            col.CODE_OGR: pd.Series([o.code_ogr for o in offers], dtype="Int64"),
            col.CODE_ROME: pd.Series([o.code_rome or "" for o in offers], dtype="str"),
            col.COMMUNE_INSEE: pd.Series([o.commune_insee for o in offers], dtype="str"),
            col.REQUIRED_LICENCES: pd.Series(
                [tuple(lic.code for lic in o.required_licences) for o in offers], dtype=object
            ),
            col.REQUIRED_SKILLS: pd.Series(
                [tuple(int(s) for s in o.required_skills) for o in offers], dtype=object
            ),
            col.EXPERIENCE_YEARS_REQUIRED: pd.Series(
                [o.experience_years_required for o in offers], dtype=np.float64
            ),
            col.WEEKLY_HOURS: pd.Series([o.weekly_hours for o in offers], dtype=np.float64),
            col.HAS_NIGHTS: pd.Series([o.has_nights for o in offers], dtype=bool),
            col.HAS_WEEKENDS: pd.Series([o.has_weekends for o in offers], dtype=bool),
            col.HAS_EARLY_STARTS: pd.Series([o.has_early_starts for o in offers], dtype=bool),
            col.START_DATE: _dates([o.start_date for o in offers]),
            col.END_DATE: _dates([o.end_date for o in offers]),
            col.CONTRACT_TYPE: pd.Series([o.contract_type for o in offers], dtype="str"),
            col.OPEN_POSITIONS: pd.Series([o.open_positions for o in offers], dtype=np.int64),
            col.LOT_REF: pd.Series([ref or "" for _, ref in rows], dtype="str"),
            "intitule": pd.Series([o.intitule for o in offers], dtype="str"),
        },
        columns=[*col.OFFER_COLUMNS, "intitule"],
    )
    return frame, {o.external_id: o.id for o in offers}


def load_engine_inputs(
    session: Session, *, active_only: bool = False, statuses: tuple[str, ...] = ("open",)
) -> EngineInputs:
    """Everything a scoring run reads from the database."""
    candidates, jobs, candidate_ids = candidate_frames(session, active_only=active_only)
    offers, offer_ids = offer_frame(session, statuses=statuses)
    return EngineInputs(candidates, jobs, offers, candidate_ids, offer_ids)
