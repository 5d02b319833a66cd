"""Load the shipped demo data set (``fixtures/demo``) into the database, idempotently.

Creates the demo users (three coaches, the facilitator, an admin), the buyers, companies,
contracts, lots, offers and candidates of the demo set, each only if it is not there yet (natural
keys: user name, buyer name, SIRET, contract reference, lot number, external ids). Running it
twice adds nothing. The demo users' API tokens are (re)issued on every run and returned, since
only their hashes are stored: this is a demo, a real deployment issues tokens with
``clausematch users add``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, cast

import pandas as pd
from sqlalchemy.orm import Session

from service.accounts.auth import hash_token, new_token
from service.accounts.passwords import hash_password
from service.imports.repository import DemoRepository
from service.models.accounts import AuditEntry, User
from service.models.offers import Offer, OfferLicence
from service.models.people import Candidate, CandidateJob, CandidateLicence, CandidateReporting
from service.models.procurement import Buyer, Company, Contract, Lot

__all__ = ["DEMO_USERS", "DemoLoadReport", "demo_password", "load_demo"]


DEMO_USERS: Final[tuple[tuple[str, str], ...]] = (
    ("coach-alencon", "coach"),
    ("coach-flers", "coach"),
    ("coach-argentan", "coach"),
    ("facilitateur", "facilitator"),
    ("admin", "admin"),
)


@dataclass
class DemoLoadReport:
    tokens: dict[str, str] = field(default_factory=dict)
    # Web passwords of the demo users (``demo-<name>``), set when the user has none yet.
    passwords: dict[str, str] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)


def demo_password(username: str) -> str:
    """The web password a demo user gets (a demo only: real users get theirs with
    ``clausematch users passwd``)."""
    return f"demo-{username}"


def _read(directory: Path, name: str) -> list[dict[str, str]]:
    frame = pd.read_csv(directory / f"{name}.csv", dtype=str, keep_default_na=False)
    return cast(list[dict[str, str]], frame.to_dict("records"))


def _split(value: str) -> list[str]:
    return [v for v in value.split("|") if v]


def _date(value: str) -> pd.Timestamp | None:
    return pd.Timestamp(value) if value else None


def _bool(value: str) -> bool:
    return value.strip().lower() in {"true", "1", "oui"}


def _float(value: str) -> float | None:
    return float(value) if value else None


def load_demo(session: Session, directory: Path) -> DemoLoadReport:
    """Load the demo set from ``directory``; returns the demo users' fresh tokens and counts."""
    report = DemoLoadReport()
    created = report.created

    repo = DemoRepository(session)
    users = repo.users_by_name()
    for name, role in DEMO_USERS:
        token = new_token()
        user = users.get(name)
        if user is None:
            user = User(username=name, role=role, token_hash=hash_token(token))
            session.add(user)
            users[name] = user
            created["users"] = created.get("users", 0) + 1
        else:
            user.token_hash = hash_token(token)
        report.tokens[name] = token
        if user.password_hash is None:
            user.password_hash = hash_password(demo_password(name))
            report.passwords[name] = demo_password(name)
    session.flush()

    buyers = repo.buyers_by_name()
    buyer_by_demo_id: dict[str, Buyer] = {}
    for row in _read(directory, "buyers"):
        buyer = buyers.get(row["name"])
        if buyer is None:
            buyer = Buyer(
                external_id=row["buyer_id"],
                name=row["name"],
                kind=row["kind"] or None,
                commune_insee=row["commune_insee"] or None,
            )
            session.add(buyer)
            buyers[row["name"]] = buyer
            created["buyers"] = created.get("buyers", 0) + 1
        buyer_by_demo_id[row["buyer_id"]] = buyer

    companies = repo.companies_by_siret()
    for row in _read(directory, "companies"):
        if row["siret"] not in companies:
            companies[row["siret"]] = Company(
                siret=row["siret"],
                name=row["name"],
                legal_form=row["legal_form"] or None,
                commune_insee=row["commune_insee"] or None,
                sector=row["sector"] or None,
            )
            session.add(companies[row["siret"]])
            created["companies"] = created.get("companies", 0) + 1
    session.flush()

    contracts = repo.contracts_by_reference()
    contract_by_demo_id: dict[str, Contract] = {}
    for row in _read(directory, "contracts"):
        buyer = buyer_by_demo_id[row["buyer_id"]]
        contract = contracts.get((buyer.id, row["contract_id"]))
        if contract is None:
            contract = Contract(
                buyer_id=buyer.id,
                reference=row["contract_id"],
                title=row["title"],
                nature=row["nature"] or None,
                commune_insee=row["commune_insee"] or None,
                notified_on=pd.Timestamp(row["notified_on"]).date() if row["notified_on"] else None,
                start_date=pd.Timestamp(row["start_date"]).date(),
                end_date=pd.Timestamp(row["end_date"]).date() if row["end_date"] else None,
            )
            session.add(contract)
            contracts[(buyer.id, row["contract_id"])] = contract
            created["contracts"] = created.get("contracts", 0) + 1
        contract_by_demo_id[row["contract_id"]] = contract
    session.flush()

    lots = repo.lots_by_number()
    lot_by_ref: dict[str, Lot] = {}
    for row in _read(directory, "lots"):
        contract = contract_by_demo_id[row["contract_id"]]
        number = f"{int(row['lot_number']):02d}"
        lot = lots.get((contract.id, number))
        if lot is None:
            lot = Lot(
                reference=row["lot_ref"],
                contract_id=contract.id,
                number=number,
                trade=row["trade"],
                code_rome=row["code_rome"] or None,
                insertion_hours=float(row["insertion_hours"]),
                company_id=companies[row["siret"]].id if row["siret"] in companies else None,
                start_date=pd.Timestamp(row["start_date"]).date(),
                end_date=pd.Timestamp(row["end_date"]).date() if row["end_date"] else None,
            )
            session.add(lot)
            lots[(contract.id, number)] = lot
            created["lots"] = created.get("lots", 0) + 1
        lot_by_ref[row["lot_ref"]] = lot
    session.flush()

    known_offers = repo.offer_external_ids()
    for row in _read(directory, "offers"):
        if row["offer_id"] in known_offers:
            continue
        lot = lot_by_ref.get(row["lot_ref"])
        offer = Offer(
            external_id=row["offer_id"],
            intitule=row["intitule"],
            code_ogr=int(row["code_ogr"]) if row["code_ogr"] else None,
            code_rome=row["code_rome"],
            commune_insee=row["commune_insee"],
            required_skills=[int(s) for s in _split(row["required_skills"])],
            experience_years_required=float(row["experience_years_required"] or 0),
            weekly_hours=float(row["weekly_hours"]),
            has_nights=_bool(row["has_nights"]),
            has_weekends=_bool(row["has_weekends"]),
            has_early_starts=_bool(row["has_early_starts"]),
            start_date=pd.Timestamp(row["start_date"]).date(),
            end_date=pd.Timestamp(row["end_date"]).date() if row["end_date"] else None,
            contract_type=row["contract_type"],
            open_positions=int(row["open_positions"]),
            lot_id=lot.id if lot is not None else None,
            company_id=lot.company_id if lot is not None else None,
            status="open",
            source="demo",
            required_licences=[OfferLicence(code=c) for c in _split(row["required_licences"])],
        )
        session.add(offer)
        created["offers"] = created.get("offers", 0) + 1

    known_people = repo.candidate_external_ids()
    coaches = {r["candidate_id"]: r["coach"] for r in _read(directory, "caseload")}
    jobs_by_person: dict[str, list[dict[str, str]]] = {}
    for job in _read(directory, "candidate_jobs"):
        jobs_by_person.setdefault(job["candidate_id"], []).append(job)
    reporting = {r["candidate_id"]: r for r in _read(directory, "reporting")}
    for row in _read(directory, "candidates"):
        if row["candidate_id"] in known_people:
            continue
        rep = reporting[row["candidate_id"]]
        person = Candidate(
            external_id=row["candidate_id"],
            coach_id=users[coaches[row["candidate_id"]]].id,
            commune_insee=row["commune_insee"],
            has_vehicle=_bool(row["has_vehicle"]),
            travel_mode=row["travel_mode"],
            max_distance_km=_float(row["max_distance_km"]),
            max_travel_minutes=_float(row["max_travel_minutes"]),
            readiness_stage=row["readiness_stage"],
            readiness_assessed_on=pd.Timestamp(row["readiness_assessed_on"]).date(),
            available_from=pd.Timestamp(row["available_from"]).date(),
            max_weekly_hours=float(row["max_weekly_hours"]),
            accepts_nights=_bool(row["accepts_nights"]),
            accepts_weekends=_bool(row["accepts_weekends"]),
            accepts_early_starts=_bool(row["accepts_early_starts"]),
            is_eligible=_bool(row["is_eligible"]),
            is_active=_bool(row["is_active"]),
            is_in_clause_job=_bool(row["is_in_clause_job"]),
            skills=[int(s) for s in _split(row["skills"])],
            licences=[CandidateLicence(code=c) for c in _split(row["licences"])],
            jobs=[
                CandidateJob(
                    code_ogr=int(j["code_ogr"]) if j["code_ogr"] else None,
                    code_rome=j["code_rome"],
                    experience_years=float(j["experience_years"] or 0),
                )
                for j in jobs_by_person[row["candidate_id"]]
            ],
            reporting=CandidateReporting(
                sex=rep["sex"] or None,
                birth_year=int(rep["birth_year"]) if rep["birth_year"] else None,
                education_level=rep["education_level"] or None,
                labour_status=rep["labour_status"] or None,
                disability_recognised=_bool(rep["disability_recognised"]),
                rsa_beneficiary=_bool(rep["rsa_beneficiary"]),
            ),
        )
        session.add(person)
        created["candidates"] = created.get("candidates", 0) + 1
    session.flush()
    session.add(
        AuditEntry(
            user_id=None,
            role="system",
            action="demo_load",
            entity_type="demo",
            entity_id=None,
            detail={"created": dict(created)},
        )
    )
    session.flush()
    return report
