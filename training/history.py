"""Outcome history: one row per (candidate as they were at the time, offer), as a CSV file.

A row says that a candidate was *considered* for an offer on ``scored_on`` (shown on the
offer's shortlist or found by a coach), what happened (proposed by the coach, validated by the
facilitator, hired by the company, hours worked, outcome) and when it was settled
(``decided_on``). It carries every field the engine needs to recompute the pair's components
exactly as they were then (the columns of :mod:`matching.columns`), so training uses the same
feature code as serving (:mod:`matching.features`).

Columns (the file is UTF-8, ``,``-separated, one header line, in any column order)
-------------------------------------------------------------------------------------

=============================  =================================================================
``schema_version``             :data:`SCHEMA_VERSION` on every row (a file of another version is
                               refused, with what to do)
**keys**
``offer_id``                   offer external id (str): the group key (splits never cut an offer)
``candidate_id``               candidate external id (str); (offer_id, candidate_id) is unique
``scored_on``                  ISO date the pair was considered: the engine's ``as_of``
``decided_on``                 ISO date the outcome was settled (>= ``scored_on``): time splits
**candidate** (as on ``scored_on``; engine column in brackets when renamed)
``candidate_commune_insee``    [``commune_insee``]
``licences``                   ``|``-joined licence codes, may be empty
``skills``                     ``|``-joined ROME skill codes (int), may be empty
``has_vehicle``                ``true`` / ``false``
``travel_mode``                one of ``columns.TRAVEL_MODES``
``max_distance_km``            float, empty when minutes are given
``max_travel_minutes``         float, empty when kilometres are given
``readiness_stage``            one of ``columns.READINESS_STAGES``
``readiness_assessed_on``      ISO date
``available_from``             ISO date
``max_weekly_hours``           float
``accepts_nights``, ``accepts_weekends``, ``accepts_early_starts``, ``is_eligible``,
``is_active``, ``is_in_clause_job``   ``true`` / ``false``
**candidate jobs** (aligned ``|``-joined lists, one item per target job; empty: no job)
``job_code_ogr``               appellation codes, an item may be empty (fiche only)
``job_code_rome``              fiche codes
``job_experience_years``       floats
**offer** (the same on every row of an offer)
``offer_code_ogr``             [``code_ogr``], may be empty
``offer_code_rome``            [``code_rome``]
``offer_commune_insee``        [``commune_insee``]
``required_licences``          ``|``-joined
``required_skills``            ``|``-joined ints
``experience_years_required``, ``weekly_hours``   floats
``has_nights``, ``has_weekends``, ``has_early_starts``   ``true`` / ``false``
``start_date``                 ISO date
``end_date``                   ISO date, empty for an open-ended contract
``contract_type``              one of ``columns.CONTRACT_TYPES``
``open_positions``             int >= 1
``lot_ref``                    str, may be empty
**exposure** (what the ranking of the day showed; how real history is collected)
``shown``                      the pair was shown to a coach: a shortlist page, a batch list, a
                               digest, a person's best offers (``true`` / ``false``)
``shown_rank``                 best rank it was shown at (int >= 1), empty when not shown
``shown_score``                the score it had then (in [0, 1]), empty when not shown
``shown_by``                   the scorer that ranked it (``weighted-v1``, a model version)
``shown_via``                  one of ``EXPOSURE_CHANNELS``, empty when not shown
**outcome**
``proposed``                   the coach proposed the person (``true`` / ``false``); a
                               proposal of a person never shown is a manual one
``validated``                  the facilitator validated the proposal (implies ``proposed``)
``hired``                      the company hired the person (implies ``validated``): the label
``hours``                      insertion hours worked (float >= 0, > 0 only when hired)
``outcome``                    empty unless hired; then one of ``OUTCOMES``
**reporting only** (bias audit; never read by the engine nor by the model)
``sex``                        ``F`` / ``M`` / empty
``age_band``                   one of ``AGE_BANDS`` / empty (age on ``scored_on``)
=============================  =================================================================

**The pool file** (:func:`pool_path`: ``history.pool.csv`` beside ``history.csv``) holds the
people who could be ranked, as they were on ``pool_on``: the same person columns (plus
``candidate_id``, the jobs and the reporting-only ``sex`` and ``age_band``), one row per person
and snapshot. The pool-level evaluation ranks each offer's whole eligible pool from it (the
latest snapshot on or before the offer's first ``scored_on``), not only the rows of the history.

Error messages are in French (they reach the person running ``clausematch train``).

In memory (:func:`read_history`) list columns hold tuples (``job_code_ogr`` items are ``int``
or ``None``), dates are ``datetime64[s]``, booleans ``bool``, ``open_positions`` ``int64``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from matching import columns as col
from matching.fields import CANDIDATE_FIELDS as ENGINE_CANDIDATE
from matching.fields import OFFER_FIELDS as ENGINE_OFFER
from matching.fields import FieldSpec

__all__ = [
    "AGE_BANDS",
    "CANDIDATE_FIELDS",
    "EXPOSURE_CHANNELS",
    "EXPOSURE_COLUMNS",
    "HISTORY_COLUMNS",
    "JOB_FIELDS",
    "KEY_COLUMNS",
    "LABEL",
    "OFFER_FIELDS",
    "OUTCOMES",
    "OUTCOME_COLUMNS",
    "POOL_COLUMNS",
    "POOL_ON",
    "REPORTING_COLUMNS",
    "SCHEMA_VERSION",
    "age_band",
    "pool_path",
    "read_history",
    "read_pool",
    "validate_history",
    "validate_pool",
    "write_history",
]

Kind = Literal[
    "str", "float", "int", "bool", "date", "str_tuple", "int_tuple", "float_tuple", "job_ogr"
]

SCHEMA_VERSION: Final = 2
"""Version 2 added the exposure columns and the pool file; version 1 files are refused."""
VERSION_COLUMN: Final = "schema_version"
POOL_ON: Final = "pool_on"
SCORED_ON: Final = "scored_on"
DECIDED_ON: Final = "decided_on"
LABEL: Final = "hired"
KEY_COLUMNS: Final = (col.OFFER_ID, col.CANDIDATE_ID, SCORED_ON, DECIDED_ON)

CANDIDATE_FIELDS: Final[dict[str, str]] = {
    "candidate_commune_insee": col.COMMUNE_INSEE,
    col.LICENCES: col.LICENCES,
    col.SKILLS: col.SKILLS,
    col.HAS_VEHICLE: col.HAS_VEHICLE,
    col.TRAVEL_MODE: col.TRAVEL_MODE,
    col.MAX_DISTANCE_KM: col.MAX_DISTANCE_KM,
    col.MAX_TRAVEL_MINUTES: col.MAX_TRAVEL_MINUTES,
    col.READINESS_STAGE: col.READINESS_STAGE,
    col.READINESS_ASSESSED_ON: col.READINESS_ASSESSED_ON,
    col.AVAILABLE_FROM: col.AVAILABLE_FROM,
    col.MAX_WEEKLY_HOURS: col.MAX_WEEKLY_HOURS,
    col.ACCEPTS_NIGHTS: col.ACCEPTS_NIGHTS,
    col.ACCEPTS_WEEKENDS: col.ACCEPTS_WEEKENDS,
    col.ACCEPTS_EARLY_STARTS: col.ACCEPTS_EARLY_STARTS,
    col.IS_ELIGIBLE: col.IS_ELIGIBLE,
    col.IS_ACTIVE: col.IS_ACTIVE,
    col.IS_IN_CLAUSE_JOB: col.IS_IN_CLAUSE_JOB,
}
"""History column → engine candidate column (``candidate_id`` is a key column)."""

JOB_FIELDS: Final[dict[str, str]] = {
    "job_code_ogr": col.CODE_OGR,
    "job_code_rome": col.CODE_ROME,
    "job_experience_years": col.EXPERIENCE_YEARS,
}
"""History list column → engine candidate-job column."""

OFFER_FIELDS: Final[dict[str, str]] = {
    "offer_code_ogr": col.CODE_OGR,
    "offer_code_rome": col.CODE_ROME,
    "offer_commune_insee": col.COMMUNE_INSEE,
    col.REQUIRED_LICENCES: col.REQUIRED_LICENCES,
    col.REQUIRED_SKILLS: col.REQUIRED_SKILLS,
    col.EXPERIENCE_YEARS_REQUIRED: col.EXPERIENCE_YEARS_REQUIRED,
    col.NEEDS_QUALIFICATION: col.NEEDS_QUALIFICATION,
    col.WEEKLY_HOURS: col.WEEKLY_HOURS,
    col.HAS_NIGHTS: col.HAS_NIGHTS,
    col.HAS_WEEKENDS: col.HAS_WEEKENDS,
    col.HAS_EARLY_STARTS: col.HAS_EARLY_STARTS,
    col.START_DATE: col.START_DATE,
    col.END_DATE: col.END_DATE,
    col.CONTRACT_TYPE: col.CONTRACT_TYPE,
    col.OPEN_POSITIONS: col.OPEN_POSITIONS,
    col.LOT_REF: col.LOT_REF,
}
"""History column → engine offer column (``offer_id`` is a key column)."""

OUTCOME_COLUMNS: Final = ("proposed", "validated", LABEL, "hours", "outcome")
EXPOSURE_COLUMNS: Final = ("shown", "shown_rank", "shown_score", "shown_by", "shown_via")
EXPOSURE_CHANNELS: Final = ("shortlist", "batch", "digest", "offers_for")
"""Where a pair was shown: a shortlist page, a batch list, a coach's digest, a person's best
offers."""
REPORTING_COLUMNS: Final = ("sex", "age_band")
OUTCOMES: Final = ("emploi_durable", "emploi_transition", "sortie_positive", "abandon")
"""Outcome of a hire (DESIGN.md glossary); ``abandon``: the person left within the trial."""
SEXES: Final = ("F", "M")
AGE_BANDS: Final = ("<30", "30-54", "55+")
"""FSE+ common-indicator bands: below 30, 30 to 54, above 54."""


def _kind(spec: FieldSpec) -> Kind:
    """A declared field's kind in a history file: a nullable integer (an offer's appellation)
    is written as a float (see _to_frame)."""
    return "float" if spec.kind == "Int64" else spec.kind


_KINDS: Final[dict[str, Kind]] = {
    VERSION_COLUMN: "int",
    col.OFFER_ID: "str",
    col.CANDIDATE_ID: "str",
    SCORED_ON: "date",
    DECIDED_ON: "date",
    # the engine's fields, as declared (matching.fields)
    **{h: _kind(ENGINE_CANDIDATE[e]) for h, e in CANDIDATE_FIELDS.items()},
    "job_code_ogr": "job_ogr",
    "job_code_rome": "str_tuple",
    "job_experience_years": "float_tuple",
    **{h: _kind(ENGINE_OFFER[e]) for h, e in OFFER_FIELDS.items()},
    "shown": "bool",
    "shown_rank": "float",
    "shown_score": "float",
    "shown_by": "str",
    "shown_via": "str",
    "proposed": "bool",
    "validated": "bool",
    LABEL: "bool",
    "hours": "float",
    "outcome": "str",
    "sex": "str",
    "age_band": "str",
}
HISTORY_COLUMNS: Final = tuple(_KINDS)
"""Every column of a history file, in the order :func:`write_history` writes them."""

_POOL_KINDS: Final[dict[str, Kind]] = {
    VERSION_COLUMN: "int",
    POOL_ON: "date",
    col.CANDIDATE_ID: "str",
    **{h: _KINDS[h] for h in CANDIDATE_FIELDS},
    **{h: _KINDS[h] for h in JOB_FIELDS},
    "sex": "str",
    "age_band": "str",
}
POOL_COLUMNS: Final = tuple(_POOL_KINDS)
"""Every column of a pool file, in the order :func:`write_history` writes them."""

_NULLABLE: Final = frozenset(
    [h for h, e in CANDIDATE_FIELDS.items() if ENGINE_CANDIDATE[e].nullable]
    + [h for h, e in OFFER_FIELDS.items() if ENGINE_OFFER[e].nullable]
    + ["shown_rank", "shown_score"]
)
_ALLOWED: Final[dict[str, tuple[str, ...]]] = {
    **{h: tuple(ENGINE_CANDIDATE[e].choices or ()) for h, e in CANDIDATE_FIELDS.items()},
    **{h: tuple(ENGINE_OFFER[e].choices or ()) for h, e in OFFER_FIELDS.items()},
    "outcome": ("", *OUTCOMES),
    "shown_via": ("", *EXPOSURE_CHANNELS),
    "sex": ("", *SEXES),
    "age_band": ("", *AGE_BANDS),
}
"""The values a column accepts (those of a declared choice; an empty tuple: any value)."""
_TRUE: Final = frozenset({"true", "True", "TRUE", "1"})
_FALSE: Final = frozenset({"false", "False", "FALSE", "0"})


def age_band(age_years: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """FSE+ age band (``AGE_BANDS``) of ages in years, object (n,); empty for a missing age."""
    age = np.asarray(age_years, dtype=np.float64)
    out = np.full(age.shape, "", dtype=object)
    out[age < 30] = AGE_BANDS[0]
    out[(age >= 30) & (age <= 54)] = AGE_BANDS[1]
    out[age > 54] = AGE_BANDS[2]
    return out


def _line(rows: npt.NDArray[np.bool_] | pd.Series) -> str:
    """File line numbers (header = line 1) of the first offending rows."""
    bad = np.flatnonzero(np.asarray(rows, dtype=bool))
    shown = ", ".join(str(int(i) + 2) for i in bad[:5])
    more = f" et {bad.shape[0] - 5} autres" if bad.shape[0] > 5 else ""
    return f"ligne {shown}{more}" if bad.shape[0] == 1 else f"lignes {shown}{more}"


def _fail(
    column: str, rows: npt.NDArray[np.bool_] | pd.Series, problem: str, *, what: str = "historique"
) -> ValueError:
    return ValueError(f"{what}, colonne « {column} », {_line(rows)} : {problem}")


def _split(raw: pd.Series) -> pd.Series:
    return raw.map(lambda v: tuple(v.split("|")) if v else ())


def _parse_column(name: str, kind: Kind, raw: pd.Series, what: str) -> pd.Series:
    """Parse one text column of the file; ``ValueError`` names the column and the lines."""
    if kind == "str":
        return raw.astype("str")
    if kind == "bool":
        ok_true, ok_false = raw.isin(_TRUE), raw.isin(_FALSE)
        if not (ok_true | ok_false).all():
            raise _fail(name, ~(ok_true | ok_false), "true ou false attendu", what=what)
        return ok_true.astype(bool)
    if kind in ("float", "int"):
        values = pd.to_numeric(raw.replace("", None), errors="coerce")
        bad = values.isna() & (raw != "")
        if bad.any():
            raise _fail(name, bad, "pas un nombre", what=what)
        if values.isna().any() and name not in _NULLABLE:
            raise _fail(name, values.isna(), "valeur manquante", what=what)
        if kind == "int":
            if not np.all(np.mod(values, 1) == 0):
                raise _fail(name, np.mod(values, 1) != 0, "pas un nombre entier", what=what)
            return values.astype(np.int64)
        return values.astype(np.float64)
    if kind == "date":
        values = pd.to_datetime(raw.replace("", None), format="%Y-%m-%d", errors="coerce")
        bad = values.isna() & (raw != "")
        if bad.any():
            raise _fail(name, bad, "pas une date AAAA-MM-JJ", what=what)
        if values.isna().any() and name not in _NULLABLE:
            raise _fail(name, values.isna(), "date manquante", what=what)
        return values.astype("datetime64[s]")
    if kind == "str_tuple":
        return _split(raw).astype(object)
    if kind == "float_tuple":
        try:
            return raw.map(lambda v: tuple(float(p) for p in v.split("|")) if v else ()).astype(
                object
            )
        except ValueError:
            bad = ~raw.map(lambda v: all(_is_float(p) for p in v.split("|")) if v else True)
            raise _fail(name, bad, "nombres séparés par | attendus", what=what) from None
    if kind in ("int_tuple", "job_ogr"):
        empty_ok = kind == "job_ogr"

        def ints(v: str) -> tuple[int | None, ...]:
            if not v and not empty_ok:
                return ()
            return tuple(None if (p == "" and empty_ok) else int(p) for p in v.split("|"))

        try:
            return raw.map(ints).astype(object)
        except ValueError:
            bad = ~raw.map(
                lambda v: (
                    all(p.isdigit() or (empty_ok and p == "") for p in v.split("|")) if v else True
                )
            )
            raise _fail(name, bad, "entiers séparés par | attendus", what=what) from None
    raise AssertionError(kind)  # pragma: no cover


def _check_people(frame: pd.DataFrame, what: str) -> None:
    """Rules on the person columns a history and a pool file share."""
    for name, allowed in _ALLOWED.items():
        if not allowed or name not in frame.columns:
            continue
        bad = ~frame[name].isin(allowed)
        if bad.any():
            first = frame.loc[bad, name].iloc[0]
            known = ", ".join(a for a in allowed if a)
            raise _fail(name, bad, f"valeur inconnue « {first} » (attendu : {known})", what=what)
    bad = frame[col.CANDIDATE_ID].astype("str").str.len() == 0
    if bad.any():
        raise _fail(col.CANDIDATE_ID, bad, "valeur manquante", what=what)
    n_rome = frame["job_code_rome"].map(len)
    for name in ("job_code_ogr", "job_experience_years"):
        bad = frame[name].map(len) != n_rome
        if bad.any():
            raise _fail(name, bad, "pas autant d'éléments que job_code_rome", what=what)
    negative = frame["job_experience_years"].map(lambda t: any(x < 0 for x in t))
    if negative.any():
        raise _fail("job_experience_years", negative, "expérience négative", what=what)
    for name in (col.MAX_WEEKLY_HOURS, col.MAX_DISTANCE_KM, col.MAX_TRAVEL_MINUTES):
        bad = frame[name] < 0
        if bad.any():
            raise _fail(name, bad, "valeur négative", what=what)


def _check_version(frame: pd.DataFrame, what: str) -> None:
    bad = frame[VERSION_COLUMN] != SCHEMA_VERSION
    if bad.any():
        found = int(frame.loc[bad, VERSION_COLUMN].iloc[0])
        raise ValueError(
            f"{what} au format {found}, ce logiciel lit le format {SCHEMA_VERSION} : "
            "exportez-le à nouveau (clausematch history export) ou régénérez-le "
            "(clausematch history generate)"
        )


def _check(frame: pd.DataFrame) -> pd.DataFrame:
    """Cross-column rules on a parsed frame."""
    _check_version(frame, "historique")
    _check_people(frame, "historique")
    for name in (col.OFFER_ID, "offer_commune_insee"):
        bad = frame[name].astype("str").str.len() == 0
        if bad.any():
            raise _fail(name, bad, "valeur manquante")
    dup = frame.duplicated([col.OFFER_ID, col.CANDIDATE_ID])
    if dup.any():
        raise _fail(col.CANDIDATE_ID, dup, "la même personne apparaît deux fois pour une offre")
    for name in (col.EXPERIENCE_YEARS_REQUIRED, col.WEEKLY_HOURS, "hours"):
        bad = frame[name] < 0
        if bad.any():
            raise _fail(name, bad, "valeur négative")
    bad = frame[col.OPEN_POSITIONS] < 1
    if bad.any():
        raise _fail(col.OPEN_POSITIONS, bad, "au moins 1 poste")
    bad = frame[DECIDED_ON] < frame[SCORED_ON]
    if bad.any():
        raise _fail(DECIDED_ON, bad, f"avant {SCORED_ON}")
    bad = frame[LABEL] & ~frame["validated"]
    if bad.any():
        raise _fail(LABEL, bad, "embauche sans proposition validée")
    bad = frame["validated"] & ~frame["proposed"]
    if bad.any():
        raise _fail("validated", bad, "validation sans proposition")
    bad = (frame["hours"] > 0) & ~frame[LABEL]
    if bad.any():
        raise _fail("hours", bad, "heures travaillées sans embauche")
    bad = frame[LABEL] != (frame["outcome"] != "")
    if bad.any():
        raise _fail(
            "outcome", bad, "une situation de sortie est donnée pour les embauches, et seulement"
        )
    shown = frame["shown"]
    rank = frame["shown_rank"]
    bad = shown & ~(rank >= 1) | ~shown & rank.notna()
    if bad.any():
        raise _fail("shown_rank", bad, "un rang (>= 1) pour les lignes montrées, et seulement")
    score = frame["shown_score"]
    bad = shown & ~((score >= 0) & (score <= 1)) | ~shown & score.notna()
    if bad.any():
        raise _fail("shown_score", bad, "un score (entre 0 et 1) pour les lignes montrées")
    bad = shown == (frame["shown_via"] == "")
    if bad.any():
        raise _fail("shown_via", bad, "un canal pour les lignes montrées, et seulement pour elles")
    offer_cols = list(OFFER_FIELDS)
    first = frame.groupby(col.OFFER_ID, sort=False)[offer_cols].transform("first")
    same = (frame[offer_cols] == first) | (frame[offer_cols].isna() & first.isna())
    for name in offer_cols:
        if not same[name].all():
            raise _fail(name, ~same[name], "diffère de la première ligne de l'offre")
    return frame


def _is_float(text: object) -> bool:
    try:
        float(str(text))
    except ValueError:
        return False
    return True


def _require(columns: pd.Index, wanted: tuple[str, ...], what: str) -> None:
    if VERSION_COLUMN not in columns:
        raise ValueError(
            f"{what} sans colonne {VERSION_COLUMN} : fichier d'un ancien format (1) ou d'un autre "
            "logiciel ; exportez-le à nouveau (clausematch history export) ou régénérez-le "
            "(clausematch history generate)"
        )
    missing = [c for c in wanted if c not in columns]
    if missing:
        raise ValueError(f"{what} : colonnes manquantes {', '.join(missing)}")


def validate_history(frame: pd.DataFrame) -> pd.DataFrame:
    """Check an in-memory history frame (the types :func:`read_history` returns).

    Returns the frame with columns in ``HISTORY_COLUMNS`` order (extra columns dropped).
    Raises ``ValueError`` (French) naming the missing columns, or the column and lines at fault.
    """
    _require(frame.columns, HISTORY_COLUMNS, "historique")
    out = frame.loc[:, list(HISTORY_COLUMNS)].reset_index(drop=True)
    return _check(out)


def validate_pool(frame: pd.DataFrame) -> pd.DataFrame:
    """Check an in-memory pool frame; returns it with ``POOL_COLUMNS`` in order."""
    _require(frame.columns, POOL_COLUMNS, "vivier")
    out = frame.loc[:, list(POOL_COLUMNS)].reset_index(drop=True)
    _check_version(out, "vivier")
    _check_people(out, "vivier")
    dup = out.duplicated([POOL_ON, col.CANDIDATE_ID])
    if dup.any():
        raise _fail(col.CANDIDATE_ID, dup, "la même personne deux fois le même jour", what="vivier")
    return out


def _read(path: str | Path, kinds: dict[str, Kind], what: str) -> pd.DataFrame:
    p = Path(path)
    if not p.is_file():
        raise ValueError(f"{what} introuvable : {p}")
    try:
        raw = pd.read_csv(p, dtype=str, keep_default_na=False, na_filter=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise ValueError(f"{what} illisible ({p.name}) : fichier CSV UTF-8 attendu") from exc
    _require(raw.columns, tuple(kinds), f"{what} {p.name}")
    parsed = {name: _parse_column(name, kind, raw[name], what) for name, kind in kinds.items()}
    frame = pd.DataFrame(parsed)
    # "" is one fiche-only job (no appellation) unless the person has no job at all
    no_job = frame["job_code_rome"].map(len) == 0
    frame.loc[no_job, "job_code_ogr"] = pd.Series([()] * int(no_job.sum()), dtype=object).values
    return frame


def read_history(path: str | Path) -> pd.DataFrame:
    """Read and validate a history CSV (see the module docstring).

    Returns
    -------
    DataFrame with ``HISTORY_COLUMNS`` (extra columns of the file are ignored), one row per
    line. Raises ``ValueError`` (French) for a missing file or column, another schema version
    or a bad value (column and line named).
    """
    frame = _read(path, _KINDS, "historique")
    frame["offer_code_ogr"] = frame["offer_code_ogr"].astype("Int64")
    return _check(frame)


def pool_path(history_path: str | Path) -> Path:
    """The pool file of a history file: ``x.pool.csv`` beside ``x.csv``."""
    p = Path(history_path)
    return p.with_name(f"{p.stem}.pool.csv")


def read_pool(history_path: str | Path) -> pd.DataFrame:
    """Read and validate the pool file of a history (``ValueError`` in French when it is missing
    or bad)."""
    path = pool_path(history_path)
    if not path.is_file():
        raise ValueError(
            f"vivier introuvable : {path.name} doit accompagner {Path(history_path).name} "
            "(clausematch history export et history generate l'écrivent)"
        )
    return validate_pool(_read(path, _POOL_KINDS, "vivier"))


def _serialise(name: str, kind: Kind, s: pd.Series) -> pd.Series:
    if kind in ("str_tuple", "int_tuple", "float_tuple", "job_ogr"):
        return s.map(lambda t: "|".join("" if x is None else _fmt(x) for x in t))
    if kind == "date":
        return pd.to_datetime(s).dt.strftime("%Y-%m-%d").fillna("")
    if kind == "bool":
        return s.map({True: "true", False: "false"})
    if name == "offer_code_ogr":
        return s.astype("Int64").astype("str").replace("<NA>", "")
    if name == "shown_rank":
        return s.map(lambda v: "" if pd.isna(v) else str(int(v)))
    if kind == "float":
        return s.map(lambda v: "" if pd.isna(v) else _fmt(v))
    return s.astype("str")


def _fmt(x: object) -> str:
    if isinstance(x, float | np.floating):
        return repr(float(x)).removesuffix(".0") if float(x).is_integer() else repr(float(x))
    return str(x)


def _write(frame: pd.DataFrame, kinds: dict[str, Kind], path: Path) -> Path:
    out = pd.DataFrame({name: _serialise(name, kind, frame[name]) for name, kind in kinds.items()})
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False, lineterminator="\n")
    return path


def write_history(
    frame: pd.DataFrame, path: str | Path, *, pool: pd.DataFrame | None = None
) -> Path:
    """Validate ``frame`` (and ``pool``) and write the history CSV, and its pool file beside it
    (:func:`pool_path`) when ``pool`` is given."""
    checked = validate_history(frame)
    checked_pool = None if pool is None else validate_pool(pool)
    p = _write(checked, _KINDS, Path(path))
    if checked_pool is not None:
        _write(checked_pool, _POOL_KINDS, pool_path(p))
    return p
