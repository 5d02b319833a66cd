"""``clausematch proposals list [--stale] [--state S] [--offer ID]``: proposals to follow up.

Read as the facilitator would see them (every coach's), oldest move first; ``--stale`` keeps
those with no move for ``CLAUSEMATCH_PROPOSAL_STALE_DAYS`` days (14 by default).
"""

from __future__ import annotations

import argparse

from service.cli import CliError
from service.cli._session import command_session
from service.config import get_settings
from service.kit.crud import Pagination
from service.workflow.proposals import list_proposals
from service.workflow.states import STATE_LABELS


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "proposals", help="propositions (positionnements) à suivre", description=__doc__
    )
    sub = parser.add_subparsers(dest="proposals_command", metavar="ACTION", required=True)
    lst = sub.add_parser("list", help="lister les propositions")
    lst.add_argument("--stale", action="store_true", help="seulement celles sans mouvement")
    lst.add_argument("--state", choices=sorted(STATE_LABELS), help="seulement cet état")
    lst.add_argument("--offer", type=int, metavar="ID", help="seulement cette offre")
    lst.add_argument("--limit", type=int, default=1000, metavar="N", help="au plus N (1000)")
    lst.set_defaults(func=_list)


def _list(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise CliError(f"--limit doit être au moins 1 (reçu {args.limit})")
    settings = get_settings()
    with command_session() as session:
        rows, total = list_proposals(
            session,
            None,
            Pagination(limit=args.limit, offset=0),
            state=args.state,
            offer_id=args.offer,
            stale=args.stale,
            stale_days=settings.proposal_stale_days,
        )
        what = "sans mouvement depuis " + str(settings.proposal_stale_days) + " jours"
        print(f"{total} proposition(s){' ' + what if args.stale else ''}")
        if rows:
            print(f"{'id':>6}  {'personne':>8}  {'offre':>6}  {'dernier mouvement':<17} état")
        for p in rows:
            flag = "  (sans mouvement)" if p.is_stale else ""
            moved = p.state_changed_at.strftime("%d/%m/%Y %H:%M")
            print(
                f"{p.id:>6}  {p.candidate_id:>8}  {p.offer_id:>6}  {moved:<17} "
                f"{STATE_LABELS[p.state]}{flag}"
            )
    return 0
