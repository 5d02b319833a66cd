"""Offer and candidate file imports (facilitator): all or nothing, ``?dry_run=true`` to preview.

Plain ``def`` endpoints: parsing and title normalisation are CPU-bound (FastAPI's thread pool).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, UploadFile

from service.accounts.auth import FacilitatorUser, ManagerUser
from service.config import Settings
from service.db import SessionDep
from service.imports.feed import list_feed_runs
from service.imports.offer_import import dismiss_refused, import_offers, list_refused
from service.imports.schemas import FeedRunRead, ImportErrorRead, ImportRead, RefusedOfferRead
from service.imports.service import import_candidates, limits_from, too_large
from service.kit.deps import STANDARD_ERRORS, EntityId, PageDep, SettingsDep
from service.kit.schemas import Page
from service.referentials.deps import RefsDep
from service.referentials.titles import NormaliserDep
from service.scoring.batch import batch_parameters, run_batch
from service.scoring.deps import ScoringStateDep

__all__ = ["router"]


router = APIRouter(
    prefix="/imports",
    tags=["imports"],
    responses={
        **STANDARD_ERRORS,
        413: {"model": ImportErrorRead, "description": "fichier trop volumineux"},
        422: {"model": ImportErrorRead, "description": "fichier refusé, ligne par ligne"},
    },
)


DryRun = Annotated[bool, Query(description="essai à blanc : rien n'est écrit")]
AcceptValid = Annotated[
    bool,
    Query(
        description=(
            "import partiel : les offres valides sont importées, les autres refusées et listées "
            "avec leurs motifs (sinon une offre invalide fait refuser tout le fichier)"
        )
    ),
]


def _read(upload: UploadFile, settings: Settings) -> bytes:
    limit = settings.import_max_bytes
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise too_large(len(data), limits_from(limit, settings.import_max_rows))
    return data


@router.post("/offers", response_model=ImportRead)
def post_offers_import(
    session: SessionDep,
    settings: SettingsDep,
    refs: RefsDep,
    normaliser: NormaliserDep,
    scoring: ScoringStateDep,
    user: FacilitatorUser,
    file: UploadFile,
    dry_run: DryRun = False,
    accept_valid: AcceptValid = False,
) -> ImportRead:
    """Import an offer file (Orne emploi CSV or France Travail JSON), then run the batch."""
    data = _read(file, settings)
    report = import_offers(
        session,
        data,
        filename=file.filename or "offres",
        refs=refs,
        normalise_titles=normaliser,
        limits=limits_from(settings.import_max_bytes, settings.import_max_rows),
        user=user,
        dry_run=dry_run,
        accept_valid=accept_valid,
    )
    if not dry_run and report.has_changes:
        session.flush()
        batch = run_batch(session, scoring, user=user, params=batch_parameters(settings, scoring))
        report.batch = batch.model_dump(mode="json")
    return report


@router.post("/candidates", response_model=ImportRead)
def post_candidates_import(
    session: SessionDep,
    settings: SettingsDep,
    refs: RefsDep,
    normaliser: NormaliserDep,
    scoring: ScoringStateDep,
    user: FacilitatorUser,
    file: UploadFile,
    dry_run: DryRun = False,
    full: Annotated[
        bool, Query(description="export complet : les personnes absentes deviennent inactives")
    ] = False,
) -> ImportRead:
    """Import the Département's export of coached people (pseudonymous ids, no names)."""
    data = _read(file, settings)
    return import_candidates(
        session,
        data,
        refs=refs,
        normalise_titles=normaliser,
        limits=limits_from(settings.import_max_bytes, settings.import_max_rows),
        user=user,
        today=scoring.today(),
        dry_run=dry_run,
        full=full,
        filename=file.filename or "",
    )


@router.get("/refused-offers", response_model=Page[RefusedOfferRead])
def get_refused_offers(
    session: SessionDep,
    user: FacilitatorUser,
    page: PageDep,
    status: Annotated[
        Literal["pending", "resolved", "dismissed", "all"],
        Query(description="en attente (par défaut), résolues, écartées, ou toutes"),
    ] = "pending",
) -> Page[RefusedOfferRead]:
    """Offers that partial imports left out, with their reasons, the latest first."""
    items, total = list_refused(session, status=None if status == "all" else status, page=page)
    return Page[RefusedOfferRead](items=items, total=total, limit=page.limit, offset=page.offset)


@router.post("/refused-offers/{refused_id}/dismiss", response_model=RefusedOfferRead)
def post_refused_offer_dismiss(
    session: SessionDep, user: FacilitatorUser, refused_id: EntityId
) -> RefusedOfferRead:
    """Set a refused offer aside: it leaves the list of offers waiting for a fix."""
    return dismiss_refused(session, user, refused_id)


@router.get("/feed-runs", response_model=Page[FeedRunRead])
def get_feed_runs(session: SessionDep, user: ManagerUser, page: PageDep) -> Page[FeedRunRead]:
    """Runs of the France Travail feed (window, counts, reason of a failure), latest first."""
    items, total = list_feed_runs(session, page)
    return Page[FeedRunRead](items=items, total=total, limit=page.limit, offset=page.offset)
