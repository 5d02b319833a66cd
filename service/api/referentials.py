"""Referentials: commune and job-title autocomplete, licence codes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from matching.licences import LICENCE_LABELS
from service.api.deps import STANDARD_ERRORS, RefsDep
from service.auth import AnyUser
from service.schemas import AppellationRead, CommuneRead, LicenceRead

router = APIRouter(prefix="/referentials", tags=["referentials"], responses=STANDARD_ERRORS)

Q = Annotated[str, Query(min_length=1, max_length=100, description="texte saisi")]
Limit = Annotated[int, Query(ge=1, le=50)]


@router.get("/communes", response_model=list[CommuneRead])
def list_communes(refs: RefsDep, _: AnyUser, q: Q, limit: Limit = 10) -> list[CommuneRead]:
    """Communes matching an INSEE code, a postal code or the start of a name (Orne first)."""
    return [
        CommuneRead(
            code_insee=m.code_insee, nom=m.nom, departement=m.departement, matched_by=m.matched_by
        )
        for m in refs.search_communes(q, limit=limit)
    ]


@router.get("/appellations", response_model=list[AppellationRead])
def list_appellations(refs: RefsDep, _: AnyUser, q: Q, limit: Limit = 10) -> list[AppellationRead]:
    """ROME job titles (appellations) containing every word typed."""
    return [
        AppellationRead(code_ogr=h.code_ogr, libelle=h.libelle, code_rome=h.code_rome)
        for h in refs.search_appellations(q, limit=limit)
    ]


@router.get("/licences", response_model=list[LicenceRead])
def list_licences(_: AnyUser) -> list[LicenceRead]:
    """Licence and certificate codes accepted for candidates and offers."""
    return [LicenceRead(code=code, libelle=label) for code, label in LICENCE_LABELS.items()]
