"""Reading import files safely: size limits, encodings, separators, one error per bad row.

Everything here is pure (bytes in, rows and errors out); nothing touches the database. A file is
read whole and validated before anything is written: callers apply it in one transaction only
when :class:`ImportRejected` was not raised and no row error was found.

Why the standard ``csv`` module and not pandas here: an import must name *every* malformed row
with its line number (a row with too many fields, a 10 MB field); pandas' C parser stops at the
first one and its python engine does not give line numbers. The rows are small and few (limits
below), so this costs nothing measurable.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from matching.fields import FieldSpec
from matching.text import fold
from service.kit.json_guard import MAX_JSON_DEPTH, json_depth_problem

__all__ = [
    "CsvTable",
    "ImportLimits",
    "ImportRejected",
    "ParseResult",
    "RowCollector",
    "RowError",
    "checked",
    "decode",
    "map_columns",
    "parse_bool",
    "parse_date",
    "parse_float",
    "parse_int",
    "read_csv_table",
    "read_json",
]


@dataclass(frozen=True)
class ImportLimits:
    """Refuse files beyond these sizes (settings give the values)."""

    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 50_000
    max_field_chars: int = 10_000
    max_json_depth: int = MAX_JSON_DEPTH


@dataclass(frozen=True)
class RowError:
    """One problem in an import file.

    ``line`` is the line of the file (the header is line 1) or, for JSON, the position of the
    offer in the list (1 = first); ``None`` for a problem with the whole file.
    """

    line: int | None
    column: str | None
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "code": self.code,
            "message": self.message,
        }


class ImportRejected(Exception):
    """The file is refused as a whole; ``errors`` lists every reason (French messages)."""

    def __init__(self, errors: Sequence[RowError]) -> None:
        self.errors = list(errors)
        first = self.errors[0].message if self.errors else "fichier refusé"
        more = f" (et {len(self.errors) - 1} autre(s) erreur(s))" if len(self.errors) > 1 else ""
        super().__init__(first + more)


def _file_error(code: str, message: str) -> ImportRejected:
    return ImportRejected([RowError(None, None, code, message)])


def decode(data: bytes, *, limits: ImportLimits) -> str:
    """Decode an import file: UTF-8 (with or without BOM), else Windows-1252; UTF-16 and UTF-32
    with a BOM, and UTF-16 without one (NUL bytes on every other position), are decoded too.

    Raises :class:`ImportRejected` for an empty, oversized or binary file.
    """
    if len(data) > limits.max_bytes:
        raise _file_error(
            "file_too_large",
            f"Fichier trop volumineux : {len(data) / 1_048_576:.1f} Mo, la limite est de "
            f"{limits.max_bytes / 1_048_576:.0f} Mo. Découpez-le en plusieurs fichiers.",
        )
    wide = _wide_encoding(data)
    if wide is not None:
        # Excel's "Texte Unicode" and some exports write UTF-16 (or UTF-32): read, not refused.
        try:
            text = data.decode(wide)
        except UnicodeDecodeError as exc:
            raise _file_error(
                "bad_encoding",
                f"Fichier en {wide.upper().replace('-SIG', '')} illisible (octet {exc.start}) : "
                "enregistrez-le en UTF-8 (CSV UTF-8 dans Excel).",
            ) from None
        text = text.removeprefix("\ufeff")
        if not text.strip():
            raise _file_error("empty_file", "Le fichier est vide.")
        if "\x00" not in text[:4096]:
            return text
    if not data.strip():
        raise _file_error("empty_file", "Le fichier est vide.")
    if b"\x00" in data[:4096]:
        raise _file_error(
            "binary_file",
            "Le fichier n'est pas un fichier texte (CSV ou JSON). Un classeur Excel doit être "
            "enregistré au format CSV.",
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise _file_error(
            "bad_encoding",
            f"Encodage non reconnu (octet {data[exc.start]:#04x} à la position {exc.start}) : "
            "enregistrez le fichier en UTF-8 ou en Windows-1252.",
        ) from None


_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM starts with UTF-16's.
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def _wide_encoding(data: bytes) -> str | None:
    """``utf-16``/``utf-32`` (with a BOM), ``utf-16-le``/``-be`` (without one, told by NUL
    bytes on every other position of the first kilobyte of mostly-ASCII text), else ``None``."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    head = data[:1024]
    if len(head) < 4:
        return None
    even, odd = head[0::2], head[1::2]
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) <= 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.9 * len(even) and odd.count(0) <= 0.1 * len(odd):
        return "utf-16-be"
    return None


def normalise_header(name: str) -> str:
    """``"Date de début"`` → ``"date_de_debut"``: the form column aliases are written in."""
    return fold(name).replace(" ", "_")


@dataclass(frozen=True)
class CsvTable:
    """Rows of a CSV file keyed by normalised header, with their file line numbers."""

    headers: tuple[str, ...]
    original_headers: tuple[str, ...]
    rows: list[dict[str, str]]
    lines: list[int]
    errors: list[RowError] = field(default_factory=list)
    delimiter: str = ";"


def _sniff_delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > 0 else ";"


def read_csv_table(text: str, *, limits: ImportLimits) -> CsvTable:
    """Parse CSV text separated by ``;``, ``,`` or tab (sniffed from the header line).

    Rows with the wrong number of fields, or a field longer than ``limits.max_field_chars``, are
    reported as row errors; blank lines are skipped. Raises :class:`ImportRejected` when the file
    has no header, no data row, duplicated columns or too many rows.
    """
    header_line = text.split("\n", 1)[0]
    delimiter = _sniff_delimiter(header_line)
    # The field limit is checked row by row below with a clear message; the csv module's own
    # limit only has to be above ours.
    csv.field_size_limit(max(limits.max_field_chars * 4, 131_072))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    errors: list[RowError] = []
    try:
        original = next(reader)
    except StopIteration:
        raise _file_error("empty_file", "Le fichier est vide.") from None
    except csv.Error as exc:
        raise _file_error("bad_header", f"Ligne d'en-tête illisible : {exc}.") from None
    headers = tuple(normalise_header(h) for h in original)
    if not any(headers):
        raise _file_error("no_header", "La première ligne doit donner les noms des colonnes.")
    dupes = sorted({h for h in headers if h and headers.count(h) > 1})
    if dupes:
        raise _file_error(
            "duplicate_columns", f"Colonnes en double dans l'en-tête : {', '.join(dupes)}."
        )
    rows: list[dict[str, str]] = []
    lines: list[int] = []
    iterator: Iterator[list[str]] = iter(reader)
    while True:
        start_line = reader.line_num + 1
        try:
            values = next(iterator)
        except StopIteration:
            break
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                code, message = (
                    "field_too_long",
                    f"Valeur trop longue (plus de {limits.max_field_chars} caractères).",
                )
            else:
                code, message = "unreadable_row", f"Ligne illisible : {exc}."
            errors.append(RowError(start_line, None, code, message))
            continue
        if not any(v.strip() for v in values):
            continue
        if len(rows) + len(errors) >= limits.max_rows:
            raise _file_error(
                "too_many_rows",
                f"Trop de lignes : la limite est de {limits.max_rows} lignes par fichier.",
            )
        if len(values) != len(headers):
            errors.append(
                RowError(
                    start_line,
                    None,
                    "wrong_field_count",
                    f"La ligne a {len(values)} valeurs au lieu de {len(headers)} (une par "
                    f"colonne de l'en-tête) : vérifiez le séparateur « {delimiter} » et les "
                    "guillemets.",
                )
            )
            continue
        long = [h for h, v in zip(original, values, strict=True) if len(v) > limits.max_field_chars]
        if long:
            errors.append(
                RowError(
                    start_line,
                    long[0],
                    "field_too_long",
                    f"Valeur trop longue (plus de {limits.max_field_chars} caractères).",
                )
            )
            continue
        rows.append({h: v.strip() for h, v in zip(headers, values, strict=True)})
        lines.append(start_line)
    if not rows and not errors:
        raise _file_error("header_only", "Le fichier ne contient que la ligne d'en-tête.")
    return CsvTable(headers, tuple(original), rows, lines, errors, delimiter)


def read_json(text: str, *, limits: ImportLimits | None = None) -> Any:
    """Parse JSON text; :class:`ImportRejected` with the line and column of a syntax error, or
    when it nests deeper than ``limits.max_json_depth`` (checked before parsing: Python's parser
    would recurse until ``RecursionError``)."""
    depth = (limits or ImportLimits()).max_json_depth
    problem = json_depth_problem(text, depth)
    if problem is not None:
        raise _file_error("json_too_deep", problem)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportRejected(
            [
                RowError(
                    exc.lineno,
                    None,
                    "bad_json",
                    f"JSON invalide (colonne {exc.colno}) : {exc.msg}.",
                )
            ]
        ) from None


# --------------------------------------------------------------------------- values

_TRUE = {"oui", "o", "yes", "y", "vrai", "true", "1", "x"}
_FALSE = {"non", "n", "no", "faux", "false", "0", ""}


def parse_bool(value: str) -> bool:
    """``oui``/``non`` (and ``1``/``0``, ``vrai``/``faux``…); empty is ``False``."""
    v = fold(value)
    if v in _TRUE:
        return True
    if v in _FALSE:
        return False
    raise ValueError(f"« {value} » n'est pas oui ou non")


def parse_date(value: str) -> date:
    """``JJ/MM/AAAA`` (or ``JJ-MM-AAAA``, ``JJ.MM.AAAA``) or ISO ``AAAA-MM-JJ``."""
    v = value.strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%y"):
        try:
            return datetime.strptime(v, fmt).date()
        except ValueError:
            continue
    if "T" in v:
        try:
            return datetime.fromisoformat(v.replace("Z", "+00:00")).date()
        except ValueError:
            pass
    raise ValueError(f"« {value} » n'est pas une date valide (JJ/MM/AAAA ou AAAA-MM-JJ)")


def parse_float(value: str) -> float:
    """A French or English decimal: ``24,5``, ``24.5``, ``35h``, ``35 h``."""
    v = value.strip().lower().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    v = v.removesuffix("h").removesuffix("heures").removesuffix("km").removesuffix("min")
    try:
        out = float(v)
    except ValueError:
        raise ValueError(f"« {value} » n'est pas un nombre") from None
    if out != out or out in (float("inf"), float("-inf")):
        raise ValueError(f"« {value} » n'est pas un nombre")
    return out


def parse_int(value: str) -> int:
    """A whole number (``3``, ``3,0``)."""
    f = parse_float(value)
    if f != int(f):
        raise ValueError(f"« {value} » n'est pas un nombre entier")
    return int(f)


# --------------------------------------------------------------------------- columns and rows


def map_columns(
    table: CsvTable,
    aliases: Mapping[str, tuple[str, ...]],
    *,
    required: Sequence[str],
    one_of: Sequence[tuple[str, ...]] = (),
) -> tuple[dict[str, str], list[str]]:
    """Field → the file's (normalised) column, and a warning naming the columns ignored.

    The first alias of a field is its documented name. Refuses the file, naming what is missing
    and what was found, when a ``required`` field or every field of a ``one_of`` group is absent.
    """
    cols: dict[str, str] = {}
    for fld, names in aliases.items():
        hit = next((a for a in names if a in table.headers), None)
        if hit is not None:
            cols[fld] = hit
    missing = [aliases[f][0] for f in required if f not in cols]
    for group in one_of:
        if not any(f in cols for f in group):
            others = " ou ".join(aliases[f][0] for f in group[1:])
            missing.append(f"{aliases[group[0]][0]} (ou {others})")
    if missing:
        raise ImportRejected(
            [
                RowError(
                    1,
                    None,
                    "missing_columns",
                    f"Colonnes obligatoires absentes : {', '.join(missing)}. Colonnes trouvées : "
                    f"{', '.join(table.original_headers)}.",
                )
            ]
        )
    used = set(cols.values())
    ignored = [h for h in table.headers if h and h not in used]
    return cols, ([f"Colonnes ignorées : {', '.join(ignored)}."] if ignored else [])


@dataclass
class RowCollector:
    """One row being read: its values by field, and the errors found so far."""

    line: int
    errors: list[RowError]
    values: Mapping[str, str] = field(default_factory=dict)
    cols: Mapping[str, str] = field(default_factory=dict)

    def fail(self, column: str | None, code: str, message: str) -> None:
        self.errors.append(RowError(self.line, column, code, message))

    def get(self, fld: str) -> str:
        """The raw text of a field ("" when the file has no such column)."""
        return self.values.get(self.cols[fld], "") if fld in self.cols else ""

    def typed(self, fld: str, parse: Callable[[str], Any], default: Any) -> Any:
        """A field parsed, ``default`` when empty; a parse error is recorded on the row."""
        raw = self.get(fld)
        if not raw:
            return default
        try:
            return parse(raw)
        except ValueError as exc:
            msg = str(exc).rstrip(".")
            self.fail(self.cols[fld], f"bad_{fld}", f"{msg[0].upper()}{msg[1:]}.")
            return default


def checked(
    row: RowCollector, fld: str, spec: FieldSpec, value: Any, *, today: date | None = None
) -> Any:
    """``value`` once its declared field's rule (:mod:`matching.fields`) has seen it: a refusal
    is recorded on the row, with the field's error code and French sentence."""
    if value is not None:
        problem = spec.problem(value, today=today)
        if problem is not None:
            row.fail(row.cols.get(fld), spec.error_code or f"bad_{fld}", problem)
    return value


def cleaned(row: RowCollector, fld: str, spec: FieldSpec) -> Any:
    """The stored form of a text field (its declared rule's :meth:`~FieldSpec.clean`), ``None``
    when the cell is empty or absent; a refusal is recorded on the row."""
    raw = row.get(fld).strip()
    if not raw:
        return None
    try:
        return spec.clean(raw)
    except ValueError as exc:
        row.fail(row.cols.get(fld), spec.error_code or f"bad_{fld}", str(exc))
        return None


R = TypeVar("R")


@dataclass(frozen=True)
class ParseResult(Generic[R]):
    """A whole file read: every valid record, every row error, warnings about the columns and the
    file's format; a caller applies the records only when there is no error."""

    records: list[R]
    errors: list[RowError]
    warnings: list[str] = field(default_factory=list)
    format: str = "csv"
    # What each refused row named (line → (external id, title)), so that a partial import can
    # list the offers it leaves out.
    identities: dict[int, tuple[str, str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors
