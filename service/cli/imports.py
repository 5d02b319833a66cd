"""``clausematch import offers|candidates|hours FILE``: import a file into the database.

Offers: Orne emploi CSV or France Travail JSON. People: the Département's CSV export
(``--full``: people missing from the file are marked inactive, never deleted). The whole file is
checked first: one bad row and nothing is imported, every bad row is listed on standard error
(line, column, reason). ``--accept-valid`` (offers only) imports the valid offers and lists each
refused one with its reasons; they wait on the "Offres refusées" page until resolved.
Hours: a company's monthly timesheet (CSV or xlsx: follow-up id, lot, month, hours), all or
nothing; a month already declared is replaced, never added to.
``--dry-run`` tells what would be created, updated or left unchanged. An offer import that
creates or changes offers runs the batch afterwards.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from service.cli import CliError
from service.cli.batch import db_error, make_runner
from service.errors import AppError
from service.imports.schemas import ImportRead


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "import",
        help="importer un fichier d'offres ou de personnes",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="import_kind", metavar="TYPE", required=True)
    offers = sub.add_parser("offers", help="offres : CSV Orne emploi ou JSON France Travail")
    offers.add_argument("file", metavar="FICHIER", type=Path)
    offers.add_argument("--dry-run", action="store_true", help="essai à blanc : rien n'est écrit")
    offers.add_argument(
        "--no-batch", action="store_true", help="ne pas lancer le rapprochement après l'import"
    )
    offers.add_argument(
        "--accept-valid",
        action="store_true",
        help="importer les offres valides et lister les offres refusées avec leurs motifs",
    )
    offers.set_defaults(func=_run, kind="offers", full=False)
    people = sub.add_parser("candidates", help="personnes suivies : export CSV du Département")
    people.add_argument("file", metavar="FICHIER", type=Path)
    people.add_argument("--dry-run", action="store_true", help="essai à blanc : rien n'est écrit")
    people.add_argument(
        "--full",
        action="store_true",
        help="export complet : les personnes absentes du fichier deviennent inactives",
    )
    people.set_defaults(func=_run, kind="candidates", no_batch=True, accept_valid=False)
    hours = sub.add_parser(
        "hours",
        help="heures : relevé mensuel d'une entreprise (CSV ou xlsx)",
        description=(
            "Relevé mensuel d'heures d'une entreprise : identifiant de suivi, lot (ou marché et "
            "numéro de lot), mois, heures. Tout ou rien ; un mois déjà déclaré est remplacé, "
            "jamais additionné : réimporter le même fichier ne change rien."
        ),
    )
    hours.add_argument("file", metavar="FICHIER", type=Path)
    hours.add_argument("--dry-run", action="store_true", help="essai à blanc : rien n'est écrit")
    hours.set_defaults(func=_run_hours)


def _where(e: dict[str, Any]) -> str:
    where = []
    if e.get("line") is not None:
        where.append(f"ligne {e['line']}")
    if e.get("column"):
        where.append(f"colonne « {e['column']} »")
    return (", ".join(where) + " : ") if where else ""


def _print_errors(exc: AppError) -> None:
    print(f"clausematch: {exc.detail}", file=sys.stderr)
    for e in exc.errors or []:
        if e.get("line") is None and e["message"] in exc.detail:
            continue  # a refusal of the whole file, already said on the line above
        print(f"  - {_where(e)}{e['message']} [{e['code']}]", file=sys.stderr)


def print_refused(report: ImportRead) -> None:
    """Each offer an import left out, with every reason (standard error)."""
    if not report.refused:
        return
    verb = "seraient refusées" if report.dry_run else "refusées"
    print(f"{len(report.refused)} offre(s) {verb} :", file=sys.stderr)
    for r in report.refused:
        name = r.external_id or "(sans référence)"
        print(f"  offre {name} — {r.title or 'sans intitulé'}", file=sys.stderr)
        for e in r.errors:
            print(f"    - {_where(e.model_dump())}{e.message} [{e.code}]", file=sys.stderr)


def _summary(report: ImportRead) -> None:
    what = "offre(s)" if report.kind == "offers" else "personne(s)"
    verb = "seraient" if report.dry_run else "ont été"
    print(
        f"{report.rows} {what} lue(s) : {report.created} {verb} créée(s), {report.updated} "
        f"{verb} modifiée(s), {report.unchanged} inchangée(s)"
        + (f", {report.deactivated} {verb} désactivée(s)" if report.kind == "candidates" else "")
        + (
            f" ; {report.companies_created} entreprise(s) créée(s)"
            if report.companies_created
            else ""
        )
        + "."
    )
    for w in report.warnings:
        print(f"attention : {w}", file=sys.stderr)
    print_refused(report)
    if report.dry_run:
        for label, ids in (
            ("à créer", report.created_ids),
            ("à modifier", report.updated_ids),
            ("inchangées", report.unchanged_ids),
            ("à désactiver", report.deactivated_ids),
        ):
            if ids:
                print(f"  {label} : {', '.join(ids)}")


def _run_hours(args: argparse.Namespace) -> int:
    from service.cli._session import command_session
    from service.config import get_settings
    from service.imports.service import limits_from
    from service.timesheets.service import import_hours

    path: Path = args.file
    if not path.is_file():
        raise CliError(f"fichier introuvable : {path}")
    settings = get_settings()
    data = path.read_bytes()
    limits = limits_from(settings.import_max_bytes, settings.import_max_rows)
    try:
        with command_session() as session:
            report = import_hours(
                session, data, limits=limits, user=None, dry_run=args.dry_run, filename=path.name
            )
    except CliError as exc:
        cause = exc.__cause__
        if isinstance(cause, AppError):
            _print_errors(cause)
            return 1
        raise
    verb = "seraient" if report.dry_run else "ont été"
    print(
        f"{report.rows} ligne(s) lue(s) ({report.format}), {report.hours_total:g} h sur "
        f"{report.placements} placement(s) : {report.created} mois {verb} déclaré(s), "
        f"{report.updated} {verb} remplacé(s), {report.unchanged} inchangé(s)."
    )
    for w in report.warnings:
        print(f"attention : {w}", file=sys.stderr)
    return 0


def _run(args: argparse.Namespace) -> int:
    path: Path = args.file
    if not path.is_file():
        raise CliError(f"fichier introuvable : {path}")
    runner = make_runner()
    try:
        report = runner.import_file(
            path, args.kind, dry_run=args.dry_run, full=args.full, accept_valid=args.accept_valid
        )
        _summary(report)
        if report.kind == "offers" and report.has_changes and not args.no_batch:
            print(runner.batch().message)
    except AppError as exc:
        _print_errors(exc)
        return 1
    except SQLAlchemyError as exc:
        raise db_error(exc) from exc
    finally:
        runner.close()
    return 0
