"""Service functions: rules, scoping, validation against the referentials, audit.

Routers call these; these call repositories. Nothing here commits (the request's session
dependency does) and nothing here knows HTTP beyond the error classes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from service.auth import hash_token, new_token
from service.db import after_reads, is_read_only, utcnow
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.models import (
    AuditEntry,
    Buyer,
    Candidate,
    CandidateJob,
    CandidateLicence,
    CandidateReporting,
    Company,
    Contract,
    Lot,
    Offer,
    OfferLicence,
    User,
)
from service.referentials import Referentials
from service.repositories import (
    AuditFilter,
    AuditRepository,
    BuyerRepository,
    CandidateRepository,
    CompanyRepository,
    ContractRepository,
    LotRepository,
    OfferRepository,
    ReportingRepository,
    UserRepository,
)
from service.schemas import (
    BuyerCreate,
    BuyerUpdate,
    CandidateCreate,
    CandidateJobIn,
    CandidateUpdate,
    CompanyCreate,
    CompanyUpdate,
    ContractCreate,
    ContractUpdate,
    LotCreate,
    LotUpdate,
    OfferCreate,
    OfferUpdate,
    ReportingWrite,
    UserCreate,
    UserUpdate,
)

__all__ = [
    "Pagination",
    "audit",
    "create_buyer",
    "create_candidate",
    "create_company",
    "create_contract",
    "create_lot",
    "create_offer",
    "create_user",
    "delete_buyer",
    "delete_candidate",
    "delete_company",
    "delete_contract",
    "delete_lot",
    "delete_offer",
    "get_buyer",
    "get_candidate",
    "get_company",
    "get_contract",
    "get_lot",
    "get_offer",
    "get_reporting",
    "get_user",
    "list_audit",
    "list_buyers",
    "list_candidates",
    "list_companies",
    "list_contracts",
    "list_lots",
    "list_offers",
    "list_users",
    "put_reporting",
    "rotate_token",
    "update_buyer",
    "update_candidate",
    "update_company",
    "update_contract",
    "update_lot",
    "update_offer",
    "update_user",
]

V = TypeVar("V")


@dataclass(frozen=True)
class Pagination:
    limit: int
    offset: int


# --------------------------------------------------------------------------- helpers


_AUDIT_INSERT = insert(cast(Table, AuditEntry.__table__))


def audit(
    session: Session,
    user: User | None,
    action: str,
    entity_type: str,
    entity_id: int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Record who did what to which entity. ``detail`` must hold no personal data.

    In a write transaction the entry is part of it; a read-only request writes it once its
    reads are done, before the response leaves (:func:`service.db.after_reads`)."""
    row = {
        "at": utcnow(),
        "user_id": user.id if user else None,
        "role": user.role if user else "system",
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "detail": detail,
    }
    if is_read_only(session):
        # A plain Core insert into the table: no unit of work, no ORM bulk machinery.
        after_reads(session, lambda writer: writer.connection().execute(_AUDIT_INSERT, [row]))
    else:
        AuditRepository(session).add(AuditEntry(**row))


def _check_version(obj: Any, version: int, what: str) -> None:
    if obj.version != version:
        raise Conflict(
            f"conflit de version sur {what} : version actuelle {obj.version}, envoyée "
            f"{version} ; rechargez et recommencez"
        )


def _found(obj: V | None, what: str, entity_id: int) -> V:
    if obj is None:
        raise NotFound(f"{what} {entity_id} introuvable")
    return obj


def _changes(data: Any, *, nullable: Iterable[str] = ()) -> dict[str, Any]:
    """The fields a PATCH body sets; ``null`` only where the field may be empty."""
    out: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"version"})
    allowed = set(nullable)
    empty = sorted(k for k, v in out.items() if v is None and k not in allowed)
    if empty:
        raise InvalidInput(f"{', '.join(empty)} : ne peut pas être vide (null)")
    return out


def _dates_in_order(start: Any, end: Any, start_name: str, end_name: str) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInput(f"{end_name} ({end}) est avant {start_name} ({start})")


def _commune(refs: Referentials, value: str, field: str) -> str:
    hit = refs.commune(value)
    if hit is not None:
        return hit.code_insee
    candidates = refs.commune_candidates(value)
    if candidates:
        names = ", ".join(f"{c.nom} ({c.code_insee})" for c in candidates[:5])
        raise InvalidInput(
            f"{field} : « {value} » désigne plusieurs communes ({names}) : donnez le code INSEE"
        )
    raise InvalidInput(f"{field} : commune inconnue « {value} » (code INSEE ou nom attendu)")


def _skills(refs: Referentials, codes: list[int], field: str) -> list[int]:
    unknown = sorted({c for c in codes if c not in refs.skill_codes})
    if unknown:
        raise InvalidInput(f"{field} : compétence ROME inconnue : {unknown[:10]}")
    return sorted(set(codes))


def _rome(
    refs: Referentials, code_ogr: int | None, code_rome: str | None, field: str
) -> tuple[int | None, str | None]:
    """Check an appellation and/or fiche; the fiche is derived from the appellation if absent."""
    if code_ogr is not None:
        if not refs.rome.has_appellation(code_ogr):
            raise InvalidInput(f"{field}code_ogr : appellation ROME inconnue : {code_ogr}")
        fiche = str(refs.rome.appellation(code_ogr)["code_rome"])
        if code_rome is not None and code_rome != fiche:
            raise InvalidInput(
                f"{field}code_rome : l'appellation {code_ogr} relève de la fiche {fiche}, "
                f"pas de {code_rome}"
            )
        return code_ogr, fiche
    if code_rome is not None and not refs.rome.has_fiche(code_rome):
        raise InvalidInput(f"{field}code_rome : fiche ROME inconnue : {code_rome}")
    return None, code_rome


def _jobs(refs: Referentials, jobs: list[CandidateJobIn]) -> list[CandidateJob]:
    out = []
    for i, job in enumerate(jobs):
        code_ogr, code_rome = _rome(refs, job.code_ogr, job.code_rome, f"jobs[{i}].")
        assert code_rome is not None
        out.append(
            CandidateJob(
                code_ogr=code_ogr, code_rome=code_rome, experience_years=job.experience_years
            )
        )
    return out


def _ensure_exists(repo: Any, entity_id: int | None, field: str) -> None:
    if entity_id is not None and repo.get_by_id(entity_id) is None:
        raise InvalidInput(f"{field} : {entity_id} n'existe pas")


# --------------------------------------------------------------------------- users


def create_user(session: Session, actor: User | None, data: UserCreate) -> tuple[User, str]:
    """A new user and their API token (returned once, only its hash is kept)."""
    repo = UserRepository(session)
    if repo.get_by_username(data.username) is not None:
        raise Conflict(f"l'utilisateur {data.username} existe déjà")
    token = new_token()
    user = repo.add(User(username=data.username, role=data.role, token_hash=hash_token(token)))
    audit(session, actor, "create", "user", user.id, {"role": data.role})
    return user, token


def list_users(session: Session, page: Pagination) -> tuple[list[User], int]:
    return UserRepository(session).page(limit=page.limit, offset=page.offset)


def get_user(session: Session, user_id: int) -> User:
    return _found(UserRepository(session).get_by_id(user_id), "utilisateur", user_id)


def update_user(session: Session, actor: User, user_id: int, data: UserUpdate) -> User:
    user = get_user(session, user_id)
    _check_version(user, data.version, "l'utilisateur")
    changes = _changes(data)
    if user.id == actor.id and (
        changes.get("role", "admin") != "admin" or not changes.get("is_active", True)
    ):
        raise InvalidInput("un administrateur ne peut ni se désactiver ni changer son propre rôle")
    for key, value in changes.items():
        setattr(user, key, value)
    UserRepository(session).flush()
    audit(session, actor, "update", "user", user.id, {"fields": sorted(changes)})
    return user


def rotate_token(session: Session, actor: User, user_id: int) -> tuple[User, str]:
    user = get_user(session, user_id)
    token = new_token()
    user.token_hash = hash_token(token)
    UserRepository(session).flush()
    audit(session, actor, "rotate_token", "user", user.id)
    return user, token


# --------------------------------------------------------------------------- candidates


def _visible_candidate(session: Session, user: User, candidate_id: int) -> Candidate:
    """The candidate if this user may see them. Another coach's person is a 404, not a 403:
    the answer must not tell whether the id exists."""
    candidate = CandidateRepository(session).get_by_id(candidate_id)
    if candidate is None or (user.role == "coach" and candidate.coach_id != user.id):
        raise NotFound(f"personne {candidate_id} introuvable")
    return candidate


def _coach_for(session: Session, user: User, coach_id: int | None) -> int:
    if user.role == "coach":
        if coach_id is not None and coach_id != user.id:
            raise Forbidden("un coach ne peut rattacher une personne qu'à son propre suivi")
        return user.id
    if coach_id is None:
        raise InvalidInput("coach_id : requis (le coach qui suit la personne)")
    coach = UserRepository(session).get_by_id(coach_id)
    if coach is None or coach.role != "coach" or not coach.is_active:
        raise InvalidInput(f"coach_id : {coach_id} n'est pas un coach actif")
    return coach_id


def list_candidates(
    session: Session,
    user: User,
    page: Pagination,
    *,
    is_active: bool | None = None,
    commune_insee: str | None = None,
) -> tuple[list[Candidate], int]:
    rows, total = CandidateRepository(session).page(
        coach_id=user.id if user.role == "coach" else None,
        is_active=is_active,
        commune_insee=commune_insee,
        limit=page.limit,
        offset=page.offset,
    )
    audit(session, user, "list", "candidate", None, {"ids": [c.id for c in rows]})
    return rows, total


def get_candidate(session: Session, user: User, candidate_id: int) -> Candidate:
    candidate = _visible_candidate(session, user, candidate_id)
    audit(session, user, "read", "candidate", candidate.id)
    return candidate


def create_candidate(
    session: Session, refs: Referentials, user: User, data: CandidateCreate
) -> Candidate:
    repo = CandidateRepository(session)
    coach_id = _coach_for(session, user, data.coach_id)
    if repo.get_by_external_id(data.external_id) is not None:
        raise Conflict(f"external_id : {data.external_id} existe déjà")
    fields = data.model_dump(exclude={"licences", "jobs", "coach_id", "commune_insee", "skills"})
    candidate = Candidate(
        **fields,
        coach_id=coach_id,
        commune_insee=_commune(refs, data.commune_insee, "commune_insee"),
        skills=_skills(refs, data.skills, "skills"),
        licences=[CandidateLicence(code=c) for c in data.licences],
        jobs=_jobs(refs, data.jobs),
    )
    repo.add(candidate)
    audit(session, user, "create", "candidate", candidate.id)
    return candidate


def update_candidate(
    session: Session, refs: Referentials, user: User, candidate_id: int, data: CandidateUpdate
) -> Candidate:
    candidate = _visible_candidate(session, user, candidate_id)
    _check_version(candidate, data.version, "la fiche de la personne")
    changes = _changes(data, nullable=("max_distance_km", "max_travel_minutes"))
    for key, value in changes.items():
        if key == "commune_insee":
            candidate.commune_insee = _commune(refs, value, key)
        elif key == "coach_id":
            candidate.coach_id = _coach_for(session, user, value)
        elif key == "skills":
            candidate.skills = _skills(refs, value, key)
        elif key == "licences":
            candidate.licences = [CandidateLicence(code=c) for c in value]
        elif key == "jobs":
            candidate.jobs = _jobs(refs, data.jobs or [])
        else:
            setattr(candidate, key, value)
    if candidate.max_distance_km is None and candidate.max_travel_minutes is None:
        raise InvalidInput("donnez max_distance_km ou max_travel_minutes")
    candidate.updated_at = utcnow()
    CandidateRepository(session).flush()
    audit(session, user, "update", "candidate", candidate.id, {"fields": sorted(changes)})
    return candidate


def delete_candidate(session: Session, user: User, candidate_id: int) -> None:
    candidate = _visible_candidate(session, user, candidate_id)
    CandidateRepository(session).delete(candidate)
    audit(session, user, "delete", "candidate", candidate_id)


def get_reporting(session: Session, user: User, candidate_id: int) -> CandidateReporting:
    _visible_candidate(session, user, candidate_id)
    row = ReportingRepository(session).get(candidate_id)
    audit(session, user, "read", "candidate_reporting", candidate_id)
    return (
        row
        if row is not None
        else CandidateReporting(candidate_id=candidate_id, rsa_beneficiary=True)
    )


def put_reporting(
    session: Session, user: User, candidate_id: int, data: ReportingWrite
) -> CandidateReporting:
    _visible_candidate(session, user, candidate_id)
    repo = ReportingRepository(session)
    row = repo.get(candidate_id)
    if row is None:
        row = repo.add(CandidateReporting(candidate_id=candidate_id, **data.model_dump()))
    else:
        for key, value in data.model_dump().items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        session.flush()
    audit(session, user, "update", "candidate_reporting", candidate_id)
    return row


# --------------------------------------------------------------------------- offers


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
    return _found(OfferRepository(session).get_by_id(offer_id), "offre", offer_id)


def create_offer(session: Session, refs: Referentials, user: User, data: OfferCreate) -> Offer:
    repo = OfferRepository(session)
    if repo.get_by_external_id(data.external_id) is not None:
        raise Conflict(f"external_id : l'offre {data.external_id} existe déjà")
    code_ogr, code_rome = _rome(refs, data.code_ogr, data.code_rome, "")
    _ensure_exists(LotRepository(session), data.lot_id, "lot_id")
    _ensure_exists(CompanyRepository(session), data.company_id, "company_id")
    fields = data.model_dump(
        exclude={"required_licences", "required_skills", "commune_insee", "code_ogr", "code_rome"}
    )
    offer = Offer(
        **fields,
        code_ogr=code_ogr,
        code_rome=code_rome,
        commune_insee=_commune(refs, data.commune_insee, "commune_insee"),
        required_skills=_skills(refs, data.required_skills, "required_skills"),
        required_licences=[OfferLicence(code=c) for c in data.required_licences],
    )
    repo.add(offer)
    audit(session, user, "create", "offer", offer.id)
    return offer


def update_offer(
    session: Session, refs: Referentials, user: User, offer_id: int, data: OfferUpdate
) -> Offer:
    offer = get_offer(session, offer_id)
    _check_version(offer, data.version, "l'offre")
    changes = _changes(data, nullable=("code_ogr", "code_rome", "end_date", "lot_id", "company_id"))
    for key, value in changes.items():
        if key == "commune_insee":
            offer.commune_insee = _commune(refs, value, key)
        elif key == "required_skills":
            offer.required_skills = _skills(refs, value, key)
        elif key == "required_licences":
            offer.required_licences = [OfferLicence(code=c) for c in value]
        elif key == "lot_id":
            _ensure_exists(LotRepository(session), value, key)
            offer.lot_id = value
        elif key == "company_id":
            _ensure_exists(CompanyRepository(session), value, key)
            offer.company_id = value
        elif key not in {"code_ogr", "code_rome"}:
            setattr(offer, key, value)
    if "code_ogr" in changes or "code_rome" in changes:
        ogr = changes.get("code_ogr", offer.code_ogr if "code_rome" not in changes else None)
        offer.code_ogr, offer.code_rome = _rome(refs, ogr, changes.get("code_rome"), "")
    _dates_in_order(offer.start_date, offer.end_date, "start_date", "end_date")
    offer.updated_at = utcnow()
    OfferRepository(session).flush()
    audit(session, user, "update", "offer", offer.id, {"fields": sorted(changes)})
    return offer


def delete_offer(session: Session, user: User, offer_id: int) -> None:
    OfferRepository(session).delete(get_offer(session, offer_id))
    audit(session, user, "delete", "offer", offer_id)


# --------------------------------------------------------------------------- companies


def _optional_commune(refs: Referentials, fields: dict[str, Any]) -> None:
    """Replace a given ``commune_insee`` by the INSEE code it resolves to (in place)."""
    if fields.get("commune_insee") is not None:
        fields["commune_insee"] = _commune(refs, fields["commune_insee"], "commune_insee")


def list_companies(session: Session, page: Pagination) -> tuple[list[Company], int]:
    return CompanyRepository(session).page(limit=page.limit, offset=page.offset)


def get_company(session: Session, company_id: int) -> Company:
    return _found(CompanyRepository(session).get_by_id(company_id), "entreprise", company_id)


def create_company(
    session: Session, refs: Referentials, user: User, data: CompanyCreate
) -> Company:
    repo = CompanyRepository(session)
    if repo.get_by_siret(data.siret) is not None:
        raise Conflict(f"siret : une entreprise a déjà le SIRET {data.siret}")
    fields = data.model_dump()
    _optional_commune(refs, fields)
    company = repo.add(Company(**fields))
    audit(session, user, "create", "company", company.id)
    return company


def update_company(
    session: Session, refs: Referentials, user: User, company_id: int, data: CompanyUpdate
) -> Company:
    repo = CompanyRepository(session)
    company = get_company(session, company_id)
    _check_version(company, data.version, "l'entreprise")
    changes = _changes(data, nullable=("legal_form", "commune_insee", "sector"))
    new_siret = changes.get("siret")
    if new_siret not in {None, company.siret} and repo.get_by_siret(new_siret) is not None:
        raise Conflict(f"siret : une entreprise a déjà le SIRET {new_siret}")
    _optional_commune(refs, changes)
    for key, value in changes.items():
        setattr(company, key, value)
    company.updated_at = utcnow()
    repo.flush()
    audit(session, user, "update", "company", company.id, {"fields": sorted(changes)})
    return company


def delete_company(session: Session, user: User, company_id: int) -> None:
    repo = CompanyRepository(session)
    company = get_company(session, company_id)
    if repo.is_referenced(company_id):
        raise Conflict("l'entreprise est attributaire d'un lot ou porte des offres")
    repo.delete(company)
    audit(session, user, "delete", "company", company_id)


# --------------------------------------------------------------------------- buyers


def list_buyers(session: Session, page: Pagination) -> tuple[list[Buyer], int]:
    return BuyerRepository(session).page(limit=page.limit, offset=page.offset)


def get_buyer(session: Session, buyer_id: int) -> Buyer:
    return _found(BuyerRepository(session).get_by_id(buyer_id), "acheteur", buyer_id)


def _buyer_unique(repo: BuyerRepository, buyer: Buyer | None, fields: dict[str, Any]) -> None:
    for field, lookup, what in (
        ("name", repo.get_by_name, "le nom"),
        ("siret", repo.get_by_siret, "le SIRET"),
        ("external_id", repo.get_by_external_id, "l'identifiant"),
    ):
        value = fields.get(field)
        if value is None or (buyer is not None and getattr(buyer, field) == value):
            continue
        if lookup(value) is not None:
            raise Conflict(f"{field} : un acheteur a déjà {what} « {value} »")


def create_buyer(session: Session, refs: Referentials, user: User, data: BuyerCreate) -> Buyer:
    repo = BuyerRepository(session)
    fields = data.model_dump()
    _buyer_unique(repo, None, fields)
    _optional_commune(refs, fields)
    buyer = repo.add(Buyer(**fields))
    audit(session, user, "create", "buyer", buyer.id)
    return buyer


def update_buyer(
    session: Session, refs: Referentials, user: User, buyer_id: int, data: BuyerUpdate
) -> Buyer:
    repo = BuyerRepository(session)
    buyer = get_buyer(session, buyer_id)
    _check_version(buyer, data.version, "l'acheteur")
    changes = _changes(data, nullable=("siret", "external_id", "kind", "commune_insee"))
    _buyer_unique(repo, buyer, changes)
    _optional_commune(refs, changes)
    for key, value in changes.items():
        setattr(buyer, key, value)
    buyer.updated_at = utcnow()
    repo.flush()
    audit(session, user, "update", "buyer", buyer.id, {"fields": sorted(changes)})
    return buyer


def delete_buyer(session: Session, user: User, buyer_id: int) -> None:
    repo = BuyerRepository(session)
    buyer = get_buyer(session, buyer_id)
    if repo.is_referenced(buyer_id):
        raise Conflict("l'acheteur a des marchés : supprimez-les d'abord")
    repo.delete(buyer)
    audit(session, user, "delete", "buyer", buyer_id)


# --------------------------------------------------------------------------- contracts


def list_contracts(
    session: Session, page: Pagination, *, buyer_id: int | None = None
) -> tuple[list[Contract], int]:
    return ContractRepository(session).page(buyer_id=buyer_id, limit=page.limit, offset=page.offset)


def get_contract(session: Session, contract_id: int) -> Contract:
    return _found(ContractRepository(session).get_by_id(contract_id), "marché", contract_id)


def create_contract(
    session: Session, refs: Referentials, user: User, data: ContractCreate
) -> Contract:
    repo = ContractRepository(session)
    _ensure_exists(BuyerRepository(session), data.buyer_id, "buyer_id")
    if repo.get_by_reference(data.buyer_id, data.reference) is not None:
        raise Conflict(f"reference : l'acheteur a déjà un marché {data.reference}")
    fields = data.model_dump()
    _optional_commune(refs, fields)
    contract = repo.add(Contract(**fields))
    audit(session, user, "create", "contract", contract.id)
    return contract


def update_contract(
    session: Session, refs: Referentials, user: User, contract_id: int, data: ContractUpdate
) -> Contract:
    repo = ContractRepository(session)
    contract = get_contract(session, contract_id)
    _check_version(contract, data.version, "le marché")
    changes = _changes(data, nullable=("end_date", "nature", "commune_insee", "notified_on"))
    new_ref = changes.get("reference")
    if new_ref not in {None, contract.reference} and repo.get_by_reference(
        contract.buyer_id, new_ref
    ):
        raise Conflict(f"reference : l'acheteur a déjà un marché {new_ref}")
    _optional_commune(refs, changes)
    for key, value in changes.items():
        setattr(contract, key, value)
    _dates_in_order(contract.start_date, contract.end_date, "start_date", "end_date")
    contract.updated_at = utcnow()
    repo.flush()
    audit(session, user, "update", "contract", contract.id, {"fields": sorted(changes)})
    return contract


def delete_contract(session: Session, user: User, contract_id: int) -> None:
    repo = ContractRepository(session)
    contract = get_contract(session, contract_id)
    if repo.is_referenced(contract_id):
        raise Conflict("le marché a des lots : supprimez-les d'abord")
    repo.delete(contract)
    audit(session, user, "delete", "contract", contract_id)


# --------------------------------------------------------------------------- lots


def list_lots(
    session: Session, page: Pagination, *, contract_id: int | None = None
) -> tuple[list[Lot], int]:
    return LotRepository(session).page(
        contract_id=contract_id, limit=page.limit, offset=page.offset
    )


def get_lot(session: Session, lot_id: int) -> Lot:
    return _found(LotRepository(session).get_by_id(lot_id), "lot", lot_id)


def _lot_fiche(refs: Referentials, code_rome: str | None) -> None:
    if code_rome is not None and not refs.rome.has_fiche(code_rome):
        raise InvalidInput(f"code_rome : fiche ROME inconnue : {code_rome}")


def create_lot(session: Session, refs: Referentials, user: User, data: LotCreate) -> Lot:
    repo = LotRepository(session)
    contract = ContractRepository(session).get_by_id(data.contract_id)
    if contract is None:
        raise InvalidInput(f"contract_id : {data.contract_id} n'existe pas")
    _ensure_exists(CompanyRepository(session), data.company_id, "company_id")
    _lot_fiche(refs, data.code_rome)
    if repo.get_by_number(data.contract_id, data.number) is not None:
        raise Conflict(f"number : le marché a déjà un lot {data.number}")
    reference = data.reference or f"{contract.reference}-LOT{data.number.zfill(2)}"
    if repo.get_by_reference(reference) is not None:
        raise Conflict(f"reference : un lot a déjà la référence {reference}")
    lot = repo.add(Lot(**data.model_dump(exclude={"reference"}), reference=reference))
    audit(session, user, "create", "lot", lot.id)
    return lot


def update_lot(
    session: Session, refs: Referentials, user: User, lot_id: int, data: LotUpdate
) -> Lot:
    repo = LotRepository(session)
    lot = get_lot(session, lot_id)
    _check_version(lot, data.version, "le lot")
    changes = _changes(data, nullable=("end_date", "company_id", "code_rome"))
    new_number = changes.get("number")
    if new_number not in {None, lot.number} and repo.get_by_number(lot.contract_id, new_number):
        raise Conflict(f"number : le marché a déjà un lot {new_number}")
    new_reference = changes.get("reference")
    if new_reference not in {None, lot.reference} and repo.get_by_reference(new_reference):
        raise Conflict(f"reference : un lot a déjà la référence {new_reference}")
    if "company_id" in changes:
        _ensure_exists(CompanyRepository(session), changes["company_id"], "company_id")
    _lot_fiche(refs, changes.get("code_rome"))
    for key, value in changes.items():
        setattr(lot, key, value)
    _dates_in_order(lot.start_date, lot.end_date, "start_date", "end_date")
    lot.updated_at = utcnow()
    repo.flush()
    audit(session, user, "update", "lot", lot.id, {"fields": sorted(changes)})
    return lot


def delete_lot(session: Session, user: User, lot_id: int) -> None:
    repo = LotRepository(session)
    lot = get_lot(session, lot_id)
    if repo.is_referenced(lot_id):
        raise Conflict("des offres sont rattachées au lot")
    repo.delete(lot)
    audit(session, user, "delete", "lot", lot_id)


# --------------------------------------------------------------------------- audit


def list_audit(
    session: Session, where: AuditFilter, page: Pagination
) -> tuple[list[AuditEntry], int]:
    return AuditRepository(session).page(where, limit=page.limit, offset=page.offset)
