"""``clausematch serve [--host H] [--port P]``: run the web service (uvicorn)."""

from __future__ import annotations

import argparse
import logging

import uvicorn
from sqlalchemy.exc import SQLAlchemyError

from service.cli import CliError
from service.config import get_settings
from service.db import DatabaseNotAtHead, check_at_head, make_engine


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("serve", help="démarrer le service (API)", description=__doc__)
    parser.add_argument("--host", help="adresse d'écoute (défaut : CLAUSEMATCH_HOST)")
    parser.add_argument("--port", type=int, help="port (défaut : CLAUSEMATCH_PORT)")
    parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processus de service, un par cœur conseillé (défaut : CLAUSEMATCH_WORKERS, 1) ; "
        "chacun garde son état de calcul en mémoire",
    )
    parser.set_defaults(func=_serve)


def _serve(args: argparse.Namespace) -> int:
    settings = get_settings()
    engine = make_engine(settings.database_url)
    try:
        check_at_head(engine)
    except DatabaseNotAtHead as exc:
        raise CliError(str(exc)) from exc
    except SQLAlchemyError as exc:
        raise CliError(f"base de données injoignable : {type(exc).__name__}") from exc
    finally:
        engine.dispose()
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    if args.workers is None:
        args.workers = settings.workers
    if args.workers < 1:
        raise CliError("--workers : au moins 1")
    # uvicorn's access log prints query strings; ours prints route templates only. Several
    # workers need the app as an import string (each process builds its own).
    uvicorn.run(
        "service.main:create_app",
        factory=True,
        workers=args.workers,
        host=args.host or settings.host,
        port=args.port or settings.port,
        access_log=False,
        # X-Forwarded-For / -Proto (the client's address, HTTPS for secure cookies) are believed
        # from CLAUSEMATCH_TRUSTED_PROXIES only, the one rule the service's own code reads too;
        # with none set, uvicorn's default trust of 127.0.0.1 is off.
        proxy_headers=bool(settings.trusted_proxies),
        forwarded_allow_ips=",".join(settings.trusted_proxies) or None,
        # uvicorn kills a worker that does not answer its supervisor's ping within this many
        # seconds (5 by default). Building the engine state of 100,000 people holds the worker
        # for tens of seconds on a busy host: with 5 s, workers were killed and restarted in a
        # loop, each restart losing its state and its shortlist memo.
        timeout_worker_healthcheck=120,
        log_level=settings.log_level.lower(),
    )
    return 0
