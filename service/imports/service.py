"""Import files into the database: parse, link, compare, then write everything or nothing.

:func:`import_offers` and :func:`import_candidates` read a whole file with the pure parsers
(:mod:`service.imports.offers`, :mod:`service.imports.candidates`), resolve what the file refers
to in the database (lots, companies, coaches), compare every record with the row of the same
external id, and only then write: created rows in bulk (``insert()`` with a list of rows), changed
rows by primary key (``update()`` with a list), their child rows replaced. A file with one bad row
raises :class:`~service.errors.InvalidInput` carrying every row error and writes nothing; the
caller's transaction is committed only when the call returns. A record equal to its row is left
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
from service.imports.offer_records import OfferRecord
from service.imports.offers import parse_offers
from service.imports.reading import ImportLimits, ImportRejected, RowError
from service.imports.repository import ImportRepository
from service.imports.schemas import ImportRead
from service.models.accounts import User
from service.models.offers import Offer, OfferLicence
from service.models.people import (
    Candidate,
    CandidateJob,
    CandidateLicence,
    CandidateReporting,
    name_key,
)
from service.referentials.service import Referentials
from service.referentials.titles import TitleNormaliser

__all__ = ["import_candidates", "import_offers", "limits_from", "rejection", "too_large"]


# Parser format → ``offers.source``: a CSV comes from the Orne emploi platform (or is laid out
# like its export).
_SOURCES = {"csv": "orne_emploi", "france_travail": "france_travail"}


Progress = Callable[[int], None]


def rejection(errors: Sequence[RowError], *, what: str) -> InvalidInput | PayloadTooLarge:
    """The error that refuses a file: every row error, sorted by line; 413 for a file too big."""
    ordered = sorted(errors, key=lambda e: (e.line is not None, e.line or 0, e.column or ""))
    if any(e.code == "file_too_large" for e in ordered):
        return PayloadTooLarge(ordered[0].message, errors=[e.as_dict() for e in ordered])
    if len(ordered) == 1:
        first = ordered[0]
        where = f"ligne {first.line} : " if first.line is not None else ""
        detail = f"{what} refusé, rien n'a été importé. {where}{first.message}"
    else:
        detail = f"{what} refusé, rien n'a été importé : {len(ordered)} erreurs (voir « errors »)."
    return InvalidInput(detail, errors=[e.as_dict() for e in ordered])


def _offer_fields(
    rec: OfferRecord, *, lot_id: int | None, company_id: int | None
) -> dict[str, Any]:
    """The columns of ``offers`` an import sets (``status`` is left to people)."""
    return {
        "intitule": rec.intitule,
        "code_ogr": rec.code_ogr,
        "code_rome": rec.code_rome,
        "commune_insee": rec.commune_insee,
        "required_skills": list(rec.required_skills),
        "experience_years_required": float(rec.experience_years_required),
        "needs_qualification": rec.needs_qualification,
        "weekly_hours": float(rec.weekly_hours),
        "has_nights": rec.has_nights,
        "has_weekends": rec.has_weekends,
        "has_early_starts": rec.has_early_starts,
        "start_date": rec.start_date,
        "end_date": rec.end_date,
        "contract_type": rec.contract_type,
        "open_positions": rec.open_positions,
        "lot_id": lot_id,
        "company_id": company_id,
        "source": _SOURCES.get(rec.source, "orne_emploi"),
    }


def _differs(obj: Any, fields: dict[str, Any]) -> bool:
    for name, value in fields.items():
        current = getattr(obj, name)
        if isinstance(value, list):
            current = list(current or [])
        if current != value:
            return True
    return False


def import_offers(
    session: Session,
    data: bytes,
    *,
    filename: str,
    refs: Referentials,
    normalise_titles: TitleNormaliser,
    limits: ImportLimits,
    user: User | None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportRead:
    """Import an offer file (Orne emploi CSV or France Travail JSON); all or nothing."""
    try:
        parsed = parse_offers(
            data,
            filename=filename,
            communes=refs.communes,
            rome=refs.rome,
            normalise_titles=normalise_titles,
            limits=limits,
        )
    except ImportRejected as exc:
        raise rejection(exc.errors, what="Fichier d'offres") from None
    repo = ImportRepository(session)
    errors = list(parsed.errors)
    warnings = list(parsed.warnings)
    records = parsed.records
    lots = repo.lot_ids(r.lot_ref for r in records if r.lot_ref)
    for rec in records:
        if rec.lot_ref and rec.lot_ref not in lots:
            errors.append(
                RowError(
                    rec.line,
                    "lot",
                    "unknown_lot",
                    f"Lot inconnu : « {rec.lot_ref} ». Créez d'abord le lot (référence du lot "
                    "du marché) ou corrigez la référence.",
                )
            )
    if errors:
        raise rejection(errors, what="Fichier d'offres")

    companies = repo.company_ids(r.siret for r in records if r.siret)
    new_companies: dict[str, str] = {}
    unlinked = 0
    for rec in records:
        if rec.siret and rec.siret not in companies and rec.siret not in new_companies:
            if rec.company_name:
                new_companies[rec.siret] = rec.company_name
            else:
                unlinked += 1
    if unlinked:
        warnings.append(
            f"{unlinked} offre(s) avec un SIRET inconnu et sans nom d'entreprise : elles ne sont "
            "rattachées à aucune entreprise."
        )
    if new_companies and not dry_run:
        repo.add_companies(
            [{"siret": s, "name": n[:200], "version": 1} for s, n in sorted(new_companies.items())]
        )
        companies.update(repo.company_ids(new_companies))

    existing = repo.offers_by_external_id([r.external_id for r in records])
    licences = repo.offer_licences([o.id for o in existing.values()])
    creates: list[tuple[OfferRecord, dict[str, Any]]] = []
    updates: list[tuple[Offer, OfferRecord, dict[str, Any], bool]] = []
    unchanged: list[str] = []
    for rec in records:
        company_id = companies.get(rec.siret) if rec.siret else None
        fields = _offer_fields(
            rec, lot_id=lots.get(rec.lot_ref) if rec.lot_ref else None, company_id=company_id
        )
        current = existing.get(rec.external_id)
        if current is None:
            creates.append((rec, fields))
            continue
        lic_changed = licences.get(current.id, ()) != tuple(sorted(rec.required_licences))
        if _differs(current, fields) or lic_changed:
            updates.append((current, rec, fields, lic_changed))
        else:
            unchanged.append(rec.external_id)

    report = ImportRead(
        kind="offers",
        dry_run=dry_run,
        format=parsed.format,
        rows=len(records),
        created=len(creates),
        updated=len(updates),
        unchanged=len(unchanged),
        companies_created=len(new_companies),
        warnings=warnings,
    )
    if dry_run:
        report.created_ids = [r.external_id for r, _ in creates]
        report.updated_ids = [o.external_id for o, _, _, _ in updates]
        report.unchanged_ids = unchanged
        return report

    now = utcnow()
    new_ids = repo.insert_returning_ids(
        Offer,
        [
            {
                **fields,
                "external_id": rec.external_id,
                "status": "open",
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
            for rec, fields in creates
        ],
    )
    if progress:
        progress(len(creates))
    repo.update_by_id(
        Offer,
        [
            {**fields, "id": o.id, "version": o.version + 1, "updated_at": now}
            for o, _, fields, _ in updates
        ],
    )
    relinked = [o.id for o, _, _, lic in updates if lic]
    repo.delete_children(OfferLicence.offer_id, relinked)
    lic_rows = [
        {"offer_id": new_ids[rec.external_id], "code": code}
        for rec, _ in creates
        for code in sorted(set(rec.required_licences))
    ]
    lic_rows += [
        {"offer_id": o.id, "code": code}
        for o, rec, _, lic in updates
        if lic
        for code in sorted(set(rec.required_licences))
    ]
    repo.insert_rows(OfferLicence, lic_rows)
    # The ORM objects read above are stale now (bulk UPDATE bypasses them).
    for o, _, _, _ in updates:
        session.expire(o)
    if progress:
        progress(len(updates) + len(unchanged))
    audit(
        session,
        user,
        "import",
        "offers",
        None,
        {
            "file": filename[-200:],
            "format": parsed.format,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "companies_created": report.companies_created,
        },
    )
    return report


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
        rep_changed = rep is None or _differs(rep, rep_fields)
        if _differs(current, fields) or jobs_changed or lic_changed or rep_changed:
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
