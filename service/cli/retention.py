"""``clausematch retention run [--dry-run] [--drop-dir DIR]`` and ``retention list``: personal
data kept only for its period.

A run lists, by category, what is past its period (people inactive for
``CLAUSEMATCH_RETENTION_INACTIVE_MONTHS``: their coach told first, anonymised once the notice
period has passed; ended web sessions, failed logins, audit entries, files of the drop folder,
batch lists, shown pairs, finished e-mails), then applies it in one transaction and records the
run. ``--dry-run`` lists only and changes nothing. A second run right after finds nothing to do.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from service.cli import CliError
from service.cli._session import command_session
from service.config import get_settings
from service.db import utcnow
from service.kit.times import PARIS, paris
from service.retention.service import (
    CATEGORIES,
    Periods,
    RetentionResult,
    anonymise_inactive,
    list_runs,
    run_retention,
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "retention",
        help="durées de conservation : avis, anonymisation, purges",
        description=__doc__,
    )
    sub = parser.add_subparsers(dest="retention_command", metavar="ACTION", required=True)
    run = sub.add_parser("run", help="appliquer les durées de conservation")
    run.add_argument("--dry-run", action="store_true", help="lister sans rien changer")
    run.add_argument(
        "--drop-dir",
        type=Path,
        metavar="DIR",
        help="dossier de dépôt (par défaut CLAUSEMATCH_DROP_DIR) : ses done/ et rejected/",
    )
    run.set_defaults(func=_run)
    lst = sub.add_parser("list", help="les dernières exécutions")
    lst.add_argument("--limit", type=int, default=20, metavar="N", help="au plus N (20)")
    lst.set_defaults(func=_list)


def print_result(result: RetentionResult) -> None:
    head = "Simulation (rien n'est modifié)" if result.dry_run else f"Exécution n° {result.run_id}"
    print(head)
    for key, label in CATEGORIES.items():
        print(f"  {result.counts[key]:>7}  {label}")
    if result.refused:
        print(
            "  personnes dont l'anonymisation est refusée (n° interne) : "
            + ", ".join(str(i) for i in result.refused)
        )
    if result.audit_head_seq is not None:
        print(
            f"Journal d'audit : dernière entrée n° {result.audit_head_seq}, empreinte "
            f"{result.audit_head_hash} (à conserver hors de la base)"
        )


def _run(args: argparse.Namespace) -> int:
    settings = get_settings()
    drop_dir = args.drop_dir or settings.drop_dir
    if drop_dir is not None and not drop_dir.is_dir():
        raise CliError(f"dossier de dépôt introuvable : {drop_dir}")
    now = utcnow()
    with command_session() as session:
        result = run_retention(
            session,
            periods=Periods.from_settings(settings),
            anonymise=anonymise_inactive(now.astimezone(PARIS).date()),
            now=now,
            drop_dir=drop_dir,
            dry_run=args.dry_run,
        )
        if args.dry_run:
            session.rollback()
    print_result(result)
    return 0


def _list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise CliError(f"--limit doit être au moins 1 (reçu {args.limit})")
    with command_session() as session:
        runs, total = list_runs(session, limit=args.limit, offset=0)
        print(f"{total} exécution(s)")
        for run in runs:
            done = sum(int(v) for v in run.counts.values())
            at = paris(run.started_at).strftime("%d/%m/%Y %H:%M")
            print(f"  n° {run.id:>4}  {at}  {done} élément(s)  audit n° {run.audit_head_seq}")
    return 0
