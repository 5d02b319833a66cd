"""Hours in bulk: a company's monthly timesheet imported all or nothing, and the month grid.

:func:`import_hours` reads the file (:mod:`service.timesheets.reading`), finds each line's
person (follow-up id), lot and the placement of that person on that lot whose dates hold the
month, and checks the hours with the placements' own rule
(:func:`service.workflow.placements.check_hours`: none negative, at most 220 h in a month, no
month outside the placement's dates). One bad line and nothing is written; the error names every
bad line with its column and a French reason. A month already declared is **replaced** by the
file's figure (never added to it): re-importing the same file changes nothing.

:func:`month_grid` lays out the placements of a contract or of a company's lots, people in rows
and months in columns; a cell is saved by :func:`service.workflow.placements.put_hours`, with
the same rule.
"""

from __future__ import annotations

import io
from collections import defaultdict
from datetime import date

from sqlalchemy.orm import Session

from service.accounts.audit import audit
from service.errors import InvalidInput
from service.imports.reading import ImportLimits, ImportRejected, RowError
from service.imports.service import rejection
from service.models.accounts import User
from service.models.procurement import Lot
from service.models.workflow import Placement
from service.timesheets.reading import TimesheetRow, parse_timesheet
from service.timesheets.repository import TimesheetRepository
from service.timesheets.schemas import GridRead, GridRow, HoursImportLine, HoursImportRead
from service.workflow.placements import check_hours
from service.workflow.schemas import MonthHours

__all__ = ["add_months", "import_hours", "month_grid", "month_key", "timesheet_template"]

WHAT = "Relevé d'heures"


def month_key(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def add_months(month: date, n: int) -> date:
    y, m = divmod(month.month - 1 + n, 12)
    return date(month.year + y, m + 1, 1)


def _covers(placement: Placement, month: date) -> bool:
    first = placement.start_date.replace(day=1)
    last = placement.end_date.replace(day=1) if placement.end_date else None
    return first <= month and (last is None or month <= last)


def _same_number(a: str, b: str) -> bool:
    return a.strip().upper().lstrip("0") == b.strip().upper().lstrip("0")


def _resolve_lots(
    repo: TimesheetRepository, rows: list[TimesheetRow], errors: list[RowError]
) -> dict[int, Lot]:
    """Line → lot; a lot not found, or ambiguous, is an error on the line."""
    by_ref = repo.lots_by_reference([r.lot for r in rows if r.contract is None])
    by_contract: dict[str, list[Lot]] = defaultdict(list)
    for ref, lot in repo.lots_by_contract_reference({r.contract for r in rows if r.contract}):
        by_contract[ref].append(lot)
    out: dict[int, Lot] = {}
    for r in rows:
        if r.contract is None:
            hit = by_ref.get(r.lot)
            if hit is None:
                errors.append(
                    RowError(
                        r.line,
                        "Lot",
                        "unknown_lot",
                        f"Lot inconnu : « {r.lot} ». Donnez la référence du lot (par exemple "
                        "M2026-001-LOT01), ou ajoutez une colonne « Marché » avec la référence "
                        "du marché et le numéro du lot.",
                    )
                )
                continue
            out[r.line] = hit
            continue
        lots = by_contract.get(r.contract, [])
        if not lots:
            errors.append(
                RowError(
                    r.line, "Marché", "unknown_contract", f"Marché inconnu : « {r.contract} »."
                )
            )
            continue
        hits = [lot for lot in lots if lot.reference == r.lot or _same_number(lot.number, r.lot)]
        if len({lot.contract_id for lot in hits}) > 1:
            errors.append(
                RowError(
                    r.line,
                    "Marché",
                    "ambiguous_contract",
                    f"Plusieurs acheteurs ont un marché « {r.contract} » : donnez la référence "
                    "du lot elle-même.",
                )
            )
        elif not hits:
            numbers = ", ".join(sorted(lot.number for lot in lots))
            errors.append(
                RowError(
                    r.line,
                    "Lot",
                    "unknown_lot",
                    f"Le marché « {r.contract} » n'a pas de lot « {r.lot} » (lots : {numbers}).",
                )
            )
        else:
            out[r.line] = hits[0]
    return out


def _pick_placement(candidates: list[Placement], month: date) -> Placement:
    """The placement whose dates hold the month; else the nearest one, whose check will say
    the month is outside its dates."""
    inside = [p for p in candidates if _covers(p, month)]
    if inside:
        return inside[-1]
    return min(candidates, key=lambda p: abs((p.start_date.replace(day=1) - month).days))


def import_hours(
    session: Session,
    data: bytes,
    *,
    limits: ImportLimits,
    user: User | None,
    dry_run: bool = False,
    filename: str = "",
) -> HoursImportRead:
    """Import a monthly timesheet (CSV or xlsx): all or nothing; months replaced, not added."""
    try:
        parsed = parse_timesheet(data, limits=limits)
    except ImportRejected as exc:
        raise rejection(exc.errors, what=WHAT) from None
    if parsed.errors:
        raise rejection(parsed.errors, what=WHAT)
    rows = parsed.records
    repo = TimesheetRepository(session)
    errors: list[RowError] = []
    people = repo.candidate_ids([r.person for r in rows])
    for r in rows:
        if r.person not in people:
            errors.append(
                RowError(
                    r.line,
                    "Identifiant de suivi",
                    "unknown_person",
                    f"Personne inconnue : aucun identifiant de suivi « {r.person} ».",
                )
            )
    lots = _resolve_lots(repo, rows, errors)
    placements: dict[tuple[int, int], list[Placement]] = defaultdict(list)
    for p in repo.placements_of(people.values(), {lot.id for lot in lots.values()}):
        placements[(p.candidate_id, p.lot_id)].append(p)

    chosen: list[tuple[TimesheetRow, Placement, Lot]] = []
    first_line: dict[tuple[int, date], int] = {}
    for r in rows:
        lot = lots.get(r.line)
        if r.person not in people or lot is None:
            continue
        options = placements.get((people[r.person], lot.id), [])
        if not options:
            errors.append(
                RowError(
                    r.line,
                    "Identifiant de suivi",
                    "no_placement",
                    f"La personne « {r.person} » n'a pas de placement sur le lot {lot.reference} : "
                    "enregistrez d'abord le placement.",
                )
            )
            continue
        placement = _pick_placement(options, r.month)
        key = (placement.id, r.month)
        if key in first_line:
            errors.append(
                RowError(
                    r.line,
                    "Mois",
                    "duplicate_month",
                    f"{r.month.month:02d}/{r.month.year} déjà déclaré pour cette personne sur ce "
                    f"lot à la ligne {first_line[key]}.",
                )
            )
            continue
        first_line[key] = r.line
        # The placements' own rule (ceiling, dates), one month at a time so that the error
        # names its line.
        for message in check_hours(placement, [MonthHours(month=r.month, hours=r.hours)]):
            column = "Mois" if "hors des dates" in message else "Heures"
            errors.append(RowError(r.line, column, "bad_hours", message))
        chosen.append((r, placement, lot))
    if errors:
        raise rejection(errors, what=WHAT)

    current = repo.hours_of({p.id for _, p, _ in chosen})
    follow_up = {v: k for k, v in people.items()}
    lines: list[HoursImportLine] = []
    for r, p, lot in chosen:
        before = current.get((p.id, r.month))
        change = (
            "created" if before is None else "unchanged" if before == float(r.hours) else "replaced"
        )
        lines.append(
            HoursImportLine(
                line=r.line,
                placement_id=p.id,
                follow_up_id=follow_up[p.candidate_id],
                lot_reference=lot.reference,
                month=r.month,
                hours=float(r.hours),
                previous_hours=before,
                change=change,
            )
        )
    report = HoursImportRead(
        dry_run=dry_run,
        format=parsed.format,
        rows=len(rows),
        created=sum(x.change == "created" for x in lines),
        updated=sum(x.change == "replaced" for x in lines),
        unchanged=sum(x.change == "unchanged" for x in lines),
        hours_total=float(sum(r.hours for r in rows)),
        placements=len({x.placement_id for x in lines}),
        warnings=list(parsed.warnings),
        lines=lines,
    )
    if dry_run:
        return report
    repo.write_hours(
        [(x.placement_id, x.month, x.hours) for x in lines if x.change == "created"],
        [(x.placement_id, x.month, x.hours) for x in lines if x.change == "replaced"],
    )
    audit(
        session,
        user,
        "import",
        "placement_hours",
        None,
        {
            "file": filename[-200:],
            "format": parsed.format,
            "created": report.created,
            "replaced": report.updated,
            "unchanged": report.unchanged,
            "placements": sorted({x.placement_id for x in lines if x.change != "unchanged"}),
        },
    )
    return report


MAX_GRID_MONTHS = 24


def month_grid(
    session: Session,
    user: User,
    *,
    contract_id: int | None = None,
    company_id: int | None = None,
    first_month: date | None = None,
    months: int = 12,
    today: date,
) -> GridRead:
    """The placements on a contract's lots (or a company's), their hours by month.

    Columns: ``months`` months from ``first_month`` (default: the twelve months ending with the
    current one)."""
    if (contract_id is None) == (company_id is None):
        raise InvalidInput("donnez un marché (contract_id) ou une entreprise (company_id)")
    if not 1 <= months <= MAX_GRID_MONTHS:
        raise InvalidInput(f"months : entre 1 et {MAX_GRID_MONTHS} mois")
    start = (first_month or add_months(today.replace(day=1), 1 - months)).replace(day=1)
    columns = [add_months(start, i) for i in range(months)]
    repo = TimesheetRepository(session)
    lots = {lot.id: lot for lot in repo.lots_for(contract_id=contract_id, company_id=company_id)}
    rows = repo.placements_on(lots)
    hours = repo.hours_of([p.id for p in rows])
    follow_up = repo.follow_up_ids({p.candidate_id for p in rows})
    totals: dict[int, float] = defaultdict(float)
    for (pid, _), h in hours.items():
        totals[pid] += h
    out = [
        GridRow(
            placement_id=p.id,
            candidate_id=p.candidate_id,
            follow_up_id=follow_up.get(p.candidate_id, ""),
            lot_id=p.lot_id,
            lot_reference=lots[p.lot_id].reference,
            start_date=p.start_date,
            end_date=p.end_date,
            hours={month_key(m): hours.get((p.id, m)) for m in columns},
            editable={month_key(m): _covers(p, m) for m in columns},
            total_hours=round(totals[p.id], 2),
        )
        for p in rows
    ]
    audit(
        session,
        user,
        "list",
        "placement",
        None,
        {"ids": [p.id for p in rows], "contract_id": contract_id, "company_id": company_id},
    )
    return GridRead(
        months=[month_key(m) for m in columns],
        rows=out,
        month_totals={
            month_key(m): round(sum(hours.get((p.id, m)) or 0.0 for p in rows), 2) for m in columns
        },
    )


def timesheet_template(grid: GridRead) -> bytes:
    """The grid as the workbook a company fills in: one line per placement (follow-up id and
    lot, never a name), one column per month, the hours already declared filled in, months
    outside the placement greyed. Imported back as it is, it changes nothing."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    book = Workbook()
    sheet = book.active
    sheet.title = "Relevé d'heures"
    months = [f"{m[5:]}/{m[:4]}" for m in grid.months]
    sheet.append(["Identifiant de suivi", "Lot", *months])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    grey = PatternFill("solid", fgColor="DDDDDD")
    for row in grid.rows:
        sheet.append([row.follow_up_id, row.lot_reference, *(row.hours[m] for m in grid.months)])
        for offset, month in enumerate(grid.months):
            if not row.editable[month]:
                sheet.cell(sheet.max_row, 3 + offset).fill = grey
    sheet.freeze_panes = "C2"
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 22
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
