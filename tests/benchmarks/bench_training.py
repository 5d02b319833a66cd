"""Benchmark: learning from outcomes on a synthetic history (not a timed test).

Generates a seeded synthetic history (:mod:`training.synthetic_history`, 200,000 rows by
default), writes it as CSV, then times ``train`` end to end (read + validate the file,
components through the engine, fit and calibrate the model) and prints, for the held-out offers
of a group split and of a time split, the model against the baselines.

Targets (exit 1 when one is missed): the model beats the default weights on NDCG@10 and
recall@10 (group split), its ECE is at most 0.05, and training takes at most 60 s.

Run::

    .venv/bin/python tests/benchmarks/bench_training.py [--rows 200000] [--seed 7]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from matching.referentials import load_communes
from training.history import write_history
from training.pipeline import load_referentials, train_from_history
from training.synthetic_history import generate_history

# Not ``fixtures.REFERENTIALS_DIR``: run as a script the stale editable install may resolve
# ``fixtures`` as a namespace package without its ``__init__`` (see bench_capacity.py).
REFERENTIALS_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "referentials"
MAX_TRAIN_SECONDS = 60.0
MAX_ECE = 0.05


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    rome, communes = load_referentials(REFERENTIALS_DIR)
    start = time.perf_counter()
    history = generate_history(
        n_rows=args.rows,
        rome=rome,
        communes=communes,
        communes_frame=load_communes(REFERENTIALS_DIR / "communes.csv.gz"),
        rng=np.random.default_rng(args.seed),
    )
    gen_seconds = time.perf_counter() - start
    print(
        f"history: {len(history):,} rows, {history['offer_id'].nunique():,} offers,"
        f" {int(history['hired'].sum()):,} hires ({history['hired'].mean():.1%}),"
        f" generated in {gen_seconds:.1f} s (seed {args.seed})"
    )
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        path = write_history(history, Path(tmp) / "history.csv")
        for split in ("group", "time"):
            result = train_from_history(path, rome=rome, communes=communes, split=split)
            s = result.seconds
            meta = result.artifact.metadata
            print(
                f"\n[{split} split] train {s['total']:.1f} s (read+validate {s['read']:.1f},"
                f" components {s['features']:.1f}, fit+calibrate {s['fit']:.1f});"
                f" {meta['n_train_rows']:,} train rows, held-out"
                f" {result.evaluation.n_offers:,} offers / {result.evaluation.n_rows:,} rows"
            )
            table = result.evaluation.metrics
            print(f"{'scorer':18s}" + "".join(f"{c:>14s}" for c in table.columns))
            for name, row in table.iterrows():
                cells = "".join(
                    f"{'—':>14s}" if np.isnan(v) else f"{v:14.3f}" for v in row.to_numpy(float)
                )
                print(f"{name!s:18s}{cells}")
            model, default = table.loc["model"], table.loc["default weights"]
            if split == "group":
                for metric in ("ndcg@10", "recall@10"):
                    if not model[metric] > default[metric]:
                        failures.append(f"{split}: model {metric} does not beat the default")
                if s["total"] > MAX_TRAIN_SECONDS:
                    failures.append(f"training took {s['total']:.1f} s > {MAX_TRAIN_SECONDS}")
            if not model["ece"] <= MAX_ECE:
                failures.append(f"{split}: ECE {model['ece']:.3f} > {MAX_ECE}")
    print()
    for failure in failures:
        print(f"MISSED: {failure}")
    if not failures:
        print(
            "targets met: model > default weights on NDCG@10 and recall@10, ECE <= 0.05,"
            f" training <= {MAX_TRAIN_SECONDS:.0f} s"
        )
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
