"""Capacity-aware batch allocation of shortlists (DESIGN.md §4.6, issue 3 §6).

In batch mode the engine first keeps, for every offer, its best candidates (a top-K with K a few
times the offer's list size). Taken offer by offer, those lists pile up on the same few strong
profiles: one person can be on dozens of shortlists while others with a fair score are on none.
:func:`allocate_lists` chooses, among those candidate edges, the lists that maximise the total
score under two caps:

* offer ``o`` gets at most ``capacity[o]`` people (its list size, e.g. slots per open position ×
  open positions);
* nobody is put on more than ``max_lists`` lists in one run.

Method
------
This is a maximum-weight bipartite *b*-matching. Its constraint matrix (one row per offer, one row
per person, a 1 for each edge in both) is the incidence matrix of a bipartite graph, hence totally
unimodular; with integer right-hand sides and ``0 <= x <= 1`` every vertex of the polytope is
integral, so the linear relaxation has an integral optimum and a simplex solver returns it. We
solve that LP with HiGHS (``scipy.optimize.linprog(method="highs")``, sparse matrix) rather than
with a min-cost flow because scipy ships HiGHS (no new dependency), the formulation stays a few
lines, and the sizes at hand (tens or hundreds of thousands of edges) solve in well under a
second. Two reductions shrink the LP before it is built: an offer with no more edges than its
capacity and a person with no more edges than ``max_lists`` cannot violate their cap, so their
rows are left out; edges with a score <= 0 can never raise the total and are dropped. When no row
is left the answer is simply every positive edge.

Guards: the solution is rounded (``x > 0.5``); if HiGHS ever returned a value far from 0 or 1
(an interior, non-vertex optimum), the allocation is re-solved with ``scipy.optimize.milp`` and
integrality constraints, which is exact by construction. The caps are checked before returning.
Ties between equal totals are broken by the solver, deterministically for a given input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

__all__ = [
    "Allocation",
    "Congestion",
    "allocate_lists",
    "congestion_stats",
    "top_per_offer",
]

IdArray = npt.NDArray[np.int32]
ScoreArray = npt.NDArray[np.float32]
BoolArray = npt.NDArray[np.bool_]

_INTEGRAL_TOL = 1e-6


@dataclass(frozen=True, eq=False)
class Allocation:
    """Result of :func:`allocate_lists`.

    Attributes
    ----------
    selected : bool (n_edges,), edge ``i`` is kept (candidate ``candidate_idx[i]`` is put on the
        list of offer ``offer_idx[i]``)
    total_score : sum of the selected edges' scores (float64 accumulation)
    n_people : distinct candidates on at least one list
    max_lists_per_person : most lists any one candidate is on (0 when nothing is selected)
    """

    selected: BoolArray
    total_score: float
    n_people: int
    max_lists_per_person: int


@dataclass(frozen=True)
class Congestion:
    """How selected edges spread over people.

    ``n_people``: distinct people on at least one list; ``max_lists_per_person``: the most lists
    one person is on; ``mean_lists_per_person``: mean number of lists over those people (0.0 when
    nobody is on a list); ``n_lists``: selected edges.
    """

    n_people: int
    max_lists_per_person: int
    mean_lists_per_person: float
    n_lists: int


def _check_edges(
    offer_idx: npt.ArrayLike, candidate_idx: npt.ArrayLike, score: npt.ArrayLike | None = None
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    o = np.asarray(offer_idx)
    c = np.asarray(candidate_idx)
    s = np.zeros(o.shape, dtype=np.float64) if score is None else np.asarray(score)
    if o.ndim != 1 or c.shape != o.shape or s.shape != o.shape:
        raise ValueError(
            "offer_idx, candidate_idx and score must be 1-d arrays of the same length, got "
            f"shapes {o.shape}, {c.shape}, {s.shape}"
        )
    if o.size and not (np.issubdtype(o.dtype, np.integer) and np.issubdtype(c.dtype, np.integer)):
        raise TypeError("offer_idx and candidate_idx must be integer arrays")
    if o.size and (o.min() < 0 or c.min() < 0):
        raise ValueError("offer_idx and candidate_idx must be >= 0")
    s64 = s.astype(np.float64)
    if not np.isfinite(s64).all():
        raise ValueError("score holds NaN or infinite values")
    return o.astype(np.int64), c.astype(np.int64), s64


def allocate_lists(
    offer_idx: npt.ArrayLike,
    candidate_idx: npt.ArrayLike,
    score: npt.ArrayLike,
    *,
    capacity: npt.ArrayLike,
    max_lists: int,
) -> Allocation:
    """Choose the shortlists that maximise the total score under list-size and per-person caps.

    Parameters
    ----------
    offer_idx : int32 (n_edges,), dense offer index of each candidate edge (``< n_offers``)
    candidate_idx : int32 (n_edges,), dense candidate index of each edge; a pair may appear once
    score : float32 (n_edges,), the edge's score (finite; edges scoring <= 0 are never selected)
    capacity : int32 (n_offers,), most people on each offer's list (>= 0)
    max_lists : most lists one candidate may be on in this run (>= 0)

    Returns
    -------
    Allocation
        ``selected`` is a bool mask over the edges, optimal (maximum total score) under the caps.

    Raises
    ------
    ValueError
        mismatched shapes, negative indices or caps, an offer index beyond ``capacity``,
        NaN scores or a duplicated (offer, candidate) pair.
    TypeError
        non-integer indices.
    """
    o, c, s = _check_edges(offer_idx, candidate_idx, score)
    cap = np.asarray(capacity)
    if cap.ndim != 1:
        raise ValueError(f"capacity must be 1-d, got shape {cap.shape}")
    if cap.size and not np.issubdtype(cap.dtype, np.integer):
        raise TypeError("capacity must be an integer array")
    cap = cap.astype(np.int64)
    if (cap < 0).any():
        raise ValueError("capacity must be >= 0")
    if max_lists < 0:
        raise ValueError("max_lists must be >= 0")
    if o.size and o.max() >= cap.size:
        raise ValueError(f"offer_idx {int(o.max())} is beyond capacity (n_offers={cap.size})")
    n = o.size
    selected = np.zeros(n, dtype=bool)
    if n == 0:
        return Allocation(selected, 0.0, 0, 0)
    _, people = np.unique(c, return_inverse=True)
    people = people.ravel().astype(np.int64)
    n_people = int(people.max()) + 1
    pair = o * n_people + people
    if np.unique(pair).size != n:
        raise ValueError("duplicated (offer, candidate) pairs in the edges")

    live = np.flatnonzero((s > 0) & (cap[o] > 0) & (max_lists > 0))
    if live.size:
        selected[live] = _solve(o[live], people[live], s[live], cap, max_lists)

    stats = congestion_stats(o, c, selected)
    per_offer = np.bincount(o[selected], minlength=cap.size)
    if (per_offer > cap).any() or stats.max_lists_per_person > max_lists:
        raise AssertionError("allocation broke a cap: please report this input")
    return Allocation(
        selected=selected,
        total_score=float(s[selected].sum()),
        n_people=stats.n_people,
        max_lists_per_person=stats.max_lists_per_person,
    )


def _solve(
    o: npt.NDArray[np.int64],
    p: npt.NDArray[np.int64],
    s: npt.NDArray[np.float64],
    cap: npt.NDArray[np.int64],
    max_lists: int,
) -> BoolArray:
    """Optimal selection among positive edges (offers ``o``, people ``p``)."""
    n = o.size
    offer_deg = np.bincount(o, minlength=cap.size)
    person_deg = np.bincount(p)
    # Only caps an edge set can exceed become rows.
    tight_offers = np.flatnonzero(offer_deg > cap)
    tight_people = np.flatnonzero(person_deg > max_lists)
    if tight_offers.size == 0 and tight_people.size == 0:
        return np.ones(n, dtype=bool)
    offer_row = np.full(cap.size, -1, dtype=np.int64)
    offer_row[tight_offers] = np.arange(tight_offers.size)
    person_row = np.full(person_deg.size, -1, dtype=np.int64)
    person_row[tight_people] = tight_offers.size + np.arange(tight_people.size)
    edge = np.arange(n)
    rows = np.concatenate([offer_row[o], person_row[p]])
    cols = np.concatenate([edge, edge])
    keep = rows >= 0
    n_rows = tight_offers.size + tight_people.size
    a = sparse.csr_array((np.ones(int(keep.sum())), (rows[keep], cols[keep])), shape=(n_rows, n))
    b = np.concatenate(
        [cap[tight_offers], np.full(tight_people.size, max_lists, dtype=np.int64)]
    ).astype(np.float64)
    res = linprog(-s, A_ub=a, b_ub=b, bounds=(0.0, 1.0), method="highs")
    if res.status != 0 or res.x is None:
        raise RuntimeError(f"HiGHS could not solve the allocation LP: {res.message}")
    x = np.asarray(res.x, dtype=np.float64)
    if np.abs(x - np.round(x)).max() > _INTEGRAL_TOL:
        # Not a vertex: fall back to the exact integer program (never seen in practice).
        out = milp(
            -s,
            constraints=LinearConstraint(a, -np.inf, b),
            integrality=np.ones(n),
            bounds=Bounds(0.0, 1.0),
        )
        if out.status != 0 or out.x is None:
            raise RuntimeError(f"HiGHS could not solve the allocation MILP: {out.message}")
        x = np.asarray(out.x, dtype=np.float64)
    return np.asarray(x > 0.5, dtype=bool)


def congestion_stats(
    offer_idx: npt.ArrayLike, candidate_idx: npt.ArrayLike, selected: npt.ArrayLike
) -> Congestion:
    """How many people the selected edges reach and how many lists each is on.

    Parameters
    ----------
    offer_idx, candidate_idx : int32 (n_edges,), as in :func:`allocate_lists`
    selected : bool (n_edges,), the edges kept

    Returns
    -------
    Congestion
    """
    o, c, _ = _check_edges(offer_idx, candidate_idx)
    mask = np.asarray(selected)
    if mask.shape != o.shape or mask.dtype != np.bool_:
        raise ValueError(f"selected must be a bool array of shape {o.shape}")
    picked = c[mask]
    if picked.size == 0:
        return Congestion(0, 0, 0.0, 0)
    _, counts = np.unique(picked, return_counts=True)
    return Congestion(
        n_people=int(counts.size),
        max_lists_per_person=int(counts.max()),
        mean_lists_per_person=float(counts.mean()),
        n_lists=int(picked.size),
    )


def top_per_offer(
    offer_idx: npt.ArrayLike, score: npt.ArrayLike, *, capacity: npt.ArrayLike
) -> BoolArray:
    """Plain per-offer selection: each offer keeps its ``capacity`` best edges, no person cap.

    The baseline :func:`allocate_lists` is compared with. Ties are broken by edge position.

    Parameters
    ----------
    offer_idx : int32 (n_edges,)
    score : float32 (n_edges,)
    capacity : int32 (n_offers,)

    Returns
    -------
    bool (n_edges,) mask of the kept edges.
    """
    o, _, s = _check_edges(offer_idx, offer_idx, score)
    cap = np.asarray(capacity).astype(np.int64)
    if o.size == 0:
        return np.zeros(0, dtype=bool)
    order = np.lexsort((np.arange(o.size), -s, o))
    sorted_offer = o[order]
    first = np.searchsorted(sorted_offer, sorted_offer, side="left")
    rank = np.arange(o.size) - first
    keep = np.zeros(o.size, dtype=bool)
    keep[order] = rank < cap[sorted_offer]
    return keep
