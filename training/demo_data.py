"""Write the shipped demo data set: the engine's tables plus the caseload and reporting tables.

The engine-side tables (candidates, candidate jobs, offers, buyers, contracts, lots, companies)
come from :func:`matching.synthetic.generate_pool`. Two tables the engine never reads are made
here:

``caseload.csv`` (``candidate_id``, ``coach``)
    Each person is followed by the coach of the nearest of Alençon, Flers and Argentan
    (``coach-alencon``, ``coach-flers``, ``coach-argentan``), by great-circle distance from the
    commune of residence.

``reporting.csv`` (``candidate_id``, ``sex``, ``birth_year``, ``education_level``,
``labour_status``, ``disability_recognised``, ``rsa_beneficiary``)
    Statistics fields for the FSE+ participant reports, invented with round shares: women 55 %;
    age at ``as_of`` 18-24 2 %, 25-29 15 %, 30-39 28 %, 40-49 25 %, 50-59 22 %, 60-64 8 %;
    ISCED bands ``ISCED_0_2`` 45 %, ``ISCED_3_4`` 42 %, ``ISCED_5_8`` 13 %; ``unemployed`` 40 %,
    ``long_term_unemployed`` 45 %, ``inactive`` 15 %; recognised disability (RQTH) 8 %; everyone
    receives the RSA. Drawn independently of the engine's tables, so nothing in them correlates
    with a score.

Run::

    python -m training.demo_data --out fixtures/demo --seed 61

One seed drives everything: ``SeedSequence(seed)`` is split into one stream for the pool and one
for the reporting table, so the same seed and ``--as-of`` give byte-identical files.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from fixtures import REFERENTIALS_DIR
from matching import columns as col
from matching.referentials import load_communes, load_rome
from matching.synthetic import DemoData, generate_pool, write_demo

__all__ = [
    "COACH_TOWNS",
    "DEFAULT_AS_OF",
    "assign_coaches",
    "generate_reporting",
    "main",
    "write_demo_set",
]

DEFAULT_AS_OF: Final = date(2026, 11, 16)
COACH_TOWNS: Final[dict[str, str]] = {
    "coach-alencon": "61001",
    "coach-flers": "61169",
    "coach-argentan": "61006",
}
_EARTH_RADIUS_KM: Final = 6371.0088

_AGE_BANDS: Final = (
    (18, 24, 0.02),
    (25, 29, 0.15),
    (30, 39, 0.28),
    (40, 49, 0.25),
    (50, 59, 0.22),
    (60, 64, 0.08),
)
_EDUCATION: Final = {"ISCED_0_2": 0.45, "ISCED_3_4": 0.42, "ISCED_5_8": 0.13}
_LABOUR: Final = {"unemployed": 0.40, "long_term_unemployed": 0.45, "inactive": 0.15}


def assign_coaches(candidates: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """The caseload table: each candidate's coach, the nearest coach town to their commune.

    Parameters
    ----------
    candidates
        Frame with ``candidate_id`` and ``commune_insee``.
    communes
        Frame from :func:`matching.referentials.load_communes` (coordinates of the candidates'
        communes and of the coach towns).

    Returns
    -------
    DataFrame ``candidate_id`` (str), ``coach`` (str), one row per candidate, same order.
    """
    coords = communes.set_index("code_insee")[["latitude", "longitude"]]
    missing = sorted(set(candidates[col.COMMUNE_INSEE]) - set(coords.index))
    if missing:
        raise ValueError(f"communes without coordinates: {missing[:5]}")
    home = np.radians(coords.loc[candidates[col.COMMUNE_INSEE]].to_numpy(dtype=np.float64))
    towns = np.radians(coords.loc[list(COACH_TOWNS.values())].to_numpy(dtype=np.float64))
    dlat = home[:, None, 0] - towns[None, :, 0]
    dlon = home[:, None, 1] - towns[None, :, 1]
    a = (
        np.sin(dlat / 2) ** 2
        + np.cos(home[:, None, 0]) * np.cos(towns[None, :, 0]) * np.sin(dlon / 2) ** 2
    )
    distance_km = 2 * _EARTH_RADIUS_KM * np.arcsin(np.sqrt(a))
    names = np.array(list(COACH_TOWNS))
    return pd.DataFrame(
        {
            col.CANDIDATE_ID: candidates[col.CANDIDATE_ID].astype("str").to_numpy(),
            "coach": names[np.argmin(distance_km, axis=1)] if len(home) else names[:0],
        }
    ).astype({"coach": "str"})


def generate_reporting(
    candidate_ids: Sequence[str] | pd.Series, *, rng: np.random.Generator, as_of: date
) -> pd.DataFrame:
    """Invented FSE+ statistics fields for each candidate (shares in the module docstring).

    Returns
    -------
    DataFrame ``candidate_id`` (str), ``sex`` (``F``/``M``), ``birth_year`` (int64),
    ``education_level`` (ISCED band, str), ``labour_status`` (str), ``disability_recognised``
    (bool), ``rsa_beneficiary`` (bool).
    """
    ids = pd.Series(list(candidate_ids), dtype="str")
    n = len(ids)
    band = rng.choice(len(_AGE_BANDS), size=n, p=[b[2] for b in _AGE_BANDS])
    low = np.array([b[0] for b in _AGE_BANDS])[band]
    high = np.array([b[1] for b in _AGE_BANDS])[band]
    age = rng.integers(low, high + 1)
    return pd.DataFrame(
        {
            col.CANDIDATE_ID: ids,
            "sex": pd.Series(np.where(rng.random(n) < 0.55, "F", "M"), dtype="str"),
            "birth_year": (as_of.year - age).astype(np.int64),
            "education_level": pd.Series(
                rng.choice(list(_EDUCATION), size=n, p=list(_EDUCATION.values())), dtype="str"
            ),
            "labour_status": pd.Series(
                rng.choice(list(_LABOUR), size=n, p=list(_LABOUR.values())), dtype="str"
            ),
            "disability_recognised": rng.random(n) < 0.08,
            "rsa_beneficiary": np.ones(n, dtype=bool),
        }
    )


def write_demo_set(
    out: str | Path,
    *,
    seed: int,
    n_candidates: int = 2000,
    n_offers: int = 150,
    departements: Sequence[str] = ("61",),
    as_of: date = DEFAULT_AS_OF,
    referentials: str | Path = REFERENTIALS_DIR,
) -> DemoData:
    """Generate and write a whole demo set (engine tables, caseload, reporting, manifest)."""
    communes = load_communes(Path(referentials) / "communes.csv.gz")
    rome = load_rome(referentials)
    pool_seq, reporting_seq = np.random.SeedSequence(seed).spawn(2)
    data = generate_pool(
        communes=communes,
        rome=rome,
        n_candidates=n_candidates,
        n_offers=n_offers,
        departements=departements,
        rng=np.random.default_rng(pool_seq),
        as_of=as_of,
    )
    directory = Path(out)
    write_demo(data, directory)
    assign_coaches(data.candidates, communes).to_csv(
        directory / "caseload.csv", index=False, lineterminator="\n"
    )
    reporting = generate_reporting(
        data.candidates[col.CANDIDATE_ID], rng=np.random.default_rng(reporting_seq), as_of=as_of
    )
    reporting.replace({True: "true", False: "false"}).to_csv(
        directory / "reporting.csv", index=False, lineterminator="\n"
    )
    manifest = {
        "command": (
            f"python -m training.demo_data --out {out} --seed {seed} --candidates {n_candidates}"
            f" --offers {n_offers} --departements {','.join(departements)}"
            f" --as-of {as_of.isoformat()}"
        ),
        "seed": seed,
        "as_of": as_of.isoformat(),
        "departements": list(departements),
        "rows": {
            "candidates": len(data.candidates),
            "candidate_jobs": len(data.candidate_jobs),
            "offers": len(data.offers),
            "buyers": len(data.buyers),
            "contracts": len(data.contracts),
            "lots": len(data.lots),
            "companies": len(data.companies),
        },
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", "utf-8")
    return data


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m training.demo_data --out DIR --seed N``."""
    parser = argparse.ArgumentParser(
        prog="python -m training.demo_data", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--out", required=True, help="directory to write the CSV files to")
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--candidates", type=int, default=2000)
    parser.add_argument("--offers", type=int, default=150)
    parser.add_argument("--departements", default="61", help="comma-separated codes, e.g. 61,14,72")
    parser.add_argument("--as-of", type=date.fromisoformat, default=DEFAULT_AS_OF)
    args = parser.parse_args(argv)
    try:
        data = write_demo_set(
            args.out,
            seed=args.seed,
            n_candidates=args.candidates,
            n_offers=args.offers,
            departements=tuple(d.strip() for d in args.departements.split(",") if d.strip()),
            as_of=args.as_of,
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(
        f"{len(data.candidates)} candidates, {len(data.offers)} offers, {len(data.lots)} lots"
        f" written to {args.out}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
