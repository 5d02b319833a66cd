"""Mixed soak: reads, proposals, imports and batch runs at a steady rate, with the server's memory
sampled (issue 21: 50 requests/s for 5 minutes, zero errors, no memory growth).

Builds a database (the demo generator: ``--candidates`` people, ``--offers`` offers; SQLite, or a
scratch PostgreSQL database with ``--database-url``), starts ``clausematch serve`` with
``--workers`` processes, then sends requests **open loop** at ``--rate`` per second (each
request is sent at its scheduled time, whatever the answers before it: a slow server shows as
latency, not as a lower rate) for ``--seconds``:

* reads: shortlists (facilitator, all; coaches, ``scope=mine``), a person's best offers, the
  offer list, the proposal list;
* proposals: coaches propose people of their caseload found on their shortlists, the facilitator
  validates them;
* an offer file imported every ``--import-every`` seconds (five new offers, Orne emploi CSV; the
  import runs a batch), and a batch run (``POST /match-runs``) every ``--batch-every`` seconds.

Every answer other than the expected status is an error. The resident memory of the server's
processes is read from /proc every 5 s; growth is the slope of a least-squares line over the
samples after the first third of the run, and the change between the first and last fifths.

    python tests/benchmarks/bench_soak.py                  # short mode: 30 s
    python tests/benchmarks/bench_soak.py --seconds 300 --database-url postgresql+psycopg://…
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import httpx
import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from bench_service_load import _database, _free_port, _prepare  # noqa: E402

OFFER_HEADER = (
    "Référence;Intitulé;Code ROME;Commune;Type de contrat;Durée hebdomadaire;Date de début;"
    "Durée;Nombre de postes;SIRET;Entreprise;Permis requis;Lot\n"
)


def _rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` and its children (uvicorn's workers), in MB."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            if int(entry.name) != pid and int(stat[1]) != pid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1024


class Soak:
    def __init__(self, base: str, tokens: dict[str, str], rng: random.Random) -> None:
        self.base = base
        self.tokens = tokens
        self.rng = rng
        self.local = threading.local()
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, list[str]] = defaultdict(list)
        self.pairs: list[tuple[str, int, int]] = []  # (coach, person, offer) to propose
        self.to_validate: list[tuple[int, int]] = []  # (proposal id, version)
        self.offers: list[int] = []
        self.people: dict[str, list[int]] = {}
        self.import_seq = itertools.count(1)

    def _client(self) -> httpx.Client:
        client = getattr(self.local, "client", None)
        if client is None:
            client = self.local.client = httpx.Client(base_url=self.base, timeout=30)
        return client

    def _h(self, user: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def call(
        self, kind: str, method: str, url: str, user: str, expect: int = 200, **kw: object
    ) -> httpx.Response | None:
        start = time.perf_counter()
        try:
            r = self._client().request(method, url, headers=self._h(user), **kw)  # type: ignore[arg-type]
        except httpx.HTTPError as exc:
            with self.lock:
                self.errors[kind].append(type(exc).__name__)
            return None
        elapsed = (time.perf_counter() - start) * 1000
        with self.lock:
            self.latency[kind].append(elapsed)
            if r.status_code != expect:
                self.errors[kind].append(f"{r.status_code} {r.text[:120]}")
                return None
        return r

    # ------------------------------------------------------------------ set-up
    def prepare(self, offers_limit: int) -> None:
        with httpx.Client(base_url=self.base, timeout=60) as c:
            today = date.today().isoformat()
            offset = 0
            while len(self.offers) < offers_limit:
                page = c.get(
                    "/offers",
                    params={"limit": 200, "offset": offset},
                    headers=self._h("facilitateur"),
                ).json()["items"]
                if not page:
                    break
                offset += len(page)
                self.offers += [
                    o["id"]
                    for o in page
                    if o["status"] == "open" and (o["end_date"] is None or o["end_date"] >= today)
                ]
            for coach in ("coach-alencon", "coach-flers", "coach-argentan"):
                items = c.get("/candidates", params={"limit": 200}, headers=self._h(coach)).json()[
                    "items"
                ]
                self.people[coach] = [p["id"] for p in items]
            seen: set[tuple[int, int]] = set()
            for oid in self.offers[:150]:
                for coach in self.people:
                    r = c.get(
                        f"/offers/{oid}/shortlist",
                        params={"k": 10, "scope": "mine"},
                        headers=self._h(coach),
                    )
                    if r.status_code != 200:
                        continue
                    for item in r.json()["items"][:3]:
                        pair = (item["candidate_id"], oid)
                        if pair not in seen:
                            seen.add(pair)
                            self.pairs.append((coach, *pair))
        self.rng.shuffle(self.pairs)

    # --------------------------------------------------------------- requests
    def shortlist_all(self) -> None:
        oid = self.rng.choice(self.offers)
        self.call("shortlist (all)", "GET", f"/offers/{oid}/shortlist?k=20", "facilitateur")

    def shortlist_mine(self) -> None:
        oid = self.rng.choice(self.offers)
        coach = self.rng.choice(list(self.people))
        self.call("shortlist (mine)", "GET", f"/offers/{oid}/shortlist?k=20&scope=mine", coach)

    def best_offers(self) -> None:
        coach = self.rng.choice([c for c in self.people if self.people[c]])
        pid = self.rng.choice(self.people[coach])
        self.call("best offers", "GET", f"/candidates/{pid}/offers?k=10", coach)

    def offer_list(self) -> None:
        offset = self.rng.randrange(0, max(1, len(self.offers) - 50))
        self.call("offer list", "GET", f"/offers?limit=50&offset={offset}", "coach-flers")

    def proposal_list(self) -> None:
        self.call("proposal list", "GET", "/proposals?limit=20", "facilitateur")

    def propose(self) -> None:
        with self.lock:
            if not self.pairs:
                return
            coach, person, offer = self.pairs.pop()
        r = self.call(
            "propose",
            "POST",
            "/proposals",
            coach,
            expect=201,
            json={"candidate_id": person, "offer_id": offer},
        )
        if r is not None:
            body = r.json()
            with self.lock:
                self.to_validate.append((body["id"], body["version"]))

    def validate(self) -> None:
        with self.lock:
            if not self.to_validate:
                return
            pid, version = self.to_validate.pop(0)
        self.call(
            "validate",
            "POST",
            f"/proposals/{pid}/transitions",
            "facilitateur",
            json={"to": "validated", "version": version},
        )

    def import_offers(self) -> None:
        n = next(self.import_seq)
        lines = "".join(
            f"SOAK-{os.getpid()}-{n}-{i};Maçon H/F;F1703;Alençon;CDD;35;02/03/2031;6 mois;1;;;B;\n"
            for i in range(5)
        )
        self.call(
            "import (5 offers + batch)",
            "POST",
            "/imports/offers",
            "facilitateur",
            files={"file": ("soak.csv", (OFFER_HEADER + lines).encode(), "text/csv")},
        )

    def batch(self) -> None:
        self.call("batch run", "POST", "/match-runs", "facilitateur")


MIX: tuple[tuple[str, float], ...] = (
    ("shortlist_all", 0.40),
    ("shortlist_mine", 0.15),
    ("best_offers", 0.12),
    ("offer_list", 0.10),
    ("proposal_list", 0.05),
    ("propose", 0.10),
    ("validate", 0.08),
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--candidates", type=int, default=5000)
    parser.add_argument("--offers", type=int, default=300)
    parser.add_argument("--rate", type=float, default=50.0, help="requests per second")
    parser.add_argument("--seconds", type=float, default=30.0, help="300 for the full soak")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--import-every", type=float, default=20.0)
    parser.add_argument("--batch-every", type=float, default=60.0)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server URL")
    parser.add_argument("--seed", type=int, default=21)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp, _database(args.database_url, Path(tmp)) as db_url:
        tokens = _prepare(db_url, Path(tmp) / "data", args.candidates, args.offers)
        port = _free_port()
        env = {**os.environ, "CLAUSEMATCH_DATABASE_URL": db_url, "CLAUSEMATCH_LOG_LEVEL": "WARNING"}
        log_path = Path(tmp) / "server.log"
        with log_path.open("wb") as log:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "service.cli",
                    "serve",
                    "--port",
                    str(port),
                    "--workers",
                    str(args.workers),
                ],
                env=env,
                cwd=ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                return _soak(args, f"http://127.0.0.1:{port}", tokens, server, log_path)
            finally:
                server.terminate()
                try:
                    server.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    server.kill()
                    server.wait()


def _soak(
    args: argparse.Namespace,
    base: str,
    tokens: dict[str, str],
    server: subprocess.Popen[bytes],
    log_path: Path,
) -> int:
    for _ in range(3000):
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    else:
        print("the server did not start", file=sys.stderr)
        return 1
    rng = random.Random(args.seed)
    soak = Soak(base, tokens, rng)
    soak.prepare(args.offers)
    kinds, weights = zip(*MIX, strict=True)
    actions: dict[str, Callable[[], None]] = {k: getattr(soak, k) for k in kinds}
    samples: list[tuple[float, float]] = []
    pool = ThreadPoolExecutor(max_workers=64)
    start = time.perf_counter()
    n_sent = 0
    late = 0
    next_import = start + args.import_every / 2
    next_batch = start + args.batch_every
    next_sample = start
    interval = 1.0 / args.rate
    while True:
        now = time.perf_counter()
        if now - start >= args.seconds:
            break
        if now >= next_sample:
            samples.append((now - start, _rss_mb(server.pid)))
            next_sample += 5.0
        due = start + n_sent * interval
        if due > now:
            time.sleep(min(due - now, 0.005))
            continue
        if now - due > 0.1:
            late += 1
        if now >= next_import:
            pool.submit(soak.import_offers)
            next_import += args.import_every
        elif now >= next_batch:
            pool.submit(soak.batch)
            next_batch += args.batch_every
        else:
            pool.submit(actions[rng.choices(kinds, weights)[0]])
        n_sent += 1
    pool.shutdown(wait=True)
    elapsed = time.perf_counter() - start
    samples.append((elapsed, _rss_mb(server.pid)))

    total = sum(len(v) for v in soak.latency.values())
    n_errors = sum(len(v) for v in soak.errors.values())
    print(
        f"\nmixed soak: {args.candidates} people, {len(soak.offers)} offers, {args.workers} "
        f"worker(s), {'PostgreSQL' if args.database_url else 'SQLite'}, target {args.rate:g} "
        f"requests/s for {args.seconds:g} s"
    )
    print("| requests | count | errors | p50 | p95 | p99 |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for kind in sorted(set(soak.latency) | set(soak.errors)):
        lat = np.array(soak.latency.get(kind) or [float("nan")])
        p50, p95, p99 = np.percentile(lat, [50, 95, 99])
        print(
            f"| {kind} | {len(soak.latency.get(kind, []))} | {len(soak.errors.get(kind, []))} "
            f"| {p50:.0f} ms | {p95:.0f} ms | {p99:.0f} ms |"
        )
    print(f"| all | {total} | {n_errors} | | | |")
    print(
        f"sent {n_sent} in {elapsed:.0f} s = {n_sent / elapsed:.1f} requests/s (a proposal or "
        "validation slot with nothing left to propose or validate sends nothing)"
    )
    print(f"sent more than 100 ms late (load generator behind): {late}")
    t = np.array([s[0] for s in samples])
    rss = np.array([s[1] for s in samples])
    after = t >= args.seconds / 3
    slope = float(np.polyfit(t[after], rss[after], 1)[0]) * 60 if after.sum() >= 3 else float("nan")
    fifth = max(1, len(rss) // 5)
    first, last = float(np.median(rss[fifth : 2 * fifth])), float(np.median(rss[-fifth:]))
    print(
        f"server memory (RSS, all processes): {rss[0]:.0f} MB at start, {rss.max():.0f} MB max, "
        f"{rss[-1]:.0f} MB at the end; second fifth {first:.0f} MB → last fifth {last:.0f} MB; "
        f"slope after the first third {slope:+.1f} MB/min"
    )
    minutes = ", ".join(
        f"{int(t0 // 60)}:{int(t0 % 60):02d} {m:.0f}" for t0, m in samples[:: max(1, 12)]
    )
    print(f"RSS (MB) about every minute: {minutes}")
    grows = last > first * 1.05 + 10
    print(f"memory growth: {'YES' if grows else 'none'} (last fifth > second fifth × 1.05 + 10 MB)")
    for kind, errs in soak.errors.items():
        print(f"errors of {kind} (first 3): {errs[:3]}")
    if n_errors:
        print("server log (end):", log_path.read_text(errors="replace")[-2000:])
    return 1 if n_errors or grows else 0


if __name__ == "__main__":
    sys.exit(main())
