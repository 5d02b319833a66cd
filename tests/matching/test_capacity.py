"""Capacity-aware allocation: caps hold, the optimum is exact, edge cases, determinism."""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from matching.capacity import allocate_lists, congestion_stats, top_per_offer

I32 = np.int32
F32 = np.float32


def _random_edges(
    rng: np.random.Generator, n_offers: int, n_people: int, n_edges: int
) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.float32]]:
    pairs = rng.choice(n_offers * n_people, size=n_edges, replace=False)
    offer = (pairs // n_people).astype(I32)
    person = (pairs % n_people).astype(I32)
    # a shared "strength" per person makes the same people best everywhere (congestion)
    strength = rng.random(n_people)
    score = (0.6 * strength[person] + 0.4 * rng.random(n_edges)).astype(F32)
    return offer, person, score


def _brute_force(
    offer: npt.NDArray[np.int32],
    person: npt.NDArray[np.int32],
    score: npt.NDArray[np.float32],
    capacity: npt.NDArray[np.int32],
    max_lists: int,
) -> float:
    best = 0.0
    n = offer.size
    for bits in itertools.product((False, True), repeat=n):
        mask = np.array(bits, dtype=bool)
        if (np.bincount(offer[mask], minlength=capacity.size) > capacity).any():
            continue
        if mask.any() and np.bincount(person[mask]).max() > max_lists:
            continue
        best = max(best, float(score[mask].astype(np.float64).sum()))
    return best


def _milp_optimum(
    offer: npt.NDArray[np.int32],
    person: npt.NDArray[np.int32],
    score: npt.NDArray[np.float32],
    capacity: npt.NDArray[np.int32],
    max_lists: int,
) -> float:
    """Exact integer program over every cap (no reduction), an independent solver path."""
    n = offer.size
    n_people = int(person.max()) + 1
    a = np.zeros((capacity.size + n_people, n))
    a[offer, np.arange(n)] = 1
    a[capacity.size + person, np.arange(n)] = 1
    ub = np.concatenate([capacity, np.full(n_people, max_lists)]).astype(float)
    res = milp(
        -score.astype(np.float64),
        constraints=LinearConstraint(a, -np.inf, ub),
        integrality=np.ones(n),
        bounds=Bounds(0, 1),
    )
    assert res.status == 0
    return float(-res.fun)


def _check_caps(
    offer: npt.NDArray[np.int32],
    person: npt.NDArray[np.int32],
    selected: npt.NDArray[np.bool_],
    capacity: npt.NDArray[np.int32],
    max_lists: int,
) -> None:
    assert selected.dtype == bool and selected.shape == offer.shape
    assert (np.bincount(offer[selected], minlength=capacity.size) <= capacity).all()
    if selected.any():
        assert np.bincount(person[selected]).max() <= max_lists


def test_obvious_case() -> None:
    # two offers of one place each; person 0 is best on both but may take one list only:
    # the optimum puts 0 on offer 0 (0.9) and 1 on offer 1 (0.7), not 0 on both.
    offer = np.array([0, 0, 1, 1], dtype=I32)
    person = np.array([0, 1, 0, 1], dtype=I32)
    score = np.array([0.9, 0.5, 0.8, 0.7], dtype=F32)
    out = allocate_lists(offer, person, score, capacity=np.array([1, 1], I32), max_lists=1)
    assert out.selected.tolist() == [True, False, False, True]
    assert out.total_score == pytest.approx(0.9 + 0.7)
    assert out.n_people == 2 and out.max_lists_per_person == 1
    # with max_lists=2 the plain best per offer is optimal
    out2 = allocate_lists(offer, person, score, capacity=np.array([1, 1], I32), max_lists=2)
    assert out2.selected.tolist() == [True, False, True, False]
    assert out2.selected.tolist() == top_per_offer(offer, score, capacity=[1, 1]).tolist()


@pytest.mark.parametrize("seed", range(25))
def test_matches_brute_force_on_small_cases(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_offers, n_people = int(rng.integers(1, 4)), int(rng.integers(1, 5))
    n_edges = int(rng.integers(1, min(12, n_offers * n_people) + 1))
    offer, person, score = _random_edges(rng, n_offers, n_people, n_edges)
    capacity = rng.integers(0, 3, size=n_offers).astype(I32)
    max_lists = int(rng.integers(0, 3))
    out = allocate_lists(offer, person, score, capacity=capacity, max_lists=max_lists)
    _check_caps(offer, person, out.selected, capacity, max_lists)
    assert out.total_score == pytest.approx(
        _brute_force(offer, person, score, capacity, max_lists), abs=1e-6
    )


@pytest.mark.parametrize("seed", range(10))
def test_matches_an_exact_integer_program(seed: int) -> None:
    rng = np.random.default_rng(100 + seed)
    n_offers, n_people = 40, 120
    offer, person, score = _random_edges(rng, n_offers, n_people, 900)
    capacity = rng.integers(1, 7, size=n_offers).astype(I32)
    max_lists = int(rng.integers(1, 4))
    out = allocate_lists(offer, person, score, capacity=capacity, max_lists=max_lists)
    _check_caps(offer, person, out.selected, capacity, max_lists)
    expected = _milp_optimum(offer, person, score, capacity, max_lists)
    assert out.total_score == pytest.approx(expected, abs=1e-6)
    # the plain top-k never does better once the person cap binds, and breaks it here
    plain = top_per_offer(offer, score, capacity=capacity)
    assert congestion_stats(offer, person, plain).max_lists_per_person > max_lists


def test_fewer_edges_than_caps_selects_every_positive_edge() -> None:
    offer = np.array([0, 0, 1], dtype=I32)
    person = np.array([5, 7, 5], dtype=I32)
    score = np.array([0.4, 0.0, 0.3], dtype=F32)
    out = allocate_lists(offer, person, score, capacity=np.array([3, 3], I32), max_lists=5)
    assert out.selected.tolist() == [True, False, True]  # a zero score adds nothing
    assert out.n_people == 1 and out.max_lists_per_person == 2


def test_empty_input() -> None:
    empty_i = np.zeros(0, dtype=I32)
    out = allocate_lists(
        empty_i, empty_i, np.zeros(0, F32), capacity=np.array([2, 1], I32), max_lists=2
    )
    assert out.selected.shape == (0,) and out.total_score == 0.0
    assert out.n_people == 0 and out.max_lists_per_person == 0
    assert congestion_stats(empty_i, empty_i, np.zeros(0, bool)).n_people == 0
    assert top_per_offer(empty_i, np.zeros(0, F32), capacity=np.zeros(0, I32)).shape == (0,)


def test_zero_caps_select_nothing() -> None:
    rng = np.random.default_rng(3)
    offer, person, score = _random_edges(rng, 5, 20, 60)
    none = allocate_lists(offer, person, score, capacity=np.full(5, 3, I32), max_lists=0)
    assert not none.selected.any()
    closed = allocate_lists(offer, person, score, capacity=np.zeros(5, I32), max_lists=3)
    assert not closed.selected.any()


def test_deterministic() -> None:
    rng = np.random.default_rng(11)
    offer, person, score = _random_edges(rng, 60, 300, 2000)
    capacity = rng.integers(1, 6, size=60).astype(I32)
    first = allocate_lists(offer, person, score, capacity=capacity, max_lists=2)
    for _ in range(3):
        again = allocate_lists(offer, person, score, capacity=capacity, max_lists=2)
        assert np.array_equal(again.selected, first.selected)
        assert again.total_score == first.total_score


def test_sparse_candidate_ids_are_fine() -> None:
    # candidate indices need not be compact (e.g. a slice of a 100k pool)
    offer = np.array([0, 1, 1], dtype=I32)
    person = np.array([99_999, 99_999, 12], dtype=I32)
    score = np.array([0.9, 0.95, 0.1], dtype=F32)
    out = allocate_lists(offer, person, score, capacity=np.array([1, 1], I32), max_lists=1)
    assert out.selected.tolist() == [True, False, True]


def test_congestion_stats() -> None:
    offer = np.array([0, 1, 2, 0, 1], dtype=I32)
    person = np.array([4, 4, 4, 2, 9], dtype=I32)
    selected = np.array([True, True, True, True, False])
    stats = congestion_stats(offer, person, selected)
    assert (stats.n_people, stats.max_lists_per_person, stats.n_lists) == (2, 3, 4)
    assert stats.mean_lists_per_person == pytest.approx(2.0)


def test_top_per_offer_keeps_the_best() -> None:
    offer = np.array([1, 0, 1, 1, 0], dtype=I32)
    score = np.array([0.2, 0.5, 0.9, 0.4, 0.1], dtype=F32)
    kept = top_per_offer(offer, score, capacity=np.array([1, 2], I32))
    assert kept.tolist() == [False, True, True, True, False]


def test_bad_input() -> None:
    o = np.array([0, 1], dtype=I32)
    c = np.array([0, 0], dtype=I32)
    s = np.array([0.5, 0.5], dtype=F32)
    cap = np.array([1, 1], I32)
    with pytest.raises(ValueError, match="same length"):
        allocate_lists(o, c[:1], s, capacity=cap, max_lists=1)
    with pytest.raises(ValueError, match="NaN"):
        allocate_lists(o, c, np.array([0.5, np.nan], F32), capacity=cap, max_lists=1)
    with pytest.raises(ValueError, match="beyond capacity"):
        allocate_lists(o, c, s, capacity=cap[:1], max_lists=1)
    with pytest.raises(ValueError, match="duplicated"):
        allocate_lists(np.array([0, 0], I32), c, s, capacity=cap, max_lists=1)
    with pytest.raises(ValueError, match=">= 0"):
        allocate_lists(o, c, s, capacity=np.array([1, -1], I32), max_lists=1)
    with pytest.raises(ValueError, match="max_lists"):
        allocate_lists(o, c, s, capacity=cap, max_lists=-1)
    with pytest.raises(TypeError):
        allocate_lists(o.astype(float), c, s, capacity=cap, max_lists=1)


def test_fractional_lp_answer_falls_back_to_the_integer_program(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import matching.capacity as capacity_module

    class _Fractional:
        status = 0
        message = "pretend interior point"

        def __init__(self, n: int) -> None:
            self.x = np.full(n, 0.5)

    def fake_linprog(c: npt.NDArray[np.float64], **_: object) -> _Fractional:
        return _Fractional(c.size)

    monkeypatch.setattr(capacity_module, "linprog", fake_linprog)
    rng = np.random.default_rng(21)
    offer, person, score = _random_edges(rng, 10, 30, 150)
    capacity = rng.integers(1, 4, size=10).astype(I32)
    out = allocate_lists(offer, person, score, capacity=capacity, max_lists=1)
    _check_caps(offer, person, out.selected, capacity, 1)
    expected = _milp_optimum(offer, person, score, capacity, 1)
    assert out.total_score == pytest.approx(expected, abs=1e-6)
