"""The soft travel range: a job a little beyond the declared range is ranked, penalised and
flagged; past the tolerance it is excluded as before; why-not explains both."""

from __future__ import annotations

import numpy as np
import pytest
from test_engine import SEES, candidate, candidates_frame, job, jobs_frame, offer, offers_frame

from matching import columns as col
from matching.components import JobAffinity, mobility_component
from matching.constraints import Exclusion, Tolerated
from matching.engine import MatchingState
from matching.fields import TravelTolerance
from matching.referentials import CommuneIndex, RomeReferential

MACON = 16250


def _state(
    rome: RomeReferential,
    communes: CommuneIndex,
    affinity: JobAffinity,
    *,
    tolerance: TravelTolerance | None = None,
    **person: object,
) -> MatchingState:
    """One person in Sées, one masonry offer in Alençon (26.2 road km away)."""
    return MatchingState.build(
        candidates_frame([candidate("X", commune_insee=SEES, **person)]),
        jobs_frame([job("X", code_ogr=MACON)]),
        offers_frame([offer("O1")]),
        rome=rome,
        communes=communes,
        affinity=affinity,
        tolerance=tolerance,
    )


@pytest.fixture(scope="module")
def affinity(rome: RomeReferential) -> JobAffinity:
    return JobAffinity.from_rome(rome)


def test_a_job_a_few_km_beyond_the_declared_range_is_ranked_and_flagged(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> None:
    state = _state(rome, communes, affinity, max_distance_km=22.0)  # limit 22 + 5 = 27 km
    assert state.pool.limit_km == pytest.approx([27.0])
    ranked = state.shortlist("O1", 5, as_of="2026-11-25")
    assert list(ranked[col.CANDIDATE_ID]) == ["X"]
    row = ranked.iloc[0]
    assert row[col.BEYOND_RANGE]
    assert 0.0 < row[col.COMPONENT_MOBILITY] < 0.2  # below the value at the declared range
    assert "au-delà du trajet déclaré (à 26,1 km pour 22 km déclarés)" in row[col.EXPLANATION]
    (reason,) = state.why_not("X", "O1")
    assert reason.code is Tolerated.BEYOND_RANGE and not reason.is_excluding
    assert reason.message == (
        "Le lieu de travail (Alençon) est à 26,1 km de Sées, au-delà des 22 km acceptés en "
        "voiture, mais dans la tolérance (27 km au plus) : la personne reste classée, avec une "
        "mobilité réduite."
    )


def test_past_the_tolerance_the_pair_is_excluded_and_why_not_says_so(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> None:
    state = _state(rome, communes, affinity, max_distance_km=20.0)  # limit 25 km < 26.2
    assert state.shortlist("O1", 5, as_of="2026-11-25").empty
    (reason,) = state.why_not("X", "O1")
    assert reason.code is Exclusion.TOO_FAR and reason.is_excluding
    assert "même avec la tolérance (25 km au plus)" in reason.message


def test_a_zero_tolerance_makes_the_range_hard_again(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> None:
    state = _state(
        rome, communes, affinity, tolerance=TravelTolerance(0.0, 0.0), max_distance_km=22.0
    )
    assert state.shortlist("O1", 5, as_of="2026-11-25").empty
    (reason,) = state.why_not("X", "O1")
    assert reason.code is Exclusion.TOO_FAR
    assert reason.message.endswith("au-delà des 22 km acceptés en voiture.")


def test_a_declared_time_is_flagged_in_minutes(
    rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity
) -> None:
    # 30 min by car = 25 km; limit 30 km
    state = _state(rome, communes, affinity, max_distance_km=np.nan, max_travel_minutes=30.0)
    ranked = state.shortlist("O1", 5, as_of="2026-11-25")
    assert "(à ≈ 31 min pour 30 min déclarées)" in ranked[col.EXPLANATION].iloc[0]
    (reason,) = state.why_not("X", "O1")
    assert "au-delà des 30 min de trajet acceptées, mais dans la tolérance" in reason.message


def test_the_share_of_the_range_counts_when_it_is_larger() -> None:
    tolerance = TravelTolerance(km=5.0, share=0.2)
    got = tolerance.limit_km(np.array([0.0, 10.0, 25.0, 60.0], dtype=np.float32))
    assert got == pytest.approx([5.0, 15.0, 30.0, 72.0])
    with pytest.raises(ValueError, match="share"):
        TravelTolerance(km=5.0, share=-0.1)
    with pytest.raises(ValueError, match="km"):
        TravelTolerance(km=float("nan"), share=0.2)


def test_mobility_never_rises_with_distance_and_is_continuous_at_the_range() -> None:
    d = np.linspace(0.0, 40.0, 401, dtype=np.float32)
    r = np.full_like(d, 20.0)
    limit = np.full_like(d, 25.0)
    m = mobility_component(d, r, limit)
    assert (np.diff(m) <= 1e-7).all()
    assert m[200] == pytest.approx(0.2)  # at the range
    assert m[201] == pytest.approx(0.2 * (25.0 - 20.1) / 5.0, abs=1e-5)
    assert m[250] == pytest.approx(0.0, abs=1e-6) and m[-1] == 0.0
