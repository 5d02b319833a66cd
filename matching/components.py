"""The three components of a (candidate, offer) pair, each in [0, 1].

All functions work on pair arrays (``P`` pairs: dense candidate and offer indices) and never
loop over pairs.

Skills
------
For each target job ``j`` of the person, the *relation* of its fiche to the offer's:

==================================  =======================================================
same appellation (code OGR)         1.0
same fiche                          0.85
same reference fiche (parent)       0.7
close fiche (*mobilité* from the    ``max(0.4, 0.6 - 0.02 * (rank - 1))``: the referential lists
person's fiche to the offer's)      close fiches in order, rank 1 first
same domain (first 3 characters)    0.3
none                                0
==================================  =======================================================

``job_j = relation_j * (0.8 + 0.2 * min(1, experience_j / max(required, 1)))``: a bounded
malus of at most 20 % when the person has less experience in that job than required (at least
one year counts as the reference, so experience is rewarded even when none is required).
``J = max_j job_j``. Declared skills then lift it:
``skills = J + (1 - J) * 0.4 * overlap`` with ``overlap`` = share of the offer's required
ROME skills the person declares (0 when the offer requires none).

A person none of whose target jobs is related to the offer's (``J = 0``: no job, or none even
in the same domain) is ranked only on a job that needs neither a qualification nor experience
(``OfferSet.is_entry_level``): there ``skills = ENTRY_LEVEL_VALUE`` (0.2, below the lowest value a
related job can give, 0.3 × 0.8 = 0.24, and not lifted by declared skills), elsewhere
``skills = 0`` and the pair is not ranked (:func:`is_job_open`). So an unrelated person never
outscores a related one with the same mobility and readiness under any monotone scorer, and
the ranking breaks an equal score in favour of the related person (:mod:`matching.ranking`).

Mobility
--------
``mobility = 1 - 0.8 * distance_km / range_km`` within the declared range (1 at 0 km, 0.2 at
the range). ``range_km`` is the person's accepted road distance (declared, or declared minutes
converted by mode, see :mod:`matching.distances`); a range of 0 km means "same commune only".
Beyond the range, up to the tolerance (``limit_km``, see
:class:`~matching.fields.TravelTolerance`), the penalty goes on: ``0.2 * (limit_km -
distance_km) / (limit_km - range_km)``, down to 0 at the limit; further pairs are excluded (see
:mod:`matching.constraints`). The component never rises with the distance.

Readiness
---------
``readiness = stage * availability * freshness`` with
``stage`` = 1 (*prêt à l'emploi*), 0.6 (*en parcours*), 0.25 (*diagnostic*);
``availability`` = 1 if available by the offer's start, else ``max(0.2, 0.5 ** (days_late / 30))``
(halved per month late);
``freshness`` = 1 for an assessment up to 182 days old on ``as_of``, then falling linearly by
half over the following year and staying at 0.5 (an old judgement is trusted less).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import Final

import numpy as np
import numpy.typing as npt

from matching import columns as col
from matching.referentials import RomeReferential
from matching.schema import STAGE_VALUES, CandidatePool, OfferSet

__all__ = [
    "ENTRY_LEVEL_VALUE",
    "EXPERIENCE_FLOOR",
    "FRESH_DAYS",
    "MOBILITY_FLOOR",
    "RELATION_VALUES",
    "SKILL_OVERLAP_WEIGHT",
    "JobAffinity",
    "Relation",
    "is_job_open",
    "is_related",
    "job_match",
    "mobility_component",
    "pair_components",
    "readiness_component",
    "skill_overlap",
]

F32 = npt.NDArray[np.float32]
IdArray = npt.NDArray[np.int32]
IntArray = npt.NDArray[np.integer]


class Relation(IntEnum):
    """How a person's target job relates to the offer's job (higher is closer)."""

    NONE = 0
    SAME_DOMAIN = 1
    CLOSE = 2
    SAME_REFERENCE = 3
    SAME_FICHE = 4
    SAME_APPELLATION = 5


RELATION_VALUES: Final[dict[Relation, float]] = {
    Relation.NONE: 0.0,
    Relation.SAME_DOMAIN: 0.3,
    Relation.CLOSE: 0.6,
    Relation.SAME_REFERENCE: 0.7,
    Relation.SAME_FICHE: 0.85,
    Relation.SAME_APPELLATION: 1.0,
}
CLOSE_RANK_STEP: Final = 0.02
CLOSE_FLOOR: Final = 0.4
EXPERIENCE_FLOOR: Final = 0.8
SKILL_OVERLAP_WEIGHT: Final = 0.4
ENTRY_LEVEL_VALUE: Final = 0.2
"""Skills component of a person with no related target job, on a job that needs neither a
qualification nor experience."""
assert RELATION_VALUES[Relation.SAME_DOMAIN] * EXPERIENCE_FLOOR > ENTRY_LEVEL_VALUE
MOBILITY_FLOOR: Final = 0.2
AVAILABILITY_HALF_LIFE_DAYS: Final = 30.0
AVAILABILITY_FLOOR: Final = 0.2
FRESH_DAYS: Final = 182
STALE_DECAY_DAYS: Final = 365.0
FRESHNESS_FLOOR: Final = 0.5

_STAGE_VALUE: Final = np.array([STAGE_VALUES[s] for s in col.READINESS_STAGES], dtype=np.float32)


@dataclass(frozen=True, eq=False)
class JobAffinity:
    """Fiche × fiche relation table built once from the ROME referential.

    Attributes (``F`` fiches; index ``F`` is padding: a missing job, relation NONE)
    ----------
    value : float32 (F + 1, F + 1), ``value[offer_fiche, person_fiche]``
    relation : int8 (F + 1, F + 1), :class:`Relation` of the same pair
    fiche_codes, fiche_labels : object (F,)
    domain_codes, domain_labels : object (F,), domain of each fiche
    appellation_labels : object (A,), label of each appellation id
    """

    value: F32
    relation: npt.NDArray[np.int8]
    fiche_codes: npt.NDArray[np.object_]
    fiche_labels: npt.NDArray[np.object_]
    domain_codes: npt.NDArray[np.object_]
    domain_labels: npt.NDArray[np.object_]
    appellation_labels: npt.NDArray[np.object_]

    @classmethod
    def from_rome(cls, rome: RomeReferential) -> JobAffinity:
        """Build the table (about 2.5 M cells, 13 MB)."""
        fiches = rome.fiches
        n = len(fiches)
        value = np.zeros((n + 1, n + 1), dtype=np.float32)
        relation = np.zeros((n + 1, n + 1), dtype=np.int8)
        domain = fiches["code_domaine"].to_numpy(dtype=object)
        _, domain_id = np.unique(domain.astype(str), return_inverse=True)
        parent = fiches["parent_id"].to_numpy(dtype=np.int32)

        def put(mask: npt.NDArray[np.bool_], rel: Relation, v: F32 | float) -> None:
            better = mask & (np.broadcast_to(v, mask.shape) > value[:n, :n])
            value[:n, :n][better] = np.broadcast_to(v, mask.shape)[better]
            relation[:n, :n][better] = rel

        put(
            domain_id[:, None] == domain_id[None, :],
            Relation.SAME_DOMAIN,
            RELATION_VALUES[Relation.SAME_DOMAIN],
        )
        mob = rome.mobility
        close = np.zeros((n, n), dtype=np.float32)
        rank = mob["rank"].to_numpy(dtype=np.float32)
        v = np.maximum(CLOSE_FLOOR, RELATION_VALUES[Relation.CLOSE] - CLOSE_RANK_STEP * (rank - 1))
        # row = offer fiche (target of the move), column = the person's fiche (source)
        np.maximum.at(close, (mob["target_id"].to_numpy(), mob["source_id"].to_numpy()), v)
        put(close > 0, Relation.CLOSE, close)
        put(
            parent[:, None] == parent[None, :],
            Relation.SAME_REFERENCE,
            RELATION_VALUES[Relation.SAME_REFERENCE],
        )
        eye = np.eye(n, dtype=bool)
        put(eye, Relation.SAME_FICHE, RELATION_VALUES[Relation.SAME_FICHE])
        return cls(
            value=value,
            relation=relation,
            fiche_codes=fiches["code_rome"].to_numpy(dtype=object),
            fiche_labels=fiches["libelle_rome"].to_numpy(dtype=object),
            domain_codes=domain,
            domain_labels=fiches["libelle_domaine"].to_numpy(dtype=object),
            appellation_labels=rome.appellations["libelle"].to_numpy(dtype=object),
        )

    @property
    def n_fiches(self) -> int:
        return int(self.value.shape[0] - 1)


def _best_job(
    pool: CandidatePool,
    offers: OfferSet,
    affinity: JobAffinity,
    c: npt.NDArray[np.intp],
    offer_idx: IntArray,
    *,
    block_offers: IntArray | None = None,
    pair_local: IntArray | None = None,
) -> tuple[F32, npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.int32]]:
    """Job score and slot of the best job of each pair, plus the flat row offsets used.

    With ``block_offers`` (B,) and ``pair_local`` (P,), only the block's rows of the affinity
    table are read (cache-friendly for large blocks); the relation table is then not usable with
    the returned offsets.
    """
    width = affinity.value.shape[1]
    if block_offers is not None and pair_local is not None:
        bo = np.asarray(block_offers, dtype=np.intp)
        local = np.asarray(pair_local, dtype=np.intp)
        values = affinity.value[offers.fiche[bo]].ravel()
        row_start = local * width
        oa = offers.appellation[bo][local]
        required = offers.experience_required[bo][local]
    else:
        o = np.asarray(offer_idx, dtype=np.intp)
        values = affinity.value.ravel()
        row_start = offers.fiche[o].astype(np.intp) * width
        oa = offers.appellation[o]
        required = offers.experience_required[o]
    oa = np.where(oa >= 0, oa, np.int32(-2))  # a missing appellation never matches padding (-1)
    inv_required = np.float32(1.0) / np.maximum(required, np.float32(1.0))
    best = np.full(c.shape[0], -1.0, dtype=np.float32)
    slot = np.zeros(c.shape[0], dtype=np.intp)
    for j in range(pool.job_fiche.shape[0]):
        # padding (-1) lands on the last column of the previous row: the zero padding column
        flat = row_start + pool.job_fiche[j][c]
        v = values[flat]
        same = pool.job_appellation[j][c] == oa
        v = np.where(same, np.float32(1.0), v)
        fit = np.minimum(pool.job_experience[j][c] * inv_required, np.float32(1.0))
        v *= np.float32(EXPERIENCE_FLOOR) + np.float32(1.0 - EXPERIENCE_FLOOR) * fit
        better = v > best
        best = np.where(better, v, best)
        slot = np.where(better, j, slot)
    best = np.maximum(best, np.float32(0.0))
    return best, slot, row_start, oa


def job_match(
    pool: CandidatePool,
    offers: OfferSet,
    affinity: JobAffinity,
    candidate_idx: IntArray,
    offer_idx: IntArray,
) -> tuple[F32, npt.NDArray[np.intp], npt.NDArray[np.int8]]:
    """Best target job of each pair, with its :class:`Relation` (for explanations).

    Returns
    -------
    job_score : float32 (P,), ``max_j relation_j * experience_factor_j``
    best_slot : intp (P,), job slot (row of ``pool.job_fiche``) giving it
    relation : int8 (P,), :class:`Relation` of that job
    """
    c = np.asarray(candidate_idx, dtype=np.intp)
    best, slot, row_start, oa = _best_job(pool, offers, affinity, c, offer_idx)
    relations = affinity.relation.ravel()
    chosen_fiche = pool.job_fiche[slot, c]
    rel = relations[row_start + chosen_fiche].astype(np.int8)
    same_app = pool.job_appellation[slot, c] == oa
    rel = np.where(same_app, np.int8(Relation.SAME_APPELLATION), rel).astype(np.int8)
    return best, slot, rel


def skill_overlap(
    pool: CandidatePool,
    offers: OfferSet,
    block_offers: IntArray,
    pair_local: IntArray,
    candidate_idx: IntArray,
) -> tuple[F32, npt.NDArray[np.int64]]:
    """Share of each pair's required skills that the person declares.

    Parameters
    ----------
    block_offers : int (B,), the distinct offers of the pairs
    pair_local : int (P,), position of each pair's offer in ``block_offers``
    candidate_idx : int (P,)

    Returns
    -------
    overlap : float32 (P,), in [0, 1] (0 when the offer requires no skill)
    matched : int64 (P,), number of required skills the person declares
    """
    n_pairs = candidate_idx.shape[0]
    zero = np.zeros(n_pairs, dtype=np.float32), np.zeros(n_pairs, dtype=np.int64)
    optr = offers.skill_ptr
    req_len_block = optr[block_offers + 1] - optr[block_offers]
    if not req_len_block.any() or pool.skill_codes.size == 0:
        return zero
    # vocabulary of the block's required skills, and a (B, V) membership table
    starts = optr[block_offers]
    total = int(req_len_block.sum())
    owner = np.repeat(np.arange(block_offers.shape[0]), req_len_block)
    src = np.repeat(starts - np.cumsum(req_len_block) + req_len_block, req_len_block) + np.arange(
        total
    )
    codes = offers.skill_codes[src]
    vocab = np.unique(codes)
    table = np.zeros((block_offers.shape[0], vocab.shape[0]), dtype=bool)
    table[owner, np.searchsorted(vocab, codes)] = True
    # pairs whose offer requires something, expanded to the person's declared skills
    req_len = req_len_block[pair_local]
    active = np.flatnonzero(req_len > 0)
    cptr = pool.skill_ptr
    c = candidate_idx[active]
    lens = cptr[c + 1] - cptr[c]
    n_flat = int(lens.sum())
    if n_flat == 0:
        return zero
    pair_rep = np.repeat(np.arange(active.shape[0]), lens)
    flat = np.repeat(cptr[c] - np.cumsum(lens) + lens, lens) + np.arange(n_flat)
    declared = pool.skill_codes[flat]
    pos = np.minimum(np.searchsorted(vocab, declared), vocab.shape[0] - 1)
    hit = (vocab[pos] == declared) & table[pair_local[active][pair_rep], pos]
    matched_active = np.bincount(pair_rep[hit], minlength=active.shape[0])
    matched = np.zeros(n_pairs, dtype=np.int64)
    matched[active] = matched_active
    overlap = np.zeros(n_pairs, dtype=np.float32)
    overlap[active] = matched_active / req_len[active]
    return overlap, matched


def is_job_open(skills: F32) -> npt.NDArray[np.bool_]:
    """Pairs that may be ranked as far as jobs go, bool (P,): a related target job, or a job
    open to anyone (``skills`` = the skills component; 0 means neither)."""
    out: npt.NDArray[np.bool_] = skills > 0
    return out


def is_related(skills: F32) -> npt.NDArray[np.bool_]:
    """Pairs where the person has a target job related to the offer's, bool (P,)."""
    out: npt.NDArray[np.bool_] = skills > np.float32(ENTRY_LEVEL_VALUE)
    return out


def mobility_component(distance_km: F32, range_km: F32, limit_km: F32 | None = None) -> F32:
    """Mobility of pairs, float32 (P,), see the module docstring.

    ``1 - 0.8 * distance / range`` within the range (1 when the range is 0: same commune);
    beyond it, ``0.2 * (limit - distance) / (limit - range)`` down to 0 at ``limit_km`` (the
    declared range plus the tolerance; ``None``: the range itself, no tolerance).
    """
    safe = np.where(range_km > 0, range_km, np.float32(1.0))
    ratio = np.minimum(distance_km / safe, np.float32(1.0))
    out: F32 = (np.float32(1.0) - np.float32(1.0 - MOBILITY_FLOOR) * ratio).astype(
        np.float32, copy=False
    )
    if limit_km is None:
        return out
    margin = limit_km - range_km
    beyond = distance_km > range_km
    if beyond.any():
        left = np.where(margin > 0, (limit_km - distance_km) / np.maximum(margin, 1e-6), 0.0)
        soft = np.float32(MOBILITY_FLOOR) * np.clip(left, 0.0, 1.0)
        out = np.where(beyond, soft, out).astype(np.float32, copy=False)
    return out


def readiness_component(
    stage: npt.NDArray[np.int8],
    assessed_day: IdArray,
    available_day: IdArray,
    start_day: IdArray,
    as_of_day: int,
) -> F32:
    """``stage * availability * freshness`` (float32 (P,)), see the module docstring."""
    s = _STAGE_VALUE[stage]
    late = np.maximum(available_day - start_day, 0).astype(np.float32)
    availability = np.maximum(
        np.float32(AVAILABILITY_FLOOR),
        np.exp2(-late / np.float32(AVAILABILITY_HALF_LIFE_DAYS)),
    )
    stale = np.maximum(np.int32(as_of_day) - assessed_day - FRESH_DAYS, 0).astype(np.float32)
    freshness = np.maximum(
        np.float32(FRESHNESS_FLOOR),
        np.float32(1.0) - np.float32(1.0 - FRESHNESS_FLOOR) * stale / np.float32(STALE_DECAY_DAYS),
    )
    out: F32 = (s * availability * freshness).astype(np.float32, copy=False)
    return out


def pair_components(
    pool: CandidatePool,
    offers: OfferSet,
    affinity: JobAffinity,
    *,
    block_offers: IntArray,
    pair_local: IntArray,
    candidate_idx: IntArray,
    distance_km: F32,
    as_of_day: int,
) -> F32:
    """Components of pairs, float32 (P, 3): skills, mobility, readiness (``columns.COMPONENTS``).

    Parameters
    ----------
    block_offers : int (B,), distinct offers of the pairs
    pair_local : int (P,), position of each pair's offer in ``block_offers``
    candidate_idx : int (P,)
    distance_km : float32 (P,), road distance of each pair (within the person's range)
    as_of_day : int, today's engine day (days since 1970-01-01)
    """
    offer_idx = block_offers[pair_local]
    out = np.empty((candidate_idx.shape[0], 3), dtype=np.float32)
    job, _, _, _ = _best_job(
        pool,
        offers,
        affinity,
        np.asarray(candidate_idx, dtype=np.intp),
        offer_idx,
        block_offers=block_offers,
        pair_local=pair_local,
    )
    overlap, _ = skill_overlap(pool, offers, block_offers, pair_local, candidate_idx)
    lifted = job + (np.float32(1.0) - job) * np.float32(SKILL_OVERLAP_WEIGHT) * overlap
    entry = np.where(offers.is_entry_level[offer_idx], np.float32(ENTRY_LEVEL_VALUE), 0)
    out[:, 0] = np.where(job > 0, lifted, entry)
    out[:, 1] = mobility_component(
        distance_km, pool.range_km[candidate_idx], pool.limit_km[candidate_idx]
    )
    out[:, 2] = readiness_component(
        pool.stage[candidate_idx],
        pool.assessed_day[candidate_idx],
        pool.available_day[candidate_idx],
        offers.start_day[offer_idx],
        as_of_day,
    )
    return out
