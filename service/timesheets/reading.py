"""Reading a company's monthly timesheet: CSV or xlsx bytes in, rows and French row errors out.

Pure (nothing touches the database). The columns a company actually sends are accepted, with
French headers in any case and with or without accents:

=====================  ==========================================================================
field                  accepted headers (first = documented name)
=====================  ==========================================================================
person                 ``Identifiant de suivi``, ``Identifiant``, ``N° de suivi``, ``Id suivi``,
                       ``Référence personne``, ``Matricule insertion``
lot                    ``Lot``, ``Référence du lot``, ``Réf lot``, ``N° de lot``
contract (optional)    ``Marché``, ``Référence du marché``, ``N° de marché``, ``Contrat``
month                  ``Mois``, ``Période``, ``Mois de travail``, ``Mois travaillé``
hours                  ``Heures``, ``Nombre d'heures``, ``Heures réalisées``, ``Heures
                       travaillées``, ``Heures d'insertion``, ``Nb heures``
=====================  ==========================================================================

Or one line per person with a column per month (headers ``janv. 2026``, ``févr.-26``,
``03/2026`` or Excel dates), the layout many companies send; an empty cell declares nothing.

A person is identified by the follow-up id the Département gave them (never by name: name
columns a company adds are ignored and named in a warning). A lot is its reference
(``M2026-001-LOT01``), or its number when a contract column gives the contract's reference.
A month reads ``2026-03``, ``03/2026``, ``mars 2026``, ``mars-26``, a date of that month
(``01/03/2026``, ``2026-03-15``) or an Excel date cell; hours read ``151,67``, ``151.67`` or
``35 h``.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from matching.text import fold
from service.imports.reading import (
    CsvTable,
    ImportLimits,
    ImportRejected,
    ParseResult,
    RowCollector,
    RowError,
    decode,
    map_columns,
    normalise_header,
    parse_float,
    read_csv_table,
)

__all__ = ["TIMESHEET_COLUMNS", "TimesheetRow", "parse_month", "parse_timesheet"]


TIMESHEET_COLUMNS: Final[dict[str, tuple[str, ...]]] = {
    "person": (
        "identifiant_de_suivi",
        "identifiant",
        "n_de_suivi",
        "no_de_suivi",
        "numero_de_suivi",
        "id_suivi",
        "id_de_suivi",
        "reference_personne",
        "ref_personne",
        "matricule_insertion",
        "id_personne",
    ),
    "lot": ("lot", "reference_du_lot", "reference_lot", "ref_lot", "n_de_lot", "numero_de_lot"),
    "contract": (
        "marche",
        "reference_du_marche",
        "reference_marche",
        "ref_marche",
        "n_de_marche",
        "numero_de_marche",
        "contrat",
    ),
    "month": ("mois", "periode", "mois_de_travail", "mois_travaille", "mois_concerne"),
    "hours": (
        "heures",
        "nombre_d_heures",
        "nombre_heures",
        "nb_heures",
        "heures_realisees",
        "heures_travaillees",
        "heures_d_insertion",
        "heures_insertion",
    ),
}

_MONTHS_FR: Final = {
    "janvier": 1,
    "janv": 1,
    "jan": 1,
    "fevrier": 2,
    "fevr": 2,
    "fev": 2,
    "mars": 3,
    "mar": 3,
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "aout": 8,
    "septembre": 9,
    "sept": 9,
    "sep": 9,
    "octobre": 10,
    "oct": 10,
    "novembre": 11,
    "nov": 11,
    "decembre": 12,
    "dec": 12,
}

# Matched on the folded text, where separators (- / .) have become spaces.
_NUMERIC_MONTH = re.compile(r"^(\d{4}) (\d{1,2})$|^(\d{1,2}) (\d{4})$")
_NAMED_MONTH = re.compile(r"^([a-z]+) ?(\d{2}|\d{4})$")


def parse_month(value: str) -> date:
    """The first day of the month ``value`` names; ``ValueError`` (French) otherwise."""
    v = fold(value).strip()
    m = _NUMERIC_MONTH.match(v)
    if m:
        year, month = (int(m[1]), int(m[2])) if m[1] else (int(m[4]), int(m[3]))
        return _first_day(value, year, month)
    m = _NAMED_MONTH.match(v)
    if m and m[1] in _MONTHS_FR:
        year = int(m[2]) + (2000 if len(m[2]) == 2 else 0)
        return _first_day(value, year, _MONTHS_FR[m[1]])
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S"):
        try:
            return datetime.strptime(value.strip(), fmt).date().replace(day=1)
        except ValueError:
            continue
    raise ValueError(
        f"« {value} » n'est pas un mois (par exemple 2026-03, 03/2026 ou « mars 2026 »)"
    )


def _first_day(raw: str, year: int, month: int) -> date:
    if not 1 <= month <= 12 or not 2000 <= year <= 2100:
        raise ValueError(f"« {raw} » n'est pas un mois valide")
    return date(year, month, 1)


@dataclass(frozen=True)
class TimesheetRow:
    """One valid line of a timesheet: who, on which lot, which month, how many hours."""

    line: int
    person: str
    lot: str
    contract: str | None
    month: date
    hours: float


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value).strip()


def _xlsx_table(data: bytes, limits: ImportLimits) -> CsvTable:
    """The first sheet of a workbook as a table (header = first non-empty row)."""
    from openpyxl import load_workbook  # heavy: only when a workbook comes in

    if len(data) > limits.max_bytes:
        decode(data, limits=limits)  # raises the usual "file too large" refusal
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise ImportRejected(
            [RowError(None, None, "bad_xlsx", f"Classeur Excel illisible ({type(exc).__name__}).")]
        ) from None
    try:
        sheet = book.worksheets[0]
        header: tuple[str, ...] | None = None
        rows: list[dict[str, str]] = []
        lines: list[int] = []
        errors: list[RowError] = []
        original: tuple[str, ...] = ()
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if not any(cells):
                continue
            if header is None:
                original = tuple(cells)
                header = tuple(normalise_header(c) for c in cells)
                dupes = sorted({h for h in header if h and header.count(h) > 1})
                if dupes:
                    raise ImportRejected(
                        [
                            RowError(
                                number,
                                None,
                                "duplicate_columns",
                                f"Colonnes en double dans l'en-tête : {', '.join(dupes)}.",
                            )
                        ]
                    )
                continue
            if len(rows) + len(errors) >= limits.max_rows:
                raise ImportRejected(
                    [
                        RowError(
                            None,
                            None,
                            "too_many_rows",
                            f"Trop de lignes : la limite est de {limits.max_rows} lignes.",
                        )
                    ]
                )
            cells += [""] * (len(header) - len(cells))
            if any(cells[len(header) :]):
                errors.append(
                    RowError(
                        number,
                        None,
                        "wrong_field_count",
                        "La ligne a des valeurs hors des colonnes de l'en-tête.",
                    )
                )
                continue
            rows.append(dict(zip(header, cells[: len(header)], strict=True)))
            lines.append(number)
    finally:
        book.close()
    if header is None:
        raise ImportRejected([RowError(None, None, "empty_file", "Le classeur est vide.")])
    if not rows and not errors:
        raise ImportRejected(
            [RowError(None, None, "header_only", "Le classeur ne contient que la ligne d'en-tête.")]
        )
    return CsvTable(header, original, rows, lines, errors, delimiter="xlsx")


def is_xlsx(data: bytes) -> bool:
    """An xlsx workbook is a zip archive."""
    return data[:4] == b"PK\x03\x04"


def _month_columns(table: CsvTable) -> dict[str, date]:
    """Columns whose header is a month (« janv. 2026 », « 01/2026 », an Excel date): the wide
    layout, one column per month."""
    out: dict[str, date] = {}
    for header, original in zip(table.headers, table.original_headers, strict=True):
        if not header or header in TIMESHEET_COLUMNS["hours"]:
            continue
        try:
            out[header] = parse_month(original)
        except ValueError:
            continue
    return out


def parse_timesheet(data: bytes, *, limits: ImportLimits) -> ParseResult[TimesheetRow]:
    """Every line of a timesheet, checked for form (the database checks come after).

    Two layouts: one line per person and month (columns person, lot, month, hours), or one line
    per person with a column per month (« janv. 2026 », « févr. 2026 »…; an empty cell declares
    nothing)."""
    if is_xlsx(data):
        table, fmt = _xlsx_table(data, limits), "xlsx"
    else:
        table, fmt = read_csv_table(decode(data, limits=limits), limits=limits), "csv"
    months = _month_columns(table)
    wide = bool(months) and not any(a in table.headers for a in TIMESHEET_COLUMNS["month"])
    if wide:
        aliases = {k: v for k, v in TIMESHEET_COLUMNS.items() if k in ("person", "lot", "contract")}
        cols, _ = map_columns(table, aliases, required=("person", "lot"))
        used = set(cols.values()) | set(months)
        ignored = [h for h in table.headers if h and h not in used]
        warnings = [f"Colonnes ignorées : {', '.join(ignored)}."] if ignored else []
    else:
        cols, warnings = map_columns(
            table, TIMESHEET_COLUMNS, required=("person", "lot", "month", "hours")
        )
    errors = list(table.errors)
    records: list[TimesheetRow] = []
    for values, line in zip(table.rows, table.lines, strict=True):
        row = RowCollector(line, errors, values, cols)
        person = row.get("person")
        lot = row.get("lot")
        if not person:
            row.fail(cols["person"], "missing_person", "Identifiant de suivi de la personne vide.")
        if not lot:
            row.fail(cols["lot"], "missing_lot", "Lot vide.")
        contract = row.get("contract") or None
        if wide:
            for column, month in months.items():
                raw = values.get(column, "")
                if not raw:
                    continue
                try:
                    hours = parse_float(raw)
                except ValueError as exc:
                    row.fail(column, "bad_hours", f"{str(exc)[:1].upper()}{str(exc)[1:]}.")
                    continue
                if person and lot:
                    records.append(TimesheetRow(line, person, lot, contract, month, hours))
            continue
        month = row.typed("month", parse_month, None)
        if month is None and not row.get("month"):
            row.fail(cols["month"], "missing_month", "Mois vide.")
        value = row.typed("hours", parse_float, None)
        if value is None and not row.get("hours"):
            row.fail(cols["hours"], "missing_hours", "Nombre d'heures vide.")
        if person and lot and month is not None and value is not None:
            records.append(TimesheetRow(line, person, lot, contract, month, value))
    display = dict(zip(table.headers, table.original_headers, strict=True))
    shown = [
        RowError(e.line, display.get(e.column, e.column) if e.column else None, e.code, e.message)
        for e in errors
    ]
    layout = f"{fmt}, une colonne par mois" if wide else fmt
    return ParseResult(records=records, errors=shown, warnings=warnings, format=layout)
