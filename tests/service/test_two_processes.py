"""Two service processes on one PostgreSQL database stay consistent: a write through one (a
person's profile, a new offer, an account deactivated) is seen by the other within the
documented delay (README, "Several processes"), though each keeps its engine state and the
tokens it recognised in memory."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from alembic import command
from conftest import PG_URL, create_pg_database, drop_pg_database
from factories import make_candidate, make_offer, make_user
from smtp_server import free_port
from sqlalchemy.orm import Session

from service.db import alembic_config, make_engine

pytestmark = [
    pytest.mark.skipif(not PG_URL, reason="two processes on one PostgreSQL database"),
    pytest.mark.slow,
]

ROOT = Path(__file__).resolve().parents[2]
SYNC_SECONDS = 1.0
# What the README promises: the other process checks every CLAUSEMATCH_SCORING_SYNC_SECONDS
# (1 s) and the next request applies the change; on a loaded machine allow for a slow check.
DOCUMENTED_DELAY_S = 5.0


@pytest.fixture
def two_servers(worker: str, tmp_path: Path) -> Iterator[dict[str, object]]:
    name = f"test_{worker}_{os.getpid()}_two"
    url = create_pg_database(name)
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with Session(engine) as session:
        admin = make_user(session, role="admin", username="admin-2p")
        facilitator = make_user(session, role="facilitator", username="facil-2p")
        coach = make_user(session, role="coach", username="coach-2p")
        people = [make_candidate(session, coach=coach) for _ in range(4)]
        offer = make_offer(session)
        session.commit()
        seeded: dict[str, object] = {
            "admin": admin.headers,
            "facilitator": facilitator.headers,
            "coach": coach.headers,
            "coach_id": coach.id,
            "people": [p.id for p in people],
            "offer": offer.id,
        }
    engine.dispose()
    env = {
        **os.environ,
        "CLAUSEMATCH_DATABASE_URL": url,
        "CLAUSEMATCH_SCORING_SYNC_SECONDS": str(SYNC_SECONDS),
        "CLAUSEMATCH_LOG_LEVEL": "WARNING",
    }
    servers = []
    bases = []
    logs = []
    try:
        for n in range(2):
            port = free_port()
            log = (tmp_path / f"server{n}.log").open("wb")
            logs.append(log)
            servers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "service.cli", "serve", "--port", str(port)],
                    env=env,
                    cwd=ROOT,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
            bases.append(f"http://127.0.0.1:{port}")
        for base, server in zip(bases, servers, strict=True):
            deadline = time.monotonic() + 180
            while True:
                assert server.poll() is None, "a server stopped"
                try:
                    if httpx.get(f"{base}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "a server did not start"
                time.sleep(0.2)
        yield {**seeded, "a": bases[0], "b": bases[1]}
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        for log in logs:
            log.close()
        drop_pg_database(name)


def _seen_within(check: Callable[[], bool], limit_s: float) -> float:
    """Seconds until ``check()`` holds; fails after ``limit_s``."""
    start = time.monotonic()
    while not check():
        elapsed = time.monotonic() - start
        assert elapsed < limit_s, f"not seen after {elapsed:.1f} s"
        time.sleep(0.05)
    return time.monotonic() - start


def test_a_write_through_one_process_is_seen_by_the_other(
    two_servers: dict[str, object],
) -> None:
    a, b = str(two_servers["a"]), str(two_servers["b"])
    facil: dict[str, str] = two_servers["facilitator"]  # type: ignore[assignment]
    coach: dict[str, str] = two_servers["coach"]  # type: ignore[assignment]
    admin: dict[str, str] = two_servers["admin"]  # type: ignore[assignment]
    person = two_servers["people"][0]  # type: ignore[index]
    offer = two_servers["offer"]
    delays = {}
    with httpx.Client(timeout=30) as http:

        def listed_on_b(pid: int) -> bool:
            r = http.get(f"{b}/offers/{offer}/shortlist", headers=facil, params={"k": 50})
            assert r.status_code == 200, r.text
            return pid in [i["candidate_id"] for i in r.json()["items"]]

        # Both processes have built their state and recognised the tokens.
        assert listed_on_b(person)
        assert http.get(f"{a}/me", headers=coach).status_code == 200
        assert http.get(f"{b}/me", headers=coach).status_code == 200

        # 1. A person's profile changed through A: no longer active, gone from B's shortlist.
        version = http.get(f"{a}/candidates/{person}", headers=coach).json()["version"]
        r = http.patch(
            f"{a}/candidates/{person}",
            headers=coach,
            json={"is_active": False, "version": version},
        )
        assert r.status_code == 200, r.text
        delays["profil"] = _seen_within(lambda: not listed_on_b(person), DOCUMENTED_DELAY_S)

        # 2. A new offer through A: B ranks it.
        r = http.post(
            f"{a}/offers",
            headers=facil,
            json={
                "external_id": "O-2P-1",
                "intitule": "Maçon H/F",
                "code_ogr": 16250,
                "code_rome": "F1703",
                "commune_insee": "61001",
                "start_date": "2030-01-05",
                "end_date": "2030-06-30",
                "contract_type": "CDD",
            },
        )
        assert r.status_code == 201, r.text
        new_offer = r.json()["id"]

        def ranked_on_b() -> bool:
            got = http.get(f"{b}/offers/{new_offer}/shortlist", headers=facil)
            assert got.status_code in (200, 422), got.text
            return got.status_code == 200 and len(got.json()["items"]) > 0

        delays["offre"] = _seen_within(ranked_on_b, DOCUMENTED_DELAY_S)

        # 3. The coach's account deactivated through A: B refuses the token.
        coach_id = two_servers["coach_id"]
        user = next(
            u
            for u in http.get(f"{a}/users", headers=admin, params={"limit": 100}).json()["items"]
            if u["id"] == coach_id
        )
        r = http.patch(
            f"{a}/users/{coach_id}",
            headers=admin,
            json={"is_active": False, "version": user["version"]},
        )
        assert r.status_code == 200, r.text
        assert http.get(f"{a}/me", headers=coach).status_code == 401  # at once where written
        delays["jeton"] = _seen_within(
            lambda: http.get(f"{b}/me", headers=coach).status_code == 401, DOCUMENTED_DELAY_S
        )
    print("delays (s):", {k: round(v, 2) for k, v in delays.items()})
