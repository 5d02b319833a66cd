"""``clausematch doctor [--dossier DIR]... [--flux]``: check a deployment's settings."""

from __future__ import annotations

import argparse
from pathlib import Path

from service.config import get_settings
from service.operations.doctor import run_checks


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "doctor",
        help="vérifier les réglages d'une installation",
        description="Vérifie les réglages (CLAUSEMATCH_*) d'une installation : base joignable "
        "et à jour, HTTPS, mandataire, comptes de démonstration, SMTP, flux France Travail, "
        "dossiers. Une ligne ✔ ou ✘ par point, avec quoi faire ; code de sortie 1 au moindre ✘.",
    )
    parser.add_argument(
        "--dossier",
        action="append",
        type=Path,
        default=[],
        metavar="DIR",
        help="dossier de dépôt (clausematch watch) ou d'envoi à vérifier (répétable)",
    )
    parser.add_argument(
        "--flux",
        action="store_true",
        help="le flux France Travail est planifié : ses identifiants sont exigés",
    )
    parser.set_defaults(func=_doctor)


def _doctor(args: argparse.Namespace) -> int:
    checks = run_checks(get_settings(), folders=args.dossier, feed_scheduled=args.flux)
    for check in checks:
        print(check.line())
    failed = sum(not c.ok for c in checks)
    print(
        f"{failed} point(s) à corriger sur {len(checks)}."
        if failed
        else f"Tout est en ordre ({len(checks)} points)."
    )
    return 1 if failed else 0
