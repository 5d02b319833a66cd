"""French sentences a coach can read, for ranked pairs only (the top-k).

One sentence per pair, three parts joined by " · ": the job (relation, experience, skills),
the trip (distance to the work site, means of travel; a job beyond the declared range, within
the tolerance, is flagged: "au-delà du trajet déclaré (à 10,6 km pour 10 km déclarés)") and
readiness (stage, availability, freshness of the assessment), e.g.
"Même métier : Maçon (F1703), 4 ans d'expérience · 12 km d'Alençon, permis B et voiture ·
prêt à l'emploi, disponible dès le 2 mars".
The arrays are computed vectorised over the pairs; only the string assembly loops, over k.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

from matching import columns as col
from matching.components import (
    FRESH_DAYS,
    JobAffinity,
    Relation,
    is_job_open,
    job_match,
    pair_components,
    skill_overlap,
)
from matching.constraints import Reason, beyond_range_flag
from matching.distances import CommuneDistances, travel_minutes
from matching.exclusions import Exclusion
from matching.french import date_fr, de_place, km_fr, years_fr
from matching.licences import LICENCE_CODES
from matching.schema import CandidatePool, OfferSet

__all__ = ["explain_pairs", "explain_pairs_pseudonymous", "why_not_job"]

IntArray = npt.NDArray[np.integer]

_STAGE_FR: Final = {
    "diagnostic": "en diagnostic",
    "en_parcours": "en parcours",
    "pret_emploi": "prêt à l'emploi",
}
_PERMIS_B: Final = np.uint64(1 << LICENCE_CODES.index("PERMIS_B"))


def _minutes(m: float) -> str:
    r = round(m)
    if r < 60:
        return f"{r} min"
    return f"{r // 60} h {r % 60:02d}" if r % 60 else f"{r // 60} h"


def _job_phrase(
    rel: int,
    affinity: JobAffinity,
    offer_fiche: int,
    offer_app: int,
    person_fiche: int,
    person_app: int,
) -> str:
    code_o = affinity.fiche_codes[offer_fiche]
    if rel == Relation.SAME_APPELLATION:
        return f"Même métier : {affinity.appellation_labels[offer_app]} ({code_o})"
    if rel == Relation.NONE or person_fiche < 0:
        return (
            f"Métier accessible sans qualification : {affinity.fiche_labels[offer_fiche]} "
            f"({code_o}), sans lien avec ses métiers visés"
        )
    code_p = affinity.fiche_codes[person_fiche]
    label_p = (
        affinity.appellation_labels[person_app]
        if person_app >= 0
        else affinity.fiche_labels[person_fiche]
    )
    if rel == Relation.SAME_FICHE:
        head = f"Même fiche métier : {affinity.fiche_labels[offer_fiche]} ({code_o})"
        return head if person_app < 0 else f"{head}, vise {label_p}"
    if rel == Relation.SAME_REFERENCE:
        return f"Métier voisin : {label_p} ({code_p}), même fiche de référence que {code_o}"
    if rel == Relation.CLOSE:
        return f"Métier proche : {label_p} ({code_p}), passerelle ROME vers {code_o}"
    domain = affinity.domain_codes[offer_fiche]
    return (
        f"Même domaine : {affinity.domain_labels[offer_fiche]} ({domain}), "
        f"vise {label_p} ({code_p})"
    )


def explain_pairs(
    pool: CandidatePool,
    offers: OfferSet,
    *,
    affinity: JobAffinity,
    distances: CommuneDistances,
    candidate_idx: IntArray,
    offer_idx: IntArray,
    distance_km: npt.NDArray[np.float32],
    as_of_day: int,
) -> list[str]:
    """One French sentence per pair.

    Parameters
    ----------
    candidate_idx, offer_idx : int (P,), dense indices of the pairs
    distance_km : float32 (P,)
    as_of_day : int, today's engine day

    Returns
    -------
    list of P str.
    """
    c = np.asarray(candidate_idx, dtype=np.int64)
    o = np.asarray(offer_idx, dtype=np.int64)
    if c.size == 0:
        return []
    _, best, rel = job_match(pool, offers, affinity, c, o)
    block, local = np.unique(o, return_inverse=True)
    _, matched = skill_overlap(pool, offers, block, local, c)
    required = offers.skill_ptr[o + 1] - offers.skill_ptr[o]
    p_fiche = pool.job_fiche[best, c]
    p_app = pool.job_appellation[best, c]
    p_exp = pool.job_experience[best, c]
    out: list[str] = []
    for i in range(c.shape[0]):
        ci, oi = int(c[i]), int(o[i])
        # -- job
        r = int(rel[i])
        job = _job_phrase(
            r,
            affinity,
            int(offers.fiche[oi]),
            int(offers.appellation[oi]),
            int(p_fiche[i]),
            int(p_app[i]),
        )
        if r != Relation.NONE:
            exp = float(p_exp[i])
            need = float(offers.experience_required[oi])
            job += f", {years_fr(exp)} d'expérience" if exp > 0 else ", sans expérience déclarée"
            if need > 0 and exp < need:
                asked = years_fr(need)
                job += f" ({asked} demandé{'' if asked == '1 an' else 's'})"
        if required[i] > 0:
            got, need_n = int(matched[i]), int(required[i])
            job += (
                f", {got} compétence{'s' if got > 1 else ''} sur {need_n} "
                f"demandée{'s' if need_n > 1 else ''}"
            )
        # -- trip
        site = distances.name(int(offers.commune[oi]))
        d = float(distance_km[i])
        trip = f"sur place ({site})" if d == 0 else f"{km_fr(d)} {de_place(site)}"
        if d > float(pool.range_km[ci]):
            trip += f", au-delà du trajet déclaré ({beyond_range_flag(pool, ci, d)})"
        mode = col.TRAVEL_MODES[int(pool.travel_mode[ci])]
        effective = col.TRAVEL_MODES[int(pool.effective_mode[ci])]
        if mode == "voiture" and effective == "voiture":
            trip += ", permis B et voiture" if pool.licence_mask[ci] & _PERMIS_B else ", voiture"
        elif mode == "voiture":
            minutes = _minutes(float(travel_minutes(d, effective)))
            trip += (
                ", sans véhicule"
                if d == 0
                else f", sans véhicule (≈ {minutes} en transport en commun)"
            )
        else:
            label = {
                "deux_roues": "en deux-roues",
                "transport_commun": "en transport en commun",
                "velo": "à vélo",
                "marche": "à pied",
            }[mode]
            trip += (
                f", {label}"
                if d == 0
                else f", ≈ {_minutes(float(travel_minutes(d, mode)))} {label}"
            )
        # -- readiness
        stage = _STAGE_FR[col.READINESS_STAGES[int(pool.stage[ci])]]
        avail = int(pool.available_day[ci])
        start = int(offers.start_day[oi])
        if avail <= as_of_day:
            ready = f"{stage}, disponible dès maintenant"
        elif avail <= start:
            ready = f"{stage}, disponible dès le {date_fr(avail)}"
        else:
            ready = (
                f"{stage}, disponible le {date_fr(avail)}, "
                f"après le début du poste ({date_fr(start)})"
            )
        assessed = int(pool.assessed_day[ci])
        if as_of_day - assessed > FRESH_DAYS:
            ready += f" (évaluation du {date_fr(assessed, with_year=True)}, à actualiser)"
        out.append(" · ".join((job, trip, ready)))
    return out


def explain_pairs_pseudonymous(
    pool: CandidatePool,
    offers: OfferSet,
    *,
    affinity: JobAffinity,
    distances: CommuneDistances,
    candidate_idx: IntArray,
    offer_idx: IntArray,
    distance_km: npt.NDArray[np.float32],
) -> list[str]:
    """One French sentence per pair for a reader who may see only the pseudonymous view of
    the person (another coach's caseload): how the person's target job relates to the offer's
    and the distance from the work site, e.g. "Métier proche : Coffreur (F1701), passerelle
    ROME vers F1703 · 12 km d'Alençon".

    Built from those two facts only — never from licences, vehicle or means of travel, the
    declared range, experience, declared skills, readiness, availability or the date of the
    assessment (which :func:`explain_pairs` tells the person's own coach).

    Parameters
    ----------
    candidate_idx, offer_idx : int (P,), dense indices of the pairs
    distance_km : float32 (P,)

    Returns
    -------
    list of P str.
    """
    c = np.asarray(candidate_idx, dtype=np.int64)
    o = np.asarray(offer_idx, dtype=np.int64)
    if c.size == 0:
        return []
    _, best, rel = job_match(pool, offers, affinity, c, o)
    p_fiche = pool.job_fiche[best, c]
    p_app = pool.job_appellation[best, c]
    out: list[str] = []
    for i in range(c.shape[0]):
        oi = int(o[i])
        job = _job_phrase(
            int(rel[i]),
            affinity,
            int(offers.fiche[oi]),
            int(offers.appellation[oi]),
            int(p_fiche[i]),
            int(p_app[i]),
        )
        site = distances.name(int(offers.commune[oi]))
        d = float(distance_km[i])
        trip = f"sur place ({site})" if d == 0 else f"{km_fr(d)} {de_place(site)}"
        out.append(f"{job} · {trip}")
    return out


def why_not_job(
    pool: CandidatePool, offers: OfferSet, affinity: JobAffinity, c: int, o: int
) -> Reason | None:
    """Why the pair of dense indices (``c``, ``o``) is not ranked as far as jobs go (no target
    job related to the offer's, on a job that needs a qualification or experience), in French;
    ``None`` when the jobs do not exclude it."""
    comps = pair_components(
        pool,
        offers,
        affinity,
        block_offers=np.array([o], dtype=np.intp),
        pair_local=np.zeros(1, dtype=np.intp),
        candidate_idx=np.array([c], dtype=np.intp),
        distance_km=np.zeros(1, dtype=np.float32),
        as_of_day=0,
    )
    if is_job_open(comps[:, 0])[0]:
        return None
    fiche = int(offers.fiche[o])
    needs = []
    if offers.needs_qualification[o]:
        needs.append("une qualification")
    if offers.experience_required[o] > 0:
        needs.append(f"{years_fr(float(offers.experience_required[o]))} d'expérience")
    has_jobs = bool((pool.job_fiche[:, c] >= 0).any())
    head = (
        "Aucun de ses métiers visés n'est proche"
        if has_jobs
        else "Aucun métier visé n'est renseigné pour cette personne : rien ne la rapproche"
    )
    return Reason(
        Exclusion.UNRELATED_JOB,
        f"{head} du métier {affinity.fiche_labels[fiche]} ({affinity.fiche_codes[fiche]}), "
        f"un poste qui demande {' et '.join(needs)}. Ajoutez à son profil un métier visé "
        "proche, ou proposez-la hors classement en expliquant pourquoi.",
    )
