"""Validate the engine's input frames and turn them into columnar arrays.

:func:`prepare_candidates` and :func:`prepare_offers` check the frames described in
:mod:`matching.columns` (missing column, wrong dtype, missing value where none is allowed,
unknown commune / ROME / licence / skill code, duplicated id, dates in the wrong order) and raise
``ValueError`` naming the column and the first offending ids. They return frozen dataclasses of
numpy arrays whose row position is the dense index used everywhere in the engine.

Only the columns of :mod:`matching.columns` are read. Any other column of the frames is ignored:
it is never copied into the arrays, so nothing outside the declared schema (in particular no
personal attribute a caller might have left in the frame) can reach a score.

Dates are stored as ``int32`` days since 1970-01-01; an open-ended contract has
``end_day == OPEN_END``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from matching import columns as col
from matching.distances import MODE_OVERHEAD_MIN, MODE_SPEED_KMH
from matching.exclusions import Exclusion
from matching.fields import (
    CANDIDATE_FIELDS,
    CANDIDATE_JOB_FIELDS,
    DEFAULT_RANGE_KM,
    OFFER_FIELDS,
    FieldSpec,
    TravelTolerance,
)
from matching.licences import LICENCE_CODES, closure
from matching.referentials import CommuneIndex, RomeReferential

__all__ = [
    "OPEN_END",
    "STAGE_VALUES",
    "CandidatePool",
    "OfferSet",
    "licence_mask",
    "licences_of_mask",
    "prepare_candidates",
    "prepare_offers",
]

IdArray = npt.NDArray[np.int32]
F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

OPEN_END: Final = np.iinfo(np.int32).max
"""``end_day`` of an open-ended contract."""

_JOB_FIELDS: Final = ("job_appellation", "job_fiche", "job_experience")
_LICENCE_BIT: Final[dict[str, int]] = {code: i for i, code in enumerate(LICENCE_CODES)}

STAGE_VALUES: Final[dict[str, float]] = {"diagnostic": 0.25, "en_parcours": 0.6, "pret_emploi": 1.0}
"""Readiness value of each stage of the coach's assessment."""

_MODE_CODE: Final = {m: i for i, m in enumerate(col.TRAVEL_MODES)}
_STAGE_CODE: Final = {s: i for i, s in enumerate(col.READINESS_STAGES)}
_CONTRACT_CODE: Final = {s: i for i, s in enumerate(col.CONTRACT_TYPES)}
_EPOCH: Final = np.datetime64("1970-01-01", "D")


# --------------------------------------------------------------------------- containers


@dataclass(frozen=True, eq=False)
class CandidatePool:
    """Candidates as columns; row position = dense candidate index.

    Attributes (``n`` candidates, ``J`` = most target jobs of one person, at least 1)
    ----------
    ids : object array (n,) of str, external ids
    commune : int32 (n,), commune id in the :class:`~matching.referentials.CommuneIndex`
    licence_mask : uint64 (n,), bit ``i`` = ``LICENCE_CODES[i]`` held, after :func:`closure`
    skill_ptr : int64 (n + 1,), CSR offsets into ``skill_codes``
    skill_codes : int64 (nnz,), declared ROME skill codes (code OGR), sorted within a row
    job_appellation : int32 (J, n), appellation id of each target job, -1 if unknown / padding
    job_fiche : int32 (J, n), fiche id of each target job, -1 for padding
    job_experience : float32 (J, n), years of experience in the job (0 for padding)

    Job arrays are slot-major (``[j, i]`` = job slot ``j`` of person ``i``) so that the engine
    gathers one contiguous 1-D row per slot.
    has_vehicle : bool (n,)
    travel_mode : int8 (n,), index into ``columns.TRAVEL_MODES`` as declared
    effective_mode : int8 (n,), mode used for travel time: ``voiture`` without a vehicle is
        treated as ``transport_commun`` (the person cannot drive themself)
    max_distance_km, max_travel_minutes : float32 (n,), as declared (NaN when not given)
    range_km : float32 (n,), accepted road distance: the declared km, or the declared minutes
        converted at the effective mode's speed (``(minutes - overhead) * speed / 60``), the
        smaller of the two when both are given
    limit_km : float32 (n,), the furthest road distance still ranked: ``range_km`` plus the
        travel tolerance (:class:`~matching.fields.TravelTolerance`); between the two a pair is
        ranked with a mobility penalty and flagged, beyond it is excluded
    stage : int8 (n,), index into ``columns.READINESS_STAGES``
    assessed_day, available_day : int32 (n,), days since 1970-01-01
    max_weekly_hours : float32 (n,)
    refused_schedule : uint16 (n,), :class:`Exclusion` bits ``NIGHTS | WEEKENDS | EARLY_STARTS``
        the person refuses
    static_flags : uint16 (n,), :class:`Exclusion` bits that hold whatever the offer:
        ``NOT_ELIGIBLE | INACTIVE | IN_CLAUSE_JOB``
    """

    ids: npt.NDArray[np.object_]
    commune: IdArray
    licence_mask: npt.NDArray[np.uint64]
    skill_ptr: I64
    skill_codes: I64
    job_appellation: IdArray
    job_fiche: IdArray
    job_experience: F32
    has_vehicle: BoolArray
    travel_mode: npt.NDArray[np.int8]
    effective_mode: npt.NDArray[np.int8]
    max_distance_km: F32
    max_travel_minutes: F32
    range_km: F32
    limit_km: F32
    stage: npt.NDArray[np.int8]
    assessed_day: IdArray
    available_day: IdArray
    max_weekly_hours: F32
    refused_schedule: npt.NDArray[np.uint16]
    static_flags: npt.NDArray[np.uint16]

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def index_of(self, candidate_ids: Iterable[str]) -> IdArray:
        """Dense indices of external ids; ``KeyError`` names the unknown ones."""
        return _index_of(self._positions, candidate_ids, "candidate")

    def lookup(self, ids: Iterable[str]) -> IdArray:
        """Dense indices of external ids, -1 for an unknown id (int32)."""
        positions = self._positions
        want = list(ids)
        return np.fromiter((positions.get(w, -1) for w in want), dtype=np.int32, count=len(want))

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {str(v): i for i, v in enumerate(self.ids)}

    def take(self, rows: npt.ArrayLike) -> CandidatePool:
        """A pool made of the given rows, in that order."""
        r = np.asarray(rows, dtype=np.int64)
        ptr, codes = _csr_take(self.skill_ptr, self.skill_codes, r)
        fields = {
            name: getattr(self, name)[:, r] if name in _JOB_FIELDS else getattr(self, name)[r]
            for name in self.__dataclass_fields__
            if name not in ("skill_ptr", "skill_codes")
        }
        return CandidatePool(skill_ptr=ptr, skill_codes=codes, **fields)

    def concat(self, other: CandidatePool, *, check_unique: bool = True) -> CandidatePool:
        """This pool followed by ``other`` (ids must stay unique unless told otherwise)."""
        width = max(self.job_fiche.shape[0], other.job_fiche.shape[0])
        a, b = _pad_jobs(self, width), _pad_jobs(other, width)
        fields: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            if name in ("skill_ptr", "skill_codes"):
                continue
            axis = 1 if name in _JOB_FIELDS else 0
            fields[name] = np.concatenate([getattr(a, name), getattr(b, name)], axis=axis)
        if check_unique:
            _check_unique(fields["ids"], col.CANDIDATE_ID)
        ptr = np.concatenate([self.skill_ptr, other.skill_ptr[1:] + self.skill_ptr[-1]])
        codes = np.concatenate([self.skill_codes, other.skill_codes])
        return CandidatePool(skill_ptr=ptr, skill_codes=codes, **fields)


@dataclass(frozen=True, eq=False)
class OfferSet:
    """Offers as columns; row position = dense offer index.

    Attributes (``m`` offers)
    ----------
    ids : object array (m,) of str
    appellation : int32 (m,), appellation id, -1 when the offer gives only a fiche
    fiche : int32 (m,), fiche id
    commune : int32 (m,), commune id of the work site
    required_licences : uint64 (m,), bitmask over ``LICENCE_CODES`` (as required, not closed:
        a holder is compared after :func:`closure`)
    skill_ptr, skill_codes : CSR of required ROME skill codes, int64
    experience_required : float32 (m,), years
    needs_qualification : bool (m,), the job asks for a qualification
    weekly_hours : float32 (m,)
    schedule : uint16 (m,), :class:`Exclusion` bits ``NIGHTS | WEEKENDS | EARLY_STARTS`` the job has
    start_day, end_day : int32 (m,), days since 1970-01-01, ``end_day == OPEN_END`` if open-ended
    contract_type : int8 (m,), index into ``columns.CONTRACT_TYPES``
    open_positions : int32 (m,)
    lot_ref : object array (m,) of str
    """

    ids: npt.NDArray[np.object_]
    appellation: IdArray
    fiche: IdArray
    commune: IdArray
    required_licences: npt.NDArray[np.uint64]
    skill_ptr: I64
    skill_codes: I64
    experience_required: F32
    needs_qualification: npt.NDArray[np.bool_]
    weekly_hours: F32
    schedule: npt.NDArray[np.uint16]
    start_day: IdArray
    end_day: IdArray
    contract_type: npt.NDArray[np.int8]
    open_positions: IdArray
    lot_ref: npt.NDArray[np.object_]

    def __len__(self) -> int:
        return int(self.ids.shape[0])

    def index_of(self, offer_ids: Iterable[str]) -> IdArray:
        """Dense indices of external ids; ``KeyError`` names the unknown ones."""
        return _index_of(self._positions, offer_ids, "offer")

    def lookup(self, ids: Iterable[str]) -> IdArray:
        """Dense indices of external ids, -1 for an unknown id (int32)."""
        positions = self._positions
        want = list(ids)
        return np.fromiter((positions.get(w, -1) for w in want), dtype=np.int32, count=len(want))

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {str(v): i for i, v in enumerate(self.ids)}

    @cached_property
    def is_entry_level(self) -> npt.NDArray[np.bool_]:
        """bool (m,): the job needs neither a qualification nor experience, the only jobs a
        person with no related target job is ranked on (:mod:`matching.components`)."""
        out: npt.NDArray[np.bool_] = ~self.needs_qualification & (self.experience_required == 0)
        return out

    def take(self, rows: npt.ArrayLike) -> OfferSet:
        """An offer set made of the given rows, in that order."""
        r = np.asarray(rows, dtype=np.int64)
        ptr, codes = _csr_take(self.skill_ptr, self.skill_codes, r)
        fields = {
            name: getattr(self, name)[r]
            for name in self.__dataclass_fields__
            if name not in ("skill_ptr", "skill_codes")
        }
        return OfferSet(skill_ptr=ptr, skill_codes=codes, **fields)

    def concat(self, other: OfferSet, *, check_unique: bool = True) -> OfferSet:
        """These offers followed by ``other`` (ids must stay unique unless told otherwise)."""
        fields: dict[str, Any] = {}
        for name in self.__dataclass_fields__:
            if name in ("skill_ptr", "skill_codes"):
                continue
            fields[name] = np.concatenate([getattr(self, name), getattr(other, name)])
        if check_unique:
            _check_unique(fields["ids"], col.OFFER_ID)
        ptr = np.concatenate([self.skill_ptr, other.skill_ptr[1:] + self.skill_ptr[-1]])
        codes = np.concatenate([self.skill_codes, other.skill_codes])
        return OfferSet(skill_ptr=ptr, skill_codes=codes, **fields)


# --------------------------------------------------------------------------- helpers


def _index_of(positions: dict[str, int], wanted: Iterable[str], what: str) -> IdArray:
    want = list(wanted)
    pos = np.fromiter((positions.get(w, -1) for w in want), dtype=np.int32, count=len(want))
    if (pos < 0).any():
        unknown = [w for w, p in zip(want, pos, strict=True) if p < 0]
        raise KeyError(f"unknown {what} ids: {unknown[:10]}")
    return pos


def _csr_take(ptr: I64, values: I64, rows: I64) -> tuple[I64, I64]:
    lengths = ptr[rows + 1] - ptr[rows]
    new_ptr = np.zeros(rows.shape[0] + 1, dtype=np.int64)
    np.cumsum(lengths, out=new_ptr[1:])
    total = int(new_ptr[-1])
    if total == 0:
        return new_ptr, np.zeros(0, dtype=np.int64)
    src = np.repeat(ptr[rows] - new_ptr[:-1], lengths) + np.arange(total, dtype=np.int64)
    return new_ptr, values[src]


def _pad_jobs(pool: CandidatePool, width: int) -> CandidatePool:
    extra = width - pool.job_fiche.shape[0]
    if extra == 0:
        return pool
    n = len(pool)
    return CandidatePool(
        **{
            **{name: getattr(pool, name) for name in pool.__dataclass_fields__},
            "job_appellation": np.vstack([pool.job_appellation, np.full((extra, n), -1, np.int32)]),
            "job_fiche": np.vstack([pool.job_fiche, np.full((extra, n), -1, np.int32)]),
            "job_experience": np.vstack([pool.job_experience, np.zeros((extra, n), np.float32)]),
        }
    )


def _fail(column: str, ids: Sequence[object] | npt.NDArray[np.object_], problem: str) -> ValueError:
    listed = list(ids)
    shown = [str(i) for i in listed[:10]]
    more = f" (and {len(listed) - 10} more)" if len(listed) > 10 else ""
    return ValueError(f"column {column!r}: {problem} for ids {shown}{more}")


def _require_columns(frame: pd.DataFrame, wanted: Sequence[str], what: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what} must be a pandas DataFrame, got {type(frame).__name__}")
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} frame lacks columns {missing}")


def _check_unique(ids: npt.NDArray[np.object_], column: str) -> None:
    dup = pd.Series(ids).duplicated(keep=False)
    if dup.any():
        raise _fail(column, sorted(set(ids[dup.to_numpy()])), "duplicated id")


def _ids(frame: pd.DataFrame, column: str) -> npt.NDArray[np.object_]:
    s = frame[column]
    if s.isna().any():
        raise ValueError(
            f"column {column!r}: missing id at rows {list(np.flatnonzero(s.isna()))[:10]}"
        )
    if not all(isinstance(v, str) for v in s):
        raise ValueError(f"column {column!r}: ids must be str")
    out = s.to_numpy(dtype=object)
    _check_unique(out, column)
    return out


def _bool(frame: pd.DataFrame, column: str, ids: npt.NDArray[np.object_]) -> BoolArray:
    s = frame[column]
    if s.isna().any():
        raise _fail(column, ids[s.isna().to_numpy()], "missing value")
    if len(s) and not pd.api.types.is_bool_dtype(s.dtype):
        raise ValueError(f"column {column!r}: expected bool dtype, got {s.dtype}")
    return s.to_numpy(dtype=bool)


def _float(frame: pd.DataFrame, spec: FieldSpec, ids: npt.NDArray[np.object_]) -> F32:
    """A numeric column checked against its declared field (:mod:`matching.fields`): missing
    values only where the field may be empty, every value within the field's bounds."""
    column = spec.name
    s = frame[column]
    if len(s) and (
        not pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype)
    ):
        raise ValueError(f"column {column!r}: expected a numeric dtype, got {s.dtype}")
    values = s.to_numpy(dtype=np.float64, na_value=np.nan)
    nan = np.isnan(values)
    if nan.any() and not spec.nullable:
        raise _fail(column, ids[nan], "missing value")
    lo, hi = spec.bounds()
    bad = np.isinf(values)
    if lo is not None:
        bad |= ~nan & ((values <= lo) if spec.exclusive_minimum else (values < lo))
    if hi is not None:
        bad |= ~nan & (values > hi)
    if spec.integer:
        bad |= ~nan & (values != np.round(values))
    if bad.any():
        low = "" if lo is None else f"{'>' if spec.exclusive_minimum else '>='} {lo:g}"
        high = "" if hi is None else f"<= {hi:g}"
        raise _fail(
            column, ids[bad], f"value must be finite, {' and '.join(filter(None, (low, high)))}"
        )
    return values.astype(np.float32)


def _days(
    frame: pd.DataFrame, column: str, ids: npt.NDArray[np.object_], *, allow_nat: bool = False
) -> IdArray:
    s = frame[column]
    if len(s) == 0:
        return np.zeros(0, dtype=np.int32)
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        raise ValueError(f"column {column!r}: expected datetime64, got {s.dtype}")
    nat = s.isna().to_numpy()
    if nat.any() and not allow_nat:
        raise _fail(column, ids[nat], "missing date")
    days = s.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]")
    out = np.full(len(s), OPEN_END, dtype=np.int32)
    out[~nat] = (days[~nat] - _EPOCH).astype(np.int64).astype(np.int32)
    return out


def _codes(
    frame: pd.DataFrame, column: str, ids: npt.NDArray[np.object_], allowed: dict[str, int]
) -> npt.NDArray[np.int8]:
    s = frame[column]
    mapped = s.map(allowed)
    bad = mapped.isna().to_numpy()
    if bad.any():
        raise _fail(column, ids[bad], f"value not in {tuple(allowed)}")
    return np.asarray(mapped.to_numpy(), dtype=np.int8)


def _communes(frame: pd.DataFrame, ids: npt.NDArray[np.object_], communes: CommuneIndex) -> IdArray:
    codes = frame[col.COMMUNE_INSEE]
    out = np.empty(len(codes), dtype=np.int32)
    bad = []
    for i, code in enumerate(codes):
        hit = communes.by_code.get(code) if isinstance(code, str) else None
        if hit is None:
            bad.append(i)
        else:
            out[i] = hit[0]
    if bad:
        raise _fail(col.COMMUNE_INSEE, ids[bad], "unknown INSEE code")
    return out


def licence_mask(codes: Iterable[str], *, with_closure: bool = True) -> int:
    """Bitmask over ``LICENCE_CODES`` of licence codes (``ValueError`` if one is unknown).

    With ``with_closure`` the implied licences are set too (a holder's mask); without it only the
    codes given (an offer's requirement).
    """
    given = frozenset(codes)
    closed = closure(given)
    mask = 0
    for code in closed if with_closure else given:
        mask |= 1 << _LICENCE_BIT[code]
    return mask


def licences_of_mask(mask: int) -> list[str]:
    """Licence codes of a bitmask, in ``LICENCE_CODES`` order."""
    return [code for i, code in enumerate(LICENCE_CODES) if mask >> i & 1]


def _licences(
    frame: pd.DataFrame, column: str, ids: npt.NDArray[np.object_], *, with_closure: bool
) -> npt.NDArray[np.uint64]:
    cache: dict[tuple[str, ...], int] = {}
    out = np.zeros(len(frame), dtype=np.uint64)
    bad: list[int] = []
    for i, value in enumerate(frame[column]):
        if not isinstance(value, tuple | list | frozenset | set):
            bad.append(i)
            continue
        key = tuple(sorted(value))
        mask = cache.get(key)
        if mask is None:
            try:
                mask = licence_mask(key, with_closure=with_closure)
            except (ValueError, TypeError):
                bad.append(i)
                continue
            cache[key] = mask
        out[i] = mask
    if bad:
        raise _fail(column, ids[bad], "expected a tuple of known licence codes")
    return out


def _skills(
    frame: pd.DataFrame,
    column: str,
    ids: npt.NDArray[np.object_],
    known: npt.NDArray[np.int64] | None,
) -> tuple[I64, I64]:
    values = frame[column].tolist()
    bad = [i for i, v in enumerate(values) if not isinstance(v, tuple | list)]
    if bad:
        raise _fail(column, ids[bad], "expected a tuple of ROME skill codes")
    lengths = np.fromiter((len(v) for v in values), dtype=np.int64, count=len(values))
    ptr = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(lengths, out=ptr[1:])
    try:
        flat = np.fromiter(chain.from_iterable(values), dtype=np.int64, count=int(ptr[-1]))
    except (TypeError, ValueError):
        raise ValueError(f"column {column!r}: skill codes must be integers") from None
    owner = np.repeat(np.arange(len(values)), lengths)
    if known is not None and flat.size:
        unknown = ~np.isin(flat, known)
        if unknown.any():
            raise _fail(column, ids[np.unique(owner[unknown])], "unknown ROME skill code")
    # sort within rows, drop duplicates within a row
    order = np.lexsort((flat, owner))
    flat, owner = flat[order], owner[order]
    keep = np.ones(flat.shape[0], dtype=bool)
    keep[1:] = (flat[1:] != flat[:-1]) | (owner[1:] != owner[:-1])
    flat, owner = flat[keep], owner[keep]
    ptr = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=len(values)), out=ptr[1:])
    return ptr, flat


def _known_skills(rome: RomeReferential) -> npt.NDArray[np.int64] | None:
    if rome.skills is None:
        return None
    return rome.skills["code_ogr"].to_numpy(dtype=np.int64)


def _jobs(
    frame: pd.DataFrame,
    id_column: str,
    ids: npt.NDArray[np.object_],
    rome: RomeReferential,
    *,
    require_fiche: bool,
) -> tuple[IdArray, IdArray]:
    """Appellation and fiche ids of ``code_ogr`` / ``code_rome`` (fiche derived when missing)."""
    ogr = frame[col.CODE_OGR]
    if len(ogr) and not (pd.api.types.is_integer_dtype(ogr.dtype) or ogr.isna().all()):
        raise ValueError(
            f"column {col.CODE_OGR!r}: expected an integer dtype (Int64), got {ogr.dtype}"
        )
    app_codes = rome.appellations["code_ogr"].to_numpy(dtype=np.int64)
    app_fiche = rome.appellations["fiche_id"].to_numpy(dtype=np.int32)
    has_ogr = ogr.notna().to_numpy()
    ogr_values = ogr.to_numpy(dtype=np.float64, na_value=np.nan)
    ogr_int = np.where(has_ogr, ogr_values, -1).astype(np.int64)
    pos = np.searchsorted(app_codes, ogr_int)
    pos = np.clip(pos, 0, app_codes.shape[0] - 1)
    found = app_codes[pos] == ogr_int
    bad = has_ogr & ~found
    if bad.any():
        raise _fail(col.CODE_OGR, ids[bad], "unknown appellation (code OGR)")
    appellation = np.where(has_ogr, pos, -1).astype(np.int32)

    rome_codes = frame[col.CODE_ROME]
    fiche_index = pd.Index(rome.fiches["code_rome"].to_numpy(dtype=object))
    given = rome_codes.map(lambda v: isinstance(v, str) and v.strip() != "").to_numpy(dtype=bool)
    cleaned = [v.strip().upper() if g else "" for v, g in zip(rome_codes, given, strict=True)]
    fiche = fiche_index.get_indexer(cleaned).astype(np.int32)
    bad = given & (fiche < 0)
    if bad.any():
        raise _fail(col.CODE_ROME, ids[bad], "unknown ROME code")
    derived = ~given & has_ogr
    fiche[derived] = app_fiche[appellation[derived]]
    missing = ~given & ~has_ogr
    if missing.any() and require_fiche:
        raise _fail(col.CODE_ROME, ids[missing], "missing ROME code and appellation")
    clash = given & has_ogr & (app_fiche[np.maximum(appellation, 0)] != fiche)
    if clash.any():
        raise _fail(col.CODE_OGR, ids[clash], "appellation does not belong to the ROME code given")
    return appellation, fiche


# --------------------------------------------------------------------------- candidates


def prepare_candidates(
    candidates: pd.DataFrame,
    candidate_jobs: pd.DataFrame,
    *,
    rome: RomeReferential,
    communes: CommuneIndex,
    tolerance: TravelTolerance | None = None,
) -> CandidatePool:
    """Validate the candidate frames and build a :class:`CandidatePool`.

    Parameters
    ----------
    candidates : DataFrame with ``columns.CANDIDATE_COLUMNS`` (one row per person)
    candidate_jobs : DataFrame with ``columns.CANDIDATE_JOB_COLUMNS`` (one row per target job);
        a person may have no row (no declared job: skills component from declared skills only)
    rome, communes : referentials the codes are checked against
    tolerance : how far beyond the declared range a job is still ranked (default
        :class:`~matching.fields.TravelTolerance`: 5 km or 20 % of the range, the larger)

    Raises
    ------
    ValueError
        naming the column and the ids at fault.
    """
    _require_columns(candidates, col.CANDIDATE_COLUMNS, "candidates")
    _require_columns(candidate_jobs, col.CANDIDATE_JOB_COLUMNS, "candidate_jobs")
    ids = _ids(candidates, col.CANDIDATE_ID)
    n = ids.shape[0]
    commune = _communes(candidates, ids, communes)
    lic = _licences(candidates, col.LICENCES, ids, with_closure=True)
    skill_ptr, skill_codes = _skills(candidates, col.SKILLS, ids, _known_skills(rome))
    has_vehicle = _bool(candidates, col.HAS_VEHICLE, ids)
    mode = _codes(candidates, col.TRAVEL_MODE, ids, _MODE_CODE)
    max_km = _float(candidates, CANDIDATE_FIELDS[col.MAX_DISTANCE_KM], ids)
    max_min = _float(candidates, CANDIDATE_FIELDS[col.MAX_TRAVEL_MINUTES], ids)
    # The declared rule (matching.fields.travel_range): neither a distance nor a time means
    # the default distance.
    max_km[np.isnan(max_km) & np.isnan(max_min)] = DEFAULT_RANGE_KM
    effective = mode.copy()
    effective[(mode == _MODE_CODE["voiture"]) & ~has_vehicle] = _MODE_CODE["transport_commun"]
    speed = np.array([MODE_SPEED_KMH[m] for m in col.TRAVEL_MODES], dtype=np.float32)[effective]
    overhead = np.array([MODE_OVERHEAD_MIN[m] for m in col.TRAVEL_MODES], dtype=np.float32)[
        effective
    ]
    from_minutes = np.maximum(max_min - overhead, 0.0) * speed / 60.0
    range_km = np.fmin(max_km, from_minutes).astype(np.float32)  # fmin ignores a NaN side
    limit_km = (tolerance if tolerance is not None else TravelTolerance()).limit_km(range_km)

    stage = _codes(candidates, col.READINESS_STAGE, ids, _STAGE_CODE)
    assessed = _days(candidates, col.READINESS_ASSESSED_ON, ids)
    available = _days(candidates, col.AVAILABLE_FROM, ids)
    max_hours = _float(candidates, CANDIDATE_FIELDS[col.MAX_WEEKLY_HOURS], ids)
    refused = np.zeros(n, dtype=np.uint16)
    for column, flag in (
        (col.ACCEPTS_NIGHTS, Exclusion.NIGHTS),
        (col.ACCEPTS_WEEKENDS, Exclusion.WEEKENDS),
        (col.ACCEPTS_EARLY_STARTS, Exclusion.EARLY_STARTS),
    ):
        refused |= np.where(_bool(candidates, column, ids), 0, int(flag)).astype(np.uint16)
    static = np.zeros(n, dtype=np.uint16)
    static |= np.where(
        _bool(candidates, col.IS_ELIGIBLE, ids), 0, int(Exclusion.NOT_ELIGIBLE)
    ).astype(np.uint16)
    static |= np.where(_bool(candidates, col.IS_ACTIVE, ids), 0, int(Exclusion.INACTIVE)).astype(
        np.uint16
    )
    static |= np.where(
        _bool(candidates, col.IS_IN_CLAUSE_JOB, ids), int(Exclusion.IN_CLAUSE_JOB), 0
    ).astype(np.uint16)

    job_app, job_fiche, job_exp = _candidate_jobs(candidate_jobs, ids, rome)
    return CandidatePool(
        ids=ids,
        commune=commune,
        licence_mask=lic,
        skill_ptr=skill_ptr,
        skill_codes=skill_codes,
        job_appellation=job_app,
        job_fiche=job_fiche,
        job_experience=job_exp,
        has_vehicle=has_vehicle,
        travel_mode=mode,
        effective_mode=effective,
        max_distance_km=max_km,
        max_travel_minutes=max_min,
        range_km=range_km,
        limit_km=limit_km,
        stage=stage,
        assessed_day=assessed,
        available_day=available,
        max_weekly_hours=max_hours,
        refused_schedule=refused,
        static_flags=static,
    )


def _candidate_jobs(
    jobs: pd.DataFrame, ids: npt.NDArray[np.object_], rome: RomeReferential
) -> tuple[IdArray, IdArray, F32]:
    n = ids.shape[0]
    owner_ids = jobs[col.CANDIDATE_ID]
    owner = pd.Index(ids).get_indexer(pd.Index(owner_ids))
    if (owner < 0).any():
        raise _fail(
            col.CANDIDATE_ID,
            sorted({str(v) for v in owner_ids[owner < 0]}),
            "candidate_jobs row for a candidate not in the candidates frame",
        )
    row_ids = owner_ids.to_numpy(dtype=object)
    appellation, fiche = _jobs(jobs, col.CANDIDATE_ID, row_ids, rome, require_fiche=True)
    experience = _float(jobs, CANDIDATE_JOB_FIELDS[col.EXPERIENCE_YEARS], row_ids)
    counts = np.bincount(owner, minlength=n)
    width = max(1, int(counts.max()) if counts.size else 1)
    order = np.argsort(owner, kind="stable")
    owner_sorted = owner[order]
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=starts[1:])
    slot = np.arange(owner_sorted.shape[0]) - starts[owner_sorted]
    job_app = np.full((width, n), -1, dtype=np.int32)
    job_fiche = np.full((width, n), -1, dtype=np.int32)
    job_exp = np.zeros((width, n), dtype=np.float32)
    job_app[slot, owner_sorted] = appellation[order]
    job_fiche[slot, owner_sorted] = fiche[order]
    job_exp[slot, owner_sorted] = experience[order]
    return job_app, job_fiche, job_exp


# --------------------------------------------------------------------------- offers


def prepare_offers(
    offers: pd.DataFrame, *, rome: RomeReferential, communes: CommuneIndex
) -> OfferSet:
    """Validate the offer frame and build an :class:`OfferSet`.

    Parameters
    ----------
    offers : DataFrame with ``columns.OFFER_COLUMNS``; ``code_rome`` may be empty when
        ``code_ogr`` is given (the fiche is then the appellation's)

    Raises
    ------
    ValueError
        naming the column and the ids at fault (including ``end_date`` before ``start_date``).
    """
    _require_columns(offers, col.OFFER_COLUMNS, "offers")
    ids = _ids(offers, col.OFFER_ID)
    appellation, fiche = _jobs(offers, col.OFFER_ID, ids, rome, require_fiche=True)
    commune = _communes(offers, ids, communes)
    required = _licences(offers, col.REQUIRED_LICENCES, ids, with_closure=False)
    skill_ptr, skill_codes = _skills(offers, col.REQUIRED_SKILLS, ids, _known_skills(rome))
    experience = _float(offers, OFFER_FIELDS[col.EXPERIENCE_YEARS_REQUIRED], ids)
    needs_qualification = _bool(offers, col.NEEDS_QUALIFICATION, ids)
    hours = _float(offers, OFFER_FIELDS[col.WEEKLY_HOURS], ids)
    schedule = np.zeros(len(ids), dtype=np.uint16)
    for column, flag in (
        (col.HAS_NIGHTS, Exclusion.NIGHTS),
        (col.HAS_WEEKENDS, Exclusion.WEEKENDS),
        (col.HAS_EARLY_STARTS, Exclusion.EARLY_STARTS),
    ):
        schedule |= np.where(_bool(offers, column, ids), int(flag), 0).astype(np.uint16)
    start = _days(offers, col.START_DATE, ids)
    end = _days(offers, col.END_DATE, ids, allow_nat=True)
    wrong = end < start
    if wrong.any():
        raise _fail(col.END_DATE, ids[wrong], f"end date before {col.START_DATE!r}")
    contract = _codes(offers, col.CONTRACT_TYPE, ids, _CONTRACT_CODE)
    positions_raw = offers[col.OPEN_POSITIONS]
    if len(positions_raw) and not pd.api.types.is_integer_dtype(positions_raw.dtype):
        raise ValueError(
            f"column {col.OPEN_POSITIONS!r}: expected an integer dtype, got {positions_raw.dtype}"
        )
    if positions_raw.isna().any():
        raise _fail(col.OPEN_POSITIONS, ids[positions_raw.isna().to_numpy()], "missing value")
    positions = positions_raw.to_numpy(dtype=np.int64)
    lo, hi = OFFER_FIELDS[col.OPEN_POSITIONS].bounds()
    bad = (positions < (lo or 1)) | (positions > (hi if hi is not None else np.inf))
    if bad.any():
        raise _fail(col.OPEN_POSITIONS, ids[bad], f"must be >= {lo:g} and <= {hi:g}")
    lot = offers[col.LOT_REF].map(lambda v: v if isinstance(v, str) else "").to_numpy(dtype=object)
    return OfferSet(
        ids=ids,
        appellation=appellation,
        fiche=fiche,
        commune=commune,
        required_licences=required,
        skill_ptr=skill_ptr,
        skill_codes=skill_codes,
        experience_required=experience,
        needs_qualification=needs_qualification,
        weekly_hours=hours,
        schedule=schedule,
        start_day=start,
        end_day=end,
        contract_type=contract,
        open_positions=positions.astype(np.int32),
        lot_ref=lot,
    )
