"""Offer and candidate file imports (facilitator): all or nothing, ``?dry_run=true`` to preview.

Plain ``def`` endpoints: parsing and title normalisation are CPU-bound (FastAPI's thread pool).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, UploadFile
from pydantic import BaseModel, Field

from service.api.deps import STANDARD_ERRORS, RefsDep, SettingsDep
from service.auth import FacilitatorUser
from service.batch import BatchParameters, run_batch
from service.config import Settings
from service.db import SessionDep
from service.imports.apply import (
    ImportRead,
    import_candidates,
    import_offers,
    limits_from,
    too_large,
)
from service.imports.normaliser import title_normaliser
from service.imports.offers import TitleNormaliser
from service.scoring import ScoringState

__all__ = ["get_batch_scoring", "get_title_normaliser", "router"]


class RowErrorRead(BaseModel):
    line: int | None = Field(description="ligne du fichier (1 = en-tête), ou rang de l'offre JSON")
    column: str | None
    code: str
    message: str


class ImportErrorRead(BaseModel):
    error: str
    detail: str
    errors: list[RowErrorRead] = Field(default_factory=list)


router = APIRouter(
    prefix="/imports",
    tags=["imports"],
    responses={
        **STANDARD_ERRORS,
        413: {"model": ImportErrorRead, "description": "fichier trop volumineux"},
        422: {"model": ImportErrorRead, "description": "fichier refusé, ligne par ligne"},
    },
)


def get_title_normaliser(settings: SettingsDep) -> TitleNormaliser:
    """The title normaliser (its index is built once per process)."""
    return title_normaliser(settings.referentials_dir)


def get_batch_scoring(request: Request) -> ScoringState:
    """The app's scoring state (built at start-up when the app keeps one, else made here once)."""
    scoring: ScoringState | None = getattr(request.app.state, "scoring", None)
    if scoring is None:
        refs = request.app.state.referentials
        scoring = ScoringState(rome=refs.rome, communes=refs.communes)
        request.app.state.scoring = scoring
    return scoring


NormaliserDep = Annotated[TitleNormaliser, Depends(get_title_normaliser)]
ScoringDep = Annotated[ScoringState, Depends(get_batch_scoring)]
DryRun = Annotated[bool, Query(description="essai à blanc : rien n'est écrit")]


def _read(upload: UploadFile, settings: Settings) -> bytes:
    limit = settings.import_max_bytes
    data = upload.file.read(limit + 1)
    if len(data) > limit:
        raise too_large(len(data), limits_from(limit, settings.import_max_rows))
    return data


def batch_parameters(settings: Settings, scoring: ScoringState) -> BatchParameters:
    return BatchParameters(
        as_of=scoring.today(),
        slots_per_position=settings.slots_per_position,
        max_lists=settings.batch_max_lists,
    )


@router.post("/offers", response_model=ImportRead)
def post_offers_import(
    session: SessionDep,
    settings: SettingsDep,
    refs: RefsDep,
    normaliser: NormaliserDep,
    scoring: ScoringDep,
    user: FacilitatorUser,
    file: UploadFile,
    dry_run: DryRun = False,
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
    scoring: ScoringDep,
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
