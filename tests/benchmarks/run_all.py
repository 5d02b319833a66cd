"""Run every benchmark script of this folder (``bench_*.py``) and print their tables.

Each script exposes ``main(argv: list[str] | None = None) -> int``. ``make bench`` runs this
file; pass names to run some only: ``python tests/benchmarks/run_all.py titles engine``.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def _load(path: Path) -> object:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    # Registered before running it: dataclasses look their module up in sys.modules.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    wanted = set(sys.argv[1:] if argv is None else argv)
    scripts = sorted(HERE.glob("bench_*.py"))
    if wanted:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in wanted]
    failures = 0
    for script in scripts:
        print(f"\n=== {script.stem} ===", flush=True)
        start = time.perf_counter()
        try:
            module = _load(script)
            code = module.main([])  # type: ignore[attr-defined]
        except Exception as exc:  # one broken benchmark must not hide the others' tables
            print(f"{script.stem} failed: {type(exc).__name__}: {exc}", flush=True)
            code = 1
        print(f"({script.stem}: {time.perf_counter() - start:.1f} s, exit {code})", flush=True)
        failures += int(code != 0)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
