"""Buyers, contracts (marchés), lots and the companies awarded them."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

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
from service.models.procurement import Buyer, Company, Contract, Lot
from service.procurement.repository import (
    BuyerRepository,
    CompanyRepository,
    ContractRepository,
    LotRepository,
)
from service.procurement.schemas import (
    BuyerCreate,
    BuyerUpdate,
    CompanyCreate,
    CompanyUpdate,
    ContractCreate,
    ContractUpdate,
    LotCreate,
    LotUpdate,
)
from service.referentials.checks import check_commune
from service.referentials.service import Referentials

__all__ = [
    "create_buyer",
    "create_company",
    "create_contract",
    "create_lot",
    "delete_buyer",
    "delete_company",
    "delete_contract",
    "delete_lot",
    "get_buyer",
    "get_company",
    "get_contract",
    "get_lot",
    "list_buyers",
    "list_companies",
    "list_contracts",
    "list_lots",
    "update_buyer",
    "update_company",
    "update_contract",
    "update_lot",
]


def _optional_commune(refs: Referentials, fields: dict[str, Any]) -> None:
    """Replace a given ``commune_insee`` by the INSEE code it resolves to (in place)."""
    if fields.get("commune_insee") is not None:
        fields["commune_insee"] = check_commune(refs, fields["commune_insee"], "commune_insee")


def list_companies(session: Session, page: Pagination) -> tuple[list[Company], int]:
    return CompanyRepository(session).page(limit=page.limit, offset=page.offset)


def get_company(session: Session, company_id: int) -> Company:
    return found(CompanyRepository(session).get_by_id(company_id), "entreprise", company_id)


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
    check_version(company, data.version, "l'entreprise")
    changes = patch_fields(data, nullable=("legal_form", "commune_insee", "sector"))
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


def list_buyers(session: Session, page: Pagination) -> tuple[list[Buyer], int]:
    return BuyerRepository(session).page(limit=page.limit, offset=page.offset)


def get_buyer(session: Session, buyer_id: int) -> Buyer:
    return found(BuyerRepository(session).get_by_id(buyer_id), "acheteur", buyer_id)


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
    check_version(buyer, data.version, "l'acheteur")
    changes = patch_fields(data, nullable=("siret", "external_id", "kind", "commune_insee"))
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


def list_contracts(
    session: Session, page: Pagination, *, buyer_id: int | None = None
) -> tuple[list[Contract], int]:
    return ContractRepository(session).page(buyer_id=buyer_id, limit=page.limit, offset=page.offset)


def get_contract(session: Session, contract_id: int) -> Contract:
    return found(ContractRepository(session).get_by_id(contract_id), "marché", contract_id)


def create_contract(
    session: Session, refs: Referentials, user: User, data: ContractCreate
) -> Contract:
    repo = ContractRepository(session)
    ensure_exists(BuyerRepository(session), data.buyer_id, "buyer_id")
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
    check_version(contract, data.version, "le marché")
    changes = patch_fields(data, nullable=("end_date", "nature", "commune_insee", "notified_on"))
    new_ref = changes.get("reference")
    if new_ref not in {None, contract.reference} and repo.get_by_reference(
        contract.buyer_id, new_ref
    ):
        raise Conflict(f"reference : l'acheteur a déjà un marché {new_ref}")
    _optional_commune(refs, changes)
    for key, value in changes.items():
        setattr(contract, key, value)
    check_dates_in_order(contract.start_date, contract.end_date, "start_date", "end_date")
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


def list_lots(
    session: Session, page: Pagination, *, contract_id: int | None = None
) -> tuple[list[Lot], int]:
    return LotRepository(session).page(
        contract_id=contract_id, limit=page.limit, offset=page.offset
    )


def get_lot(session: Session, lot_id: int) -> Lot:
    return found(LotRepository(session).get_by_id(lot_id), "lot", lot_id)


def _lot_fiche(refs: Referentials, code_rome: str | None) -> None:
    if code_rome is not None and not refs.rome.has_fiche(code_rome):
        raise InvalidInput(f"code_rome : fiche ROME inconnue : {code_rome}")


def create_lot(session: Session, refs: Referentials, user: User, data: LotCreate) -> Lot:
    repo = LotRepository(session)
    contract = ContractRepository(session).get_by_id(data.contract_id)
    if contract is None:
        raise InvalidInput(f"contract_id : {data.contract_id} n'existe pas")
    ensure_exists(CompanyRepository(session), data.company_id, "company_id")
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
    check_version(lot, data.version, "le lot")
    changes = patch_fields(data, nullable=("end_date", "company_id", "code_rome"))
    new_number = changes.get("number")
    if new_number not in {None, lot.number} and repo.get_by_number(lot.contract_id, new_number):
        raise Conflict(f"number : le marché a déjà un lot {new_number}")
    new_reference = changes.get("reference")
    if new_reference not in {None, lot.reference} and repo.get_by_reference(new_reference):
        raise Conflict(f"reference : un lot a déjà la référence {new_reference}")
    if "company_id" in changes:
        ensure_exists(CompanyRepository(session), changes["company_id"], "company_id")
    _lot_fiche(refs, changes.get("code_rome"))
    for key, value in changes.items():
        setattr(lot, key, value)
    check_dates_in_order(lot.start_date, lot.end_date, "start_date", "end_date")
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
