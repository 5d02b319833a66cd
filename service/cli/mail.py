"""``clausematch mail run | test | outbox``: the e-mails.

``run`` queues the digests and reminders that are due (per each user's preferences), sends the
outbox over SMTP (``CLAUSEMATCH_SMTP_*``), retries what failed, and empties the content of old
messages; it looks again every ``--interval`` seconds (``--once``: one pass, for cron). ``test
ADRESSE`` sends a test message now. ``outbox`` lists messages (kind, state, attempts, error;
never their content nor their address).
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy.exc import SQLAlchemyError

from service.cli import CliError
from service.cli.batch import db_error, make_runner
from service.config import Settings, get_settings
from service.imports.watch import Runner
from service.kit.crud import Pagination
from service.notifications.mailer import (
    Delivery,
    SmtpConfig,
    deliver_due,
    forget_old_contents,
    smtp_config,
)
from service.notifications.schemas import PreferencesUpdate
from service.notifications.service import list_outbox, queue_due, queue_test, schedule_from

_STATUSES = ("queued", "sending", "sent", "failed", "cancelled")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "mail",
        help="e-mails : résumés, rappels, envoi",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="mail", metavar="ACTION", required=True)
    run = sub.add_parser("run", help="préparer ce qui est dû et envoyer les e-mails en attente")
    run.add_argument("--once", action="store_true", help="un seul passage puis s'arrêter")
    run.add_argument("--interval", type=float, metavar="S", help="secondes entre deux passages")
    run.set_defaults(func=_run)
    test = sub.add_parser("test", help="envoyer un message d'essai")
    test.add_argument("address", metavar="ADRESSE")
    test.set_defaults(func=_test)
    outbox = sub.add_parser("outbox", help="les e-mails (état, tentatives, erreur)")
    outbox.add_argument("--status", choices=_STATUSES)
    outbox.set_defaults(func=_outbox)


def _smtp(settings: Settings) -> SmtpConfig:
    smtp = smtp_config(settings)
    if smtp is None:
        raise CliError(
            "aucun serveur d'envoi : définissez CLAUSEMATCH_SMTP_HOST (et _PORT, _SECURITY, "
            "_USER, _PASSWORD, CLAUSEMATCH_MAIL_FROM)"
        )
    return smtp


def one_pass(
    runner: Runner, settings: Settings, smtp: SmtpConfig
) -> tuple[dict[str, int], Delivery]:
    """Queue what is due, send the outbox, forget old contents."""
    with runner.transaction() as session:
        queued = queue_due(session, refs=runner.refs, schedule=schedule_from(settings))
    delivery = deliver_due(runner.sessions, smtp)
    with runner.transaction() as session:
        forget_old_contents(session, keep_days=settings.mail_keep_days)
    return queued, delivery


def _run(args: argparse.Namespace) -> int:
    settings = get_settings()
    smtp = _smtp(settings)
    interval = args.interval if args.interval is not None else settings.mail_interval_s
    if interval <= 0:
        raise CliError("--interval doit être positif")
    runner = make_runner(settings)
    try:
        while True:
            queued, delivery = one_pass(runner, settings, smtp)
            print(
                f"{queued['digests']} résumé(s) et {queued['reminders']} rappel(s) préparé(s). "
                f"{delivery.message}",
                flush=True,
            )
            if args.once:
                return 0
            time.sleep(interval)
    except SQLAlchemyError as exc:
        raise db_error(exc) from exc
    finally:
        runner.close()


def _test(args: argparse.Namespace) -> int:
    settings = get_settings()
    smtp = _smtp(settings)
    try:
        address = PreferencesUpdate(email=args.address).email
    except ValueError as exc:
        raise CliError("adresse e-mail invalide") from exc
    assert address is not None
    runner = make_runner(settings)
    try:
        with runner.transaction() as session:
            queue_test(session, address)
        delivery = deliver_due(runner.sessions, smtp)
    finally:
        runner.close()
    print(delivery.message)
    return 0 if delivery.sent else 1


def _outbox(args: argparse.Namespace) -> int:
    runner = make_runner(get_settings())
    try:
        with runner.sessions() as session:
            items, total = list_outbox(
                session, status=args.status, page=Pagination(limit=100, offset=0)
            )
    finally:
        runner.close()
    print(f"{total} message(s)" + (f" « {args.status} »" if args.status else ""))
    for m in items:
        sent = f", envoyé le {m.sent_at:%d/%m/%Y %H:%M} UTC" if m.sent_at else ""
        error = f", dernière erreur : {m.last_error}" if m.last_error else ""
        print(f"  n° {m.id} {m.kind} : {m.status}, {m.attempts} tentative(s){sent}{error}")
    return 0
