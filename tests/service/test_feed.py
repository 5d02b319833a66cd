"""The France Travail feed against a local server in the API's real structure: 206 paging,
splitting by date beyond the API's maximum, 429 with Retry-After, 500, an expired token, a
malformed page, bad credentials, the run's deadline, a run killed mid-way, and no secret
anywhere."""

from __future__ import annotations

import copy
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from ft_server import CLIENT_ID, CLIENT_SECRET, FakeFranceTravail, fake_france_travail
from importing import fake_titles, nested_sessions, refs
from pydantic import SecretStr
from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from fixtures import REFERENTIALS_DIR
from service.cli import main
from service.config import Settings, get_settings
from service.db import alembic_config, make_engine, make_sessionmaker
from service.imports.feed import FeedQuery, FeedSettings, run_feed
from service.imports.france_travail_api import ApiConfig, FranceTravailClient
from service.imports.reading import ImportLimits
from service.imports.watch import Runner
from service.models.imports import FeedOffer, FeedRun, RefusedOffer
from service.models.offers import Offer
from service.scoring.state import ScoringState

SAMPLE: list[dict[str, Any]] = json.loads(
    (REFERENTIALS_DIR.parent / "samples" / "france_travail_offers_sample.json").read_text("utf-8")
)
SINCE = datetime(2025, 11, 1, tzinfo=UTC)
QUERY = FeedQuery(departements=("14", "61"))


def variants(n: int, *, days: int = 30) -> list[dict[str, Any]]:
    """``n`` offers derived from the real sample (new ids, creation dates spread over ``days``):
    the same structure, more of it."""
    out = []
    start = datetime(2025, 10, 1, tzinfo=UTC)
    for i in range(n):
        offer = copy.deepcopy(SAMPLE[i % len(SAMPLE)])
        offer["id"] = f"V{i:05d}"
        created = start + timedelta(seconds=int(i * days * 86_400 / n))
        offer["dateCreation"] = offer["dateActualisation"] = created.strftime(
            "%Y-%m-%dT%H:%M:%S.000Z"
        )
        out.append(offer)
    return out


class Sleeps:
    """Sleep without waiting, remembering how long was asked."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def client_for(
    server: FakeFranceTravail,
    *,
    secret: str = CLIENT_SECRET,
    page_size: int = 150,
    max_results: int = 3150,
    max_retries: int = 3,
    sleep: Callable[[float], None] | None = None,
    clock: Clock | None = None,
) -> FranceTravailClient:
    config = ApiConfig(
        api_url=server.api_url,
        token_url=server.token_url,
        client_id=CLIENT_ID,
        client_secret=SecretStr(secret),
        scope="api_offresdemploiv2 o2dsoffre",
        timeout_s=10,
        page_size=page_size,
        max_results=max_results,
        max_retries=max_retries,
        retry_base_s=1.5,
        max_retry_after_s=30,
    )
    return FranceTravailClient(
        config, sleep=sleep or Sleeps(), **({"clock": clock} if clock is not None else {})
    )


@pytest.fixture
def runner(connection: Connection) -> Iterator[Runner]:
    r = refs()
    runner = Runner(
        sessions=nested_sessions(connection),
        refs=r,
        normaliser=lambda: fake_titles,
        limits=ImportLimits(),
        scoring=ScoringState(rome=r.rome, communes=r.communes),
    )
    yield runner
    runner.close()


def _count(session: Session, model: Any, *where: Any) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_a_run_pages_through_206_then_reruns_change_nothing(
    runner: Runner, session: Session
) -> None:
    with fake_france_travail(copy.deepcopy(SAMPLE)) as server:
        client = client_for(server, page_size=7)
        try:
            report = run_feed(runner, client, QUERY, settings=FeedSettings(), since=SINCE)
            assert report.status == "completed", report.message
            assert report.counts["created"] == 20 and report.counts["pages"] == 3
            # One search per departement: three pages in the Calvados, 204 in the Orne.
            ranges = [s["range"] for s in server.searches]
            assert ranges == ["0-6", "7-13", "14-19", "0-6"]
            assert {s["minCreationDate"] for s in server.searches} == {"2025-11-01T00:00:00Z"}
            assert _count(session, Offer, Offer.source == "france_travail") == 20
            assert _count(session, FeedOffer) == 20
            run = session.scalars(select(FeedRun)).one()
            assert run.status == "completed" and run.counts["fetched"] == 20
            assert report.batch is not None  # offers changed: the batch ran

            # The next run goes on from the end of this one: nothing new.
            nxt = run_feed(runner, client, QUERY, settings=FeedSettings())
            assert nxt.window_start == run.window_end - timedelta(minutes=60)
            assert nxt.counts["offers"] == 0 and nxt.batch is None

            # The same period again: every offer is known with the same update date.
            again = run_feed(runner, client, QUERY, settings=FeedSettings(), since=SINCE)
            assert again.counts["unchanged_by_date"] == 20
            assert again.counts["created"] == again.counts["updated"] == 0

            # An offer updated at the source is updated here, the others left alone.
            server.offers[3]["nombrePostes"] = 4
            server.offers[3]["dateActualisation"] = "2025-12-01T10:00:00.000Z"
            changed = run_feed(runner, client, QUERY, settings=FeedSettings(), since=SINCE)
            assert changed.counts["updated"] == 1 and changed.counts["unchanged_by_date"] == 19
            offer = session.scalars(
                select(Offer).where(Offer.external_id == server.offers[3]["id"])
            ).one()
            assert offer.open_positions == 4 and offer.version == 2
            assert server.token_requests == 1  # the token is kept between runs
        finally:
            client.close()


def test_429_waits_for_retry_after_and_500_backs_off(runner: Runner) -> None:
    with fake_france_travail(copy.deepcopy(SAMPLE)) as server:
        server.faults = ["429:7", "500", "500", None]
        sleeps = Sleeps()
        client = client_for(server, page_size=10, sleep=sleeps)
        try:
            report = run_feed(runner, client, QUERY, settings=FeedSettings(), since=SINCE)
        finally:
            client.close()
    assert report.status == "completed" and report.counts["created"] == 20
    # Retry-After, then the back-off of the 2nd and 3rd attempts (1.5 s doubled each attempt).
    assert sleeps.asked == [7.0, 3.0, 6.0]
    assert report.counts["retries"] == 3


def test_an_expired_token_is_renewed_once(runner: Runner) -> None:
    with fake_france_travail(copy.deepcopy(SAMPLE)) as server:
        server.faults = [None, "expire"]
        client = client_for(server, page_size=10)
        try:
            report = run_feed(runner, client, QUERY, settings=FeedSettings(), since=SINCE)
        finally:
            client.close()
    assert report.status == "completed" and report.counts["created"] == 20
    assert server.token_requests == 2


def test_the_token_is_kept_until_it_expires(runner: Runner) -> None:
    clock = Clock()
    with fake_france_travail(copy.deepcopy(SAMPLE), token_ttl_s=1499) as server:
        client = client_for(server, clock=clock)
        try:
            run_feed(runner, client, QUERY, settings=FeedSettings(), since=SINCE)
            clock.now += 1_400  # still valid (renewed a minute before expiry)
            run_feed(runner, client, QUERY, settings=FeedSettings(), since=SINCE)
            assert server.token_requests == 1
            clock.now += 60
            run_feed(runner, client, QUERY, settings=FeedSettings(), since=SINCE)
            assert server.token_requests == 2
        finally:
            client.close()


def test_a_malformed_page_is_asked_again(runner: Runner) -> None:
    with fake_france_travail(copy.deepcopy(SAMPLE)) as server:
        server.faults = [None, "malformed", "no-range"]
        client = client_for(server, page_size=10)
        try:
            report = run_feed(runner, client, QUERY, settings=FeedSettings(), since=SINCE)
        finally:
            client.close()
    assert report.status == "completed" and report.counts["created"] == 20
    assert report.counts["retries"] == 2


def test_a_failing_run_writes_nothing_but_its_reason_then_the_next_completes(
    runner: Runner, session: Session
) -> None:
    with fake_france_travail(copy.deepcopy(SAMPLE)) as server:
        server.faults = [None] + ["malformed"] * 4  # the second page never comes right
        client = client_for(server, page_size=10, max_retries=3)
        try:
            failed = run_feed(runner, client, QUERY, settings=FeedSettings(), since=SINCE)
            assert failed.status == "failed"
            assert "rien n'a été importé" in failed.message
            assert "page mal formée" in failed.message
            assert _count(session, Offer) == 0 and _count(session, FeedOffer) == 0
            run = session.scalars(select(FeedRun)).one()
            assert run.status == "failed" and "page mal formée" in run.message
            # No completed run: the next one without --since starts from ft_initial_days.
            done = run_feed(runner, client, QUERY, settings=FeedSettings(initial_days=365 * 3))
            assert done.status == "completed" and done.counts["created"] == 20
        finally:
            client.close()


def test_a_query_beyond_the_api_maximum_is_split_by_date(runner: Runner, session: Session) -> None:
    offers = variants(130)
    with fake_france_travail(offers) as server:
        client = client_for(server, page_size=10, max_results=40)
        try:
            report = run_feed(
                runner,
                client,
                FeedQuery(departements=("14",)),
                settings=FeedSettings(),
                since=datetime(2025, 9, 30, tzinfo=UTC),
            )
        finally:
            client.close()
    assert report.status == "completed", report.message
    assert report.counts["splits"] >= 3 and report.counts["truncated"] == 0
    assert report.counts["offers"] == 130 and report.counts["created"] == 130
    assert _count(session, Offer) == 130
    # Every request stayed within what the API accepts (else it answers 400).
    for s in server.searches:
        first, last = (int(x) for x in s["range"].split("-"))
        assert last < 40 and last - first < 10


def test_invalid_offers_are_listed_and_asked_again_next_time(
    runner: Runner, session: Session
) -> None:
    offers = copy.deepcopy(SAMPLE)
    offers[0]["lieuTravail"] = {"libelle": "14 - Calvados"}
    offers[1]["typeContrat"] = "DIN"
    offers[2]["permis"] = [{"libelle": "EC - Poids lourd + remorque", "exigence": "E"}]
    with fake_france_travail(offers) as server:
        client = client_for(server)
        try:
            report = run_feed(runner, client, QUERY, settings=FeedSettings(), since=SINCE)
            assert report.counts["created"] == 19 and report.counts["refused"] == 1
            assert report.import_report is not None
            [refused] = report.import_report.refused
            assert refused.external_id == offers[0]["id"]
            pending = session.scalars(select(RefusedOffer)).one()
            assert pending.status == "pending" and pending.origin == "flux France Travail"
            # The refused offer's date is not recorded: it is read again (and still refused).
            again = run_feed(runner, client, QUERY, settings=FeedSettings(), since=SINCE)
            assert again.counts["refused"] == 1 and again.counts["unchanged_by_date"] == 19
            session.refresh(pending)
            assert pending.times_seen == 2
        finally:
            client.close()


def test_the_run_stops_at_its_deadline(runner: Runner, session: Session) -> None:
    clock = Clock()
    with fake_france_travail(copy.deepcopy(SAMPLE)) as server:
        server.faults = ["429:600"] * 20  # each wait capped at 30 s; the run may last 300 s
        client = client_for(server, clock=clock, sleep=clock.sleep, max_retries=20)
        try:
            report = run_feed(
                runner, client, QUERY, settings=FeedSettings(max_run_seconds=300), since=SINCE
            )
        finally:
            client.close()
    assert report.status == "failed" and "durée maximale" in report.message
    assert _count(session, Offer) == 0


def test_secrets_appear_nowhere(
    runner: Runner, session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with fake_france_travail(copy.deepcopy(SAMPLE)) as server:
        bad = client_for(server, secret="not-the-secret-" + CLIENT_SECRET[::-1])
        good = client_for(server)
        try:
            refused = run_feed(runner, bad, QUERY, settings=FeedSettings(), since=SINCE)
            server.faults = [None, "expire"]
            done = run_feed(runner, good, QUERY, settings=FeedSettings(), since=SINCE)
        finally:
            bad.close()
            good.close()
        tokens = list(server.issued)
    assert refused.status == "failed" and "identifiants France Travail refusés" in refused.message
    assert done.status == "completed" and len(tokens) == 2
    runs = session.scalars(select(FeedRun)).all()
    texts = [
        caplog.text,
        refused.model_dump_json(),
        done.model_dump_json(),
        *(r.message + json.dumps(r.parameters) + json.dumps(r.counts) for r in runs),
        repr(Settings(ft_client_secret=SecretStr(CLIENT_SECRET))),
    ]
    for text in texts:
        assert CLIENT_SECRET not in text and CLIENT_SECRET[::-1] not in text
        for token in tokens:
            assert token not in text


# --------------------------------------------------------------------------- command line


@pytest.fixture
def feed_env(
    empty_database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, FakeFranceTravail]]:
    command.upgrade(alembic_config(empty_database_url), "head")
    with fake_france_travail(copy.deepcopy(SAMPLE)) as server:
        env = {
            "CLAUSEMATCH_DATABASE_URL": empty_database_url,
            "CLAUSEMATCH_FT_CLIENT_ID": CLIENT_ID,
            "CLAUSEMATCH_FT_CLIENT_SECRET": CLIENT_SECRET,
            "CLAUSEMATCH_FT_TOKEN_URL": server.token_url,
            "CLAUSEMATCH_FT_API_URL": server.api_url,
            "CLAUSEMATCH_FT_DEPARTEMENTS": "14,61",
            "CLAUSEMATCH_FT_PAGE_SIZE": "8",
        }
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        get_settings.cache_clear()
        yield empty_database_url, server
    get_settings.cache_clear()


def _db_counts(url: str) -> tuple[int, int, int]:
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as s:
            return (_count(s, Offer), _count(s, FeedRun), _count(s, FeedOffer))
    finally:
        engine.dispose()


def test_cli_dry_run_then_run(
    feed_env: tuple[str, FakeFranceTravail], capsys: pytest.CaptureFixture[str]
) -> None:
    url, _ = feed_env
    assert main(["feed", "france-travail", "--since", "2025-11-01", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "20 seraient créée(s)" in out and _db_counts(url) == (0, 0, 0)
    assert main(["feed", "france-travail", "--since", "2025-11-01", "--no-batch"]) == 0
    assert "20 ont été créée(s)" in capsys.readouterr().out
    assert _db_counts(url) == (20, 1, 20)
    assert main(["feed", "france-travail", "--since", "01/11/2025"]) == 0
    assert "20 inchangée(s)" in capsys.readouterr().out
    assert main(["feed", "france-travail", "--since", "hier"]) == 1
    assert CLIENT_SECRET not in capsys.readouterr().err


def _kill_when(proc: subprocess.Popen[str], wanted: str, timeout_s: float = 120) -> None:
    assert proc.stderr is not None
    deadline = time.monotonic() + timeout_s
    line = ""
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line or wanted in line:
            break
    assert wanted in line, f"the run never reached « {wanted} »"
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL


def test_a_run_killed_mid_way_leaves_nothing_and_the_next_completes(
    feed_env: tuple[str, FakeFranceTravail], tmp_path: Path
) -> None:
    url, server = feed_env
    args = [sys.executable, "-m", "service.cli", "feed", "france-travail", "--since", "2025-11-01"]

    # Killed while fetching (the second page never comes).
    server.faults = [None, "hang"]
    with subprocess.Popen(
        args,
        cwd=tmp_path,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as proc:
        try:
            assert server.hanging.wait(timeout=120), "the run never asked for its second page"
            proc.send_signal(signal.SIGKILL)
            assert proc.wait(timeout=30) == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                proc.kill()
    server.release.set()
    assert _db_counts(url) == (0, 0, 0)

    # Killed once everything is written in its transaction, before the commit.
    server.faults = []
    env = {**os.environ, "CLAUSEMATCH_FT_PAUSE_BEFORE_COMMIT_S": "120"}
    with subprocess.Popen(
        args, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    ) as proc:
        try:
            _kill_when(proc, "pause avant validation")
        finally:
            if proc.poll() is None:
                proc.kill()
    assert _db_counts(url) == (0, 0, 0)

    # The next run completes it.
    done = subprocess.run(
        [*args, "--no-batch"],
        cwd=tmp_path,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert _db_counts(url) == (20, 1, 20)
