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

from service.errors import AppError

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
    "report",
    "tools",
)


class CliError(Exception):
    """Bad input: printed on stderr, exit code 1."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="clausematch",
        description=(
            "clausematch : rapprocher les bénéficiaires du RSA des offres des clauses sociales."
        ),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMANDE", required=True)
    for name in _COMMAND_MODULES:
        module = importlib.import_module(f"service.cli.{name}")
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except CliError as exc:
        print(f"clausematch: {exc}", file=sys.stderr)
        return 1
    except AppError as exc:  # a service rule refused the input (e.g. a text its column lacks)
        print(f"clausematch: {exc.detail}", file=sys.stderr)
        return 1
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        print(f"clausematch: fichier illisible : {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("clausematch: interrompu", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
