"""``clausematch privacy register [-o FILE] [--json]``: the record of processing activities
(registre, GDPR art. 30), in French, written from the settings (the retention periods are the
ones ``clausematch retention run`` applies)."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict
from pathlib import Path

from service.cli import CliError
from service.config import get_settings
from service.transparency.documents import REGISTER_TITLE as TITLE
from service.transparency.documents import as_text, record_of_processing


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "privacy", help="données personnelles : registre des traitements", description=__doc__
    )
    sub = parser.add_subparsers(dest="privacy_command", metavar="ACTION", required=True)
    reg = sub.add_parser("register", help="le registre des activités de traitement (art. 30)")
    reg.add_argument("-o", "--output", type=Path, metavar="FICHIER", help="écrire dans FICHIER")
    reg.add_argument("--json", action="store_true", help="en JSON")
    reg.set_defaults(func=_register)


def _register(args: argparse.Namespace) -> int:
    sections = record_of_processing(get_settings())
    if args.json:
        text = json.dumps(
            {"title": TITLE, "sections": [asdict(s) for s in sections]},
            ensure_ascii=False,
            indent=2,
        )
    else:
        text = as_text(TITLE, sections)
    if args.output is None:
        print(text)
        return 0
    if not args.output.parent.is_dir():
        raise CliError(f"dossier introuvable : {args.output.parent}")
    args.output.write_text(text + "\n", encoding="utf-8")
    print(f"registre écrit dans {args.output}")
    return 0
