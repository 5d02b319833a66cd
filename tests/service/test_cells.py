"""The one escaping rule of spreadsheet and CSV cells (service.kit.cells)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pandas as pd
import pytest
from openpyxl import Workbook

from service.kit.cells import (
    append_xlsx_row,
    csv_bytes,
    csv_text,
    is_formula_like,
    neutralise_workbook,
    safe_cell,
    xlsx_bytes,
)

ATTACKS = [
    '=HYPERLINK("http://x","y")',
    "=1+2",
    "+1+2",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=1+2",
    "  =1+2",
    "\u00a0=1",
    "-",
]

HARMLESS = ["Maçon", "Ville de Flers", "", "12", "-12", "+3,5", "-0.5", "1e3", "a=b", "L1-2"]


@pytest.mark.parametrize("text", ATTACKS)
def test_formula_like_text_is_prefixed_in_csv(text: str) -> None:
    assert is_formula_like(text)
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("text", HARMLESS)
def test_plain_text_and_plain_numbers_are_left_alone(text: str) -> None:
    assert not is_formula_like(text)
    assert safe_cell(text) == text


@pytest.mark.parametrize("value", [-3, -2.5, 0, 7, True, None])
def test_numbers_stay_numbers(value: object) -> None:
    assert safe_cell(value) is value


def test_csv_bytes_escape_text_cells_and_headers_not_numbers() -> None:
    frame = pd.DataFrame({"=titre": ["=1+2", "ok"], "heures": [-5, 3]})
    text = csv_bytes(frame).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows == [["'=titre", "heures"], ["'=1+2", "-5"], ["ok", "3"]]
    assert csv_text([["=a", -1], ["b", "@c"]]) == "'=a;-1\nb;'@c\n"


def _cells(data: bytes) -> list[openpyxl.cell.cell.Cell]:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]


def test_xlsx_writes_text_as_text_never_a_formula() -> None:
    frame = pd.DataFrame({"acheteur": ATTACKS, "heures": range(-5, -5 + len(ATTACKS))})
    cells = _cells(xlsx_bytes({"lots": frame}))
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    values = [c.value for c in cells]
    assert '=HYPERLINK("http://x","y")' in values  # the text itself is kept
    numbers = [c for c in cells if c.column == 2 and c.row > 1]
    assert [c.value for c in numbers] == list(range(-5, -5 + len(ATTACKS)))
    assert all(c.data_type == "n" for c in numbers)
    quoted = {c.value for c in cells if c.quotePrefix}
    assert quoted == {a.replace("\r", "\n") for a in ATTACKS}  # XML reads a CR back as LF


def test_xlsx_drops_characters_xml_cannot_carry() -> None:
    cells = _cells(xlsx_bytes({"t": pd.DataFrame({"a": ["x\x00y\x1bz"], "b": [float("nan")]})}))
    assert [c.value for c in cells] == ["a", "b", "xyz", None]


def test_neutralise_workbook_turns_any_formula_into_text() -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet["A1"] = "=1+2"  # what openpyxl, and pandas through it, do with such a string
    append_xlsx_row(sheet, ["=3+4", -1])
    assert sheet["A1"].data_type == "f"
    assert neutralise_workbook(book) == 1
    buffer = io.BytesIO()
    book.save(buffer)
    cells = _cells(buffer.getvalue())
    assert [(c.value, c.data_type) for c in cells if c.value is not None] == [
        ("=1+2", "s"),
        ("=3+4", "s"),
        (-1, "n"),
    ]
