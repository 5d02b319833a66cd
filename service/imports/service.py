"""Import files into the database: parse, link, compare, then write everything or nothing.

:func:`import_candidates` (and :func:`service.imports.offer_import.import_offers` for offers)
read a whole file with the pure parsers (:mod:`service.imports.candidates`,
:mod:`service.imports.offers`), resolve what the file refers
to in the database (lots, companies, coaches), compare every record with the row of the same
external id, and only then write: created rows in bulk (``insert()`` with a list of rows), changed
rows by primary key (``update()`` with a list), their child rows replaced. A file with one bad row
raises :class:`~service.errors.InvalidInput` carrying every row error and writes nothing (an offer
file may instead be imported without its refused offers, when asked explicitly); the caller's
transaction is committed only when the call returns. A record equal to its row is left
alone: re-importing a file bumps no version and writes one audit entry (the import itself).

The functions never commit: the API commits at the end of the request, the CLI after the call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from service.accounts.audit import audit
from service.db import utcnow
from service.errors import InvalidInput, PayloadTooLarge
from service.imports.candidates import CandidateRecord, parse_candidates
from service.imports.reading import ImportLimits, ImportRejected, RowError
from service.imports.repository import ImportRepository
from service.imports.schemas import ImportRead
from service.models.accounts import User
from service.models.people import (
    Candidate,
    CandidateJob,
    CandidateLicence,
    CandidateReporting,
    name_key,
)
from service.referentials.service import Referentials
from service.referentials.titles import TitleNormaliser

__all__ = ["differs", "import_candidates", "limits_from", "rejection", "too_large"]


Progress = Callable[[int], None]


def rejection(
    errors: Sequence[RowError], *, what: str, hint: str = ""
) -> InvalidInput | PayloadTooLarge:
    """The error that refuses a file: every row error, sorted by line; 413 for a file too big.
    ``hint`` ends the detail (what else the caller may do)."""
    ordered = sorted(errors, key=lambda e: (e.line is not None, e.line or 0, e.column or ""))
    if any(e.code == "file_too_large" for e in ordered):
        return PayloadTooLarge(ordered[0].message, errors=[e.as_dict() for e in ordered])
    if len(ordered) == 1:
        first = ordered[0]
        where = f"ligne {first.line} : " if first.line is not None else ""
        detail = f"{what} refusé, rien n'a été importé. {where}{first.message}"
    else:
        detail = f"{what} refusé, rien n'a été importé : {len(ordered)} erreurs (voir « errors »)."
    return InvalidInput(detail + hint, errors=[e.as_dict() for e in ordered])


def differs(obj: Any, fields: dict[str, Any]) -> bool:
    for name, value in fields.items():
        current = getattr(obj, name)
        if isinstance(value, list):
            current = list(current or [])
        if current != value:
            return True
    return False


def _candidate_fields(
    rec: CandidateRecord, coach_id: int, current: Candidate | None = None
) -> dict[str, Any]:
    """The columns of ``candidates`` a row sets; an identity cell left empty keeps the stored
    value."""
    identity = {
        name: value if value is not None or current is None else getattr(current, name)
        for name, value in rec.identity.items()
    }
    return {
        **identity,
        "name_key": name_key(identity["first_name"], identity["last_name"]),
        "coach_id": coach_id,
        "commune_insee": rec.commune_insee,
        "has_vehicle": rec.has_vehicle,
        "travel_mode": rec.travel_mode,
        "max_distance_km": rec.max_distance_km,
        "max_travel_minutes": rec.max_travel_minutes,
        "readiness_stage": rec.readiness_stage,
        "readiness_assessed_on": rec.readiness_assessed_on,
        "available_from": rec.available_from,
        "max_weekly_hours": float(rec.max_weekly_hours),
        "accepts_nights": rec.accepts_nights,
        "accepts_weekends": rec.accepts_weekends,
        "accepts_early_starts": rec.accepts_early_starts,
        "is_eligible": rec.rsa_beneficiary,
        "is_active": rec.is_active,
        "is_in_clause_job": rec.is_in_clause_job,
        "skills": list(rec.skills),
    }


def _jobs(rec: CandidateRecord) -> tuple[tuple[str, int | None, float], ...]:
    return tuple((j.code_rome, j.code_ogr, float(j.experience_years)) for j in rec.jobs)


def _reporting_fields(rec: CandidateRecord, current: CandidateReporting | None) -> dict[str, Any]:
    """Reporting values of the file; a value the file leaves empty keeps the stored one."""
    given = {
        "sex": rec.reporting.sex,
        "birth_year": rec.reporting.birth_year,
        "education_level": rec.reporting.education_level,
        "labour_status": rec.reporting.labour_status,
        "disability_recognised": rec.reporting.disability_recognised,
    }
    out: dict[str, Any] = {"rsa_beneficiary": rec.rsa_beneficiary}
    for name, value in given.items():
        out[name] = value if value is not None or current is None else getattr(current, name)
    return out


def import_candidates(
    session: Session,
    data: bytes,
    *,
    refs: Referentials,
    normalise_titles: TitleNormaliser,
    limits: ImportLimits,
    user: User | None,
    today: date,
    dry_run: bool = False,
    full: bool = False,
    filename: str = "",
    progress: Progress | None = None,
) -> ImportRead:
    """Import the Département's candidate export; ``full``: people missing become inactive."""
    repo = ImportRepository(session)
    coaches = repo.active_coaches()
    try:
        parsed = parse_candidates(
            data,
            communes=refs.communes,
            rome=refs.rome,
            normalise_titles=normalise_titles,
            known_coaches=sorted(coaches),
            today=today,
            limits=limits,
        )
    except ImportRejected as exc:
        raise rejection(exc.errors, what="Fichier de personnes") from None
    if parsed.errors:
        raise rejection(parsed.errors, what="Fichier de personnes")
    records = parsed.records
    existing = repo.candidates_by_external_id([r.external_id for r in records])
    jobs, licences, reporting = repo.candidate_children([c.id for c in existing.values()])

    creates: list[CandidateRecord] = []
    updates: list[tuple[Candidate, CandidateRecord, dict[str, Any], bool, bool, bool]] = []
    unchanged: list[str] = []
    for rec in records:
        current = existing.get(rec.external_id)
        fields = _candidate_fields(rec, coaches[rec.coach], current)
        if current is None:
            creates.append(rec)
            continue
        jobs_changed = jobs.get(current.id, ()) != _jobs(rec)
        lic_changed = licences.get(current.id, ()) != tuple(sorted(set(rec.licences)))
        rep = reporting.get(current.id)
        rep_fields = _reporting_fields(rec, rep)
        rep_changed = rep is None or differs(rep, rep_fields)
        if differs(current, fields) or jobs_changed or lic_changed or rep_changed:
            updates.append((current, rec, fields, jobs_changed, lic_changed, rep_changed))
        else:
            unchanged.append(rec.external_id)
    missing = repo.active_candidates_not_in({r.external_id for r in records}) if full else []

    report = ImportRead(
        kind="candidates",
        dry_run=dry_run,
        format="csv",
        rows=len(records),
        created=len(creates),
        updated=len(updates),
        unchanged=len(unchanged),
        deactivated=len(missing),
        warnings=list(parsed.warnings),
    )
    if dry_run:
        report.created_ids = [r.external_id for r in creates]
        report.updated_ids = [c.external_id for c, *_ in updates]
        report.unchanged_ids = unchanged
        report.deactivated_ids = [e for _, e, _ in missing]
        return report

    now = utcnow()
    new_ids = repo.insert_returning_ids(
        Candidate,
        [
            {
                **_candidate_fields(rec, coaches[rec.coach]),
                "external_id": rec.external_id,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for rec in creates
        ],
    )
    if progress:
        progress(len(creates))
    repo.update_by_id(
        Candidate,
        [
            {**fields, "id": c.id, "version": c.version + 1, "updated_at": now}
            for c, _, fields, *_ in updates
        ],
    )
    repo.update_by_id(
        Candidate,
        [{"id": i, "is_active": False, "version": v + 1, "updated_at": now} for i, _, v in missing],
    )
    repo.delete_children(CandidateJob.candidate_id, [c.id for c, _, _, j, _, _ in updates if j])
    repo.delete_children(
        CandidateLicence.candidate_id, [c.id for c, _, _, _, lic, _ in updates if lic]
    )
    repo.delete_children(
        CandidateReporting.candidate_id, [c.id for c, _, _, _, _, rep in updates if rep]
    )
    targets: list[tuple[int, CandidateRecord, bool, bool, bool]] = [
        (new_ids[r.external_id], r, True, True, True) for r in creates
    ] + [(c.id, r, j, lic, rep) for c, r, _, j, lic, rep in updates]
    repo.insert_rows(
        CandidateJob,
        [
            {"candidate_id": cid, "code_rome": rome, "code_ogr": ogr, "experience_years": years}
            for cid, rec, j, _, _ in targets
            if j
            for rome, ogr, years in _jobs(rec)
        ],
    )
    repo.insert_rows(
        CandidateLicence,
        [
            {"candidate_id": cid, "code": code}
            for cid, rec, _, lic, _ in targets
            if lic
            for code in sorted(set(rec.licences))
        ],
    )
    repo.insert_rows(
        CandidateReporting,
        [
            {
                "candidate_id": cid,
                **_reporting_fields(rec, reporting.get(cid)),
                "updated_at": now,
            }
            for cid, rec, _, _, rep in targets
            if rep
        ],
    )
    for c, *_ in updates:
        session.expire(c)
    for rep in reporting.values():
        session.expire(rep)
    if progress:
        progress(len(updates) + len(unchanged))
    audit(
        session,
        user,
        "import",
        "candidates",
        None,
        {
            "file": filename[-200:],
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "deactivated": report.deactivated,
            "full": full,
        },
    )
    return report


def limits_from(max_bytes: int, max_rows: int) -> ImportLimits:
    """Import limits from the settings' values."""
    return ImportLimits(max_bytes=max_bytes, max_rows=max_rows)


def too_large(size: int, limits: ImportLimits) -> PayloadTooLarge:
    """The refusal of a file over the size limit (HTTP 413), before reading it whole."""
    error = RowError(
        None,
        None,
        "file_too_large",
        f"Fichier trop volumineux : plus de {limits.max_bytes / 1_048_576:.1f} Mo "
        f"({size} octets lus), la limite est de {limits.max_bytes / 1_048_576:.1f} Mo. "
        "Découpez-le en plusieurs fichiers.",
    )
    return PayloadTooLarge(error.message, errors=[error.as_dict()])
