"""Hard constraints: the pairs that are never ranked, and why ("Pourquoi pas X ?").

:func:`exclusion_flags` gives every pair its :class:`~matching.exclusions.Exclusion` bits (one
per reason, all kept; the reasons are listed in :mod:`matching.exclusions`), :func:`is_rankable`
the same test as booleans for the hot path, and :func:`why_not` each reason of one pair as a
French sentence for the coach. A pair is rankable when its flags are 0.

The travel range is soft up to the person's tolerance (``pool.limit_km``): a job between the
declared range and the limit is rankable; :func:`why_not` then says so
(:class:`~matching.exclusions.Tolerated`), and the pair is excluded only beyond the limit.

Having no job link with the offer is *not* an exclusion: it gives a skills component of 0 and
the coach may still propose the person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from matching import columns as col
from matching.distances import MODE_OVERHEAD_MIN, MODE_SPEED_KMH, CommuneDistances, road_km
from matching.exclusions import STATIC_EXCLUSIONS, Exclusion, Tolerated
from matching.fields import number_fr
from matching.french import date_fr, de_place, km_fr, licence_with_article, list_fr
from matching.licences import LICENCE_CODES
from matching.schema import CandidatePool, OfferSet

__all__ = [
    "STATIC_EXCLUSIONS",
    "Exclusion",
    "Reason",
    "Tolerated",
    "beyond_range_flag",
    "exclusion_flags",
    "is_rankable",
    "why_not",
]

IdArray = npt.NDArray[np.int32]
U16 = npt.NDArray[np.uint16]


@dataclass(frozen=True)
class Reason:
    """One reason a pair is excluded, or a declared constraint it bends while staying ranked
    (``code`` a :class:`Tolerated`), with a French sentence for the coach."""

    code: Exclusion | Tolerated
    message: str

    @property
    def is_excluding(self) -> bool:
        """The pair is not ranked for this reason."""
        return isinstance(self.code, Exclusion)


def exclusion_flags(
    pool: CandidatePool,
    offers: OfferSet,
    candidate_idx: npt.NDArray[np.integer],
    offer_idx: npt.NDArray[np.integer],
    distance_km: npt.NDArray[np.float32],
) -> U16:
    """Exclusion bits of pairs.

    Parameters
    ----------
    pool, offers : prepared inputs
    candidate_idx, offer_idx : int arrays (P,), dense indices of each pair
    distance_km : float32 (P,), road distance of each pair

    Returns
    -------
    uint16 (P,), :class:`Exclusion` bits; 0 = rankable.
    """
    c, o = candidate_idx, offer_idx
    flags = pool.static_flags[c] | (pool.refused_schedule[c] & offers.schedule[o])
    req = offers.required_licences[o]
    flags |= np.where(
        (req & ~pool.licence_mask[c]) != 0, Exclusion.MISSING_LICENCE.value, 0
    ).astype(np.uint16)
    flags |= np.where(distance_km > pool.limit_km[c], Exclusion.TOO_FAR.value, 0).astype(np.uint16)
    flags |= np.where(
        offers.weekly_hours[o] > pool.max_weekly_hours[c], Exclusion.HOURS.value, 0
    ).astype(np.uint16)
    flags |= np.where(
        pool.available_day[c] > offers.end_day[o], Exclusion.NOT_AVAILABLE.value, 0
    ).astype(np.uint16)
    out: U16 = flags.astype(np.uint16, copy=False)
    return out


def is_rankable(
    pool: CandidatePool,
    offers: OfferSet,
    candidate_idx: npt.NDArray[np.integer],
    offer_idx: npt.NDArray[np.integer],
    distance_km: npt.NDArray[np.float32],
) -> npt.NDArray[np.bool_]:
    """``exclusion_flags(...) == 0`` computed directly as booleans (the hot path), bool (P,)."""
    c, o = candidate_idx, offer_idx
    ok = (pool.static_flags[c] | (pool.refused_schedule[c] & offers.schedule[o])) == 0
    ok &= (offers.required_licences[o] & ~pool.licence_mask[c]) == 0
    ok &= distance_km <= pool.limit_km[c]
    ok &= offers.weekly_hours[o] <= pool.max_weekly_hours[c]
    ok &= pool.available_day[c] <= offers.end_day[o]
    out: npt.NDArray[np.bool_] = ok
    return out


_MODE_PHRASE: Final = {
    "voiture": "en voiture",
    "deux_roues": "en deux-roues",
    "transport_commun": "en transport en commun",
    "velo": "à vélo",
    "marche": "à pied",
}


def _hours_fr(hours: float) -> str:
    whole = int(hours)
    minutes = round((hours - whole) * 60)
    return f"{whole} h {minutes:02d}" if minutes else f"{whole} h"


def _minutes_fr(minutes: float) -> str:
    m = round(minutes)
    if m < 60:
        return f"{m} min"
    return f"{m // 60} h {m % 60:02d}" if m % 60 else f"{m // 60} h"


def _km_exact(km: float) -> str:
    """ "10,6 km", "33 km": one decimal, so that a small overshoot stays visible."""
    return f"{number_fr(round(km, 1))} km"


def _declared_in_km(pool: CandidatePool, c: int) -> bool:
    max_km = float(pool.max_distance_km[c])
    return not np.isnan(max_km) and bool(pool.range_km[c] >= max_km)


def _trip_minutes(pool: CandidatePool, c: int, distance: float) -> float:
    effective = col.TRAVEL_MODES[int(pool.effective_mode[c])]
    return MODE_OVERHEAD_MIN[effective] + distance / MODE_SPEED_KMH[effective] * 60.0


def beyond_range_flag(pool: CandidatePool, c: int, distance: float) -> str:
    """The French flag of a job beyond the declared range: "à 10,6 km pour 10 km déclarés"
    (or "à ≈ 52 min pour 45 min déclarées" when the person declared a time)."""
    if _declared_in_km(pool, c):
        declared = _km_exact(float(pool.max_distance_km[c]))
        return f"à {_km_exact(distance)} pour {declared} déclarés"
    minutes = _trip_minutes(pool, c, distance)
    declared_min = _minutes_fr(float(pool.max_travel_minutes[c]))
    return f"à ≈ {_minutes_fr(minutes)} pour {declared_min} déclarées"


def _too_far_message(
    pool: CandidatePool,
    offers: OfferSet,
    c: int,
    o: int,
    distance: float,
    names: CommuneDistances,
    *,
    is_excluded: bool,
) -> str:
    site = str(names.names[offers.commune[o]])
    home = str(names.names[pool.commune[c]])
    if distance == np.inf:
        return f"La distance entre {site} et {home} est inconnue (commune sans coordonnées)."
    declared = col.TRAVEL_MODES[int(pool.travel_mode[c])]
    effective = col.TRAVEL_MODES[int(pool.effective_mode[c])]
    # A small overshoot must stay visible ("10,6 km" for 10); a far one reads better rounded.
    shown = km_fr(distance) if is_excluded else _km_exact(distance)
    head = f"Le lieu de travail ({site}) est à {shown} {de_place(home)}"
    if _declared_in_km(pool, c):
        beyond = (
            f"au-delà des {km_fr(float(pool.max_distance_km[c]))} acceptés {_MODE_PHRASE[declared]}"
        )
    else:
        note = ""
        if declared != effective:
            note = " (pas de véhicule : trajet estimé en transport en commun)"
        beyond = (
            f"soit environ {_minutes_fr(_trip_minutes(pool, c, distance))} "
            f"{_MODE_PHRASE[effective]}{note}, au-delà des "
            f"{_minutes_fr(float(pool.max_travel_minutes[c]))} de trajet acceptées"
        )
    limit = float(pool.limit_km[c])
    if not is_excluded:
        return (
            f"{head}, {beyond}, mais dans la tolérance ({_km_exact(limit)} au plus) : "
            "la personne reste classée, avec une mobilité réduite."
        )
    if limit > float(pool.range_km[c]):
        return f"{head}, {beyond}, même avec la tolérance ({_km_exact(limit)} au plus)."
    return f"{head}, {beyond}."


def why_not(
    pool: CandidatePool,
    offers: OfferSet,
    candidate_id: str,
    offer_id: str,
    *,
    distances: CommuneDistances,
) -> list[Reason]:
    """Every reason the pair (``candidate_id``, ``offer_id``) is excluded, in French.

    A rankable pair beyond the declared range (within the tolerance) gets one
    :class:`Tolerated` reason (``is_excluding`` false) saying so. Returns an empty list when
    the pair is rankable and bends nothing. ``KeyError`` for an unknown id.
    The distance is computed like the table's (works for communes not yet in the table).
    """
    c = int(pool.index_of([candidate_id])[0])
    o = int(offers.index_of([offer_id])[0])
    coords = distances.coordinates
    dist = float(
        road_km(
            coords[pool.commune[c : c + 1]],
            coords[offers.commune[o : o + 1]],
            detour_factor=distances.detour_factor,
        )[0, 0]
    )
    if pool.commune[c] == offers.commune[o] and np.isfinite(dist):
        dist = 0.0
    flags = Exclusion(
        int(
            exclusion_flags(
                pool,
                offers,
                np.array([c]),
                np.array([o]),
                np.array([dist], dtype=np.float32),
            )[0]
        )
    )
    out: list[Reason] = []
    for flag in Exclusion:
        if not flags & flag:
            continue
        if flag is Exclusion.NOT_ELIGIBLE:
            msg = "Cette personne n'est pas reconnue éligible aux clauses sociales."
        elif flag is Exclusion.INACTIVE:
            msg = "Le suivi de cette personne n'est pas actif (dossier clos ou suspendu)."
        elif flag is Exclusion.IN_CLAUSE_JOB:
            msg = "Cette personne travaille déjà sur un marché avec clause sociale."
        elif flag is Exclusion.MISSING_LICENCE:
            missing = int(offers.required_licences[o]) & ~int(pool.licence_mask[c])
            labels = [
                licence_with_article(code)
                for i, code in enumerate(LICENCE_CODES)
                if missing >> i & 1
            ]
            msg = f"Le poste demande {list_fr(labels)}, que cette personne n'a pas."
        elif flag is Exclusion.TOO_FAR:
            msg = _too_far_message(pool, offers, c, o, dist, distances, is_excluded=True)
        elif flag is Exclusion.HOURS:
            msg = (
                f"Le poste est à {_hours_fr(float(offers.weekly_hours[o]))} par semaine, "
                f"au-delà des {_hours_fr(float(pool.max_weekly_hours[c]))} que cette personne "
                "peut faire."
            )
        elif flag is Exclusion.NIGHTS:
            msg = "Le poste comporte du travail de nuit, que cette personne a exclu."
        elif flag is Exclusion.WEEKENDS:
            msg = "Le poste demande de travailler le week-end, ce que cette personne a exclu."
        elif flag is Exclusion.EARLY_STARTS:
            msg = "Le poste commence tôt le matin, ce que cette personne a exclu."
        else:
            msg = (
                "Cette personne n'est disponible qu'à partir du "
                f"{date_fr(int(pool.available_day[c]), with_year=True)}, après la fin du contrat "
                f"({date_fr(int(offers.end_day[o]), with_year=True)})."
            )
        out.append(Reason(flag, msg))
    if not flags & Exclusion.TOO_FAR and dist > float(pool.range_km[c]):
        msg = _too_far_message(pool, offers, c, o, dist, distances, is_excluded=False)
        out.append(Reason(Tolerated.BEYOND_RANGE, msg))
    return out
