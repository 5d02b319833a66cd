"""Per-pair features: hand-built pairs where the values are obvious, the same code on the
ranking path and on given pairs, and a scorer that reads more than the components."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from test_engine import (
    AS_OF,
    SEES,
    candidate,
    candidates_frame,
    job,
    jobs_frame,
    offer,
    offers_frame,
)

from matching import columns as col
from matching.components import JobAffinity, Relation
from matching.engine import MatchingState
from matching.features import FEATURES, pair_features
from matching.referentials import CommuneIndex, RomeReferential

MACON = 16250


@pytest.fixture(scope="module")
def affinity(rome: RomeReferential) -> JobAffinity:
    return JobAffinity.from_rome(rome)


@pytest.fixture(scope="module")
def state(rome: RomeReferential, communes: CommuneIndex, affinity: JobAffinity) -> MatchingState:
    cands = [
        candidate("near", licences=("PERMIS_B", "CACES_R489_3")),
        candidate(
            "far",
            commune_insee=SEES,
            max_distance_km=20.0,
            has_vehicle=False,
            travel_mode="voiture",
            readiness_stage="en_parcours",
            readiness_assessed_on="2026-05-25",
            available_from="2026-12-11",
            max_weekly_hours=40.0,
            licences=(),
        ),
    ]
    jobs = [job("near", code_ogr=MACON, years=3.0), job("far", code_rome="F1701", years=0.5)]
    offs = [offer("O1", experience_years_required=2.0, weekly_hours=35.0)]
    return MatchingState.build(
        candidates_frame(cands),
        jobs_frame(jobs),
        offers_frame(offs),
        rome=rome,
        communes=communes,
        affinity=affinity,
    )


def test_features_of_hand_built_pairs(state: MatchingState) -> None:
    c = state.pool.index_of(["near", "far"])
    o = state.offers.index_of(["O1", "O1"])
    got = state.pair_features(c, o, as_of=AS_OF, names=tuple(FEATURES))
    f = dict(zip(got.names, got.values.T, strict=True))
    assert f["relation"].tolist() == [
        Relation.SAME_APPELLATION,
        Relation.CLOSE,
    ]  # a ROME passerelle
    assert f["experience_fit"] == pytest.approx([1.0, 0.25])
    assert f["experience_years"] == pytest.approx([3.0, 0.5])
    assert f["licence_count"].tolist() == [2.0, 0.0]  # permis B and the CACES
    assert f["distance_km"][0] == 0.0 and f["distance_km"][1] == pytest.approx(26.1, abs=0.1)
    assert f["range_share"] == pytest.approx([0.0, got.distance_km[1] / 20.0])
    assert f["is_motorised"].tolist() == [1.0, 0.0]  # a car without a vehicle is not one
    assert f["km_without_vehicle"] == pytest.approx([0.0, got.distance_km[1]])
    assert f["stage"].tolist() == [2.0, 1.0]
    assert f["days_since_assessment"].tolist() == [24.0, 184.0]
    assert f["days_late"].tolist() == [0.0, 10.0]
    assert f["hours_ratio"] == pytest.approx([1.0, 35.0 / 40.0])
    assert not got.is_rankable[1]  # 26 km is past 20 + 5 km
    np.testing.assert_array_equal(got.components, got.values[:, :3])


def test_the_ranking_computes_the_features_a_scorer_names(state: MatchingState) -> None:
    class ByDistance:
        name = "distance"
        version = "1"
        features = ("distance_km", "skills")

        def scores(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
            out: npt.NDArray[np.float32] = (1.0 - x[:, 0] / 200.0).astype(np.float32)
            return out

        def score(
            self, x: npt.NDArray[np.float32]
        ) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
            s = self.scores(x)
            return s, np.column_stack([np.zeros_like(s), s, np.zeros_like(s)])

    ranked = state.with_scorer(ByDistance()).shortlist("O1", 5, as_of=AS_OF)
    assert list(ranked[col.CANDIDATE_ID]) == ["near"]
    assert ranked[col.SCORE].iloc[0] == pytest.approx(1.0)
    assert ranked["contribution_mobility"].iloc[0] == pytest.approx(1.0)


def test_block_path_equals_the_given_pairs_path(state: MatchingState) -> None:
    o, c, d = state.rankable_pairs()
    block, local = np.unique(o, return_inverse=True)
    direct = pair_features(
        state.pool,
        state.offers,
        state.affinity,
        names=tuple(FEATURES),
        block_offers=block,
        pair_local=local,
        candidate_idx=c,
        distance_km=d,
        as_of_day=int((np.datetime64(AS_OF) - np.datetime64("1970-01-01")).astype(int)),
    )
    given = state.pair_features(c, o, as_of=AS_OF, names=tuple(FEATURES))
    np.testing.assert_array_equal(direct, given.values)


def test_unknown_features_are_refused(state: MatchingState) -> None:
    with pytest.raises(ValueError, match="unknown features"):
        state.pair_features([0], [0], as_of=AS_OF, names=("skills", "sex"))
