"""The ``clausematch`` command line: one entry point, one module per group of sub-commands.

Exit codes: 0 on success, 1 on bad input (the reason on stderr), 2 on misuse (argparse).
Each command module exposes ``register(subparsers)`` and sets ``func`` on its parser; ``func``
takes the parsed arguments and returns the exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

__all__ = ["CliError", "main"]

# Modules under service.cli that register sub-commands, in the order ``--help`` lists them.
_COMMAND_MODULES: tuple[str, ...] = (
    "serve",
    "db",
    "demo",
    "users",
    "titles",
    "shortlist",
    "training",
    "imports",
    "feed",
    "batch",
    "mail",
    "proposals",
    "people",
    "report",
    "tools",
    "retention",
    "audit",
    "privacy",
    "clauses",
    "backup",
    "doctor",
)


# Each sub-command, the module above that registers it and the line ``clausematch --help`` shows.
# The help lists them without importing any command module, and a run imports only the module of
# its command, so that start-up stays light (heavy libraries load inside the command that needs
# them). A module missing here (a new command) makes the parser import every module, as before.
COMMANDS: dict[str, tuple[str, str]] = {
    "serve": ("serve", "démarrer le service (API et pages web)"),
    "db": ("db", "base de données : créer, migrer, révision"),
    "demo": ("demo", "données de démonstration"),
    "users": ("users", "comptes et jetons d'API"),
    "titles": ("titles", "intitulés d'offres → codes ROME"),
    "shortlist": ("shortlist", "meilleures candidatures pour une offre"),
    "history": ("training", "historique des résultats : générer, exporter"),
    "train": ("training", "entraîner un modèle sur un historique"),
    "evaluate": ("training", "évaluer un modèle (métriques, audit des biais)"),
    "models": ("training", "versions de modèle : lister, activer"),
    "import": ("imports", "importer des offres ou des candidats"),
    "feed": ("feed", "offres de France Travail"),
    "batch": ("batch", "rapprocher les offres nouvelles ou modifiées"),
    "digest": ("batch", "nouveautés par coach"),
    "watch": ("batch", "importer les fichiers déposés dans un dossier"),
    "mail": ("mail", "e-mails : envois dus, test, boîte d'envoi"),
    "proposals": ("proposals", "propositions en cours"),
    "report": ("report", "rapports (exécution, FSE+, participants, entonnoir)"),
    "tools": ("tools", "outils du facilitateur (heures d'un lot, vivier)"),
    "clause": ("clauses", "rédiger la clause sociale d'un lot (.docx)"),
    "people": ("people", "droits d'une personne : accès, effacement, ne pas proposer"),
    "retention": ("retention", "durées de conservation : avis, anonymisation, purges"),
    "audit": ("audit", "journal d'audit : vérifier la chaîne d'empreintes"),
    "privacy": ("privacy", "données personnelles : registre des traitements"),
    "backup": ("backup", "sauvegarder la base (cohérente même service en marche)"),
    "restore": ("backup", "restaurer une sauvegarde (service arrêté)"),
    "doctor": ("doctor", "vérifier les réglages d'une installation"),
}


class CliError(Exception):
    """Bad input: printed on stderr, exit code 1."""


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or only of ``command`` with the others listed by name (a
    light start-up: :data:`COMMANDS`)."""
    parser = argparse.ArgumentParser(
        prog="clausematch",
        description=(
            "clausematch : rapprocher les bénéficiaires du RSA des offres des clauses sociales."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", required=True)
    known = {module for module, _ in COMMANDS.values()}
    if command is None or not set(_COMMAND_MODULES) <= known:
        modules: tuple[str, ...] = _COMMAND_MODULES
    elif command in COMMANDS:
        modules = (COMMANDS[command][0],)
    else:
        modules = ()
    for name in modules:
        importlib.import_module(f"service.cli.{name}").register(sub)
    if modules != _COMMAND_MODULES:
        for name, (_, text) in COMMANDS.items():
            if name not in sub.choices:
                sub.add_parser(name, help=text, add_help=False)
    return parser


def _command(argv: Sequence[str]) -> str:
    """The sub-command named on the command line ("" for none: help or misuse)."""
    return next((a for a in argv if not a.startswith("-")), "")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(_command(arguments))
    args = parser.parse_args(arguments)
    try:
        code: int = args.func(args)
    except CliError as exc:
        print(f"clausematch: {exc}", file=sys.stderr)
        return 1
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"clausematch: fichier illisible : {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("clausematch: interrompu", file=sys.stderr)
        return 130
    except Exception as exc:
        # A service rule refused the input (e.g. a text its column lacks). service.errors
        # imports the web framework: looked up only if a command loaded it (a light start-up).
        errors = sys.modules.get("service.errors")
        if errors is not None and isinstance(exc, errors.AppError):
            print(f"clausematch: {exc.detail}", file=sys.stderr)
            return 1
        raise
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
