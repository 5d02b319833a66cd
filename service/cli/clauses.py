"""``clausematch clause --lot ID --amount EUR (--labour-share F | --trade T) --rate F -o FILE``:
the social clause of a lot for its tender documents, as an editable .docx.

The figures are the hours calculator's (amount excl. tax × labour share × insertion rate ÷
loaded hourly cost); the text is the Département's template (setting
``CLAUSEMATCH_CLAUSE_TEMPLATE_PATH``, placeholders in ``service/README_DESK.md``).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from service.cli import CliError
from service.cli._session import command_session
from service.cli.tools import number
from service.config import get_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "clause",
        help="rédiger la clause sociale d'un lot (.docx)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--lot", type=int, required=True, metavar="ID", help="le lot")
    parser.add_argument("--amount", type=number, required=True, metavar="EUR", help="montant HT")
    share = parser.add_mutually_exclusive_group(required=True)
    share.add_argument("--labour-share", type=number, metavar="F", help="part de main-d'œuvre")
    share.add_argument("--trade", metavar="CODE", help="corps de métier de la table")
    parser.add_argument("--rate", type=number, required=True, metavar="F", help="taux (0,05)")
    parser.add_argument("--hourly-cost", type=number, metavar="EUR", help="coût horaire chargé")
    parser.add_argument("--article", default="10", metavar="N", help="numéro de l'article (10)")
    parser.add_argument(
        "-o", "--output", type=Path, required=True, metavar="FICHIER.docx", help="document écrit"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from service.clauses.service import ClauseInput, clause_article, render_docx

    output: Path = args.output
    if output.suffix.lower() != ".docx":
        raise CliError(f"le document doit finir par .docx : {output}")
    settings = get_settings()
    with command_session() as session:
        article = clause_article(
            session,
            None,
            args.lot,
            ClauseInput(
                amount_eur=args.amount,
                insertion_rate=args.rate,
                hourly_cost_eur=args.hourly_cost or settings.insertion_hourly_cost_eur,
                labour_share=args.labour_share,
                trade=args.trade,
                article_number=args.article,
            ),
            template_path=settings.clause_template_path,
            shares_path=settings.labour_shares_path,
        )
    output.write_bytes(render_docx(article))
    print(f"{article.estimate.formula}")
    print(f"Clause écrite dans {output}")
    return 0
