"""Load test of ``GET /offers/{id}/shortlist`` against a running ``clausematch serve``.

Builds a SQLite database with 5,000 candidates and 300 offers (the demo generator, seed 5000),
starts ``clausematch serve`` in a subprocess, then 20 client threads each send requests for
``--seconds`` seconds over random offers (HTTP keep-alive, one ``httpx.Client`` per thread).
Prints requests per second, latency percentiles and errors.

For comparison, the same run measures in-process the naive way a request could be served
without the kept-in-memory state: read every candidate and offer from the database and build
the engine state, then rank (what one request would cost if the service rebuilt per request).

Target (issue 4): p95 ≤ 50 ms with 20 concurrent clients, zero errors. The client threads run
on the same 2-core machine as the server, so the figures include the load generator's own CPU.

    python tests/benchmarks/bench_service_load.py [--candidates 5000] [--seconds 20]

At scale (issue 21), on PostgreSQL, beside the code of another git revision in the same run
(the same database, one server after the other)::

    python tests/benchmarks/bench_service_load.py --database-url postgresql+psycopg://… \
        --candidates 100000 --offers 2000 --departements 61,14,27,28,50,53,72 \
        --warmup 60 --baseline-ref main

Beyond 10,000 people the database is filled in bulk (``bulk_people.load_large``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _prepare(
    db_url: str,
    data_dir: Path,
    n_candidates: int,
    n_offers: int,
    departements: tuple[str, ...] = ("61",),
) -> dict[str, str]:
    if n_candidates > 10_000:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from bulk_people import load_large

        return load_large(
            db_url,
            data_dir,
            n_candidates=n_candidates,
            n_offers=n_offers,
            departements=departements,
        )
    from alembic import command

    from fixtures.demo.build import write_demo_set
    from service.db import alembic_config, make_engine, make_sessionmaker
    from service.imports.demo import load_demo

    write_demo_set(
        data_dir,
        seed=5000,
        n_candidates=n_candidates,
        n_offers=n_offers,
        departements=departements,
        as_of=date.today(),
    )
    command.upgrade(alembic_config(db_url), "head")
    engine = make_engine(db_url)
    with make_sessionmaker(engine)() as session:
        report = load_demo(session, data_dir)
        session.commit()
    engine.dispose()
    return report.tokens


@contextlib.contextmanager
def _database(server_url: str | None, tmp: Path) -> Iterator[str]:
    """A SQLite file in ``tmp``, or a scratch database on the PostgreSQL server at ``server_url``."""
    if server_url is None:
        yield f"sqlite:///{tmp / 'load.db'}"
        return
    from sqlalchemy import create_engine, make_url, text

    name = f"clausematch_load_{os.getpid()}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _server_cpu_seconds(pid: int) -> float:
    """CPU seconds (user + system) of ``pid`` and its child processes (uvicorn workers), from
    /proc; NaN where there is no /proc. Steadier than latency on a shared machine."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    try:
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            # After the command name: state, ppid, ... utime (12th), stime (13th).
            if int(entry.name) == pid or int(fields[1]) == pid:
                total += (int(fields[11]) + int(fields[12])) / tick
    except OSError:
        return float("nan")
    return total


def _naive_request_ms(db_url: str, offer_ids: list[int], n: int) -> list[float]:
    """Per request: read everything from the database, build the state, rank one offer."""
    from fixtures import REFERENTIALS_DIR
    from service.db import make_engine, make_sessionmaker
    from service.referentials.service import load_referentials
    from service.scoring.state import ScoringState

    refs = load_referentials(REFERENTIALS_DIR)
    engine = make_engine(db_url)
    factory = make_sessionmaker(engine)
    out = []
    for oid in offer_ids[:n]:
        start = time.perf_counter()
        with factory() as session:
            state = ScoringState(rome=refs.rome, communes=refs.communes).build(session)
        state.shortlist(str(oid), 20, as_of=date.today())
        out.append((time.perf_counter() - start) * 1000)
    engine.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--candidates", type=int, default=5000)
    parser.add_argument("--offers", type=int, default=300)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument(
        "--workers",
        type=int,
        default=os.cpu_count() or 1,
        help="server worker processes (default: one per core, the recommended deployment)",
    )
    parser.add_argument(
        "--client",
        choices=("auto", "wrk", "threads"),
        default="auto",
        help="load generator: wrk when installed (auto), else Python threads",
    )
    parser.add_argument(
        "--open-rates",
        default="",
        help="after the closed-loop run, also send requests open loop at these rates "
        "(requests/s, comma-separated): latency at a given load, from each request's scheduled "
        "time (a slow answer does not slow the sender down)",
    )
    parser.add_argument(
        "--warmup",
        type=float,
        default=5.0,
        help="seconds of the same load before measuring, not counted, after passes over every "
        "offer (0: a cold start, no passes)",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="a PostgreSQL server URL (a scratch database is created on it and dropped); "
        "default: a SQLite file",
    )
    parser.add_argument(
        "--departements",
        default="61",
        help="départements of the generated people and offers, comma-separated",
    )
    parser.add_argument(
        "--baseline-ref",
        default=None,
        help="also serve the code of this git revision (e.g. main), first, on the same "
        "database: the figure before a change, measured in the same run",
    )
    parser.add_argument(
        "--interleave",
        type=int,
        default=0,
        help="with --baseline-ref: run both servers at once and measure them in N alternating "
        "rounds of seconds/N each (a shared machine's load then weighs on both alike)",
    )
    parser.add_argument(
        "--existing-database",
        default=None,
        help="a database already filled by an earlier run (its size given by --candidates "
        "and --offers); the facilitator gets a fresh token",
    )
    parser.add_argument(
        "--baseline-database",
        default=None,
        help="with --interleave: the baseline server's own copy of the database (when a "
        "migration lies between the two revisions, each needs a database at its own head); "
        "its facilitator gets the same fresh token",
    )
    parser.add_argument(
        "--readers",
        type=int,
        default=1,
        help="spread the requests at random over this many facilitator accounts (wrk only; "
        "accounts bench-reader-N, made or given fresh tokens): a reader's first view of a "
        "list in a day records its shown pairs, a repeat does not, so one reader (the "
        "default) is the best case for that and many readers the worst",
    )
    args = parser.parse_args(argv)
    departements = tuple(d for d in args.departements.split(",") if d)
    if args.readers > 1 and (args.client == "threads" or not shutil.which("wrk")):
        parser.error("--readers needs wrk (the Python client sends one reader's token)")

    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        if args.existing_database:
            db_url = args.existing_database
            tokens = {"facilitateur": _fresh_token(db_url, "facilitateur")}
        else:
            db_url = stack.enter_context(_database(args.database_url, Path(tmp)))
            t0 = time.perf_counter()
            tokens = _prepare(
                db_url, Path(tmp) / "data", args.candidates, args.offers, departements
            )
            print(
                f"database ready in {time.perf_counter() - t0:.1f} s ({args.candidates} candidates)"
            )
        args.reader_tokens = None
        if args.readers > 1:
            args.reader_tokens = _reader_accounts(db_url, args.readers)
            if args.baseline_database:
                _reader_accounts(args.baseline_database, args.readers, args.reader_tokens)
        code = 0
        if args.baseline_ref and args.interleave:
            with _checkout(args.baseline_ref, Path(tmp)) as baseline_root:
                return _interleaved(
                    args,
                    db_url,
                    tokens,
                    Path(tmp),
                    {args.baseline_ref: baseline_root, "this code": ROOT},
                )
        if args.baseline_ref:
            with _checkout(args.baseline_ref, Path(tmp)) as baseline_root:
                code |= _serve_and_load(
                    args, db_url, tokens, Path(tmp), baseline_root, label=args.baseline_ref
                )
        code |= _serve_and_load(args, db_url, tokens, Path(tmp), ROOT, label="this code")
    return code


def _fresh_token(db_url: str, username: str) -> str:
    from service.accounts.auth import new_token

    token = new_token()
    _set_token(db_url, username, token)
    return token


def _reader_accounts(db_url: str, n: int, tokens: list[str] | None = None) -> list[str]:
    """Facilitator accounts ``bench-reader-1`` … ``bench-reader-n``, made where missing, with
    ``tokens`` (fresh ones by default), in one transaction; their tokens."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import bindparam, insert, select, update

    from service.accounts.auth import hash_token, new_token
    from service.db import make_engine
    from service.models.accounts import User

    tokens = tokens or [new_token() for _ in range(n)]
    names = [f"bench-reader-{i + 1}" for i in range(n)]
    expires = datetime.now(UTC) + timedelta(days=30)
    engine = make_engine(db_url)
    with engine.begin() as conn:
        have = set(conn.scalars(select(User.username).where(User.username.in_(names))))
        missing = [
            {
                "username": name,
                "role": "facilitator",
                "token_hash": f"unset-{name}",
                "is_active": True,
                "version": 1,
            }
            for name in names
            if name not in have
        ]
        if missing:
            conn.execute(insert(User), missing)
        conn.execute(
            update(User)
            .where(User.username == bindparam("name"))
            .values(token_hash=bindparam("hash"), token_expires_at=expires),
            [
                {"name": name, "hash": hash_token(token)}
                for name, token in zip(names, tokens, strict=True)
            ],
        )
    engine.dispose()
    return tokens


def _set_token(db_url: str, username: str, token: str) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from service.accounts.auth import hash_token
    from service.db import make_engine
    from service.models.accounts import User

    engine = make_engine(db_url)
    with engine.begin() as conn:
        conn.execute(
            update(User)
            .where(User.username == username)
            .values(
                token_hash=hash_token(token),
                token_expires_at=datetime.now(UTC) + timedelta(days=30),
            )
        )
    engine.dispose()


def _start(
    code_root: Path, db_url: str, log: Path, workers: int
) -> tuple[subprocess.Popen[bytes], str]:
    port = _free_port()
    env = {
        **os.environ,
        "CLAUSEMATCH_DATABASE_URL": db_url,
        "CLAUSEMATCH_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(code_root),
    }
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "serve", "--port", str(port)]
            + (["--workers", str(workers)] if workers > 1 else []),
            env=env,
            cwd=code_root,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return server, f"http://127.0.0.1:{port}"


def _wait_ready(base: str) -> None:
    for _ in range(3000):
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the server at {base} did not start")


def _live_offers(base: str, headers: dict[str, str], n: int) -> list[int]:
    offers: list[dict[str, object]] = []
    with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
        while len(offers) < n:
            items = c.get("/offers", params={"limit": 200, "offset": len(offers)}).json()["items"]
            if not items:
                break
            offers += items
    today = date.today().isoformat()
    return [
        int(str(o["id"]))
        for o in offers
        if o["status"] == "open" and (o["end_date"] is None or str(o["end_date"]) >= today)
    ]


def _interleaved(
    args: argparse.Namespace,
    db_url: str,
    tokens: dict[str, str],
    tmp: Path,
    roots: dict[str, Path],
) -> int:
    """Both servers up at once; warm-ups then measured rounds alternate between them."""
    headers = {"Authorization": f"Bearer {tokens['facilitateur']}"}
    baseline_db = args.baseline_database or db_url
    if args.baseline_database:
        _set_token(args.baseline_database, "facilitateur", headers["Authorization"][7:])
    servers = {
        label: _start(
            root,
            baseline_db if label == args.baseline_ref else db_url,
            tmp / f"server-{n}.log",
            args.workers,
        )
        for n, (label, root) in enumerate(roots.items())
    }
    try:
        for _, base in servers.values():
            _wait_ready(base)
        # Each worker builds its state after /health answers from the first one: let them all.
        time.sleep(45 if args.candidates > 10_000 else 5)
        offer_ids = _live_offers(next(iter(servers.values()))[1], headers, args.offers)
        use_wrk = args.client == "wrk" or (args.client == "auto" and bool(shutil.which("wrk")))
        run = _run_wrk if use_wrk else _run_threads
        rounds = max(1, args.interleave)
        warm = argparse.Namespace(**{**vars(args), "seconds": args.warmup / 2})
        if args.warmup > 0:
            for _, base in servers.values():
                _sweep(base, headers, offer_ids, WARM_SWEEPS)
        for _ in range(2):
            for _, base in servers.values():
                run(base, headers, offer_ids, warm)
        part = argparse.Namespace(**{**vars(args), "seconds": args.seconds / rounds})
        lat: dict[str, list[float]] = {label: [] for label in servers}
        stats: dict[str, dict[str, float]] = {
            label: {"n": 0, "errors": 0, "seconds": 0.0, "cpu": 0.0} for label in servers
        }
        per_round: dict[str, list[dict[str, float | int | str]]] = {label: [] for label in servers}
        for r in range(rounds):
            order = list(servers) if r % 2 == 0 else list(reversed(servers))
            for label in order:
                server, base = servers[label]
                cpu = _server_cpu_seconds(server.pid)
                if use_wrk:
                    measured = _run_wrk(base, headers, offer_ids, part)
                    per_round[label].append(measured)
                    stats[label]["n"] += int(measured["n"])
                    stats[label]["errors"] += int(measured["errors"])
                    stats[label]["seconds"] += float(measured["seconds"])
                else:
                    result = _run_threads_raw(base, headers, offer_ids, part)
                    lat[label] += result[0]
                    stats[label]["n"] += len(result[0])
                    stats[label]["errors"] += result[1]
                    stats[label]["seconds"] += result[2]
                stats[label]["cpu"] += _server_cpu_seconds(server.pid) - cpu
    finally:
        for server, _ in servers.values():
            server.terminate()
        for server, _ in servers.values():
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    if use_wrk:
        return _print_rounds(args, db_url, len(offer_ids), rounds, stats, per_round)
    print(
        f"\nGET /offers/{{id}}/shortlist?k=20, {args.candidates} candidates, {len(offer_ids)} "
        f"offers, {args.clients} concurrent clients (python threads), {args.workers} worker(s) "
        f"per server, {'PostgreSQL' if 'postgresql' in db_url else 'SQLite'}; both servers up "
        f"at once, {WARM_SWEEPS} passes over every offer and {args.warmup:g} s of warm-up "
        f"each, then {rounds} alternating rounds of "
        f"{args.seconds / rounds:g} s each"
    )
    print("| code | req/s | p50 | p95 | p99 | server CPU / request | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    code = 0
    for label in servers:
        arr = np.array(lat[label] or [float("nan")])
        p50, p95, p99 = np.percentile(arr, [50, 95, 99])
        st = stats[label]
        print(
            f"| {label} | {st['n'] / max(st['seconds'], 1e-9):.0f} | {p50:.1f} ms | {p95:.1f} ms "
            f"| {p99:.1f} ms | {st['cpu'] / max(st['n'], 1) * 1000:.2f} ms | {int(st['errors'])} |"
        )
        code |= int(st["errors"] > 0)
    return code


def _print_rounds(
    args: argparse.Namespace,
    db_url: str,
    n_offers: int,
    rounds: int,
    stats: dict[str, dict[str, float]],
    per_round: dict[str, list[dict[str, float | int | str]]],
) -> int:
    """The interleaved run's table when wrk measured it: wrk gives each round's percentiles,
    not its samples, so the table shows each round's p95 and their median."""
    print(
        f"\nGET /offers/{{id}}/shortlist?k=20, {args.candidates} candidates, {n_offers} offers, "
        f"{args.clients} concurrent clients (wrk)"
        + (f" reading as {args.readers} facilitators" if args.readers > 1 else "")
        + f", {args.workers} worker(s) per server, "
        f"{'PostgreSQL' if 'postgresql' in db_url else 'SQLite'}; both servers up at once, "
        f"{WARM_SWEEPS} passes over every offer and {args.warmup:g} s of warm-up each, then "
        f"{rounds} alternating rounds of "
        f"{args.seconds / rounds:g} s each"
    )
    print(
        "| code | req/s | p50 (median of rounds) | p95 (median of rounds) | p95 of each round "
        "| server CPU / request | errors |"
    )
    print("| --- | ---: | ---: | ---: | --- | ---: | ---: |")
    code = 0
    for label, st in stats.items():
        p50 = float(np.median([float(r["p50"]) for r in per_round[label]]))
        p95s = [float(r["p95"]) for r in per_round[label]]
        print(
            f"| {label} | {st['n'] / max(st['seconds'], 1e-9):.0f} | {p50:.1f} ms "
            f"| {float(np.median(p95s)):.1f} ms | {', '.join(f'{p:.0f}' for p in p95s)} ms "
            f"| {st['cpu'] / max(st['n'], 1) * 1000:.2f} ms | {int(st['errors'])} |"
        )
        code |= int(st["errors"] > 0)
    return code


def _run_threads_raw(
    base: str, headers: dict[str, str], offer_ids: list[int], args: argparse.Namespace
) -> tuple[list[float], int, float]:
    """Latencies (ms), errors and wall seconds of one round of :func:`_run_threads`."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop_at = time.perf_counter() + args.seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        local: list[float] = []
        with httpx.Client(base_url=base, headers=headers, timeout=30) as c:
            while time.perf_counter() < stop_at:
                oid = rng.choice(offer_ids)
                start = time.perf_counter()
                try:
                    ok = c.get(f"/offers/{oid}/shortlist", params={"k": 20}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                if not ok:
                    with lock:
                        errors[0] += 1
                    continue
                local.append((time.perf_counter() - start) * 1000)
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    wall = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0], time.perf_counter() - wall


@contextlib.contextmanager
def _checkout(ref: str, tmp: Path) -> Iterator[Path]:
    """The code of ``ref`` in a temporary git worktree (removed afterwards)."""
    where = tmp / "baseline"
    subprocess.run(
        ["git", "-C", str(ROOT), "worktree", "add", "--detach", str(where), ref],
        check=True,
        capture_output=True,
    )
    try:
        yield where
    finally:
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "remove", "--force", str(where)],
            check=False,
            capture_output=True,
        )


def _serve_and_load(
    args: argparse.Namespace,
    db_url: str,
    tokens: dict[str, str],
    tmp: Path,
    code_root: Path,
    *,
    label: str,
) -> int:
    """Serve ``code_root``'s service on ``db_url``, load it, print the table."""
    port = _free_port()
    env = {
        **os.environ,
        "CLAUSEMATCH_DATABASE_URL": db_url,
        "CLAUSEMATCH_LOG_LEVEL": "WARNING",
        # The code served comes first on the import path (the virtualenv's editable
        # install points at this work tree).
        "PYTHONPATH": str(code_root),
    }
    threads = env.get("CLAUSEMATCH_THREADS", "default")
    server_log = open(Path(tmp) / "server.log", "wb")  # noqa: SIM115 (closed below)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "service.cli",
            "serve",
            "--port",
            str(port),
            *(["--workers", str(args.workers)] if args.workers > 1 else []),
        ],
        env=env,
        cwd=code_root,
        stdout=server_log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
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
        headers = {"Authorization": f"Bearer {tokens['facilitateur']}"}
        offers: list[dict[str, object]] = []
        with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
            while len(offers) < args.offers:
                page = c.get("/offers", params={"limit": 200, "offset": len(offers)})
                items = page.json()["items"]
                if not items:
                    break
                offers += items
        # Open offers that can be ranked today (not ended).
        offer_ids = [
            o["id"]
            for o in offers
            if o["status"] == "open"
            and (o["end_date"] is None or o["end_date"] >= date.today().isoformat())
        ]
        use_wrk = args.client == "wrk" or (args.client == "auto" and bool(shutil.which("wrk")))
        run = _run_wrk if use_wrk else _run_threads
        if args.warmup > 0:
            _sweep(base, headers, offer_ids, WARM_SWEEPS)
            run(
                base,
                headers,
                offer_ids,
                argparse.Namespace(**{**vars(args), "seconds": args.warmup}),
            )
        cpu_before = _server_cpu_seconds(server.pid)
        result = run(base, headers, offer_ids, args)
        server_cpu = _server_cpu_seconds(server.pid) - cpu_before
        open_loop = [
            (rate, _run_open_loop(base, headers, offer_ids, rate, args.seconds))
            for rate in (float(r) for r in args.open_rates.split(",") if r)
        ]
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server_log.close()
        log_tail = (Path(tmp) / "server.log").read_text(errors="replace")[-2000:]
    naive = _naive_request_ms(db_url, offer_ids, 3 if args.candidates > 10_000 else 10)

    naive_p50 = float(np.median(naive))
    p50 = result["p50"]
    print(
        f"\n{label}: GET /offers/{{id}}/shortlist?k=20, {args.candidates} candidates, "
        f"{len(offer_ids)} offers, "
        f"{args.clients} concurrent clients ({result['client']})"
        + (f" reading as {args.readers} facilitators" if args.readers > 1 else "")
        + f", {args.workers} server worker(s), "
        f"{threads} thread(s) each, {'PostgreSQL' if 'postgresql' in db_url else 'SQLite'}, "
        f"{WARM_SWEEPS} passes over every offer and {args.warmup:g} s of warm-up"
    )
    print("| measure | value |")
    print("| --- | ---: |")
    print(f"| requests | {result['n']} in {result['seconds']:.1f} s |")
    print(f"| requests per second | {result['n'] / result['seconds']:.0f} |")
    print(f"| latency p50 / p95 / p99 | {p50:.1f} / {result['p95']:.1f} / {result['p99']:.1f} ms |")
    print(f"| errors | {result['errors']} |")
    n_req = max(int(result["n"]), 1)
    print(f"| server CPU per request (all workers) | {server_cpu / n_req * 1000:.2f} ms |")
    print(f"| naive (rebuild per request, in-process, no concurrency) p50 | {naive_p50:.0f} ms |")
    print(f"| naive p50 / served p50 | {naive_p50 / p50:.0f}× |")
    met = result["p95"] <= 50 and not result["errors"]
    print(f"| target p95 ≤ 50 ms, 0 errors | {'met' if met else 'NOT met'} |")
    if open_loop:
        print("\nOpen loop (requests sent at a steady rate, latency from the scheduled time):")
        print("| offered rate | answered | p50 | p95 | p99 | errors |")
        print("| ---: | ---: | ---: | ---: | ---: | ---: |")
        for rate, (lat, errors) in open_loop:
            q50, q95, q99 = np.percentile(np.array(lat or [float("nan")]), [50, 95, 99])
            print(
                f"| {rate:g} req/s | {len(lat)} | {q50:.1f} ms | {q95:.1f} ms | {q99:.1f} ms "
                f"| {errors} |"
            )
    if result["errors"]:
        print("server log (end):", log_tail)
    return 0 if not result["errors"] else 1


_WRK_SCRIPT = """
local ids = {%s}
local tokens = {%s}
-- Each thread of each run draws its own sequence (unseeded, every wrk run and thread would
-- send the same offers and readers in the same order).
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("thread_no", threads)
end
init = function(args)
  math.randomseed(os.time() * 100 + thread_no)
end
request = function()
  local id = ids[math.random(#ids)]
  local token = tokens[math.random(#tokens)]
  return wrk.format("GET", "/offers/" .. id .. "/shortlist?k=20", {["Authorization"] = "Bearer " .. token})
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%d %%f %%f %%f %%d\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout,
    summary.duration, latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.errors.status))
end
"""


def _run_wrk(
    base: str, headers: dict[str, str], offer_ids: list[int], args: argparse.Namespace
) -> dict[str, float | int | str]:
    """wrk (C, one thread per core) keeps the load generator's own CPU small."""
    tokens = getattr(args, "reader_tokens", None) or [
        headers["Authorization"].removeprefix("Bearer ")
    ]
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(
            _WRK_SCRIPT
            % (", ".join(str(i) for i in offer_ids), ", ".join(f'"{t}"' for t in tokens))
        )
        script = fh.name
    out = subprocess.run(
        [
            "wrk",
            f"-t{min(2, args.clients)}",
            f"-c{args.clients}",
            f"-d{int(args.seconds)}s",
            "--timeout",
            "10s",
            "-s",
            script,
            base,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script)
    line = next(x for x in out.splitlines() if x.startswith("RESULT"))
    n, errors, duration_us, p50, p95, p99, _ = line.split()[1:]
    return {
        "client": "wrk",
        "n": int(n),
        "errors": int(errors),
        "seconds": int(duration_us) / 1e6,
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
    }


WARM_SWEEPS = 6
"""Warm-up passes over every offer in order before the timed warm-up: each worker process then
holds nearly every offer's ranking (a request reaches one of the workers, at random, so six
passes leave an offer unranked in a given worker with probability 1/64)."""


def _sweep(base: str, headers: dict[str, str], offer_ids: list[int], times: int) -> None:
    """Ask for every offer's shortlist ``times`` times, in order, from 20 client threads: the
    steady state the measure is about (rankings are computed once per engine state and kept)
    rather than how far a random warm-up happened to reach."""
    from concurrent.futures import ThreadPoolExecutor

    limits = httpx.Limits(max_connections=20, max_keepalive_connections=20)
    with (
        httpx.Client(base_url=base, headers=headers, timeout=60, limits=limits) as client,
        ThreadPoolExecutor(max_workers=20) as pool,
    ):
        list(
            pool.map(
                lambda o: client.get(f"/offers/{o}/shortlist", params={"k": 20}),
                [o for _ in range(times) for o in offer_ids],
            )
        )


def _run_open_loop(
    base: str, headers: dict[str, str], offer_ids: list[int], rate: float, seconds: float
) -> tuple[list[float], int]:
    """Requests at ``rate`` per second for ``seconds``, each at its scheduled time, from a pool
    of client threads; latency counted from the scheduled time (no coordinated omission)."""
    n = int(rate * seconds)
    rng = random.Random(7)
    plan = [rng.choice(offer_ids) for _ in range(n)]
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    limits = httpx.Limits(max_connections=64, max_keepalive_connections=64)
    client = httpx.Client(base_url=base, headers=headers, timeout=30, limits=limits)
    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=64)
    # Threads and connections opened before the clock starts (not counted).
    list(pool.map(lambda o: client.get(f"/offers/{o}/shortlist", params={"k": 20}), plan[:64]))
    start = time.perf_counter() + 0.2

    def send(i: int) -> None:
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        try:
            ok = client.get(f"/offers/{plan[i]}/shortlist", params={"k": 20}).status_code == 200
        except httpx.HTTPError:
            ok = False
        with lock:
            if ok:
                latencies.append((time.perf_counter() - due) * 1000)
            else:
                errors[0] += 1

    try:
        with pool:
            list(pool.map(send, range(n)))
    finally:
        client.close()
    return latencies, errors[0]


def _run_threads(
    base: str, headers: dict[str, str], offer_ids: list[int], args: argparse.Namespace
) -> dict[str, float | int | str]:
    """Python client threads (httpx, keep-alive): works anywhere, costs CPU beside the server."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    stop_at = time.perf_counter() + args.seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        local: list[float] = []
        with httpx.Client(base_url=base, headers=headers, timeout=10) as c:
            while time.perf_counter() < stop_at:
                oid = rng.choice(offer_ids)
                start = time.perf_counter()
                try:
                    r = c.get(f"/offers/{oid}/shortlist", params={"k": 20})
                    ok = r.status_code == 200
                    if not ok:
                        with lock:
                            errors.append(f"{r.status_code} {r.text[:80]}")
                except httpx.HTTPError as exc:
                    with lock:
                        errors.append(type(exc).__name__)
                    continue
                local.append((time.perf_counter() - start) * 1000)
        with lock:
            latencies.extend(local)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    wall = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - wall
    lat = np.array(latencies)
    p50, p95, p99 = np.percentile(lat, [50, 95, 99])
    return {
        "client": "python threads",
        "n": len(lat),
        "errors": len(errors),
        "seconds": wall,
        "p50": float(p50),
        "p95": float(p95),
        "p99": float(p99),
    }


if __name__ == "__main__":
    sys.exit(main())
