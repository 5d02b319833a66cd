"""``clausematch backup [--out FILE]`` / ``clausematch restore FILE [--force]``: backups that
restore (SQLite online backup; ``pg_dump -Fc`` / ``pg_restore`` for PostgreSQL)."""

from __future__ import annotations

import argparse
from pathlib import Path

from service.cli import CliError
from service.config import get_settings
from service.operations.backup import (
    BackupError,
    backup_database,
    default_backup_name,
    restore_database,
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "backup",
        help="sauvegarder la base (cohérente même service en marche)",
        description="Sauvegarde la base de CLAUSEMATCH_DATABASE_URL dans un nouveau fichier "
        "(SQLite : copie en ligne ; PostgreSQL : pg_dump -Fc), lisible par le seul compte qui "
        "la fait.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="fichier à écrire (défaut : clausematch-AAAAMMJJ-HHMMSS.sqlite3 ou .pgdump ici)",
    )
    parser.set_defaults(func=_backup)
    restore = subparsers.add_parser(
        "restore",
        help="restaurer une sauvegarde (service arrêté)",
        description="Restaure FICHIER dans la base de CLAUSEMATCH_DATABASE_URL. Arrêtez le "
        "service avant : chaque processus garde son état en mémoire.",
    )
    restore.add_argument("file", type=Path, metavar="FICHIER")
    restore.add_argument(
        "--force", action="store_true", help="remplacer une base qui contient déjà des données"
    )
    restore.set_defaults(func=_restore)


def _backup(args: argparse.Namespace) -> int:
    url = get_settings().database_url
    try:
        out = args.out or Path(default_backup_name(url))
        report = backup_database(url, out)
    except BackupError as exc:
        raise CliError(f"sauvegarde impossible : {exc}") from exc
    print(report.summary())
    return 0


def _restore(args: argparse.Namespace) -> int:
    try:
        report = restore_database(get_settings().database_url, args.file, force=args.force)
    except BackupError as exc:
        raise CliError(f"restauration impossible : {exc}") from exc
    print(report.summary())
    return 0
