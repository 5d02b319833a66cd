"""``clausematch titles FILE [--column C] [-o OUT]``: normalise offer titles to ROME.

Reads a CSV file (``;`` or ``,`` separated, UTF-8 with or without BOM, or Windows-1252), matches
the titles of one column against the ROME appellations, and writes the rows back with the columns
``code_rome``, ``code_ogr``, ``appellation``, ``score`` (0 to 1), ``alternatives`` (the next
best distinct fiches, ``CODE:score`` joined by ``|``) and ``a_preciser`` (``oui`` when the title
names no trade, e.g. "Vendeur" or "Chef d'équipe": the codes are then only guesses). Writes CSV
(same separator, UTF-8) or, when OUT ends in ``.xlsx``, an Excel sheet; without ``-o``, CSV on
standard output.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from functools import lru_cache
from pathlib import Path

import pandas as pd

from fixtures import REFERENTIALS_DIR
from matching.titles import TitleIndex, load_title_index
from service.cli import CliError
from service.imports.reading import ImportLimits, ImportRejected, decode
from service.kit.cells import csv_bytes, safe_frame, xlsx_bytes

__all__ = ["normalise_titles", "read_table", "register"]

OUTPUT_COLUMNS = ("code_rome", "code_ogr", "appellation", "score", "alternatives", "a_preciser")
_ALTERNATIVES = 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "titles",
        help="rapprocher des intitulés d'offres des métiers ROME",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("file", metavar="FICHIER", type=Path, help="fichier CSV des offres")
    parser.add_argument(
        "--column",
        default="intitule",
        help="colonne qui contient les intitulés (défaut : intitule)",
    )
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        default=None,
        help="fichier de sortie, .csv ou .xlsx (défaut : CSV sur la sortie standard)",
    )
    parser.set_defaults(func=run)


def _decode(raw: bytes, path: Path) -> str:
    # The import files' rule: UTF-8, Windows-1252, UTF-16 or UTF-32 (service.imports.reading).
    if not raw.strip():
        raise CliError(f"{path} : fichier vide")
    try:
        return decode(raw, limits=ImportLimits(max_bytes=max(len(raw), 1)))
    except ImportRejected as exc:
        message = exc.errors[0].message if exc.errors else "fichier refusé"
        raise CliError(f"{path} : fichier illisible. {message}") from None


def _sniff_separator(text: str) -> str:
    sample = "\n".join(text.splitlines()[:20])
    try:
        return csv.Sniffer().sniff(sample, delimiters=";,\t").delimiter
    except csv.Error:
        header = text.splitlines()[0] if text else ""
        counts = {sep: header.count(sep) for sep in (";", ",", "\t")}
        best = max(counts, key=lambda s: counts[s])
        return best if counts[best] else ","


def read_table(path: Path) -> tuple[pd.DataFrame, str]:
    """Read a ``;``/``,`` CSV in UTF-8 (BOM or not) or Windows-1252; every cell as text.

    Returns the table and the separator found. Raises :class:`CliError` with a French message for
    a missing, empty, undecodable or malformed file.
    """
    if not path.exists():
        raise CliError(f"fichier introuvable : {path}")
    if path.is_dir():
        raise CliError(f"{path} est un dossier, pas un fichier")
    raw = path.read_bytes()
    text = _decode(raw, path)
    if not text.strip():
        raise CliError(f"{path} : fichier vide")
    sep = _sniff_separator(text)
    try:
        table = pd.read_csv(
            io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, skip_blank_lines=True
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise CliError(f"{path} : CSV illisible ({exc})") from exc
    table.columns = [str(c).strip() for c in table.columns]
    if table.empty:
        raise CliError(f"{path} : aucune ligne de données (seulement l'en-tête)")
    return table, sep


def _find_column(table: pd.DataFrame, wanted: str) -> str:
    if wanted in table.columns:
        return wanted
    by_lower = {c.lower(): c for c in table.columns}
    if wanted.strip().lower() in by_lower:
        return by_lower[wanted.strip().lower()]
    found = ", ".join(f"« {c} »" for c in table.columns)
    raise CliError(f"colonne « {wanted} » absente ; colonnes trouvées : {found}")


@lru_cache(maxsize=1)
def _shipped_index() -> TitleIndex:
    return load_title_index(REFERENTIALS_DIR)


def normalise_titles(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """The rows of ``table`` with the ROME columns added (same-named columns replaced)."""
    index = _shipped_index()
    titles = table[column].astype(str).tolist()
    matches = index.match(titles, k=1 + _ALTERNATIVES)
    best = matches[matches["rank"] == 1].set_index("title_index")
    alternatives = matches[(matches["rank"] > 1) & (matches["code_rome"] != "")]
    alt_text = (
        (alternatives["code_rome"] + ":" + alternatives["score"].map("{:.2f}".format))
        .groupby(alternatives["title_index"])
        .agg("|".join)
    )
    out = table.drop(columns=[c for c in OUTPUT_COLUMNS if c in table.columns]).copy()
    positions = range(len(table))
    out["code_rome"] = best["code_rome"].reindex(positions).fillna("").to_numpy()
    out["code_ogr"] = best["code_ogr"].reindex(positions).astype("Int64").array
    out["appellation"] = best["appellation"].reindex(positions).fillna("").to_numpy()
    out["score"] = best["score"].reindex(positions).fillna(0.0).round(3).to_numpy()
    out["alternatives"] = alt_text.reindex(positions).fillna("").to_numpy()
    is_vague = best["is_vague"].reindex(positions).fillna(False).astype(bool)
    out["a_preciser"] = is_vague.map({True: "oui", False: "non"}).to_numpy()
    return out


def run(args: argparse.Namespace) -> int:
    path: Path = args.file
    output: Path | None = args.output
    if output is not None and not output.parent.is_dir():
        raise CliError(f"dossier de sortie introuvable : {output.parent}")
    table, sep = read_table(path)
    column = _find_column(table, args.column)
    out = normalise_titles(table, column)
    # Titles come from the user's file: written as text, never as formulas (service.kit.cells).
    if output is None:
        safe_frame(out).to_csv(sys.stdout, sep=sep, index=False)
    elif output.suffix.lower() == ".xlsx":
        output.write_bytes(xlsx_bytes({"intitules": out}))
    else:
        output.write_bytes(csv_bytes(out, sep=sep, bom=False))
    if output is not None:
        matched = int(((out["code_rome"] != "") & (out["a_preciser"] == "non")).sum())
        vague = int((out["a_preciser"] == "oui").sum())
        print(
            f"{matched}/{len(out)} intitulés rapprochés d'un métier ROME, {vague} à préciser "
            f"→ {output}",
            file=sys.stderr,
        )
    return 0
