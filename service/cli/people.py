"""``clausematch people export | erase | do-not-propose``: a person's rights from the command
line, as the service itself (audited with the role ``system``).

- ``export ID --out DIR``: everything held on the person (right of access), written as
  ``personne-ID.xlsx`` (French, one sheet per section) and ``personne-ID.json``.
- ``erase ID --reason R [--mode auto|erase|anonymise] [--dry-run]``: erase the person, or
  anonymise them when their placements must be kept; ``--dry-run`` says which, changing nothing.
- ``do-not-propose ID [--off]``: mark the person « ne pas proposer » (or lift it).
"""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from service.cli import CliError
from service.cli._session import command_session
from service.config import get_settings
from service.people.privacy import ERASURE_REASONS
from service.privacy.service import (
    build_person_export,
    forget,
    mark_do_not_propose,
    write_person_export,
)
from service.referentials.service import load_referentials

_ACTIONS = {"erased": "effacée", "anonymised": "anonymisée"}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "people",
        help="droits d'une personne : accès, effacement, ne pas proposer",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="people_command", metavar="ACTION", required=True)
    export = sub.add_parser("export", help="tout ce qui est détenu sur une personne")
    export.add_argument("person_id", type=int, metavar="ID", help="numéro interne de la personne")
    export.add_argument("--out", type=Path, required=True, metavar="DIR", help="dossier")
    export.set_defaults(func=_export)
    erase = sub.add_parser("erase", help="effacer, ou anonymiser si des données doivent rester")
    erase.add_argument("person_id", type=int, metavar="ID")
    erase.add_argument(
        "--reason",
        required=True,
        choices=sorted(ERASURE_REASONS),
        help="; ".join(f"{k} : {v}" for k, v in ERASURE_REASONS.items()),
    )
    erase.add_argument("--mode", choices=("auto", "erase", "anonymise"), default="auto")
    erase.add_argument(
        "--dry-run", action="store_true", help="dire ce qui serait fait, sans rien changer"
    )
    erase.set_defaults(func=_erase)
    limit = sub.add_parser("do-not-propose", help="marquer « ne pas proposer » (ou lever)")
    limit.add_argument("person_id", type=int, metavar="ID")
    limit.add_argument("--off", action="store_true", help="lever « ne pas proposer »")
    limit.set_defaults(func=_do_not_propose)


def _export(args: argparse.Namespace) -> int:
    if args.out.exists() and not args.out.is_dir():
        raise CliError(f"--out : {args.out} n'est pas un dossier")
    refs = load_referentials(get_settings().referentials_dir)
    with command_session() as session:
        export = build_person_export(session, refs, None, args.person_id)
        xlsx, data = write_person_export(export, args.out)
    print(f"personne {args.person_id} : {xlsx} et {data} écrits")
    return 0


def _erase(args: argparse.Namespace) -> int:
    with command_session() as session:
        # A dry run does it in a savepoint and rolls it back: the same checks, the same answer.
        savepoint = session.begin_nested()
        result = forget(
            session, None, args.person_id, mode=args.mode, reason=args.reason, today=date.today()
        )
        if args.dry_run:
            savepoint.rollback()
        else:
            savepoint.commit()
    what = _ACTIONS[result.action]
    if args.dry_run:
        print(f"personne {result.person_id} : serait {what} (rien n'a changé)")
        return 0
    pseudonym = f" sous le pseudonyme {result.pseudonym}" if result.pseudonym else ""
    print(f"personne {result.person_id} : {what}{pseudonym}")
    return 0


def _do_not_propose(args: argparse.Namespace) -> int:
    with command_session() as session:
        person = mark_do_not_propose(session, None, args.person_id, value=not args.off)
        state = "marquée « ne pas proposer »" if person.do_not_propose else "de nouveau proposable"
    print(f"personne {args.person_id} : {state}")
    return 0
