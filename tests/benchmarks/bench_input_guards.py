"""Benchmark: what the input guards and the safe exports of issue 21 cost, beside the naive way.

1. **JSON depth scan** (:func:`service.kit.json_guard.json_depth_problem`) before
   ``json.loads`` on a France Travail file of about 20 MB (the shipped sample's offers repeated
   up to the import size limit), against ``json.loads`` alone; and on a 200 KB ``[[[…]]]``,
   where the scan stops at once and the bare parser raises ``RecursionError``.
2. **Text check at flush** (:mod:`service.models.limits`): 20,000 buyers added and flushed on
   SQLite (in memory) with the check, and with the listener removed.
3. **Safe exports** (:mod:`service.kit.cells`): a 20,000-row report table to xlsx through
   :func:`xlsx_bytes` against pandas' ``to_excel`` (which would write live formulas), and to CSV
   through :func:`csv_bytes` against ``to_csv``.

Usage::

    .venv/bin/python tests/benchmarks/bench_input_guards.py [--rows 20000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from fixtures import REFERENTIALS_DIR  # noqa: E402
from service.db import Base, make_engine  # noqa: E402
from service.kit.cells import csv_bytes, xlsx_bytes  # noqa: E402
from service.kit.json_guard import json_depth_problem  # noqa: E402
from service.models.limits import check_texts_before_flush  # noqa: E402
from service.models.procurement import Buyer  # noqa: E402

SAMPLE = REFERENTIALS_DIR.parent / "samples" / "france_travail_offers_sample.json"


def _best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def _json_text(target_bytes: int) -> str:
    payload = json.loads(SAMPLE.read_text())
    offers = payload["resultats"] if isinstance(payload, dict) else payload
    one = len(json.dumps(offers[0]))
    many = [dict(o, id=f"{o.get('id')}-{i}") for i in range(target_bytes // one // len(offers) + 1)
            for o in offers]  # fmt: skip
    return json.dumps({"resultats": many}, ensure_ascii=False)


def _flush_buyers(rows: int, *, guarded: bool) -> float:
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine, tables=[Buyer.__table__])  # type: ignore[list-item]
    if not guarded:
        event.remove(Session, "before_flush", check_texts_before_flush)
    try:
        with Session(engine) as session:
            session.add_all(
                Buyer(name=f"Acheteur =HYPERLINK {i} — Mairie de Saint-Germain", version=1)
                for i in range(rows)
            )
            start = time.perf_counter()
            session.flush()
            return time.perf_counter() - start
    finally:
        if not guarded:
            event.listen(Session, "before_flush", check_texts_before_flush)
        engine.dispose()


HYPERLINK = '=HYPERLINK("http://x","y")'


def _report(rows: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "marche": [f"M-{i % 40}" for i in range(rows)],
            "acheteur": [HYPERLINK if i % 50 == 0 else "Ville de Flers" for i in range(rows)],
            "lot": [f"L{i}" for i in range(rows)],
            "metier": ["=1+2" if i % 7 == 0 else "Gros œuvre" for i in range(rows)],
            "heures_engagees": [1000.0] * rows,
            "heures_realisees": [float(i % 900) - 5 for i in range(rows)],
            "en_retard": [i % 3 == 0 for i in range(rows)],
        }
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    text = _json_text(20 * 1024 * 1024)
    scan = _best(lambda: json_depth_problem(text), args.repeat)
    parse = _best(lambda: json.loads(text), args.repeat)
    deep = "[" * 100_000 + "]" * 100_000
    deep_scan = _best(lambda: json_depth_problem(deep), args.repeat)
    try:
        json.loads(deep)
        bare = "parsed"
    except RecursionError:
        bare = "RecursionError"

    guarded = min(_flush_buyers(args.rows, guarded=True) for _ in range(args.repeat))
    plain = min(_flush_buyers(args.rows, guarded=False) for _ in range(args.repeat))

    frame = _report(args.rows)
    safe_x = _best(lambda: xlsx_bytes({"lots": frame}), args.repeat)

    def pandas_xlsx() -> bytes:
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name="lots", index=False)
        return buffer.getvalue()

    naive_x = _best(pandas_xlsx, args.repeat)
    safe_c = _best(lambda: csv_bytes(frame), args.repeat)
    naive_c = _best(lambda: frame.to_csv(index=False, sep=";").encode("utf-8-sig"), args.repeat)

    mb = len(text.encode()) / 1_048_576
    print(f"| measure ({args.rows:,} rows; JSON file {mb:.1f} MB) | guarded | naive | ratio |")
    print("| --- | ---: | ---: | ---: |")
    print(
        f"| JSON: depth scan + parse vs parse | {scan + parse:.3f} s | {parse:.3f} s | "
        f"{(scan + parse) / parse:.2f}× |"
    )
    print(
        f"| JSON 200 KB `[[[…]]]`: scan refuses vs bare parser | {deep_scan * 1e3:.2f} ms | {bare} | |"
    )
    print(f"| flush of {args.rows:,} buyers, text check vs none | {guarded:.3f} s | {plain:.3f} s | "
          f"{guarded / plain:.2f}× |")  # fmt: skip
    print(f"| xlsx: safe writer vs pandas to_excel | {safe_x:.3f} s | {naive_x:.3f} s | "
          f"{safe_x / naive_x:.2f}× |")  # fmt: skip
    print(
        f"| CSV: escaped vs to_csv | {safe_c:.3f} s | {naive_c:.3f} s | {safe_c / naive_c:.2f}× |"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
