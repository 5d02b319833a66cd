"""``clausematch feed france-travail``: fetch France Travail's offers, import them, then batch.

Each run asks the "Offres d'emploi v2" API for the offers created since the previous completed
run (``--since AAAA-MM-JJ`` to go further back), in the departements, ROME codes and keywords of
the settings (``CLAUSEMATCH_FT_*``). The valid offers are imported; the refused ones are listed
here with their reasons and wait on the "Offres refusées" page. Nothing is written when the run
fails or is interrupted: the next run covers the same period. ``--every MINUTES`` runs again and
again (a service, instead of cron). Exit code 1 when a run failed.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime

from sqlalchemy.exc import SQLAlchemyError

from service.cli import CliError
from service.cli.batch import db_error, make_runner
from service.cli.imports import print_refused
from service.config import get_settings
from service.imports.feed import api_config, feed_query, feed_settings, run_feed
from service.imports.france_travail_api import FeedError, FranceTravailClient
from service.imports.reading import parse_date
from service.imports.schemas import FeedReport


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "feed",
        help="importer les offres d'un flux (France Travail), puis rapprocher",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="feed", metavar="FLUX", required=True)
    ft = sub.add_parser("france-travail", help="API « Offres d'emploi v2 » de France Travail")
    ft.add_argument(
        "--since", metavar="AAAA-MM-JJ", help="offres créées depuis cette date (sinon : la suite)"
    )
    ft.add_argument("--dry-run", action="store_true", help="essai à blanc : rien n'est écrit")
    ft.add_argument(
        "--no-batch", action="store_true", help="ne pas lancer le rapprochement après l'import"
    )
    ft.add_argument(
        "--every",
        type=float,
        metavar="MINUTES",
        help="recommencer toutes les MINUTES minutes (sans fin)",
    )
    ft.set_defaults(func=_france_travail)


def _print(report: FeedReport) -> None:
    window = f"du {report.window_start:%d/%m/%Y %H:%M} au {report.window_end:%d/%m/%Y %H:%M} (UTC)"
    stream = sys.stderr if report.status == "failed" else sys.stdout
    print(f"{report.message} Période : {window}.", file=stream)
    if report.import_report is not None:
        for w in report.import_report.warnings:
            print(f"attention : {w}", file=sys.stderr)
        print_refused(report.import_report)
    if report.batch is not None:
        print(report.batch.get("message", ""))


def _france_travail(args: argparse.Namespace) -> int:
    settings = get_settings()
    since = None
    if args.since:
        try:
            since = datetime.combine(parse_date(args.since), datetime.min.time(), tzinfo=UTC)
        except ValueError as exc:
            raise CliError(f"--since : {exc}") from exc
    if args.every is not None and args.every <= 0:
        raise CliError("--every doit être positif")
    try:
        client = FranceTravailClient(api_config(settings))
    except FeedError as exc:
        raise CliError(exc.detail) from exc
    runner = make_runner(settings)
    try:
        while True:
            report = run_feed(
                runner,
                client,
                feed_query(settings),
                settings=feed_settings(settings),
                since=since,
                dry_run=args.dry_run,
                batch=not args.no_batch,
                on_pause=lambda: print("pause avant validation", file=sys.stderr, flush=True),
            )
            _print(report)
            if args.every is None:
                return 1 if report.status == "failed" else 0
            since = None
            time.sleep(args.every * 60)
    except SQLAlchemyError as exc:
        raise db_error(exc) from exc
    finally:
        client.close()
        runner.close()
