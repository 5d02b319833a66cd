"""Referentials: commune and job-title autocomplete, licence codes."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from matching.licences import LICENCE_LABELS
from service.accounts.auth import AnyUser
from service.kit.deps import STANDARD_ERRORS, SettingsDep
from service.referentials.deps import RefsDep
from service.referentials.schemas import AppellationRead, CommuneRead, LicenceRead
from service.referentials.titles import title_index

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


class JobRead(BaseModel):
    code_ogr: int
    appellation: str
    code_rome: str
    code_rome_parent: str
    score: float = Field(description="proximité avec le texte saisi, entre 0 et 1")


@router.get("/jobs", response_model=list[JobRead])
def list_jobs(settings: SettingsDep, _: AnyUser, q: Q, limit: Limit = 10) -> list[JobRead]:
    """Job autocomplete through the title index: prefixes, abbreviations (PL, VRD), typos."""
    hits = title_index(settings.referentials_dir).search(q, k=limit)
    return [
        JobRead(
            code_ogr=int(ogr),
            appellation=str(label),
            code_rome=str(rome),
            code_rome_parent=str(parent),
            score=round(float(score), 3),
        )
        for ogr, label, rome, parent, score in zip(
            hits["code_ogr"].to_numpy(),
            hits["appellation"].to_numpy(),
            hits["code_rome"].to_numpy(),
            hits["code_rome_parent"].to_numpy(),
            hits["score"].to_numpy(dtype=float),
            strict=True,
        )
    ]


@router.get("/licences", response_model=list[LicenceRead])
def list_licences(_: AnyUser) -> list[LicenceRead]:
    """Licence and certificate codes accepted for candidates and offers."""
    return [LicenceRead(code=code, libelle=label) for code, label in LICENCE_LABELS.items()]
