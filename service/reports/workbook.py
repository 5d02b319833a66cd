"""A report as an Excel workbook a person can hand on: one sheet per table with French headers,
an Excel table (filters, banded rows), frozen header, column widths, French number and date
formats, a native Excel chart where one helps, then a sheet with the title, filters and notes.

Every value goes through :func:`service.reports.cells.export_cell`.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Final

from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from openpyxl.worksheet.worksheet import Worksheet

from service.kit.cells import neutralise_workbook
from service.reports.cells import export_cell, french_text
from service.reports.common import Report
from service.reports.labels import HIDDEN, Kind
from service.reports.readable import ReadableTable, readable

__all__ = ["report_workbook"]


FORMATS: Final[dict[Kind, str]] = {
    "hours": "#,##0.0",
    "count": "#,##0",
    "ratio": "0.0%",
    "date": "DD/MM/YYYY",
    "month": "MM/YYYY",
}


@dataclass(frozen=True)
class ChartSpec:
    title: str
    y_title: str
    category: str  # column code
    series: tuple[str, ...]  # column codes
    horizontal: bool = False


CHARTS: Final[dict[str, ChartSpec]] = {
    "marches": ChartSpec(
        "Heures d'insertion par marché",
        "heures",
        "marche",
        ("heures_engagees", "heures_realisees"),
        horizontal=True,
    ),
    "modes": ChartSpec("Heures par mode de réalisation", "heures", "libelle", ("heures",), True),
    "heures_par_mois": ChartSpec(
        "Heures d'insertion par mois", "heures", "mois", ("heures", "heures_rsa")
    ),
    "situations": ChartSpec(
        "Situations à la sortie", "placements", "libelle", ("a_la_fin", "six_mois_apres"), True
    ),
    "entonnoir": ChartSpec(
        "Du positionnement à l'embauche", "propositions", "etape", ("propositions",), True
    ),
}


HEADER_FILL: Final = PatternFill("solid", fgColor="1F4E79")


WIDTH_SAMPLE: Final = 60


def _sheet_title(title: str, used: set[str]) -> str:
    clean = "".join(c for c in title if c not in "[]:*?/\\")[:31]
    name, n = clean, 2
    while name in used:
        name = f"{clean[:28]} {n}"
        n += 1
    used.add(name)
    return name


def _write_table(ws: Worksheet, shown: ReadableTable, table_number: int) -> None:
    ws.append([export_cell(h) for h in shown.headers])
    for cell in ws[1]:
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for i, (row, kinds) in enumerate(zip(shown.rows, shown.kinds, strict=True), start=2):
        for j, (value, kind) in enumerate(zip(row, kinds, strict=True), start=1):
            if isinstance(value, bool) or kind == "bool":
                value = french_text(value, "bool")
            cell = ws.cell(row=i, column=j, value=export_cell(value))
            if kind in FORMATS:
                cell.number_format = FORMATS[kind]
    ws.freeze_panes = "A2"
    for j, header in enumerate(shown.headers, start=1):
        width = max(
            [min(len(header), 30)]
            + [
                len(french_text(r[j - 1], k[j - 1]))
                # the first rows tell the width well enough (a long table costs no more)
                for r, k in zip(shown.rows[:WIDTH_SAMPLE], shown.kinds[:WIDTH_SAMPLE], strict=True)
            ]
        )
        ws.column_dimensions[get_column_letter(j)].width = min(60, max(10, width + 2))
    ws.row_dimensions[1].height = 32
    if shown.rows:
        ref = f"A1:{get_column_letter(len(shown.headers))}{len(shown.rows) + 1}"
        table = Table(displayName=f"Tableau{table_number}", ref=ref)
        table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        ws.add_table(table)


def _add_chart(ws: Worksheet, name: str, columns: list[str], n_rows: int) -> None:
    spec = CHARTS.get(name)
    if spec is None or n_rows == 0 or spec.category not in columns:
        return
    chart = BarChart()
    chart.type = "bar" if spec.horizontal else "col"
    chart.title = spec.title
    chart.y_axis.title = spec.y_title
    chart.height = max(7.5, 0.6 * n_rows + 3) if spec.horizontal else 9
    chart.width = 22
    for code in spec.series:
        if code not in columns:
            continue
        j = columns.index(code) + 1
        chart.add_data(
            Reference(ws, min_col=j, min_row=1, max_row=n_rows + 1), titles_from_data=True
        )
    k = columns.index(spec.category) + 1
    chart.set_categories(Reference(ws, min_col=k, min_row=2, max_row=n_rows + 1))
    ws.add_chart(chart, f"{get_column_letter(len(columns) + 2)}2")


def report_workbook(report: Report) -> bytes:
    book = Workbook()
    first = book.active
    used: set[str] = set()
    for number, (name, frame) in enumerate(report.tables.items(), start=1):
        shown = readable(name, frame)
        ws = first if number == 1 else book.create_sheet()
        ws.title = _sheet_title(shown.title, used)
        _write_table(ws, shown, number)
        hidden = HIDDEN.get(name, frozenset())
        columns = [str(c) for c in frame.columns if c not in hidden]
        _add_chart(ws, name, columns, len(shown.rows))
    about = book.create_sheet(_sheet_title("Notes", used))
    about.append([export_cell("Rapport"), export_cell(report.title)])
    labels = {
        "from": "Du",
        "to": "Au",
        "bassin": "Bassin d'emploi",
        "epci": "EPCI",
        "buyer_id": "Acheteur (n°)",
        "contract_id": "Marché (n°)",
    }
    for key, value in report.filters.items():
        about.append(
            [export_cell(labels.get(key, key)), export_cell("" if value is None else str(value))]
        )
    for note in report.notes:
        about.append([export_cell("Note"), export_cell(note)])
    about.column_dimensions["A"].width = 18
    about.column_dimensions["B"].width = 110
    for cell in about["A"]:
        cell.font = Font(bold=True)
    for cell in about["B"]:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    neutralise_workbook(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
