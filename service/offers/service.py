"""Clause offers: create, read, update, close."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from sqlalchemy.orm import Session

from matching.distances import road_km
from matching.text import fold
from service.accounts.audit import audit
from service.db import utcnow
from service.errors import Conflict, InvalidInput
from service.kit.crud import (
    Pagination,
    check_dates_in_order,
    check_version,
    ensure_exists,
    found,
    patch_fields,
)
from service.models.accounts import User
from service.models.offers import Offer, OfferLicence
from service.offers.repository import OfferRepository
from service.offers.schemas import OfferCreate, OfferUpdate
from service.procurement.repository import (
    CompanyRepository,
    LotRepository,
)
from service.referentials.checks import check_commune, check_rome, check_skills
from service.referentials.service import Referentials

__all__ = [
    "OFFER_SORTS",
    "OfferSearch",
    "create_offer",
    "delete_offer",
    "get_offer",
    "list_offers",
    "search_offers",
    "update_offer",
]

OFFER_SORTS: Final = {
    "debut": "date de début",
    "publication": "plus récentes",
    "intitule": "intitulé",
    "postes": "nombre de postes",
}


@dataclass(frozen=True)
class OfferSearch:
    """What a coach looks for among offers (every field optional)."""

    text: str = ""
    """Words each found in the title, the company's name or the ROME fiche (code or label),
    accents and case ignored."""
    commune: str = ""
    """A commune (INSEE code or name): offers within ``radius_km`` of it by road."""
    radius_km: float | None = None
    bassin: str = ""
    """A bassin d'emploi code: offers in its communes."""
    contract_type: str | None = None
    start_from: date | None = None
    start_to: date | None = None
    clause: str = ""
    """The start of a contract's or lot's reference."""
    created_after: datetime | None = None
    sort: str = "debut"


def search_offers(
    session: Session, refs: Referentials, page: Pagination, search: OfferSearch, *, status: str
) -> tuple[list[Offer], int]:
    """Offers of ``status`` matching ``search`` (``InvalidInput`` in French for an unknown
    commune)."""
    repo = OfferRepository(session)
    ids: set[int] | None = None
    words = fold(search.text).split()
    if words:
        # the title, the company, the fiche's code and label ("F1703", "maçonnerie")
        fiche_labels = dict(
            zip(refs.rome.fiches["code_rome"], refs.rome.fiches["libelle_rome"], strict=True)
        )
        ids = {
            i
            for i, title, company, rome in repo.texts(status=status)
            if all(
                w
                in f"{fold(title)} {fold(company)} {fold(rome)} {fold(fiche_labels.get(rome, ''))}"
                for w in words
            )
        }
    communes: list[str] | None = None
    if search.commune.strip():
        typed = search.commune.strip()
        centre = refs.commune(typed)
        if centre is None:  # a name several communes of France share: the Orne's, if one
            orne = {
                m.commune_id: m for m in refs.commune_candidates(typed) if m.departement == "61"
            }
            centre = next(iter(orne.values())) if len(orne) == 1 else None
        if centre is None:
            raise InvalidInput(
                f"commune « {search.commune.strip()} » inconnue ou ambiguë : donnez son code "
                "INSEE ou son nom exact"
            )
        in_use = repo.communes_in_use(status=status)
        frame = refs.communes.communes.set_index("code_insee")
        known = [c for c in in_use if c in frame.index]
        centre_xy = frame.loc[[centre.code_insee], ["latitude", "longitude"]].to_numpy(float)
        xy = frame.loc[known, ["latitude", "longitude"]].to_numpy(float)
        km: list[float] = road_km(xy, centre_xy)[:, 0].tolist() if known else []
        radius = search.radius_km if search.radius_km is not None else 0.0
        communes = [c for c, d in zip(known, km, strict=True) if d <= radius]
        communes.append(centre.code_insee)
    if search.bassin:
        frame = refs.communes.communes
        in_bassin = frame.loc[frame["code_bassin_emploi"].astype(str) == search.bassin]
        codes = set(in_bassin["code_insee"])
        communes = [c for c in communes if c in codes] if communes is not None else sorted(codes)
    return repo.search(
        status=status,
        ids=ids,
        communes=communes,
        contract_type=search.contract_type,
        start_from=search.start_from,
        start_to=search.start_to,
        clause=search.clause.strip(),
        created_after=search.created_after,
        sort=search.sort if search.sort in OFFER_SORTS else "debut",
        limit=page.limit,
        offset=page.offset,
    )


def list_offers(
    session: Session,
    page: Pagination,
    *,
    status: str | None = None,
    code_rome: str | None = None,
    lot_id: int | None = None,
) -> tuple[list[Offer], int]:
    return OfferRepository(session).page(
        status=status, code_rome=code_rome, lot_id=lot_id, limit=page.limit, offset=page.offset
    )


def get_offer(session: Session, offer_id: int) -> Offer:
    return found(OfferRepository(session).get_by_id(offer_id), "offre", offer_id)


def create_offer(session: Session, refs: Referentials, user: User, data: OfferCreate) -> Offer:
    repo = OfferRepository(session)
    if repo.get_by_external_id(data.external_id) is not None:
        raise Conflict(f"external_id : l'offre {data.external_id} existe déjà")
    code_ogr, code_rome = check_rome(refs, data.code_ogr, data.code_rome, "")
    ensure_exists(LotRepository(session), data.lot_id, "lot_id")
    ensure_exists(CompanyRepository(session), data.company_id, "company_id")
    fields = data.model_dump(
        exclude={"required_licences", "required_skills", "commune_insee", "code_ogr", "code_rome"}
    )
    offer = Offer(
        **fields,
        code_ogr=code_ogr,
        code_rome=code_rome,
        commune_insee=check_commune(refs, data.commune_insee, "commune_insee"),
        required_skills=check_skills(refs, data.required_skills, "required_skills"),
        required_licences=[OfferLicence(code=c) for c in data.required_licences],
    )
    repo.add(offer)
    audit(session, user, "create", "offer", offer.id)
    return offer


def update_offer(
    session: Session, refs: Referentials, user: User, offer_id: int, data: OfferUpdate
) -> Offer:
    offer = get_offer(session, offer_id)
    check_version(offer, data.version, "l'offre")
    changes = patch_fields(
        data, nullable=("code_ogr", "code_rome", "end_date", "lot_id", "company_id")
    )
    for key, value in changes.items():
        if key == "commune_insee":
            offer.commune_insee = check_commune(refs, value, key)
        elif key == "required_skills":
            offer.required_skills = check_skills(refs, value, key)
        elif key == "required_licences":
            offer.required_licences = [OfferLicence(code=c) for c in value]
        elif key == "lot_id":
            ensure_exists(LotRepository(session), value, key)
            offer.lot_id = value
        elif key == "company_id":
            ensure_exists(CompanyRepository(session), value, key)
            offer.company_id = value
        elif key not in {"code_ogr", "code_rome"}:
            setattr(offer, key, value)
    if "code_ogr" in changes or "code_rome" in changes:
        ogr = changes.get("code_ogr", offer.code_ogr if "code_rome" not in changes else None)
        offer.code_ogr, offer.code_rome = check_rome(refs, ogr, changes.get("code_rome"), "")
    check_dates_in_order(offer.start_date, offer.end_date, "start_date", "end_date")
    offer.updated_at = utcnow()
    OfferRepository(session).flush()
    audit(session, user, "update", "offer", offer.id, {"fields": sorted(changes)})
    return offer


def delete_offer(session: Session, user: User, offer_id: int) -> None:
    OfferRepository(session).delete(get_offer(session, offer_id))
    audit(session, user, "delete", "offer", offer_id)
