"""The France Travail feed: one run fetches the offers created in a window, imports the new and
changed ones, then the batch runs.

A run:

1. takes its window: from the end of the previous completed run with the same departements, ROME
   codes and keywords (less ``ft_overlap_minutes``), or ``--since``, or ``ft_initial_days`` ago;
   up to now;
2. fetches everything first (:class:`~service.imports.france_travail_api.FranceTravailClient`),
   outside any transaction: a run that fails there writes only a ``failed`` row saying why;
3. keeps each offer once (the latest ``dateActualisation``), leaves alone those whose update date
   is not newer than the one recorded (``feed_offers``), and imports the others in **one**
   transaction with its ``completed`` row: the valid offers are written, the refused ones listed
   (``refused_offers``), never half of one;
4. runs the batch in a second transaction (a failed batch never undoes the import).

Killed at any point before its commit, a run leaves nothing and the next one covers the same
window; killed after, the next one finds the offers recorded and changes nothing. Re-running over
the same window is idempotent by the offers' ids and update dates.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from service.config import Settings
from service.db import utcnow
from service.imports.france_travail import parse_france_travail
from service.imports.france_travail_api import ApiConfig, FeedError, FeedStats, FranceTravailClient
from service.imports.offer_import import apply_offers
from service.imports.offers import MIN_TITLE_SCORE
from service.imports.repository import FeedRepository
from service.imports.schemas import FeedReport, FeedRunRead
from service.imports.watch import Runner
from service.kit.crud import Pagination
from service.models.imports import FeedRun

__all__ = ["FeedQuery", "api_config", "feed_query", "list_feed_runs", "run_feed"]


SOURCE = "france_travail"
ORIGIN = "flux France Travail"


@dataclass(frozen=True)
class FeedQuery:
    """What the feed asks for: offers of these departements, among these ROME codes (none:
    all), matching one of these keywords (none: all)."""

    departements: tuple[str, ...]
    rome_codes: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def key(self) -> str:
        """Runs with the same query continue one another's windows."""
        text = json.dumps(asdict(self), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def requests(self) -> list[dict[str, str]]:
        """The API's parameters, one search per departement (and per keyword)."""
        out = []
        for dep in self.departements:
            base = {"departement": dep}
            if self.rome_codes:
                base["codeROME"] = ",".join(self.rome_codes)
            out += [{**base, "motsCles": k} for k in self.keywords] or [base]
        return out


@dataclass(frozen=True)
class FeedSettings:
    initial_days: int = 31
    overlap_minutes: int = 60
    max_run_seconds: float = 900.0
    pause_before_commit_s: float = 0.0


def feed_query(settings: Settings) -> FeedQuery:
    return FeedQuery(
        departements=tuple(settings.ft_departements),
        rome_codes=tuple(c.upper() for c in settings.ft_rome_codes),
        keywords=tuple(settings.ft_keywords),
    )


def feed_settings(settings: Settings) -> FeedSettings:
    return FeedSettings(
        initial_days=settings.ft_initial_days,
        overlap_minutes=settings.ft_overlap_minutes,
        max_run_seconds=settings.ft_max_run_seconds,
        pause_before_commit_s=settings.ft_pause_before_commit_s,
    )


def api_config(settings: Settings) -> ApiConfig:
    """The API client's configuration; :class:`FeedError` when the credentials are missing."""
    if not settings.ft_client_id or settings.ft_client_secret is None:
        raise FeedError(
            "identifiants France Travail absents : définissez CLAUSEMATCH_FT_CLIENT_ID et "
            "CLAUSEMATCH_FT_CLIENT_SECRET (espace partenaire francetravail.io)"
        )
    if not settings.ft_departements:
        raise FeedError("CLAUSEMATCH_FT_DEPARTEMENTS est vide : indiquez au moins « 61 »")
    return ApiConfig(
        api_url=settings.ft_api_url.rstrip("/"),
        token_url=settings.ft_token_url,
        client_id=settings.ft_client_id,
        client_secret=settings.ft_client_secret,
        scope=settings.ft_scope,
        timeout_s=settings.ft_timeout_s,
        page_size=settings.ft_page_size,
        max_results=settings.ft_max_results,
        max_retries=settings.ft_max_retries,
        retry_base_s=settings.ft_retry_base_s,
        max_retry_after_s=settings.ft_max_retry_after_s,
    )


def _updated_at(offer: dict[str, Any]) -> datetime | None:
    value = offer.get("dateActualisation") or offer.get("dateCreation")
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _latest_by_id(offers: list[Any]) -> list[dict[str, Any]]:
    """Each offer once (an offer may match two searches): the latest update wins."""
    kept: dict[str, dict[str, Any]] = {}
    anonymous: list[dict[str, Any]] = []
    for offer in offers:
        ext = str(offer.get("id") or "").strip()
        if not ext:
            anonymous.append(offer)  # refused by the reader, with its reason
            continue
        current = kept.get(ext)
        new, old = _updated_at(offer), _updated_at(current) if current else None
        if current is None or (new is not None and (old is None or new > old)):
            kept[ext] = offer
    return [*kept.values(), *anonymous]


def _window(
    session: Session,
    query: FeedQuery,
    settings: FeedSettings,
    since: datetime | None,
    now: datetime,
) -> tuple[datetime, datetime]:
    end = now.replace(microsecond=0)
    if since is not None:
        return since, end
    last = FeedRepository(session).last_completed(SOURCE, query.key())
    if last is not None:
        return last.window_end - timedelta(minutes=settings.overlap_minutes), end
    return end - timedelta(days=settings.initial_days), end


def _run_row(
    query: FeedQuery,
    window: tuple[datetime, datetime],
    started: datetime,
    *,
    status: str,
    counts: dict[str, int],
    message: str = "",
) -> FeedRun:
    return FeedRun(
        source=SOURCE,
        status=status,
        parameters_key=query.key(),
        parameters=asdict(query),
        window_start=window[0],
        window_end=window[1],
        started_at=started,
        finished_at=utcnow(),
        counts=counts,
        message=message[:500],
    )


def _fail(
    runner: Runner,
    query: FeedQuery,
    window: tuple[datetime, datetime],
    started: datetime,
    stats: FeedStats,
    detail: str,
) -> int:
    with runner.transaction() as session:
        row = _run_row(
            query, window, started, status="failed", counts=stats.counts(), message=detail
        )
        return FeedRepository(session).add_run(row).id


def run_feed(
    runner: Runner,
    client: FranceTravailClient,
    query: FeedQuery,
    *,
    settings: FeedSettings,
    since: datetime | None = None,
    dry_run: bool = False,
    batch: bool = True,
    now: Callable[[], datetime] = utcnow,
    on_pause: Callable[[], None] | None = None,
) -> FeedReport:
    """One run of the feed (see the module's docstring)."""
    started = now()
    with runner.sessions() as session:
        window = _window(session, query, settings, since, started)
    client.stats = FeedStats()
    deadline = client.clock() + settings.max_run_seconds
    fetched: list[Any] = []
    try:
        for params in query.requests():
            fetched += client.search(params, window[0], window[1], deadline=deadline)
    except FeedError as exc:
        run_id = (
            None if dry_run else _fail(runner, query, window, started, client.stats, exc.detail)
        )
        return FeedReport(
            status="failed",
            dry_run=dry_run,
            run_id=run_id,
            window_start=window[0],
            window_end=window[1],
            fetched=len(fetched),
            counts=client.stats.counts(),
            message=f"Flux France Travail en échec, rien n'a été importé : {exc.detail}.",
        )
    offers = _latest_by_id(fetched)
    with runner.transaction() as session:
        repo = FeedRepository(session)
        repo.lock()
        dates = {str(o.get("id") or "").strip(): _updated_at(o) for o in offers}
        known = repo.update_dates(SOURCE, [e for e in dates if e])
        fresh = [
            o
            for o, (ext, date) in zip(offers, dates.items(), strict=True)
            if not ext or date is None or ext not in known or date > known[ext]
        ]
        report = None
        if fresh:
            parsed = parse_france_travail(
                fresh,
                communes=runner.refs.communes,
                rome=runner.refs.rome,
                normalise_titles=runner.normaliser(),
                limits=runner.limits,
                min_title_score=MIN_TITLE_SCORE,
            )
            report = apply_offers(
                session,
                parsed,
                origin=ORIGIN,
                user=None,
                dry_run=dry_run,
                accept_valid=True,
                audit_detail={"feed": SOURCE, "query": query.key()},
            )
        counts = {
            **client.stats.counts(),
            "fetched": len(fetched),
            "offers": len(offers),
            "unchanged_by_date": len(offers) - len(fresh),
            "created": report.created if report else 0,
            "updated": report.updated if report else 0,
            "unchanged": report.unchanged if report else 0,
            "refused": len(report.refused) if report else 0,
        }
        run_id = None
        if dry_run:
            session.rollback()
        else:
            run = repo.add_run(_run_row(query, window, started, status="completed", counts=counts))
            run_id = run.id
            refused = {r.external_id for r in report.refused} if report else set()
            accepted = {e: d for e, d in dates.items() if e and d and e not in refused}
            repo.save_update_dates(SOURCE, accepted, known=set(known), run_id=run.id)
            if settings.pause_before_commit_s > 0:
                if on_pause is not None:
                    on_pause()
                time.sleep(settings.pause_before_commit_s)
    out = FeedReport(
        status="completed",
        dry_run=dry_run,
        run_id=run_id,
        window_start=window[0],
        window_end=window[1],
        fetched=len(fetched),
        counts=counts,
        import_report=report,
        message=_summary(counts, dry_run),
    )
    if batch and not dry_run and report is not None and report.has_changes:
        out.batch = runner.batch().model_dump(mode="json")
    return out


def _summary(counts: dict[str, int], dry_run: bool) -> str:
    verb = "seraient" if dry_run else "ont été"
    text = (
        f"Flux France Travail : {counts['offers']} offre(s) lue(s) en {counts['pages']} page(s) ; "
        f"{counts['created']} {verb} créée(s), {counts['updated']} {verb} modifiée(s), "
        f"{counts['unchanged'] + counts['unchanged_by_date']} inchangée(s)"
    )
    if counts["refused"]:
        text += f", {counts['refused']} refusée(s) (listées avec leurs motifs)"
    return text + "."


def list_feed_runs(session: Session, page: Pagination) -> tuple[list[FeedRunRead], int]:
    """The feed's runs, the latest first."""
    rows, total = FeedRepository(session).recent_runs(limit=page.limit, offset=page.offset)
    return [FeedRunRead.model_validate(r) for r in rows], total
