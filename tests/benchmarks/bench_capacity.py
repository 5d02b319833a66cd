"""Benchmark: capacity-aware shortlist allocation against the plain per-offer top-k.

A synthetic pool (``fixtures.demo.generate_pool``: 100,000 candidates over the Orne and its six
neighbouring départements, 2,000 clause offers) gives the candidate edges of a batch run: each
offer's ``k_factor × capacity`` best candidates, with ``capacity = slots_per_position ×
open_positions``. Two sources of edges:

* ``engine``: the real batch top-k (``matching.engine.MatchingState.top_k_per_offer``), the
  default when it can be imported;
* ``standin``: a labelled stand-in for when the engine is absent: candidates whose commune is
  within 30 km of the offer, score = 0.5 × a per-person "strength" shared by every offer (so the
  same people lead everywhere, as real profiles do) + 0.3 × closeness + 0.2 × noise.

Then, on the same edges: the plain top-k (each offer keeps its ``capacity`` best, no cap per
person) and :func:`matching.capacity.allocate_lists` for several ``max_lists``. Fails (exit 1)
when an allocation takes longer than ``--limit-seconds`` (30 s).

Run::

    .venv/bin/python tests/benchmarks/bench_capacity.py [--edges engine|standin|auto]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from fixtures.demo import DemoData, generate_pool
from matching import columns as col
from matching.capacity import allocate_lists, congestion_stats, top_per_offer
from matching.referentials import RomeReferential, load_commune_index, load_rome

# Not ``fixtures.REFERENTIALS_DIR``: run as a script (``make bench``) the stale editable install
# may resolve ``fixtures`` as a namespace package without its ``__init__``.
REFERENTIALS_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "referentials"
AS_OF = date(2026, 11, 16)
DEPARTEMENTS = ("61", "14", "27", "28", "50", "53", "72")
Edges = tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.float32]]


def _standin_edges(
    data: DemoData, communes: pd.DataFrame, k: npt.NDArray[np.int64], rng: np.random.Generator
) -> Edges:
    """Stand-in scoring (NOT the engine): nearby candidates, shared strength, closeness, noise."""
    coords = communes.set_index("code_insee")[["latitude", "longitude"]]
    cand_codes = data.candidates[col.COMMUNE_INSEE].to_numpy()
    codes, cand_commune = np.unique(cand_codes, return_inverse=True)
    cand_commune = cand_commune.ravel()
    c_xy = np.radians(coords.loc[codes].to_numpy(dtype=np.float64))
    o_xy = np.radians(coords.loc[data.offers[col.COMMUNE_INSEE]].to_numpy(dtype=np.float64))
    # people grouped by commune (CSR)
    order = np.argsort(cand_commune, kind="stable")
    ptr = np.concatenate([[0], np.cumsum(np.bincount(cand_commune, minlength=codes.size))])
    strength = rng.random(len(cand_codes))
    offers_out, cands_out, scores_out = [], [], []
    for o in range(o_xy.shape[0]):
        dlat = c_xy[:, 0] - o_xy[o, 0]
        dlon = c_xy[:, 1] - o_xy[o, 1]
        a = np.sin(dlat / 2) ** 2 + np.cos(c_xy[:, 0]) * np.cos(o_xy[o, 0]) * np.sin(dlon / 2) ** 2
        km = 2 * 6371.0 * np.arcsin(np.sqrt(a))
        near = np.flatnonzero(km <= 30.0)
        if near.size == 0:
            continue
        people = np.concatenate([order[ptr[c] : ptr[c + 1]] for c in near])
        dist = np.repeat(km[near], ptr[near + 1] - ptr[near])
        score = 0.5 * strength[people] + 0.3 * (1 - dist / 30.0) + 0.2 * rng.random(people.size)
        kk = min(int(k[o]), people.size)
        best = np.argpartition(-score, kk - 1)[:kk]
        offers_out.append(np.full(kk, o, dtype=np.int32))
        cands_out.append(people[best].astype(np.int32))
        scores_out.append(score[best].astype(np.float32))
    return (
        np.concatenate(offers_out),
        np.concatenate(cands_out),
        np.concatenate(scores_out),
    )


def _engine_edges(data: DemoData, rome: RomeReferential, k: npt.NDArray[np.int64]) -> Edges:
    from matching.engine import MatchingState  # optional: absent while the engine is written

    communes = load_commune_index(REFERENTIALS_DIR)
    state = MatchingState.build(
        data.candidates, data.candidate_jobs, data.offers, rome=rome, communes=communes
    )
    ranked = state.top_k_per_offer(as_of=AS_OF, k=int(k.max()))
    keep = ranked.rank.astype(np.int64) <= k[ranked.offer_idx]
    return ranked.offer_idx[keep], ranked.candidate_idx[keep], ranked.score[keep]


def _engine_available() -> bool:
    try:
        import matching.engine  # noqa: F401
    except ImportError:
        return False
    return True


def _row(
    name: str,
    edges: Edges,
    selected: npt.NDArray[np.bool_],
    seconds: float,
) -> dict[str, Any]:
    offer, cand, score = edges
    stats = congestion_stats(offer, cand, selected)
    return {
        "method": name,
        "lists": stats.n_lists,
        "people reached": stats.n_people,
        "max lists/person": stats.max_lists_per_person,
        "mean lists/person": round(stats.mean_lists_per_person, 2),
        "total score": round(float(score[selected].astype(np.float64).sum()), 1),
        "mean score": round(float(score[selected].mean()) if selected.any() else 0.0, 4),
        "seconds": round(seconds, 2),
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Print the comparison table; exit 1 if an allocation exceeds the time limit."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--offers", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--slots-per-position", type=int, default=3)
    parser.add_argument("--k-factor", type=int, default=4)
    parser.add_argument("--max-lists", type=int, nargs="+", default=[1, 2, 3, 5])
    parser.add_argument("--edges", choices=("auto", "engine", "standin"), default="auto")
    parser.add_argument("--limit-seconds", type=float, default=30.0)
    args = parser.parse_args(argv)

    rng = np.random.default_rng(args.seed)
    rome = load_rome(REFERENTIALS_DIR)
    communes = load_commune_index(REFERENTIALS_DIR).communes
    t0 = time.perf_counter()
    data = generate_pool(
        communes=communes,
        rome=rome,
        n_candidates=args.candidates,
        n_offers=args.offers,
        departements=DEPARTEMENTS,
        rng=rng,
        as_of=AS_OF,
    )
    t_gen = time.perf_counter() - t0
    capacity = (args.slots_per_position * data.offers[col.OPEN_POSITIONS].to_numpy()).astype(
        np.int32
    )
    k = args.k_factor * capacity.astype(np.int64)

    source = args.edges
    if source == "auto":
        source = "engine" if _engine_available() else "standin"
    t0 = time.perf_counter()
    if source == "engine":
        edges = _engine_edges(data, rome, k)
        label = "real engine (MatchingState.top_k_per_offer, default weights)"
    else:
        edges = _standin_edges(data, communes, k, rng)
        label = "STAND-IN scoring (nearby candidates, shared strength + closeness + noise)"
    t_edges = time.perf_counter() - t0
    offer, cand, score = edges

    print(
        f"pool: {len(data.candidates):,} candidates ({', '.join(DEPARTEMENTS)}), "
        f"{len(data.offers):,} offers, generated in {t_gen:.1f} s"
    )
    print(
        f"edges: {label}; {offer.size:,} edges (K = {args.k_factor} x capacity), "
        f"{np.unique(cand).size:,} distinct people, built in {t_edges:.1f} s"
    )
    print(
        f"capacity = {args.slots_per_position} x open positions: {int(capacity.sum()):,} list "
        f"places; offers with no edge: {int((np.bincount(offer, minlength=capacity.size) == 0).sum())}"
    )

    rows = []
    t0 = time.perf_counter()
    plain = top_per_offer(offer, score, capacity=capacity)
    rows.append(_row("plain top-k (capacity per offer)", edges, plain, time.perf_counter() - t0))
    worst = 0.0
    for m in args.max_lists:
        t0 = time.perf_counter()
        alloc = allocate_lists(offer, cand, score, capacity=capacity, max_lists=m)
        seconds = time.perf_counter() - t0
        worst = max(worst, seconds)
        rows.append(_row(f"capacity-aware, max_lists={m}", edges, alloc.selected, seconds))
    table = pd.DataFrame(rows)
    print()
    print(table.to_string(index=False))
    ok = worst <= args.limit_seconds
    print(
        f"\nslowest allocation {worst:.2f} s (limit {args.limit_seconds:.0f} s): "
        f"{'OK' if ok else 'TOO SLOW'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
