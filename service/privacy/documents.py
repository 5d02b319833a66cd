"""The right of access as documents: a French workbook (one sheet per section, codes shown by
their labels) and a machine-readable JSON (codes as stored, ISO 8601 dates in Paris time)."""

from __future__ import annotations

import io
import json
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from service.kit.times import paris
from service.privacy.export import YES_NO, PersonExport

__all__ = ["to_json", "to_xlsx", "write_person_export"]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return paris(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def to_json(export: PersonExport) -> dict[str, Any]:
    """The machine-readable export: codes as stored, dates in ISO 8601 (Paris time)."""
    return {
        "person_id": export.person_id,
        "generated_at": _plain(export.generated_at),
        "generated_by_role": export.generated_by,
        "sections": {s.key: [_plain(r) for r in s.rows] for s in export.sections},
    }


_INTRO: Final = (
    "Données détenues sur une personne par clausematch (Département de l'Orne), "
    "au titre du droit d'accès (article 15 du RGPD).",
    "Chaque onglet est une rubrique ; une rubrique vide signifie qu'aucune donnée de ce type "
    "n'est détenue.",
    "Le classement des offres est une aide : chaque proposition est décidée par un coach et "
    "validée par le facilitateur de clause sociale.",
    "Le classement ne lit jamais le sexe, l'âge, la nationalité, la santé, le handicap ni la "
    "situation familiale ; les données statistiques ne servent qu'aux indicateurs FSE+.",
    "Pour faire rectifier, limiter (« ne pas proposer ») ou effacer ces données, adressez-vous "
    "à votre coach ou au facilitateur de clause sociale.",
)


def _cell(value: Any, labels: Mapping[Any, str] | None) -> Any:
    if value is None:
        return ""
    if labels is not None and not isinstance(value, list | dict) and value in labels:
        return labels[value]
    if isinstance(value, datetime):
        return paris(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return YES_NO[value]
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k} : {_cell(v, None)}" for k, v in value.items())
    return value


def to_xlsx(export: PersonExport) -> bytes:
    """The readable export: a French workbook, a first sheet saying what it is, then one sheet
    per section (a section held as one record is shown as label / value lines)."""
    book = Workbook()
    about = book.active
    assert about is not None
    about.title = "À propos"
    about.append(["Droit d'accès — données d'une personne"])
    about["A1"].font = Font(bold=True, size=14)
    about.append([])
    for line in _INTRO:
        about.append([line])
    about.append([])
    about.append(["Personne n°", export.person_id])
    about.append(["Produit le", _cell(export.generated_at, None)])
    about.append(["Produit par (rôle)", export.generated_by])
    about.column_dimensions["A"].width = 110
    for section in export.sections:
        sheet = book.create_sheet(section.title[:31])
        single = section.key in {"identity", "profile", "reporting"}
        if single:
            sheet.append(["Rubrique", "Valeur"])
            row = section.rows[0] if section.rows else {}
            for column in section.columns:
                sheet.append([column.label, _cell(row.get(column.key), column.labels)])
            widths = [38, 70]
        else:
            sheet.append([c.label for c in section.columns])
            for row in section.rows:
                sheet.append([_cell(row.get(c.key), c.labels) for c in section.columns])
            widths = [max(12, min(60, len(c.label) + 4)) for c in section.columns]
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = width
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_person_export(export: PersonExport, out_dir: Path) -> tuple[Path, Path]:
    """Write ``personne-<id>.xlsx`` and ``personne-<id>.json`` into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    xlsx = out_dir / f"personne-{export.person_id}.xlsx"
    data = out_dir / f"personne-{export.person_id}.json"
    xlsx.write_bytes(to_xlsx(export))
    data.write_text(
        json.dumps(to_json(export), ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    return xlsx, data
