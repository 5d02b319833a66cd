"""``clausematch db upgrade | downgrade | current``: the database schema (Alembic)."""

from __future__ import annotations

import argparse

from alembic import command
from sqlalchemy.exc import SQLAlchemyError

from service.cli import CliError
from service.config import get_settings
from service.db import alembic_config, current_revision, head_revision, make_engine


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "db", help="créer ou migrer la base de données", description=__doc__
    )
    sub = parser.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = sub.add_parser("upgrade", help="migrer jusqu'à la dernière révision (ou REVISION)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(func=_upgrade)
    down = sub.add_parser("downgrade", help="revenir à REVISION (base : base vide)")
    down.add_argument("revision")
    down.set_defaults(func=_downgrade)
    cur = sub.add_parser("current", help="révision actuelle et dernière révision")
    cur.set_defaults(func=_current)


def _url() -> str:
    return get_settings().database_url


def _upgrade(args: argparse.Namespace) -> int:
    try:
        command.upgrade(alembic_config(_url()), args.revision)
    except SQLAlchemyError as exc:
        raise CliError(f"migration impossible : {type(exc).__name__}: {exc.args[0]}") from exc
    return _current(args)


def _downgrade(args: argparse.Namespace) -> int:
    try:
        command.downgrade(alembic_config(_url()), args.revision)
    except SQLAlchemyError as exc:
        raise CliError(f"migration impossible : {type(exc).__name__}: {exc.args[0]}") from exc
    return _current(args)


def _current(_: argparse.Namespace) -> int:
    engine = make_engine(_url())
    try:
        current = current_revision(engine)
    except SQLAlchemyError as exc:
        raise CliError(f"base injoignable : {type(exc).__name__}") from exc
    finally:
        engine.dispose()
    head = head_revision()
    state = "à jour" if current == head else "à migrer : clausematch db upgrade"
    print(f"révision {current or 'aucune'} (dernière : {head}) — {state}")
    return 0
