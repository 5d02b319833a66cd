"""``clausematch report NAME [--from D] [--to D] [-o FILE.xlsx|.csv|.png|.json]``: a report.

NAME: ``execution`` (hours committed and done per contract and lot, lots at risk), ``fse``
(the FSE+ project's indicators), ``participants`` (FSE+ categories by sex, small cells masked),
``funnel`` (proposals from proposed to hired, per coach and territory, refusal reasons).
Without ``-o``, the tables are printed. Filters: ``--bassin``, ``--epci``, ``--buyer``,
``--contract``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from service.cli import CliError

# The report names, written here so that ``--help`` imports no report module (pandas, the
# database, the referentials load only when a report runs).
REPORT_NAMES = ("execution", "fse", "participants", "funnel")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "report", help="rapports (exécution, FSE+, participants, entonnoir)", description=__doc__
    )
    parser.add_argument("name", choices=REPORT_NAMES, metavar="NOM", help=", ".join(REPORT_NAMES))
    parser.add_argument("--from", dest="date_from", metavar="AAAA-MM-JJ", help="début")
    parser.add_argument("--to", dest="date_to", metavar="AAAA-MM-JJ", help="fin (date du rapport)")
    parser.add_argument("--bassin", metavar="CODE", help="code du bassin d'emploi")
    parser.add_argument("--epci", metavar="SIREN", help="code de l'EPCI")
    parser.add_argument("--buyer", type=int, metavar="ID", help="acheteur")
    parser.add_argument("--contract", type=int, metavar="ID", help="marché")
    parser.add_argument("--table", metavar="NOM", help="table à écrire en CSV (la première)")
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FICHIER", help=".xlsx, .csv, .png ou .json"
    )
    parser.set_defaults(func=run)


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CliError(f"date invalide pour {option} : {value!r} (AAAA-MM-JJ)") from exc


def run(args: argparse.Namespace) -> int:
    import pandas as pd

    from service.cli._progress import Steps
    from service.cli._session import command_session
    from service.config import get_settings
    from service.referentials.service import load_referentials
    from service.reports.common import ReportFilter
    from service.reports.exports import build_report, to_csv, to_json, to_png, to_xlsx

    suffix = args.output.suffix.lower() if args.output else None
    if suffix not in {None, ".xlsx", ".csv", ".png", ".json"}:
        raise CliError(f"format de sortie inconnu : {args.output} (.xlsx, .csv, .png ou .json)")
    where = ReportFilter(
        date_from=_date(args.date_from, "--from"),
        date_to=_date(args.date_to, "--to"),
        bassin=args.bassin,
        epci=args.epci,
        buyer_id=args.buyer,
        contract_id=args.contract,
    )
    steps = Steps(total=3 if args.output else 2, what=f"rapport {args.name}")
    settings = get_settings()
    refs = load_referentials(settings.referentials_dir)
    steps.done("référentiels chargés")
    with command_session() as session:
        report = build_report(
            session,
            refs,
            None,
            args.name,
            where,
            today=dt.date.today(),
            tolerance=settings.report_risk_tolerance,
        )
        steps.done("chiffres calculés")
        if suffix == ".xlsx":
            data = to_xlsx(report)
        elif suffix == ".csv":
            data = to_csv(report, args.table)
        elif suffix == ".png":
            data = to_png(report)
        elif suffix == ".json":
            data = json.dumps(to_json(report), ensure_ascii=False, indent=2).encode("utf-8")
        else:
            steps.close()
            print(report.title)
            with pd.option_context("display.width", 200, "display.max_columns", 30):
                for name, frame in report.tables.items():
                    print(f"\n== {name}")
                    print(frame.to_string(index=False) if not frame.empty else "(vide)")
            for note in report.notes:
                print(f"\nNote : {note}")
            steps.close()
            return 0
    args.output.write_bytes(data)
    steps.done("fichier écrit")
    steps.close()
    print(f"rapport {args.name} écrit dans {args.output}")
    return 0
