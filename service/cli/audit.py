"""``clausematch audit verify``: walk the audit log's hash chain and name the first broken entry.

Exit code 0 when every entry holds; 1 otherwise, with the first broken entry on stderr (a
changed entry, a removed one, an entry inserted or a hash rewritten). The chain's head (last
entry's number and hash) is printed: kept outside the database, it dates every entry before it.
"""

from __future__ import annotations

import argparse

from service.accounts.audit import verify_chain
from service.cli import CliError
from service.cli._session import command_session


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "audit", help="journal d'audit : vérifier la chaîne d'empreintes", description=__doc__
    )
    sub = parser.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    verify = sub.add_parser("verify", help="vérifier la chaîne d'empreintes du journal")
    verify.set_defaults(func=_verify)


def _verify(_: argparse.Namespace) -> int:
    with command_session() as session:
        report = verify_chain(session)
    start = (
        f"depuis le point de reprise n° {report.start_seq}"
        if report.start_seq
        else "depuis le début"
    )
    print(f"{report.checked} entrée(s) vérifiée(s) {start}")
    print(f"dernière entrée n° {report.head_seq}, empreinte {report.head_hash}")
    if not report.ok:
        details = "\n".join(f"  - {p}" for p in report.problems)
        raise CliError(
            f"chaîne rompue ({report.breaks + report.unsealed} problème(s)) ; première entrée en "
            f"cause : {report.first_broken}\n{details}"
        )
    print("chaîne intacte")
    return 0
