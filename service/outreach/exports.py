"""The final account as CSV (``;``, UTF-8 with BOM, for Excel) or xlsx (header frozen, widths
fitted)."""

from __future__ import annotations

import csv
import io

from service.kit.cells import neutralise_workbook, safe_cell

__all__ = ["to_csv", "to_xlsx"]


def to_csv(rows: list[dict[str, object]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: safe_cell(v) for k, v in row.items()} for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def to_xlsx(rows: list[dict[str, object]], *, title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]
    headers = list(rows[0])
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([row[h] for h in headers])
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)  # the whole, last
    sheet.freeze_panes = "A2"
    for i, header in enumerate(headers, start=1):
        width = max(len(str(header)), *(len(str(r[header])) for r in rows))
        sheet.column_dimensions[sheet.cell(1, i).column_letter].width = min(width + 2, 60)
    neutralise_workbook(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
