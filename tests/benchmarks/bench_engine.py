"""Benchmark: the matching engine against a naive all-pairs path, in the same run.

A synthetic pool (:func:`fixtures.demo.generate_pool`: 100,000 candidates over the Orne and
its six neighbouring départements, 2,000 clause offers) is prepared once
(:class:`matching.engine.MatchingState`), then:

* **shortlist**: :meth:`MatchingState.shortlist` (top-20 with French explanations) for every
  offer, timed one by one; median and p95 overall, and for offers in dense and sparse areas
  (top and bottom quartile of the number of people who can reach the offer);
* **batch**: :meth:`MatchingState.top_k_per_offer` (top-20) over all offers;
* **naive**: the same exclusions, components, job rule, scorer and tie-break, in plain numpy over *all*
  candidates for each offer: distances computed per pair (haversine × detour), no commune table,
  no reach pre-filter. Its results are checked to be identical to the engine's.

Targets (printed next to the figures; the script fails only on a mismatch with the naive path):
shortlist median ≤ 2 ms and p95 ≤ 10 ms; batch ≤ 3 s, peak RSS ≤ 1 GB and ≥ 5× faster than naive.

Run::

    .venv/bin/python tests/benchmarks/bench_engine.py [--candidates N] [--offers M] [--k K]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import numpy.typing as npt

# Not ``fixtures.REFERENTIALS_DIR``: run as a script the stale editable install may resolve
# ``fixtures`` as a namespace package without its ``__init__``.
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from fixtures.demo import generate_pool  # noqa: E402
from matching.components import ENTRY_LEVEL_VALUE, pair_components  # noqa: E402
from matching.constraints import is_rankable  # noqa: E402
from matching.distances import road_km  # noqa: E402
from matching.engine import MatchingState  # noqa: E402
from matching.ranking import RankedPairs, as_day, reachable_pairs  # noqa: E402
from matching.referentials import load_commune_index, load_rome  # noqa: E402

REFERENTIALS_DIR = ROOT / "fixtures" / "referentials"
AS_OF = date(2026, 11, 16)
DEPARTEMENTS = ("61", "14", "27", "28", "50", "53", "72")


def naive_top_k(state: MatchingState, k: int) -> tuple[RankedPairs, npt.NDArray[np.float64]]:
    """All pairs, offer by offer, plain numpy; returns the ranking and per-offer seconds."""
    pool, offers = state.pool, state.offers
    coords = state.distances.coordinates
    cand_xy = coords[pool.commune]
    n = len(pool)
    all_c = np.arange(n, dtype=np.intp)
    day = as_day(AS_OF)
    seconds = np.empty(len(offers))
    parts: list[RankedPairs] = []
    for o in range(len(offers)):
        t0 = time.perf_counter()
        dist = road_km(cand_xy, coords[offers.commune[o : o + 1]], detour_factor=1.3)[:, 0]
        ok = is_rankable(pool, offers, all_c, np.full(n, o, dtype=np.intp), dist)
        c = all_c[ok]
        comps = pair_components(
            pool,
            offers,
            state.affinity,
            block_offers=np.array([o], dtype=np.intp),
            pair_local=np.zeros(c.shape[0], dtype=np.intp),
            candidate_idx=c,
            distance_km=dist[ok],
            as_of_day=day,
        )
        # no related target job: ranked only where the job is open to anyone (skills > 0)
        is_open = comps[:, 0] > 0
        c, comps, d_ok = c[is_open], comps[is_open], dist[ok][is_open]
        scores, _ = state.scorer.score(comps)
        unrelated = np.where(comps[:, 0] > ENTRY_LEVEL_VALUE, 0, 1 << 31)
        key = (scores.view(np.int32).astype(np.int64) << 32) | (
            0xFFFFFFFF - c.astype(np.int64) - unrelated
        )
        top = np.argpartition(-key, k - 1)[:k] if key.shape[0] > k else np.arange(key.shape[0])
        top = top[np.argsort(-key[top])]
        parts.append(
            RankedPairs(
                offer_idx=np.full(top.shape[0], o, dtype=np.int32),
                candidate_idx=c[top].astype(np.int32),
                score=scores[top],
                components=comps[top],
                rank=np.arange(1, top.shape[0] + 1, dtype=np.int16),
                distance_km=d_ok[top],
            )
        )
        seconds[o] = time.perf_counter() - t0
    return RankedPairs.concat(parts), seconds


def _ms(x: float) -> str:
    return f"{x * 1e3:8.2f} ms"


def _s(x: float) -> str:
    return f"{x:8.2f} s "


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--candidates", type=int, default=100_000)
    parser.add_argument("--offers", type=int, default=2_000)
    parser.add_argument("--k", type=int, default=20)
    parser.add_argument("--seed", type=int, default=61)
    parser.add_argument("--block-size", type=int, default=64)
    args = parser.parse_args(list(argv) if argv is not None else None)

    rome = load_rome(REFERENTIALS_DIR)
    communes = load_commune_index(REFERENTIALS_DIR)
    t0 = time.perf_counter()
    data = generate_pool(
        communes=communes.communes,
        rome=rome,
        n_candidates=args.candidates,
        n_offers=args.offers,
        departements=DEPARTEMENTS,
        rng=np.random.default_rng(args.seed),
        as_of=AS_OF,
    )
    t_gen = time.perf_counter() - t0
    t0 = time.perf_counter()
    state = MatchingState.build(
        data.candidates, data.candidate_jobs, data.offers, rome=rome, communes=communes
    )
    t_build = time.perf_counter() - t0
    del data

    # reach of each offer (for the dense / sparse split)
    reach = np.empty(len(state.offers), dtype=np.int64)
    for o in range(len(state.offers)):
        local, _, _ = reachable_pairs(state.index, state.distances, state.offers, np.array([o]))
        reach[o] = local.shape[0]

    # single-offer shortlists, with explanations
    state.shortlist(str(state.offers.ids[0]), args.k, as_of=AS_OF)  # warm-up
    single = np.empty(len(state.offers))
    for o, oid in enumerate(state.offers.ids):
        t0 = time.perf_counter()
        state.shortlist(str(oid), args.k, as_of=AS_OF)
        single[o] = time.perf_counter() - t0
    # the same, arrays only (no explanations, no DataFrame): comparable with the naive path
    bare = np.empty(len(state.offers))
    for o in range(len(state.offers)):
        t0 = time.perf_counter()
        state.top_k_per_offer(as_of=AS_OF, k=args.k, offer_ids=[str(state.offers.ids[o])])
        bare[o] = time.perf_counter() - t0
    dense = reach >= np.quantile(reach, 0.75)
    sparse = reach <= np.quantile(reach, 0.25)

    t0 = time.perf_counter()
    ranked = state.top_k_per_offer(as_of=AS_OF, k=args.k, block_size=args.block_size)
    t_batch = time.perf_counter() - t0
    rss_batch_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20

    t0 = time.perf_counter()
    naive, naive_each = naive_top_k(state, args.k)
    t_naive = time.perf_counter() - t0
    identical = all(
        np.array_equal(getattr(ranked, f), getattr(naive, f))
        for f in ("offer_idx", "candidate_idx", "score", "components", "rank")
    )

    n_c, n_o = len(state.pool), len(state.offers)
    print(
        f"clausematch engine: {n_c:,} candidates × {n_o:,} offers, top-{args.k}, "
        f"départements {','.join(DEPARTEMENTS)}, {len(state.distances):,} communes in the table"
    )
    print(
        f"reach per offer (people who can get there): median {int(np.median(reach)):,}, "
        f"max {int(reach.max()):,}; ranked pairs {len(ranked):,}"
    )
    print(
        f"data generation (fixtures.demo.generate_pool, {args.candidates:,} candidates, "
        f"{args.offers:,} offers) {t_gen:.2f} s, target <= 10 s (not timed below)\n"
    )
    width = 50
    head = f"{'':{width}}{'engine':>12}{'naive':>12}{'ratio':>9}   target"
    print(head)
    print("-" * len(head))
    print(f"{'prepare (validate, distance table, index)':{width}}{_s(t_build):>12}")

    def stats(
        x: npt.NDArray[np.float64], mask: npt.NDArray[np.bool_] | None = None
    ) -> tuple[float, float]:
        sel = x if mask is None else x[mask]
        return float(np.median(sel)), float(np.percentile(sel, 95))

    rows: list[tuple[str, float, float | None, str]] = []
    groups = (("all offers", None), ("dense areas", dense), ("sparse areas", sparse))
    for group, mask in groups:
        (e_med, e_p95), (n_med, n_p95) = stats(bare, mask), stats(naive_each, mask)
        s_med, s_p95 = stats(single, mask)
        top = mask is None
        rows.append((f"one offer, {group}: top-k arrays, median", e_med, n_med, ""))
        rows.append((f"one offer, {group}: top-k arrays, p95", e_p95, n_p95, ""))
        rows.append(
            (f"one offer, {group}: shortlist, median", s_med, None, "≤ 2 ms" if top else "")
        )
        rows.append((f"one offer, {group}: shortlist, p95", s_p95, None, "≤ 10 ms" if top else ""))
    for label, eng, nai, target in rows:
        if nai is None:
            print(f"{label:{width}}{_ms(eng):>12}{'':12}{'':9}   {target}")
        else:
            print(f"{label:{width}}{_ms(eng):>12}{_ms(nai):>12}{nai / eng:8.1f}×   {target}")
    print(
        f"{f'batch top-{args.k}, {n_o:,} offers (block {args.block_size})':{width}}"
        f"{_s(t_batch):>12}{_s(t_naive):>12}{t_naive / t_batch:8.1f}×   ≤ 3 s, ≥ 5×"
    )
    print(
        f"{'peak RSS of the process after the batch':{width}}{rss_batch_gb:9.2f} GB{'':21}   ≤ 1 GB"
    )
    print(
        "\nshortlist = MatchingState.shortlist (top-k, DataFrame, French explanations); "
        "dense / sparse = top / bottom quartile of reach"
    )
    print(f"naive path gives identical results: {'yes' if identical else 'NO'}")
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
