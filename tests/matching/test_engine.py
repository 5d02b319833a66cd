"""The matching engine: tiny hand-built frames where the answer is obvious, plus invariants
checked against a brute-force path on a small synthetic pool."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

from fixtures.demo import generate_pool
from matching import columns as col
from matching.components import (
    ENTRY_LEVEL_VALUE,
    RELATION_VALUES,
    JobAffinity,
    Relation,
    mobility_component,
    pair_components,
    readiness_component,
)
from matching.constraints import Exclusion, exclusion_flags
from matching.distances import CommuneDistances, road_km
from matching.engine import MatchingState
from matching.fields import DEFAULT_RANGE_KM
from matching.french import date_fr, de_place, licence_with_article
from matching.ranking import ReachIndex, as_day, offers_for, shortlist, top_k_per_offer
from matching.referentials import CommuneIndex, RomeReferential
from matching.schema import CandidatePool, OfferSet, prepare_candidates, prepare_offers
from matching.scoring import WeightedScorer

AS_OF = dt.date(2026, 11, 25)
ALENCON, DAMIGNY, SEES, FLERS, ARGENTAN = "61001", "61143", "61464", "61169", "61006"
MACON = 16250  # Maçon / Maçonne, F1703
BRIQUETEUR = 11596  # another appellation of F1703


# --------------------------------------------------------------------------- factories


def candidate(cid: str, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        col.CANDIDATE_ID: cid,
        col.COMMUNE_INSEE: ALENCON,
        col.LICENCES: ("PERMIS_B",),
        col.SKILLS: (),
        col.HAS_VEHICLE: True,
        col.TRAVEL_MODE: "voiture",
        col.MAX_DISTANCE_KM: 30.0,
        col.MAX_TRAVEL_MINUTES: np.nan,
        col.READINESS_STAGE: "pret_emploi",
        col.READINESS_ASSESSED_ON: "2026-11-01",
        col.AVAILABLE_FROM: "2026-11-01",
        col.MAX_WEEKLY_HOURS: 35.0,
        col.ACCEPTS_NIGHTS: True,
        col.ACCEPTS_WEEKENDS: True,
        col.ACCEPTS_EARLY_STARTS: True,
        col.IS_ELIGIBLE: True,
        col.IS_ACTIVE: True,
        col.IS_IN_CLAUSE_JOB: False,
    }
    row.update(overrides)
    return row


def job(
    cid: str, code_rome: str = "F1703", code_ogr: int | None = None, years: float = 0.0
) -> dict[str, Any]:
    return {
        col.CANDIDATE_ID: cid,
        col.CODE_OGR: code_ogr,
        col.CODE_ROME: code_rome,
        col.EXPERIENCE_YEARS: years,
    }


def offer(oid: str, **overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        col.OFFER_ID: oid,
        col.CODE_OGR: MACON,
        col.CODE_ROME: "F1703",
        col.COMMUNE_INSEE: ALENCON,
        col.REQUIRED_LICENCES: (),
        col.REQUIRED_SKILLS: (),
        col.EXPERIENCE_YEARS_REQUIRED: 0.0,
        col.NEEDS_QUALIFICATION: True,
        col.WEEKLY_HOURS: 35.0,
        col.HAS_NIGHTS: False,
        col.HAS_WEEKENDS: False,
        col.HAS_EARLY_STARTS: False,
        col.START_DATE: "2026-12-01",
        col.END_DATE: "2027-06-01",
        col.CONTRACT_TYPE: "CDD",
        col.OPEN_POSITIONS: 1,
        col.LOT_REF: "2026-001-LOT01",
    }
    row.update(overrides)
    return row


def candidates_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(rows[0]) if rows else list(col.CANDIDATE_COLUMNS))
    for c in (col.READINESS_ASSESSED_ON, col.AVAILABLE_FROM):
        frame[c] = pd.to_datetime(frame[c])
    for c in (col.MAX_DISTANCE_KM, col.MAX_TRAVEL_MINUTES, col.MAX_WEEKLY_HOURS):
        frame[c] = frame[c].astype(float)
    return frame


def jobs_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(col.CANDIDATE_JOB_COLUMNS))
    frame[col.CODE_OGR] = pd.array(frame[col.CODE_OGR].tolist(), dtype="Int64")
    frame[col.EXPERIENCE_YEARS] = frame[col.EXPERIENCE_YEARS].astype(float)
    return frame


def offers_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame[col.CODE_OGR] = pd.array(frame[col.CODE_OGR].tolist(), dtype="Int64")
    for c in (col.START_DATE, col.END_DATE):
        frame[c] = pd.to_datetime(frame[c])
    for c in (col.EXPERIENCE_YEARS_REQUIRED, col.WEEKLY_HOURS):
        frame[c] = frame[c].astype(float)
    frame[col.OPEN_POSITIONS] = frame[col.OPEN_POSITIONS].astype(np.int64)
    return frame


@pytest.fixture(scope="module")
def affinity(rome: RomeReferential) -> JobAffinity:
    return JobAffinity.from_rome(rome)


def build(
    rome: RomeReferential,
    communes: CommuneIndex,
    affinity: JobAffinity,
    cands: list[dict[str, Any]],
    jobs: list[dict[str, Any]],
    offs: list[dict[str, Any]],
) -> MatchingState:
    return MatchingState.build(
        candidates_frame(cands),
        jobs_frame(jobs),
        offers_frame(offs),
        rome=rome,
        communes=communes,
        affinity=affinity,
    )


# --------------------------------------------------------------------------- ranking basics


def test_same_job_zero_km_and_ready_ranks_first(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> None:
    cands = [
        candidate("far", commune_insee=SEES),
        candidate("unready", readiness_stage="diagnostic"),
        candidate("best"),
        candidate("other_job"),
        candidate("nothing"),
    ]
    jobs = [
        job("far", code_ogr=MACON, years=5),
        job("unready", code_ogr=MACON, years=5),
        job("best", code_ogr=MACON, years=5),
        job("other_job", code_rome="F1702", years=5),
    ]
    state = build(rome, communes, affinity, cands, jobs, [offer("O1")])
    result = state.shortlist("O1", 5, as_of=AS_OF)
    assert result[col.CANDIDATE_ID].iloc[0] == "best"
    assert result[col.SCORE].iloc[0] == pytest.approx(1.0)
    # a mason's job asks for a qualification: nobody without a related target job is ranked
    assert "nothing" not in set(result[col.CANDIDATE_ID])
    assert list(result[col.RANK]) == [1, 2, 3, 4]
    assert result[col.SCORE].is_monotonic_decreasing


def test_skill_levels_follow_the_documented_order(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> None:
    links = {
        "appellation": job("appellation", code_ogr=MACON),
        "fiche": job("fiche", code_ogr=BRIQUETEUR),
        "reference": job("reference", code_rome="F1707"),  # parent fiche F1703
        "close": job("close", code_rome="F1612"),  # mobilité F1612 -> F1703, rank 1
        "domain": job("domain", code_rome="F1702"),
        "none": job("none", code_rome="K2303"),
    }
    cands = [candidate(c) for c in links]
    offs = [offer("O1", needs_qualification=False)]
    state = build(rome, communes, affinity, cands, list(links.values()), offs)
    result = state.shortlist("O1", 10, as_of=AS_OF).set_index(col.CANDIDATE_ID)
    skills = result[col.COMPONENT_SKILLS]
    no_experience = 0.8
    assert skills["appellation"] == pytest.approx(1.0 * no_experience)
    assert skills["fiche"] == pytest.approx(RELATION_VALUES[Relation.SAME_FICHE] * no_experience)
    assert skills["reference"] == pytest.approx(
        RELATION_VALUES[Relation.SAME_REFERENCE] * no_experience
    )
    assert skills["close"] == pytest.approx(RELATION_VALUES[Relation.CLOSE] * no_experience)
    assert skills["domain"] == pytest.approx(RELATION_VALUES[Relation.SAME_DOMAIN] * no_experience)
    assert skills["none"] == pytest.approx(ENTRY_LEVEL_VALUE)
    assert list(result.index) == list(links)


def test_experience_is_a_bounded_bonus(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> None:
    cands = [candidate(c) for c in ("none", "some", "enough", "lots")]
    jobs = [
        job("none", code_ogr=MACON, years=0),
        job("some", code_ogr=MACON, years=1),
        job("enough", code_ogr=MACON, years=2),
        job("lots", code_ogr=MACON, years=20),
    ]
    state = build(
        rome, communes, affinity, cands, jobs, [offer("O1", experience_years_required=2.0)]
    )
    skills = state.shortlist("O1", 4, as_of=AS_OF).set_index(col.CANDIDATE_ID)[col.COMPONENT_SKILLS]
    assert skills["none"] == pytest.approx(0.8)
    assert skills["some"] == pytest.approx(0.9)
    assert skills["enough"] == pytest.approx(1.0)
    assert skills["lots"] == pytest.approx(1.0)


def test_declared_skills_lift_the_skills_component(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> None:
    cands = [
        candidate("declares", skills=(100038, 100240)),
        candidate("half", skills=(100038,)),
        candidate("silent"),
    ]
    jobs = [job(c, code_rome="K2303") for c in ("declares", "half", "silent")]
    offs = [offer("O1", required_skills=(100038, 100240), needs_qualification=False)]
    state = build(rome, communes, affinity, cands, jobs, offs)
    result = state.shortlist("O1", 3, as_of=AS_OF).set_index(col.CANDIDATE_ID)
    # no related target job: the value of a job open to anyone, which declared skills do not
    # lift above a related person's
    assert result.loc["declares", col.COMPONENT_SKILLS] == pytest.approx(ENTRY_LEVEL_VALUE)
    assert result.loc["half", col.COMPONENT_SKILLS] == pytest.approx(ENTRY_LEVEL_VALUE)
    assert result.loc["silent", col.COMPONENT_SKILLS] == pytest.approx(ENTRY_LEVEL_VALUE)
    related = build(
        rome,
        communes,
        affinity,
        cands,
        [job(c, code_rome="F1702") for c in ("declares", "half", "silent")],
        [offer("O1", required_skills=(100038, 100240))],
    )
    lifted = related.shortlist("O1", 3, as_of=AS_OF).set_index(col.CANDIDATE_ID)
    domain = RELATION_VALUES[Relation.SAME_DOMAIN] * 0.8
    assert lifted.loc["declares", col.COMPONENT_SKILLS] == pytest.approx(
        domain + (1 - domain) * 0.4
    )
    assert lifted.loc["half", col.COMPONENT_SKILLS] == pytest.approx(domain + (1 - domain) * 0.2)
    assert lifted.loc["silent", col.COMPONENT_SKILLS] == pytest.approx(domain)
    assert "2 compétences sur 2 demandées" in str(result.loc["declares", col.EXPLANATION])


def test_mobility_component_formula() -> None:
    d = np.array([0.0, 15.0, 30.0, 0.0], dtype=np.float32)
    r = np.array([30.0, 30.0, 30.0, 0.0], dtype=np.float32)
    assert mobility_component(d, r) == pytest.approx([1.0, 0.6, 0.2, 1.0])


def test_readiness_component_formula() -> None:
    start = as_day("2026-12-01")
    today = as_day(AS_OF)
    stage = np.array([2, 1, 0, 2, 2, 2], dtype=np.int8)
    assessed = np.array([today, today, today, today, today, today - 182 - 365], dtype=np.int32)
    available = np.array([start, start, start, start + 30, start + 600, start], dtype=np.int32)
    got = readiness_component(stage, assessed, available, np.full(6, start, np.int32), today)
    assert got == pytest.approx([1.0, 0.6, 0.25, 0.5, 0.2, 0.5])


def test_minutes_are_converted_by_mode_and_no_vehicle_means_public_transport(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> None:
    cands = [
        candidate(
            "bus",
            travel_mode="transport_commun",
            has_vehicle=False,
            max_distance_km=np.nan,
            max_travel_minutes=45.0,
        ),
        candidate(
            "no_car",
            travel_mode="voiture",
            has_vehicle=False,
            max_distance_km=np.nan,
            max_travel_minutes=45.0,
        ),
        candidate("car", max_distance_km=np.nan, max_travel_minutes=45.0),
        candidate("both", max_distance_km=10.0, max_travel_minutes=60.0),
    ]
    pool = prepare_candidates(candidates_frame(cands), jobs_frame([]), rome=rome, communes=communes)
    assert pool.range_km == pytest.approx([12.5, 12.5, 37.5, 10.0])
    assert list(pool.effective_mode) == [2, 2, 0, 0]


# --------------------------------------------------------------------------- exclusions

EXCLUSION_CASES = [
    (Exclusion.NOT_ELIGIBLE, {"is_eligible": False}, {}, "n'est pas reconnue éligible"),
    (Exclusion.INACTIVE, {"is_active": False}, {}, "n'est pas actif"),
    (Exclusion.IN_CLAUSE_JOB, {"is_in_clause_job": True}, {}, "travaille déjà sur un marché"),
    (
        Exclusion.MISSING_LICENCE,
        {},
        {"required_licences": ("CACES_R489_3",)},
        "Le poste demande le CACES R489 cat. 3 (chariots frontaux), que cette personne n'a pas.",
    ),
    (
        Exclusion.TOO_FAR,
        {"commune_insee": FLERS},
        {"commune_insee": ARGENTAN},
        "Le lieu de travail (Argentan) est à 52 km de Flers, au-delà des 30 km acceptés en voiture,"
        " même avec la tolérance (36 km au plus).",
    ),
    (
        Exclusion.HOURS,
        {"max_weekly_hours": 24.0},
        {},
        "Le poste est à 35 h par semaine, au-delà des 24 h que cette personne peut faire.",
    ),
    (Exclusion.NIGHTS, {"accepts_nights": False}, {"has_nights": True}, "travail de nuit"),
    (Exclusion.WEEKENDS, {"accepts_weekends": False}, {"has_weekends": True}, "le week-end"),
    (
        Exclusion.EARLY_STARTS,
        {"accepts_early_starts": False},
        {"has_early_starts": True},
        "tôt le matin",
    ),
    (
        Exclusion.NOT_AVAILABLE,
        {"available_from": "2027-07-02"},
        {},
        "n'est disponible qu'à partir du 2 juillet 2027, après la fin du contrat (1er juin 2027).",
    ),
]


@pytest.mark.parametrize(("code", "cand_kw", "offer_kw", "message"), EXCLUSION_CASES)
def test_each_exclusion_reason_with_its_sentence(
    rome: RomeReferential,
    communes: CommuneIndex,
    affinity: JobAffinity,
    code: Exclusion,
    cand_kw: dict[str, Any],
    offer_kw: dict[str, Any],
    message: str,
) -> None:
    state = build(
        rome,
        communes,
        affinity,
        [
            candidate("X", **cand_kw),
            candidate(
                "ok",
                commune_insee=offer_kw.get("commune_insee", ALENCON),
                licences=("PERMIS_B", *offer_kw.get("required_licences", ())),
            ),
        ],
        [job("X", code_ogr=MACON), job("ok", code_ogr=MACON)],
        [offer("O1", **offer_kw)],
    )
    reasons = state.why_not("X", "O1")
    assert [r.code for r in reasons] == [code]
    assert message in reasons[0].message
    ranked = state.shortlist("O1", 5, as_of=AS_OF)
    assert "X" not in set(ranked[col.CANDIDATE_ID])
    assert state.offers_for("X", 5, as_of=AS_OF).empty
    assert state.why_not("ok", "O1") == []


def test_all_reasons_are_kept(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> None:
    state = build(
        rome,
        communes,
        affinity,
        [candidate("X", is_active=False, max_weekly_hours=20.0, accepts_nights=False)],
        [],
        [offer("O1", has_nights=True, required_licences=("PERMIS_C",))],
    )
    codes = {r.code for r in state.why_not("X", "O1")}
    assert codes == {
        Exclusion.INACTIVE,
        Exclusion.HOURS,
        Exclusion.NIGHTS,
        Exclusion.MISSING_LICENCE,
        Exclusion.UNRELATED_JOB,
    }


def test_licence_closure_satisfies_implied_requirements(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> None:
    state = build(
        rome,
        communes,
        affinity,
        [candidate("CE", licences=("PERMIS_CE",)), candidate("B")],
        [job("CE", code_ogr=MACON), job("B", code_ogr=MACON)],
        [offer("O1", required_licences=("PERMIS_C",))],
    )
    assert state.why_not("CE", "O1") == []
    assert "le permis C" in state.why_not("B", "O1")[0].message


def test_too_far_in_minutes_by_public_transport(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> None:
    state = build(
        rome,
        communes,
        affinity,
        [
            candidate(
                "X",
                commune_insee=SEES,
                travel_mode="voiture",
                has_vehicle=False,
                max_distance_km=np.nan,
                max_travel_minutes=45.0,
            )
        ],
        [job("X", code_ogr=MACON)],
        [offer("O1")],
    )
    (reason,) = state.why_not("X", "O1")
    assert reason.code is Exclusion.TOO_FAR
    assert "Le lieu de travail (Alençon) est à 26 km de Sées" in reason.message
    assert "pas de véhicule" in reason.message
    assert "au-delà des 45 min de trajet acceptées" in reason.message


def test_no_related_target_job_ranks_only_on_jobs_open_to_anyone(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> None:
    cands = [candidate("cook"), candidate("mason"), candidate("nobody")]
    jobs = [job("cook", code_rome="G1602", years=4), job("mason", code_ogr=MACON, years=2)]
    offs = [
        offer("cleaning", code_ogr=None, code_rome="K2204", needs_qualification=False),
        offer(
            "cleaning_2y",
            code_ogr=None,
            code_rome="K2204",
            needs_qualification=False,
            experience_years_required=2.0,
        ),
        offer("formwork", code_ogr=None, code_rome="F1701"),
    ]
    state = build(rome, communes, affinity, cands, jobs, offs)
    open_job = state.shortlist("cleaning", 5, as_of=AS_OF).set_index(col.CANDIDATE_ID)
    assert set(open_job.index) == {"cook", "mason", "nobody"}
    assert (open_job[col.COMPONENT_SKILLS] == np.float32(ENTRY_LEVEL_VALUE)).all()
    assert (
        open_job[col.EXPLANATION]
        .str.startswith(
            "Métier accessible sans qualification : Agent / Agente de nettoyage industriel (K2204)"
        )
        .all()
    )
    assert state.shortlist("cleaning_2y", 5, as_of=AS_OF).empty
    # the mason's job is related to the formworker's (same domain), the cook's is not
    assert list(state.shortlist("formwork", 5, as_of=AS_OF)[col.CANDIDATE_ID]) == ["mason"]
    (reason,) = state.why_not("cook", "cleaning_2y")
    assert reason.code is Exclusion.UNRELATED_JOB
    assert reason.message.startswith(
        "Aucun de ses métiers visés n'est proche du métier Agent / Agente de nettoyage industriel "
        "(K2204), un poste qui demande 2 ans d'expérience."
    )
    (reason,) = state.why_not("nobody", "formwork")
    assert "Aucun métier visé n'est renseigné" in reason.message
    assert "une qualification" in reason.message
    assert state.why_not("mason", "formwork") == []


@pytest.mark.parametrize("weights", [(0.5, 0.25, 0.25), (0.0, 0.5, 0.5), (0.1, 0.45, 0.45)])
def test_an_unrelated_person_never_outranks_a_related_one_of_same_readiness_and_distance(
    rome: RomeReferential,
    communes: CommuneIndex,
    affinity: JobAffinity,
    weights: tuple[float, float, float],
) -> None:
    # "unrelated" comes first by index and declares every skill the offer asks for; with a
    # scorer blind to skills the scores tie, and the related person still comes first.
    cands = [
        candidate("a_unrelated", skills=(100038, 100240)),
        candidate("b_domain"),
        candidate("c_unrelated"),
    ]
    jobs = [job("a_unrelated", code_rome="G1602", years=10), job("b_domain", code_rome="K2303")]
    offs = [
        offer(
            "O1",
            code_ogr=None,
            code_rome="K2204",
            needs_qualification=False,
            required_skills=(100038, 100240),
        )
    ]
    state = build(rome, communes, affinity, cands, jobs, offs).with_scorer(
        WeightedScorer(dict(zip(col.COMPONENTS, weights, strict=True)))
    )
    ranked = state.shortlist("O1", 3, as_of=AS_OF)
    assert list(ranked[col.CANDIDATE_ID]) == ["b_domain", "a_unrelated", "c_unrelated"]
    offers = state.offers_for("a_unrelated", 3, as_of=AS_OF)
    assert list(offers[col.OFFER_ID]) == ["O1"]


def test_a_persons_best_offers_lead_with_their_related_trades(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> None:
    """Cleaning next door scores higher than formwork 25 km away, yet the mason's related trade
    comes first."""
    offs = [
        offer("cleaning_here", code_ogr=None, code_rome="K2204", needs_qualification=False),
        offer("formwork_far", code_ogr=None, code_rome="F1701", commune_insee=SEES),
    ]
    state = build(rome, communes, affinity, [candidate("X")], [job("X", code_ogr=MACON)], offs)
    result = state.offers_for("X", 5, as_of=AS_OF).set_index(col.OFFER_ID)
    assert list(result.index) == ["formwork_far", "cleaning_here"]
    assert result.loc["cleaning_here", col.SCORE] > result.loc["formwork_far", col.SCORE]


def test_on_a_synthetic_pool_related_people_lead(synthetic: MatchingState) -> None:
    """Over every offer's whole ranking: no unrelated person above a related one whose mobility
    and readiness components are at least as good."""
    ranked = synthetic.top_k_per_offer(as_of=AS_OF, k=len(synthetic.pool))
    bounds = np.flatnonzero(np.diff(ranked.offer_idx)) + 1
    checked = 0
    for part in np.split(np.arange(len(ranked)), bounds):
        comps = ranked.components[part]
        related = comps[:, 0] > ENTRY_LEVEL_VALUE
        for i in np.flatnonzero(~related):
            below = np.flatnonzero(related & (np.arange(part.shape[0]) > i))
            dominated = (comps[below, 1] >= comps[i, 1]) & (comps[below, 2] >= comps[i, 2])
            assert not dominated.any()
            checked += 1
    assert checked > 0


# --------------------------------------------------------------------------- invariants


@pytest.fixture(scope="module")
def synthetic(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> MatchingState:
    data = generate_pool(
        communes=communes.communes,
        rome=rome,
        n_candidates=600,
        n_offers=40,
        departements=("61",),
        rng=np.random.default_rng(7),
        as_of=AS_OF,
    )
    return MatchingState.build(
        data.candidates,
        data.candidate_jobs,
        data.offers,
        rome=rome,
        communes=communes,
        affinity=affinity,
    )


def brute_force_top_k(state: MatchingState, k: int) -> list[list[tuple[int, float]]]:
    """Every pair, no reach index: exclusions, components and score, then a full sort."""
    pool, offers = state.pool, state.offers
    n = len(pool)
    out = []
    all_c = np.arange(n)
    for o in range(len(offers)):
        dist = road_km(
            state.distances.coordinates[pool.commune],
            state.distances.coordinates[offers.commune[o : o + 1]],
        )[:, 0]
        o_arr = np.full(n, o)
        ok = exclusion_flags(pool, offers, all_c, o_arr, dist) == 0
        comps_all = pair_components(
            pool,
            offers,
            state.affinity,
            block_offers=np.array([o]),
            pair_local=np.zeros(int(ok.sum()), dtype=np.intp),
            candidate_idx=all_c[ok],
            distance_km=dist[ok],
            as_of_day=as_day(AS_OF),
        )
        ok[ok] = comps_all[:, 0] > 0  # no related job, and the job is not open to anyone
        comps = comps_all[comps_all[:, 0] > 0]
        scores, _ = state.scorer.score(comps)
        unrelated = comps[:, 0] <= ENTRY_LEVEL_VALUE
        order = np.lexsort((all_c[ok], unrelated, -scores.astype(np.float64)))[:k]
        out.append([(int(all_c[ok][i]), float(scores[i])) for i in order])
    return out


def as_lists(ranked: Any, n_offers: int) -> list[list[tuple[int, float]]]:
    out: list[list[tuple[int, float]]] = [[] for _ in range(n_offers)]
    for o, c, s in zip(ranked.offer_idx, ranked.candidate_idx, ranked.score, strict=True):
        out[int(o)].append((int(c), float(s)))
    return out


def test_batch_equals_brute_force(synthetic: MatchingState) -> None:
    ranked = synthetic.top_k_per_offer(as_of=AS_OF, k=15)
    assert as_lists(ranked, len(synthetic.offers)) == brute_force_top_k(synthetic, 15)


@pytest.mark.parametrize("block_size", [1, 3, 7, 1000])
def test_block_size_does_not_change_output(synthetic: MatchingState, block_size: int) -> None:
    ref = synthetic.top_k_per_offer(as_of=AS_OF, k=10, block_size=16)
    got = synthetic.top_k_per_offer(as_of=AS_OF, k=10, block_size=block_size)
    for name in ("offer_idx", "candidate_idx", "score", "components", "rank", "distance_km"):
        np.testing.assert_array_equal(getattr(ref, name), getattr(got, name))


def test_batch_equals_per_offer_shortlists(synthetic: MatchingState) -> None:
    ranked = synthetic.top_k_per_offer(as_of=AS_OF, k=8)
    batch = synthetic.ranked_frame(ranked)
    for oid in synthetic.offers.ids:
        one = synthetic.shortlist(oid, 8, as_of=AS_OF, explain=False)
        mine = batch[batch[col.OFFER_ID] == oid]
        assert list(one[col.CANDIDATE_ID]) == list(mine[col.CANDIDATE_ID])
        np.testing.assert_array_equal(one[col.SCORE].to_numpy(), mine[col.SCORE].to_numpy())


def test_ranked_pairs_are_valid(synthetic: MatchingState) -> None:
    ranked = synthetic.top_k_per_offer(as_of=AS_OF, k=20)
    assert len(ranked) > 0
    assert ranked.offer_idx.dtype == np.int32 and ranked.candidate_idx.dtype == np.int32
    assert ranked.score.dtype == np.float32 and ranked.rank.dtype == np.int16
    assert ranked.components.shape == (len(ranked), 3)
    assert ((ranked.score >= 0) & (ranked.score <= 1)).all()
    assert ((ranked.components >= 0) & (ranked.components <= 1)).all()
    flags = exclusion_flags(
        synthetic.pool, synthetic.offers, ranked.candidate_idx, ranked.offer_idx, ranked.distance_km
    )
    assert (flags == 0).all()
    # sorted by offer then rank, ranks 1..n without gaps
    assert (np.diff(ranked.offer_idx) >= 0).all()
    for o in np.unique(ranked.offer_idx):
        ranks = ranked.rank[ranked.offer_idx == o]
        assert list(ranks) == list(range(1, ranks.shape[0] + 1))


def test_deterministic(synthetic: MatchingState) -> None:
    a = synthetic.top_k_per_offer(as_of=AS_OF, k=10)
    b = synthetic.top_k_per_offer(as_of=AS_OF, k=10)
    np.testing.assert_array_equal(a.candidate_idx, b.candidate_idx)
    np.testing.assert_array_equal(a.score, b.score)


def test_ties_broken_by_candidate_index(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> None:
    cands = [candidate(f"c{i}") for i in range(6)]
    jobs = [job(f"c{i}", code_ogr=MACON) for i in range(6)]
    state = build(rome, communes, affinity, cands, jobs, [offer("O1")])
    for k in (1, 3, 6):
        result = state.shortlist("O1", k, as_of=AS_OF)
        assert list(result[col.CANDIDATE_ID]) == [f"c{i}" for i in range(k)]


def test_weighted_scorer_is_bounded_and_monotone() -> None:
    rng = np.random.default_rng(0)
    scorer = WeightedScorer()
    comps = rng.random((500, 3), dtype=np.float32)
    scores, contributions = scorer.score(comps)
    assert ((scores >= 0) & (scores <= 1)).all()
    np.testing.assert_allclose(contributions.sum(axis=1), scores, rtol=1e-6)
    for j in range(3):
        bumped = comps.copy()
        bumped[:, j] = np.minimum(1.0, bumped[:, j] + rng.random(500, dtype=np.float32))
        higher, _ = scorer.score(bumped)
        assert (higher >= scores).all()
    assert scorer.score(np.ones((1, 3), np.float32))[0][0] == pytest.approx(1.0)


@pytest.mark.parametrize(
    "weights",
    [
        {"skills": 0.5, "mobility": 0.5, "readiness": 0.5},
        {"skills": -0.1, "mobility": 0.6, "readiness": 0.5},
        {"skills": 1.0},
    ],
)
def test_weighted_scorer_rejects_bad_weights(weights: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="weights"):
        WeightedScorer(weights)


def test_custom_weights_change_the_order(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> None:
    cands = [candidate("near_other_job"), candidate("far_same_job", commune_insee=SEES)]
    jobs = [job("near_other_job", code_rome="F1702"), job("far_same_job", code_ogr=MACON, years=3)]
    state = build(rome, communes, affinity, cands, jobs, [offer("O1")])
    by_skills = state.shortlist("O1", 2, as_of=AS_OF)
    assert by_skills[col.CANDIDATE_ID].iloc[0] == "far_same_job"
    by_trip = state.with_scorer(
        WeightedScorer({"skills": 0.1, "mobility": 0.8, "readiness": 0.1})
    ).shortlist("O1", 2, as_of=AS_OF)
    assert by_trip[col.CANDIDATE_ID].iloc[0] == "near_other_job"


# --------------------------------------------------------------------------- explanations


def test_explanation_sentence(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> None:
    cands = [
        candidate("A", commune_insee=DAMIGNY, available_from="2027-03-02"),
        candidate(
            "B",
            travel_mode="transport_commun",
            has_vehicle=False,
            readiness_stage="en_parcours",
            readiness_assessed_on="2025-01-03",
            licences=(),
        ),
    ]
    jobs = [job("A", code_ogr=MACON, years=4), job("B", code_rome="F1702")]
    offs = [offer("O1", start_date="2027-03-15", end_date="2027-09-01")]
    state = build(rome, communes, affinity, cands, jobs, offs)
    result = state.shortlist("O1", 2, as_of=AS_OF).set_index(col.CANDIDATE_ID)
    assert result.loc["A", col.EXPLANATION] == (
        "Même métier : Maçon / Maçonne (F1703), 4 ans d'expérience · 3 km d'Alençon, "
        "permis B et voiture · prêt à l'emploi, disponible dès le 2 mars"
    )
    b = str(result.loc["B", col.EXPLANATION])
    assert b.startswith("Même domaine : ")
    assert "sans expérience déclarée" in b
    assert "sur place (Alençon), en transport en commun" in b
    assert (
        "en parcours, disponible dès maintenant (évaluation du 3 janvier 2025, à actualiser)" in b
    )
    for c in ("contribution_skills", "contribution_mobility", "contribution_readiness"):
        assert c in result.columns
    contributions = result[
        ["contribution_skills", "contribution_mobility", "contribution_readiness"]
    ]
    np.testing.assert_allclose(contributions.sum(axis=1), result[col.SCORE], rtol=1e-6)


def test_french_helpers() -> None:
    assert date_fr(as_day("2026-04-01")) == "1er avril"
    assert date_fr(as_day("2026-08-15"), with_year=True) == "15 août 2026"
    assert de_place("Le Mans") == "du Mans"
    assert de_place("Les Andelys") == "des Andelys"
    assert de_place("Alençon") == "d'Alençon"
    assert de_place("Flers") == "de Flers"
    assert licence_with_article("HAB_ELEC_BR") == "l'habilitation électrique BR"
    assert licence_with_article("FIMO") == "la FIMO marchandises"


# --------------------------------------------------------------------------- offers_for


def test_offers_for_a_candidate(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> None:
    offs = [
        offer("same_far", commune_insee=SEES),
        offer("other_job", code_ogr=None, code_rome="K2303", needs_qualification=False),
        offer("other_qualified_job", code_ogr=None, code_rome="K2204"),
        offer("same_here"),
        offer("same_here_twin"),
        offer("too_far", commune_insee=FLERS),
    ]
    state = build(
        rome, communes, affinity, [candidate("X")], [job("X", code_ogr=MACON, years=3)], offs
    )
    result = state.offers_for("X", 10, as_of=AS_OF)
    assert list(result[col.OFFER_ID]) == ["same_here", "same_here_twin", "same_far", "other_job"]
    assert result[col.EXPLANATION].iloc[0].startswith("Même métier : Maçon / Maçonne (F1703)")
    assert result[col.EXPLANATION].iloc[3].startswith("Métier accessible sans qualification")


# --------------------------------------------------------------------------- distances


def test_distance_table_extension(communes: CommuneIndex) -> None:
    ids = communes.ids_of([ALENCON, FLERS])
    table = CommuneDistances.build(communes, ids)
    assert len(table) == 2
    assert table.km[0, 0] == 0.0
    assert table.km[0, 1] == table.km[1, 0] > 0
    more = table.extend(communes.ids_of([ARGENTAN, FLERS]))
    assert len(more) == 3
    np.testing.assert_array_equal(more.km[:2, :2], table.km)
    fresh = CommuneDistances.build(communes, communes.ids_of([ALENCON, FLERS, ARGENTAN]))
    assert more.between(ids[1], communes.ids_of([ARGENTAN])[0]) == pytest.approx(
        float(fresh.between(ids[1], communes.ids_of([ARGENTAN])[0]))
    )
    assert (
        40 < float(more.between(communes.ids_of([FLERS])[0], communes.ids_of([ARGENTAN])[0])) < 55
    )
    assert more.extend(ids) is more
    with pytest.raises(ValueError, match="not in the distance table"):
        table.rows(communes.ids_of([SEES]))


def test_reach_index_covers_exactly_the_reachable_people(synthetic: MatchingState) -> None:
    from matching.ranking import reachable_pairs

    pool, offers = synthetic.pool, synthetic.offers
    index = ReachIndex.build(pool, synthetic.distances)
    block = np.arange(len(offers))
    local, position, _ = reachable_pairs(index, synthetic.distances, offers, block)
    got = set(zip(local.tolist(), index.candidates[position].tolist(), strict=True))
    d = synthetic.distances.km[
        synthetic.distances.rows(offers.commune)[:, None],
        synthetic.distances.rows(pool.commune)[None, :],
    ]
    reach = (d <= pool.limit_km[None, :]) & (pool.static_flags == 0)[None, :]
    want = set(zip(*(a.tolist() for a in np.nonzero(reach)), strict=True))
    assert got == want


# --------------------------------------------------------------------------- state updates


def test_state_updates_match_a_fresh_build(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> None:
    cands = [candidate("A"), candidate("B", commune_insee=DAMIGNY), candidate("C")]
    jobs = [
        job("A", code_ogr=MACON),
        job("B", code_ogr=MACON, years=2),
        job("C", code_rome="F1702"),
    ]
    state = build(rome, communes, affinity, cands, jobs, [offer("O1")])
    # B moves to Argentan (a commune not yet in the table), D arrives, C leaves
    moved = [candidate("B", commune_insee=ARGENTAN, max_distance_km=60.0), candidate("D")]
    moved_jobs = [job("B", code_rome="F1702"), job("D", code_ogr=MACON, years=9)]
    updated = state.with_candidates(
        candidates_frame(moved), jobs_frame(moved_jobs)
    ).without_candidates(["C"])
    assert list(updated.pool.ids) == ["A", "B", "D"]
    fresh = build(
        rome,
        communes,
        affinity,
        [cands[0], moved[0], moved[1]],
        [jobs[0], *moved_jobs],
        [offer("O1")],
    )
    pd.testing.assert_frame_equal(
        updated.shortlist("O1", 5, as_of=AS_OF), fresh.shortlist("O1", 5, as_of=AS_OF)
    )
    # a new offer in a new commune, then an offer removed
    more = updated.with_offers(offers_frame([offer("O2", commune_insee=SEES)])).without_offers(
        ["O1"]
    )
    assert list(more.offers.ids) == ["O2"]
    assert set(more.shortlist("O2", 5, as_of=AS_OF)[col.CANDIDATE_ID]) == {"A", "B", "D"}
    with pytest.raises(KeyError):
        more.shortlist("O1", 5, as_of=AS_OF)


def test_free_functions_match_the_state(synthetic: MatchingState) -> None:
    oid = str(synthetic.offers.ids[0])
    free = shortlist(
        synthetic.pool,
        synthetic.offers,
        oid,
        5,
        distances=synthetic.distances,
        affinity=synthetic.affinity,
        as_of=AS_OF,
    )
    pd.testing.assert_frame_equal(free, synthetic.shortlist(oid, 5, as_of=AS_OF))
    cid = str(free[col.CANDIDATE_ID].iloc[0]) if len(free) else str(synthetic.pool.ids[0])
    pd.testing.assert_frame_equal(
        offers_for(
            synthetic.pool,
            synthetic.offers,
            cid,
            5,
            distances=synthetic.distances,
            affinity=synthetic.affinity,
            as_of=AS_OF,
        ),
        synthetic.offers_for(cid, 5, as_of=AS_OF),
    )
    ranked = top_k_per_offer(
        synthetic.pool,
        synthetic.offers,
        distances=synthetic.distances,
        affinity=synthetic.affinity,
        as_of=AS_OF,
        k=5,
    )
    assert len(ranked) == len(synthetic.top_k_per_offer(as_of=AS_OF, k=5))


def test_pool_take_and_concat_round_trip(synthetic: MatchingState) -> None:
    pool = synthetic.pool
    half = len(pool) // 2
    again = pool.take(np.arange(half)).concat(pool.take(np.arange(half, len(pool))))
    assert isinstance(again, CandidatePool)
    for name in pool.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(again, name), getattr(pool, name))
    offers = synthetic.offers
    rev = offers.take(np.arange(len(offers))[::-1]).take(np.arange(len(offers))[::-1])
    assert isinstance(rev, OfferSet)
    np.testing.assert_array_equal(rev.skill_codes, offers.skill_codes)


# --------------------------------------------------------------------------- schema validation


def _prep_candidates(
    rome: RomeReferential,
    communes: CommuneIndex,
    cands: list[dict[str, Any]],
    jobs: Sequence[dict[str, Any]] = (),
) -> CandidatePool:
    return prepare_candidates(
        candidates_frame(cands), jobs_frame(list(jobs)), rome=rome, communes=communes
    )


@pytest.mark.parametrize(
    ("overrides", "column", "ids"),
    [
        ({"commune_insee": "99999"}, "commune_insee", "['bad']"),
        ({"licences": ("PERMIS_Z",)}, "licences", "['bad']"),
        ({"skills": (1,)}, "skills", "['bad']"),
        ({"travel_mode": "trottinette"}, "travel_mode", "['bad']"),
        ({"readiness_stage": "pret"}, "readiness_stage", "['bad']"),
        ({"max_weekly_hours": np.nan}, "max_weekly_hours", "['bad']"),
        ({"max_weekly_hours": -1.0}, "max_weekly_hours", "['bad']"),
        ({"max_distance_km": 400.0}, "max_distance_km", "['bad']"),
        ({"max_distance_km": 0.0}, "max_distance_km", "['bad']"),
        ({"max_travel_minutes": 300.0}, "max_travel_minutes", "['bad']"),
        ({"max_weekly_hours": 60.0}, "max_weekly_hours", "['bad']"),
        ({"available_from": None}, "available_from", "['bad']"),
    ],
)
def test_candidate_validation_names_column_and_ids(
    rome: RomeReferential, communes: CommuneIndex, overrides: dict[str, Any], column: str, ids: str
) -> None:
    with pytest.raises(ValueError, match=column) as err:
        _prep_candidates(rome, communes, [candidate("good"), candidate("bad", **overrides)])
    assert ids in str(err.value)


def test_no_declared_range_means_the_default_distance(
    rome: RomeReferential, communes: CommuneIndex
) -> None:
    # The one rule of every door (matching.fields.travel_range), the engine's included.
    pool = _prep_candidates(
        rome,
        communes,
        [
            candidate("none", max_distance_km=np.nan, max_travel_minutes=np.nan),
            candidate("km", max_distance_km=12.0),
        ],
    )
    assert pool.range_km.tolist() == pytest.approx([DEFAULT_RANGE_KM, 12.0])


def test_candidate_frame_problems(rome: RomeReferential, communes: CommuneIndex) -> None:
    frame = candidates_frame([candidate("A"), candidate("A")])
    with pytest.raises(ValueError, match=r"candidate_id.*duplicated.*\['A'\]"):
        prepare_candidates(frame, jobs_frame([]), rome=rome, communes=communes)
    frame = candidates_frame([candidate("A")]).drop(columns=[col.IS_ACTIVE])
    with pytest.raises(ValueError, match=r"lacks columns \['is_active'\]"):
        prepare_candidates(frame, jobs_frame([]), rome=rome, communes=communes)
    frame = candidates_frame([candidate("A")])
    frame[col.HAS_VEHICLE] = frame[col.HAS_VEHICLE].map({True: "oui", False: "non"})
    with pytest.raises(ValueError, match=r"has_vehicle.*bool"):
        prepare_candidates(frame, jobs_frame([]), rome=rome, communes=communes)
    frame = candidates_frame([candidate("A")])
    frame[col.AVAILABLE_FROM] = frame[col.AVAILABLE_FROM].astype(str)
    with pytest.raises(ValueError, match=r"available_from.*datetime64"):
        prepare_candidates(frame, jobs_frame([]), rome=rome, communes=communes)
    with pytest.raises(ValueError, match=r"candidate_id.*\['ghost'\]"):
        _prep_candidates(rome, communes, [candidate("A")], [job("ghost")])
    with pytest.raises(ValueError, match=r"code_rome.*unknown ROME.*\['A'\]"):
        _prep_candidates(rome, communes, [candidate("A")], [job("A", code_rome="Z9999")])
    with pytest.raises(ValueError, match=r"code_ogr.*does not belong.*\['A'\]"):
        _prep_candidates(
            rome, communes, [candidate("A")], [job("A", code_rome="K2303", code_ogr=MACON)]
        )
    with pytest.raises(TypeError):
        prepare_candidates([candidate("A")], jobs_frame([]), rome=rome, communes=communes)  # type: ignore[arg-type]


def test_unknown_columns_are_ignored(rome: RomeReferential, communes: CommuneIndex) -> None:
    plain = candidates_frame([candidate("A")])
    extra = plain.assign(note_libre="texte", autre=1)
    a = prepare_candidates(plain, jobs_frame([]), rome=rome, communes=communes)
    b = prepare_candidates(extra, jobs_frame([]), rome=rome, communes=communes)
    for name in a.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


@pytest.mark.parametrize(
    ("overrides", "column"),
    [
        ({"end_date": "2026-11-01"}, "end_date"),
        ({"code_rome": "Z9999"}, "code_rome"),
        ({"code_ogr": 1}, "code_ogr"),
        ({"required_licences": ("NOPE",)}, "required_licences"),
        ({"weekly_hours": 0.0}, "weekly_hours"),
        ({"open_positions": 0}, "open_positions"),
        ({"contract_type": "STAGE"}, "contract_type"),
        ({"commune_insee": "00000"}, "commune_insee"),
    ],
)
def test_offer_validation_names_column_and_ids(
    rome: RomeReferential, communes: CommuneIndex, overrides: dict[str, Any], column: str
) -> None:
    with pytest.raises(ValueError, match=column) as err:
        prepare_offers(
            offers_frame([offer("good"), offer("bad", **overrides)]), rome=rome, communes=communes
        )
    assert "['bad']" in str(err.value)


def test_offer_fiche_is_derived_from_the_appellation(
    rome: RomeReferential, communes: CommuneIndex
) -> None:
    offers = prepare_offers(
        offers_frame([offer("O1", code_rome=""), offer("O2", end_date=None)]),
        rome=rome,
        communes=communes,
    )
    assert offers.fiche[0] == offers.fiche[1] == rome.fiche_id("F1703")
    assert offers.end_day[1] == np.iinfo(np.int32).max
    with pytest.raises(ValueError, match=r"offer_id.*duplicated"):
        prepare_offers(offers_frame([offer("O1"), offer("O1")]), rome=rome, communes=communes)


def test_empty_inputs(rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity) -> None:
    no_people = pd.DataFrame({c: [] for c in col.CANDIDATE_COLUMNS})
    no_jobs = pd.DataFrame({c: [] for c in col.CANDIDATE_JOB_COLUMNS})
    no_offers = pd.DataFrame({c: [] for c in col.OFFER_COLUMNS})
    state = MatchingState.build(
        no_people,
        no_jobs,
        offers_frame([offer("O1")]),
        rome=rome,
        communes=communes,
        affinity=affinity,
    )
    assert state.shortlist("O1", 5, as_of=AS_OF).empty
    assert len(state.top_k_per_offer(as_of=AS_OF)) == 0
    state = MatchingState.build(
        candidates_frame([candidate("A")]), jobs_frame([]), no_offers, rome=rome, communes=communes
    )
    assert state.offers_for("A", 5, as_of=AS_OF).empty
    assert len(state.top_k_per_offer(as_of=AS_OF)) == 0


def test_boolean_path_agrees_with_the_flags(synthetic: MatchingState) -> None:
    from matching.constraints import is_rankable

    pool, offers = synthetic.pool, synthetic.offers
    grid_c, grid_o = np.meshgrid(np.arange(len(pool)), np.arange(len(offers)))
    c, o = grid_c.ravel(), grid_o.ravel()
    dist = synthetic.distances.between(pool.commune[c], offers.commune[o])
    flags = exclusion_flags(pool, offers, c, o, dist)
    np.testing.assert_array_equal(is_rankable(pool, offers, c, o, dist), flags == 0)
    seen = np.bitwise_or.reduce(flags)
    assert seen & Exclusion.TOO_FAR and seen & Exclusion.MISSING_LICENCE and seen & Exclusion.HOURS


def test_full_ranking_beyond_int16(synthetic: MatchingState) -> None:
    n = len(synthetic.pool)
    oid = str(synthetic.offers.ids[0])
    full = synthetic.shortlist(oid, 40_000, as_of=AS_OF, explain=False)
    assert len(full) <= n
    assert list(full[col.RANK]) == list(range(1, len(full) + 1))
    ranked = synthetic.top_k_per_offer(as_of=AS_OF, k=40_000)
    assert ranked.rank.dtype == np.int32
    assert (synthetic.top_k_per_offer(as_of=AS_OF, k=5).rank.dtype) == np.int16


class _BadScorer:
    name = "bad"
    version = "0"
    features = col.COMPONENTS

    def __init__(self, offset: float) -> None:
        self.offset = offset

    def score(
        self, components: npt.NDArray[np.float32]
    ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        s = (components.mean(axis=1) + np.float32(self.offset)).astype(np.float32)
        return s, components.astype(np.float32)

    def scores(self, components: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        return self.score(components)[0]


def test_scores_out_of_range_are_refused(synthetic: MatchingState) -> None:
    oid = str(synthetic.offers.ids[0])
    with pytest.raises(ValueError, match="outside"):
        synthetic.with_scorer(_BadScorer(0.5)).shortlist(oid, 5, as_of=AS_OF)
    tiny = synthetic.with_scorer(_BadScorer(-1e-7)).shortlist(oid, 5, as_of=AS_OF)
    assert (tiny[col.SCORE] >= 0).all()


# --------------------------------------------------------------------------- pseudonymous view


def test_the_pseudonymous_explanation_reads_only_the_job_and_the_distance(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> None:
    """Two people who differ in everything but their target job and commune (licences,
    vehicle, means of travel, range, experience, skills, readiness, availability, assessment)
    get the same pseudonymous explanation; their full explanations differ."""
    from matching.explain import explain_pairs, explain_pairs_pseudonymous

    cands = [
        candidate("a"),
        candidate(
            "b",
            licences=("PERMIS_B", "CACES_R489_3"),
            has_vehicle=False,
            travel_mode="transport_commun",
            max_distance_km=12.0,
            readiness_stage="en_parcours",
            readiness_assessed_on="2025-01-10",
            available_from="2027-02-01",
        ),
    ]
    jobs = [job("a", code_ogr=MACON, years=1), job("b", code_ogr=MACON, years=9)]
    state = build(rome, communes, affinity, cands, jobs, [offer("O1", commune_insee=DAMIGNY)])
    c = state.pool.index_of(["a", "b"])
    o = state.offers.index_of(["O1", "O1"])
    km = np.array([3.0, 3.0], dtype=np.float32)
    args = dict(affinity=state.affinity, distances=state.distances, candidate_idx=c, offer_idx=o)
    pseudo = explain_pairs_pseudonymous(state.pool, state.offers, distance_km=km, **args)
    full = explain_pairs(state.pool, state.offers, distance_km=km, as_of_day=as_day(AS_OF), **args)
    assert pseudo[0] == pseudo[1]
    assert pseudo[0].startswith("Même métier : Maçon") and pseudo[0].endswith("Damigny")
    assert full[0] != full[1]
