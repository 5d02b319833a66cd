"""Import offers (a file, or what the France Travail feed fetched): check, link, compare, write.

By default an offer file is all or nothing, as a candidate file always is: one bad offer and
nothing is written. With ``accept_valid`` (``--accept-valid``, ``?accept_valid=true``, the web's
"Importer les offres valides", and always for the feed) the valid offers are imported and the
refused ones are **said**: the answer lists each with every reason, and each is kept in
``refused_offers`` (status ``pending``) until an import accepts the same offer (``resolved``) or a
facilitator sets it aside (``dismissed``). An offer is never imported in part. A problem with the
whole file (unreadable, wrong format, too big) still refuses it whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from service.accounts.audit import audit
from service.db import utcnow
from service.errors import Conflict, NotFound
from service.imports.offer_records import OfferParseResult, OfferRecord
from service.imports.offers import parse_offers
from service.imports.reading import ImportLimits, ImportRejected, RowError
from service.imports.repository import ImportRepository
from service.imports.schemas import ImportRead, RefusedOfferRead, RefusedRead, RowErrorRead
from service.imports.service import Progress, differs, rejection
from service.kit.crud import Pagination
from service.models.accounts import User
from service.models.imports import RefusedOffer
from service.models.limits import column_length, fit_text
from service.models.offers import Offer, OfferLicence
from service.referentials.service import Referentials
from service.referentials.titles import TitleNormaliser

__all__ = ["apply_offers", "dismiss_refused", "import_offers", "list_refused"]


# Parser format → ``offers.source``: a CSV comes from the Orne emploi platform (or is laid out
# like its export).
_SOURCES = {"csv": "orne_emploi", "france_travail": "france_travail"}


_REF_CHARS = column_length(RefusedOffer.ref)
_ID_CHARS = column_length(RefusedOffer.external_id)
_TITLE_CHARS = column_length(RefusedOffer.title)


_PARTIAL_HINT = (
    " Les offres valides peuvent être importées seules, les autres étant listées avec leurs "
    "motifs : --accept-valid (ligne de commande), ?accept_valid=true (API), « Importer les "
    "offres valides » (page Imports)."
)


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
    accept_valid: bool = False,
    progress: Progress | None = None,
) -> ImportRead:
    """Import an offer file (Orne emploi CSV or France Travail JSON)."""
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
    return apply_offers(
        session,
        parsed,
        origin=filename,
        user=user,
        dry_run=dry_run,
        accept_valid=accept_valid,
        progress=progress,
    )


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


def _refused(
    errors: Sequence[RowError], identities: dict[int, tuple[str, str]]
) -> list[RefusedRead]:
    """Row errors grouped by offer, in file order."""
    by_line: dict[int | None, list[RowError]] = {}
    for e in errors:
        by_line.setdefault(e.line, []).append(e)
    out = []
    for line in sorted(by_line, key=lambda x: x or 0):
        ext, title = identities.get(line, ("", "")) if line is not None else ("", "")
        out.append(
            RefusedRead(
                line=line,
                external_id=ext,
                title=title,
                errors=[RowErrorRead(**e.as_dict()) for e in by_line[line]],
            )
        )
    return out


def _unknown_lots(repo: ImportRepository, records: list[OfferRecord]) -> list[RowError]:
    lots = repo.lot_ids(r.lot_ref for r in records if r.lot_ref)
    return [
        RowError(
            rec.line,
            "lot",
            "unknown_lot",
            f"Lot inconnu : « {rec.lot_ref} ». Créez d'abord le lot (référence du lot du "
            "marché) ou corrigez la référence.",
        )
        for rec in records
        if rec.lot_ref and rec.lot_ref not in lots
    ]


def apply_offers(
    session: Session,
    parsed: OfferParseResult,
    *,
    origin: str,
    user: User | None,
    dry_run: bool = False,
    accept_valid: bool = False,
    progress: Progress | None = None,
    audit_detail: dict[str, Any] | None = None,
) -> ImportRead:
    """Write parsed offers: upsert by external id; all or nothing unless ``accept_valid``.

    ``origin`` names the file or the feed (kept with refused offers and in the audit entry).
    """
    repo = ImportRepository(session)
    source = _SOURCES[parsed.format]
    records = parsed.records
    errors = [*parsed.errors, *_unknown_lots(repo, records)]
    refused: list[RefusedRead] = []
    if errors:
        whole_file = any(e.line is None for e in errors)
        if whole_file or not accept_valid:
            hint = "" if whole_file or not records else _PARTIAL_HINT
            raise rejection(errors, what="Fichier d'offres", hint=hint)
        identities = {**parsed.identities, **{r.line: (r.external_id, r.intitule) for r in records}}
        refused = _refused(errors, identities)
        bad = {e.line for e in errors}
        records = [r for r in records if r.line not in bad]
    warnings = list(parsed.warnings)
    if refused:
        warnings.insert(
            0,
            f"Import partiel : {len(refused)} offre(s) refusée(s), listées avec leurs motifs ; "
            f"{len(records)} offre(s) valide(s) importée(s).",
        )
    lots = repo.lot_ids(r.lot_ref for r in records if r.lot_ref)

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
        if differs(current, fields) or lic_changed:
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
        accept_valid=accept_valid,
        refused=refused,
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
    resolved = repo.resolve_refused(source, [r.external_id for r in records], at=now)
    repo.record_refused(
        source,
        [
            {
                # What a refused offer is kept with is only shown: cut to its columns and
                # cleaned of control characters, never refused again (service.models.limits).
                "ref": fit_text(r.external_id or f"{origin[-200:]}#{r.line}", _REF_CHARS),
                "external_id": fit_text(r.external_id, _ID_CHARS) or None,
                "title": fit_text(r.title, _TITLE_CHARS) or None,
                "errors": [
                    {
                        **e.model_dump(),
                        "column": fit_text(e.column, None) if e.column else None,
                        "message": fit_text(e.message, None),
                    }
                    for e in r.errors
                ],
            }
            for r in refused
        ],
        origin=fit_text(origin[-200:], None),
        at=now,
    )
    if progress:
        progress(len(updates) + len(unchanged))
    audit(
        session,
        user,
        "import",
        "offers",
        None,
        {
            "file": origin[-200:],
            "format": parsed.format,
            "created": report.created,
            "updated": report.updated,
            "unchanged": report.unchanged,
            "companies_created": report.companies_created,
            "refused": len(refused),
            "refused_resolved": resolved,
            **(audit_detail or {}),
        },
    )
    return report


def list_refused(
    session: Session, *, status: str | None, page: Pagination
) -> tuple[list[RefusedOfferRead], int]:
    """Refused offers, the latest seen first (``status`` None: all)."""
    rows, total = ImportRepository(session).refused_page(
        status, limit=page.limit, offset=page.offset
    )
    return [RefusedOfferRead.model_validate(r) for r in rows], total


def dismiss_refused(session: Session, user: User, refused_id: int) -> RefusedOfferRead:
    """A facilitator sets a refused offer aside (it will not be imported as it is)."""
    repo = ImportRepository(session)
    row = repo.refused(refused_id)
    if row is None:
        raise NotFound(f"offre refusée {refused_id} introuvable")
    if row.status != "pending":
        raise Conflict(f"l'offre refusée {refused_id} n'est plus en attente ({row.status})")
    row.status = "dismissed"
    row.resolved_at = utcnow()
    row.resolved_by = user.id
    repo.flush()
    audit(session, user, "dismiss", "refused_offer", row.id)
    return RefusedOfferRead.model_validate(row)
