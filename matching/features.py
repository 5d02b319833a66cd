"""Per-pair features a scorer reads: the three components and the facts behind them.

The transparent weights read the three components only. A trained scorer may read more of what
the engine knows about a pair (:data:`FEATURES`): the job relation, experience in that job,
declared skills, the road distance and its share of the declared range, the means of travel,
readiness stage, assessment age, the availability gap, how the weekly hours fit, licences held.
No feature reads a protected attribute or a person's identity: the engine's frames hold none
(:mod:`matching.columns`; the tests check feature names against a deny-list), and a person's
situation enters only as the constraints they declare.

Each feature says which component its part of a score counts toward (``component``: the
explanations show three contributions whatever the scorer), the direction a monotone scorer must
respect (``direction``: +1 the score never drops when it rises, -1 never rises, 0 free) and its
``worst`` value (what a feature is set to when its part of a score is measured).

:func:`pair_features` computes them for pairs of a block of offers (the ranking's path);
:meth:`matching.engine.MatchingState.pair_features` for pairs given by external ids, each with
its own date (training's path: a history's pairs, an offer's whole pool), with the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from matching import columns as col
from matching.components import JobAffinity, job_match, pair_components, skill_overlap
from matching.schema import CandidatePool, OfferSet

__all__ = [
    "FEATURES",
    "FeatureSpec",
    "PairFeatures",
    "check_feature_names",
    "pair_features",
]

F32 = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.integer]
_MOTORISED: Final = (col.TRAVEL_MODES.index("voiture"), col.TRAVEL_MODES.index("deux_roues"))
_MAX_DISTANCE_KM: Final = 150.0
_MAX_RANGE_SHARE: Final = 2.0
_MAX_AGE_DAYS: Final = 730.0
_MAX_LATE_DAYS: Final = 365.0
_MAX_YEARS: Final = 20.0


@dataclass(frozen=True)
class FeatureSpec:
    """One per-pair feature: the component it counts toward, its direction, its worst value."""

    name: str
    component: str
    direction: int
    worst: float
    label: str


FEATURES: Final[dict[str, FeatureSpec]] = {
    f.name: f
    for f in (
        FeatureSpec("skills", col.COMPONENT_SKILLS, 1, 0.0, "composante métier"),
        FeatureSpec("mobility", col.COMPONENT_MOBILITY, 1, 0.0, "composante trajet"),
        FeatureSpec("readiness", col.COMPONENT_READINESS, 1, 0.0, "composante disponibilité"),
        FeatureSpec(
            "relation", col.COMPONENT_SKILLS, 1, 0.0, "lien du métier visé (aucun → même métier)"
        ),
        FeatureSpec(
            "experience_fit",
            col.COMPONENT_SKILLS,
            1,
            0.0,
            "expérience dans ce métier / expérience demandée (au moins 1 an), plafonnée à 1",
        ),
        FeatureSpec(
            "experience_years", col.COMPONENT_SKILLS, 1, 0.0, "années dans ce métier (≤ 20)"
        ),
        FeatureSpec(
            "skill_overlap", col.COMPONENT_SKILLS, 1, 0.0, "part des compétences demandées"
        ),
        FeatureSpec(
            "licence_count", col.COMPONENT_SKILLS, 1, 0.0, "permis et habilitations détenus"
        ),
        FeatureSpec(
            "distance_km", col.COMPONENT_MOBILITY, -1, _MAX_DISTANCE_KM, "km par la route (≤ 150)"
        ),
        FeatureSpec(
            "range_share",
            col.COMPONENT_MOBILITY,
            -1,
            _MAX_RANGE_SHARE,
            "distance / trajet déclaré (≤ 2)",
        ),
        FeatureSpec(
            "is_motorised", col.COMPONENT_MOBILITY, 1, 0.0, "voiture ou deux-roues utilisable"
        ),
        FeatureSpec(
            "km_without_vehicle",
            col.COMPONENT_MOBILITY,
            -1,
            _MAX_DISTANCE_KM,
            "km par la route sans voiture ni deux-roues (0 pour qui en a un)",
        ),
        FeatureSpec(
            "stage",
            col.COMPONENT_READINESS,
            1,
            0.0,
            "étape (0 diagnostic, 1 en parcours, 2 prêt à l'emploi)",
        ),
        FeatureSpec(
            "days_since_assessment",
            col.COMPONENT_READINESS,
            -1,
            _MAX_AGE_DAYS,
            "jours depuis l'évaluation (≤ 730)",
        ),
        FeatureSpec(
            "days_late",
            col.COMPONENT_READINESS,
            -1,
            _MAX_LATE_DAYS,
            "jours de disponibilité après le début du poste (≤ 365)",
        ),
        FeatureSpec(
            "hours_ratio",
            col.COMPONENT_READINESS,
            0,
            1.0,
            "heures du poste / heures acceptées",
        ),
    )
}
"""Every feature the engine computes for a pair, in a stable order."""


@dataclass(frozen=True, eq=False)
class PairFeatures:
    """Features and context of pairs, in the order they were asked for.

    Attributes (``P`` pairs, ``F`` features)
    ----------
    names : the ``F`` feature names, columns of ``values``
    values : float32 (P, F)
    distance_km : float32 (P,), road distance from the state's commune table
    is_rankable : bool (P,), no hard constraint excludes the pair (see
        :mod:`matching.constraints`); excluded pairs still get their features
    """

    names: tuple[str, ...]
    values: F32
    distance_km: F32
    is_rankable: npt.NDArray[np.bool_]

    @property
    def components(self) -> F32:
        """The three components (``columns.COMPONENTS``), float32 (P, 3)."""
        idx = [self.names.index(c) for c in col.COMPONENTS]
        out: F32 = self.values[:, idx]
        return out

    def frame(self) -> pd.DataFrame:
        """The features as a DataFrame with one column per name."""
        return pd.DataFrame(self.values, columns=list(self.names))


def check_feature_names(names: Sequence[str]) -> None:
    """``ValueError`` for a name that is not a feature the engine computes."""
    unknown = [n for n in names if n not in FEATURES]
    if unknown:
        raise ValueError(f"unknown features {unknown}; known: {list(FEATURES)}")


def pair_features(
    pool: CandidatePool,
    offers: OfferSet,
    affinity: JobAffinity,
    *,
    names: Sequence[str],
    block_offers: IntArray,
    pair_local: IntArray,
    candidate_idx: IntArray,
    distance_km: F32,
    as_of_day: int,
    components: F32 | None = None,
) -> F32:
    """Features of pairs of a block of offers, float32 (P, len(names)).

    Parameters
    ----------
    names : feature names (keys of :data:`FEATURES`), in the order wanted
    block_offers : int (B,), distinct offers of the pairs
    pair_local : int (P,), position of each pair's offer in ``block_offers``
    candidate_idx : int (P,)
    distance_km : float32 (P,), road distance of each pair
    as_of_day : int, today's engine day
    components : float32 (P, 3), the pairs' components when already computed
    """
    check_feature_names(names)
    c = np.asarray(candidate_idx, dtype=np.intp)
    o = np.asarray(block_offers, dtype=np.intp)[np.asarray(pair_local, dtype=np.intp)]
    n = c.shape[0]
    if components is None and any(x in col.COMPONENTS for x in names):
        components = pair_components(
            pool,
            offers,
            affinity,
            block_offers=block_offers,
            pair_local=pair_local,
            candidate_idx=c,
            distance_km=distance_km,
            as_of_day=as_of_day,
        )
    job: tuple[F32, npt.NDArray[np.intp], npt.NDArray[np.int8]] | None = None
    out = np.empty((n, len(names)), dtype=np.float32)
    for j, name in enumerate(names):
        if name in col.COMPONENTS:
            assert components is not None
            out[:, j] = components[:, col.COMPONENTS.index(name)]
        elif name in ("relation", "experience_fit", "experience_years"):
            if job is None:
                job = job_match(pool, offers, affinity, c, o)
            _, slot, relation = job
            years = pool.job_experience[slot, c]
            if name == "relation":
                out[:, j] = relation
            elif name == "experience_years":
                out[:, j] = np.minimum(years, np.float32(_MAX_YEARS))
            else:
                need = np.maximum(offers.experience_required[o], np.float32(1.0))
                out[:, j] = np.minimum(years / need, np.float32(1.0))
        elif name == "skill_overlap":
            overlap, _ = skill_overlap(pool, offers, block_offers, pair_local, c)
            out[:, j] = overlap
        elif name == "licence_count":
            out[:, j] = _popcount(pool.licence_mask[c])
        elif name == "distance_km":
            out[:, j] = np.minimum(distance_km, np.float32(_MAX_DISTANCE_KM))
        elif name == "range_share":
            rng = pool.range_km[c]
            share = np.where(
                rng > 0, distance_km / np.maximum(rng, 1e-6), np.where(distance_km > 0, 2.0, 0.0)
            )
            out[:, j] = np.minimum(share, _MAX_RANGE_SHARE)
        elif name in ("is_motorised", "km_without_vehicle"):
            motorised = np.isin(pool.effective_mode[c], _MOTORISED) & pool.has_vehicle[c]
            if name == "is_motorised":
                out[:, j] = motorised
            else:
                km = np.minimum(distance_km, np.float32(_MAX_DISTANCE_KM))
                out[:, j] = np.where(motorised, np.float32(0.0), km)
        elif name == "stage":
            out[:, j] = _STAGE_ORDER[pool.stage[c]]
        elif name == "days_since_assessment":
            age = np.int64(as_of_day) - pool.assessed_day[c].astype(np.int64)
            out[:, j] = np.clip(age, 0, _MAX_AGE_DAYS)
        elif name == "days_late":
            late = pool.available_day[c].astype(np.int64) - offers.start_day[o].astype(np.int64)
            out[:, j] = np.clip(late, 0, _MAX_LATE_DAYS)
        else:  # hours_ratio
            out[:, j] = offers.weekly_hours[o] / pool.max_weekly_hours[c]
    return out


# Stages from furthest to closest to work, whatever their order in columns.READINESS_STAGES.
_STAGE_ORDER: Final = np.array(
    [("diagnostic", "en_parcours", "pret_emploi").index(s) for s in col.READINESS_STAGES],
    dtype=np.float32,
)


def _popcount(mask: npt.NDArray[np.uint64]) -> F32:
    bits = np.unpackbits(mask.astype("<u8").view(np.uint8).reshape(-1, 8), axis=1)
    out: F32 = bits.sum(axis=1).astype(np.float32)
    return out
