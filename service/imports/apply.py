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

from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import date
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, Field
from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from service.db import utcnow
from service.errors import InvalidInput, PayloadTooLarge
from service.imports.candidates import CandidateRecord, parse_candidates
from service.imports.offers import OfferRecord, TitleNormaliser, parse_offers
from service.imports.reading import ImportLimits, ImportRejected, RowError
from service.models import (
    Candidate,
    CandidateJob,
    CandidateLicence,
    CandidateReporting,
    Company,
    Lot,
    Offer,
    OfferLicence,
    User,
)
from service.referentials import Referentials
from service.services import audit

__all__ = [
    "ImportRead",
    "ImportRepository",
    "import_candidates",
    "import_offers",
    "limits_from",
    "rejection",
    "table_of",
    "too_large",
]

T = TypeVar("T")
_CHUNK = 5_000
# Parser format → ``offers.source``: a CSV comes from the Orne emploi platform (or is laid out
# like its export).
_SOURCES = {"csv": "orne_emploi", "france_travail": "france_travail"}
Progress = Callable[[int], None]


class ImportRead(BaseModel):
    """What an import did (or, in a dry run, would do)."""

    kind: Literal["offers", "candidates"]
    dry_run: bool
    format: str = Field(description="csv ou france_travail")
    rows: int = Field(description="lignes valides lues")
    created: int
    updated: int
    unchanged: int
    deactivated: int = Field(0, description="personnes absentes du fichier (--full)")
    companies_created: int = 0
    warnings: list[str] = Field(default_factory=list)
    created_ids: list[str] = Field(
        default_factory=list, description="identifiants externes créés (essai à blanc seulement)"
    )
    updated_ids: list[str] = Field(default_factory=list)
    unchanged_ids: list[str] = Field(default_factory=list)
    deactivated_ids: list[str] = Field(default_factory=list)
    batch: dict[str, Any] | None = Field(
        None, description="le lot de rapprochement lancé après l'import, s'il y en a eu un"
    )

    @property
    def has_changes(self) -> bool:
        """Whether the database changed (never in a dry run)."""
        return not self.dry_run and bool(self.created or self.updated or self.deactivated)


def table_of(model: type[Any]) -> Table:
    table: Table = model.__table__
    return table


def _chunks(items: Sequence[T], size: int = _CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


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


class ImportRepository:
    """The SQL of the imports: lookups by external id, SIRET, lot reference; bulk writes.

    Bulk inserts go through the table (Core), not ``insert(Model)``: the ORM's bulk insert drops
    ``None`` values from each row and groups consecutive rows by the keys left, so rows with and
    without an end date or an OGR code split one insert into hundreds of small batches (and, with
    RETURNING, a quadratic merge of their results: 5 s for 10,000 offers on PostgreSQL).
    """

    def __init__(self, session: Session) -> None:
        self.session = session

    def lot_ids(self, references: Iterable[str]) -> dict[str, int]:
        refs = sorted(set(references))
        out: dict[str, int] = {}
        for part in _chunks(refs):
            stmt = select(Lot.reference, Lot.id).where(Lot.reference.in_(part))
            out.update({str(r): int(i) for r, i in self.session.execute(stmt)})
        return out

    def company_ids(self, sirets: Iterable[str]) -> dict[str, int]:
        wanted = sorted(set(sirets))
        out: dict[str, int] = {}
        for part in _chunks(wanted):
            stmt = select(Company.siret, Company.id).where(Company.siret.in_(part))
            out.update({str(s): int(i) for s, i in self.session.execute(stmt)})
        return out

    def add_companies(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.session.execute(insert(table_of(Company)), rows)

    def offers_by_external_id(self, external_ids: Sequence[str]) -> dict[str, Offer]:
        out: dict[str, Offer] = {}
        for part in _chunks(sorted(set(external_ids))):
            stmt = select(Offer).where(Offer.external_id.in_(part))
            out.update({o.external_id: o for o in self.session.scalars(stmt)})
        return out

    def offer_licences(self, offer_ids: Sequence[int]) -> dict[int, tuple[str, ...]]:
        out: dict[int, list[str]] = {}
        for part in _chunks(sorted(offer_ids)):
            stmt = select(OfferLicence.offer_id, OfferLicence.code).where(
                OfferLicence.offer_id.in_(part)
            )
            for oid, code in self.session.execute(stmt):
                out.setdefault(int(oid), []).append(str(code))
        return {k: tuple(sorted(v)) for k, v in out.items()}

    def insert_returning_ids(
        self, model: type[Offer] | type[Candidate], rows: list[dict[str, Any]]
    ) -> dict[str, int]:
        """Insert rows in bulk; external id → new primary key."""
        out: dict[str, int] = {}
        for part in _chunks(rows):
            table = table_of(model)
            stmt = insert(table).returning(table.c.external_id, table.c.id)
            out.update({str(e): int(i) for e, i in self.session.execute(stmt, list(part))})
        return out

    def update_by_id(self, model: type[Any], rows: list[dict[str, Any]]) -> None:
        """UPDATE rows by ``id`` (every row gives the same columns), versions set by the caller.

        A Core executemany: the ORM's bulk update by primary key would check ``version`` against
        the new value.
        """
        if not rows:
            return
        table = table_of(model)
        columns = [k for k in rows[0] if k != "id"]
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({c: bindparam(f"_{c}") for c in columns})
        )
        for part in _chunks(rows):
            self.session.execute(stmt, [{f"_{k}": v for k, v in row.items()} for row in part])

    def insert_rows(self, model: type[Any], rows: list[dict[str, Any]]) -> None:
        for part in _chunks(rows):
            self.session.execute(insert(table_of(model)), list(part))

    def delete_children(self, column: Any, parent_ids: Sequence[int]) -> None:
        for part in _chunks(sorted(parent_ids)):
            self.session.execute(delete(column.class_).where(column.in_(part)))

    def active_coaches(self) -> dict[str, int]:
        stmt = select(User.username, User.id).where(User.role == "coach", User.is_active)
        return {str(n): int(i) for n, i in self.session.execute(stmt)}

    def candidates_by_external_id(self, external_ids: Sequence[str]) -> dict[str, Candidate]:
        out: dict[str, Candidate] = {}
        for part in _chunks(sorted(set(external_ids))):
            stmt = select(Candidate).where(Candidate.external_id.in_(part))
            out.update({c.external_id: c for c in self.session.scalars(stmt)})
        return out

    def candidate_children(
        self, candidate_ids: Sequence[int]
    ) -> tuple[
        dict[int, tuple[tuple[str, int | None, float], ...]],
        dict[int, tuple[str, ...]],
        dict[int, CandidateReporting],
    ]:
        jobs: dict[int, list[tuple[str, int | None, float]]] = {}
        licences: dict[int, list[str]] = {}
        reporting: dict[int, CandidateReporting] = {}
        for part in _chunks(sorted(candidate_ids)):
            job_stmt = (
                select(
                    CandidateJob.candidate_id,
                    CandidateJob.code_rome,
                    CandidateJob.code_ogr,
                    CandidateJob.experience_years,
                )
                .where(CandidateJob.candidate_id.in_(part))
                .order_by(CandidateJob.candidate_id, CandidateJob.id)
            )
            for cid, rome, ogr, years in self.session.execute(job_stmt):
                jobs.setdefault(int(cid), []).append(
                    (str(rome), None if ogr is None else int(ogr), float(years))
                )
            lic_stmt = select(CandidateLicence.candidate_id, CandidateLicence.code).where(
                CandidateLicence.candidate_id.in_(part)
            )
            for cid, code in self.session.execute(lic_stmt):
                licences.setdefault(int(cid), []).append(str(code))
            rep_stmt = select(CandidateReporting).where(CandidateReporting.candidate_id.in_(part))
            reporting.update({r.candidate_id: r for r in self.session.scalars(rep_stmt)})
        return (
            {k: tuple(v) for k, v in jobs.items()},
            {k: tuple(sorted(v)) for k, v in licences.items()},
            reporting,
        )

    def active_candidates_not_in(self, external_ids: set[str]) -> list[tuple[int, str, int]]:
        stmt = select(Candidate.id, Candidate.external_id, Candidate.version).where(
            Candidate.is_active
        )
        return [
            (int(i), str(e), int(v))
            for i, e, v in self.session.execute(stmt)
            if e not in external_ids
        ]


# --------------------------------------------------------------------------- offers


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


# --------------------------------------------------------------------------- candidates


def _candidate_fields(rec: CandidateRecord, coach_id: int) -> dict[str, Any]:
    return {
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
        fields = _candidate_fields(rec, coaches[rec.coach])
        current = existing.get(rec.external_id)
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
