"""The FastAPI application: ``create_app()`` builds it from settings."""

from __future__ import annotations

import gc
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio.to_thread
from fastapi import FastAPI
from sqlalchemy.orm import Session
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.accounts import endpoints as accounts_endpoints
from service.accounts.auth import TokenCache
from service.clauses import endpoints as clauses_endpoints
from service.config import Settings, get_settings
from service.db import check_at_head, make_engine, make_read_sessionmaker, make_sessionmaker
from service.errors import register_handlers
from service.imports import endpoints as imports_endpoints
from service.kit.json_guard import JsonBodyLimits
from service.notifications import endpoints as notifications_endpoints
from service.offers import endpoints as offers_endpoints
from service.outreach import endpoints as outreach_endpoints
from service.people import endpoints as people_endpoints
from service.privacy import endpoints as privacy_endpoints
from service.procurement import endpoints as procurement_endpoints
from service.referentials import endpoints as referentials_endpoints
from service.referentials.service import load_referentials
from service.referentials.titles import title_index
from service.reports import endpoints as reports_endpoints
from service.retention import endpoints as retention_endpoints
from service.scoring import endpoints as scoring_endpoints
from service.scoring.fast_route import ShortlistFastRoute
from service.scoring.state import ScoringState, active_scorer, travel_tolerance
from service.system import endpoints as system_endpoints
from service.system.docs import install_docs
from service.system.headers import NoStoreMiddleware
from service.timesheets import endpoints as timesheets_endpoints
from service.transparency import endpoints as transparency_endpoints
from service.web import install_web
from service.workflow import endpoints as workflow_endpoints
from training.registry import active_version

__all__ = ["create_app"]

access_log = logging.getLogger("clausematch.access")

# Routes are matched in this order: the most asked-for (shortlists) first.
_ROUTERS = (
    scoring_endpoints.shortlists_router,
    system_endpoints.router,
    accounts_endpoints.users_router,
    people_endpoints.router,
    privacy_endpoints.router,
    offers_endpoints.router,
    procurement_endpoints.companies_router,
    procurement_endpoints.buyers_router,
    procurement_endpoints.contracts_router,
    procurement_endpoints.lots_router,
    referentials_endpoints.router,
    accounts_endpoints.audit_router,
    imports_endpoints.router,
    scoring_endpoints.match_runs_router,
    scoring_endpoints.digest_router,
    workflow_endpoints.proposals_router,
    workflow_endpoints.placements_router,
    reports_endpoints.router,
    scoring_endpoints.tools_router,
    notifications_endpoints.preferences_router,
    notifications_endpoints.outbox_router,
    retention_endpoints.router,
    transparency_endpoints.router,
    timesheets_endpoints.router,
    clauses_endpoints.router,
    outreach_endpoints.router,
)


class AccessLogMiddleware:
    """One log line per request: method, route template, status, duration, user id.

    A plain ASGI middleware (not ``@app.middleware("http")``, whose request/response wrapping
    costs about a millisecond per request).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            access_log.info(
                "%s %s %d %.1fms user=%s",
                scope["method"],
                getattr(scope.get("route"), "path", "<unmatched>"),
                status,
                (time.perf_counter() - start) * 1000,
                scope.get("state", {}).get("user_id", "-"),
            )


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API. It refuses to start on a database that is not at the latest migration."""
    settings = settings or get_settings()
    engine = make_engine(settings.database_url, echo=settings.sql_echo)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # A lifespan entered while another runs (some test clients start it per call) reuses
        # the running one's state and leaves it to that one to close.
        owned: ScoringState | None = None
        tokens: TokenCache | None = None
        try:
            check_at_head(engine)
            if getattr(app.state, "scoring", None) is None:
                refs = load_referentials(settings.referentials_dir)
                app.state.referentials = refs
                # What start-up loaded (modules, referentials: some 300,000 objects) lives as
                # long as the process: kept out of the garbage collector's full passes, each of
                # which walked it all with the interpreter lock held (0.2–0.5 s, a pause for
                # every request of the worker; 8 ms after this). The engine state, built next,
                # stays collectable (it is replaced when the data change).
                gc.collect()
                gc.freeze()
                owned = ScoringState(
                    rome=refs.rome,
                    communes=refs.communes,
                    scorer_provider=lambda: active_scorer(settings),
                    scorer_key=lambda: active_version(settings.models_dir),
                    max_age_s=settings.scoring_sync_seconds,
                    cache_size=settings.scoring_cache_size,
                    tolerance=travel_tolerance(settings),
                )
                # Built once here; requests only apply what changed since (ScoringState.sync).
                # A plain read session: on SQLite it reads beside a writer, never waits for it.
                with Session(engine) as session:
                    owned.build(session)
                # Other processes' writes are looked for in a background thread, not by requests.
                owned.watch(lambda: Session(engine))
                # The job-title index (offer and people imports, title search: about 60 MB and
                # a few seconds) is built now too. Built by the first request that needed it,
                # it held that request for seconds and raised the worker's memory by 70-130 MB
                # at an unforeseeable time, long after start-up (issue 21).
                title_index(settings.referentials_dir)
                app.state.scoring = owned
            anyio.to_thread.current_default_thread_limiter().total_tokens = settings.threads
            if getattr(app.state, "token_cache", None) is None:
                tokens = TokenCache(max_age_s=settings.scoring_sync_seconds)
                app.state.token_cache = tokens
            yield
        finally:
            if owned is not None:
                owned.close()
            if tokens is not None:
                tokens.close()
                app.state.token_cache = None
                app.state.scoring = None
            engine.dispose()

    app = FastAPI(
        title="clausematch",
        version="0.1.0",
        description=(
            "Rapprocher les bénéficiaires du RSA des offres d'emploi des clauses sociales de "
            "l'Orne. Toutes les routes sauf `/health` demandent un jeton : "
            "`Authorization: Bearer <jeton>`."
        ),
        lifespan=lifespan,
        docs_url=None,  # served from local files below, never from a CDN
        redoc_url=None,
    )
    install_docs(app)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.read_sessionmaker = make_read_sessionmaker(engine)
    register_handlers(app)
    for router in _ROUTERS:
        app.include_router(router)
    install_web(app)  # HTML pages (kept out of the OpenAPI document), static files, error pages

    # Innermost: remembered shortlists answered without routing nor dependencies (the rest,
    # and every refusal, goes on to the routes; service/scoring/fast_route.py).
    app.add_middleware(ShortlistFastRoute)
    # JSON bodies: size and nesting depth checked before any parser sees them.
    app.add_middleware(JsonBodyLimits)
    # Method, route template, status, time and user id only: never bodies nor query strings.
    app.add_middleware(AccessLogMiddleware)
    # No answer holding data may be kept by a browser or a proxy (service/system/headers.py).
    app.add_middleware(NoStoreMiddleware)

    return app
