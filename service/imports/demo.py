"""Load the shipped demo data set (``fixtures/demo``) into the database, idempotently.

Creates the demo users (three coaches, the facilitator, an admin), the buyers, companies,
contracts, lots, offers and candidates of the demo set, each only if it is not there yet (natural
keys: user name, buyer name, SIRET, contract reference, lot number, external ids). Running it
twice adds nothing. The demo users' API tokens are (re)issued on every run and returned, since
only their hashes are stored: this is a demo, a real deployment issues tokens with
``clausematch users add``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Final, cast

import pandas as pd
from sqlalchemy.orm import Session

from fixtures.demo import TITLE, read_demo
from matching import columns as col
from matching.fields import CANDIDATE_FIELDS, CANDIDATE_JOB_FIELDS, OFFER_FIELDS, FieldSpec
from service.accounts.auth import hash_token, new_token
from service.accounts.passwords import hash_password
from service.db import utcnow
from service.imports.demo_history import demo_as_of, load_history
from service.imports.demo_outreach import load_outreach
from service.imports.repository import DemoRepository
from service.models.accounts import AuditEntry, User
from service.models.offers import Offer, OfferLicence
from service.models.people import (
    IDENTITY_FIELDS,
    Candidate,
    CandidateJob,
    CandidateLicence,
    CandidateReporting,
    name_key,
)
from service.models.procurement import Buyer, Company, Contract, Lot

__all__ = ["DEMO_USERS", "DemoLoadReport", "demo_password", "load_demo"]


DEMO_TOKEN_DAYS: Final = 90
"""Demo tokens last as long as the default ``api_token_days``."""

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


def _bool(value: str) -> bool:
    return value.strip().lower() in {"true", "1", "oui"}


# Columns of the engine's tables stored under the same name on the model (licences have their
# own table, an offer's lot reference is its lot).
_CANDIDATE_COLUMNS: Final = tuple(
    n for n in CANDIDATE_FIELDS if n not in (col.CANDIDATE_ID, col.LICENCES)
)
_JOB_COLUMNS: Final = tuple(n for n in CANDIDATE_JOB_FIELDS if n != col.CANDIDATE_ID)
_OFFER_COLUMNS: Final = tuple(
    n for n in OFFER_FIELDS if n not in (col.OFFER_ID, col.REQUIRED_LICENCES, col.LOT_REF)
)


def _records(
    frame: pd.DataFrame, specs: Mapping[str, FieldSpec], *, extra: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """Rows of a typed demo table as Python values for the models: ``None`` for a missing value
    (the field's default when it has one), dates as dates, lists for list fields."""
    out = []
    for row in frame.to_dict("records"):
        rec: dict[str, Any] = {name: row[name] for name in extra}
        for name, spec in specs.items():
            value = row[name]
            if value is None or (not isinstance(value, tuple | list) and pd.isna(value)):
                value = spec.default
            elif spec.kind == "date":
                value = pd.Timestamp(value).date()
            elif spec.kind in ("str_tuple", "int_tuple"):
                value = list(value)
            elif spec.kind in ("int", "Int64"):
                value = int(value)
            elif spec.kind == "float":
                value = float(value)
            elif spec.kind == "bool":
                value = bool(value)
            rec[name] = value
        out.append(rec)
    return out


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
        user.token_expires_at = utcnow() + timedelta(days=DEMO_TOKEN_DAYS)
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

    # The engine's tables, read with their declared kinds and turned into column values by the
    # same field definitions as every other door (matching.fields).
    demo = read_demo(directory)
    known_offers = repo.offer_external_ids()
    for rec in _records(demo.offers, OFFER_FIELDS, extra=(TITLE,)):
        if rec[col.OFFER_ID] in known_offers:
            continue
        lot = lot_by_ref.get(rec[col.LOT_REF])
        offer = Offer(
            external_id=rec[col.OFFER_ID],
            intitule=rec[TITLE],
            **{name: rec[name] for name in _OFFER_COLUMNS},
            lot_id=lot.id if lot is not None else None,
            company_id=lot.company_id if lot is not None else None,
            status="open",
            source="demo",
            required_licences=[OfferLicence(code=c) for c in rec[col.REQUIRED_LICENCES]],
        )
        session.add(offer)
        created["offers"] = created.get("offers", 0) + 1

    known_people = repo.candidate_external_ids()
    coaches = {r["candidate_id"]: r["coach"] for r in _read(directory, "caseload")}
    jobs_by_person: dict[str, list[dict[str, Any]]] = {}
    for job in _records(demo.candidate_jobs, CANDIDATE_JOB_FIELDS):
        jobs_by_person.setdefault(job[col.CANDIDATE_ID], []).append(job)
    reporting = {r["candidate_id"]: r for r in _read(directory, "reporting")}
    identities = {r["candidate_id"]: r for r in _read(directory, "identity")}
    for rec in _records(demo.candidates, CANDIDATE_FIELDS):
        ext = rec[col.CANDIDATE_ID]
        if ext in known_people:
            continue
        rep = reporting[ext]
        # checked and written as at every other door (service.models.people)
        identity = {
            name: spec.clean(identities[ext][name]) if identities[ext][name] else None
            for name, spec in IDENTITY_FIELDS.items()
        }
        person = Candidate(
            external_id=ext,
            coach_id=users[coaches[ext]].id,
            **identity,
            name_key=name_key(identity["first_name"], identity["last_name"]),
            **{name: rec[name] for name in _CANDIDATE_COLUMNS},
            licences=[CandidateLicence(code=c) for c in rec[col.LICENCES]],
            jobs=[
                CandidateJob(**{name: j[name] for name in _JOB_COLUMNS})
                for j in jobs_by_person.get(ext, [])
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
    # Two years of invented placements, hours, outcomes and proposals (fixtures.demo.history).
    created.update(load_history(session, directory, users=users, coaches=coaches))
    # Awareness events, the companies that came, tenders answered (no contact: personal data).
    created.update(
        load_outreach(session, facilitator=users["facilitateur"], as_of=demo_as_of(directory))
    )
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
