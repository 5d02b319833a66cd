"""Write the demo's invented history (:mod:`fixtures.demo.history`) into the database.

Called by :func:`service.imports.demo.load_demo` once the demo's people, offers and lots are
there, and only on a database without any placement (so loading stays idempotent and never mixes
invented history with real records). The earlier contracts and their lots, the placements with
their monthly hours and outcomes, and the proposals with their dated moves are written in a few
bulk statements.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from fixtures.demo.history import DemoHistory, generate_history
from service.imports.repository import DemoRepository
from service.models.accounts import User
from service.models.procurement import Buyer, Company, Contract, Lot
from service.models.workflow import Placement, Proposal

__all__ = ["demo_as_of", "demo_history", "load_history"]


def _manifest(directory: Path) -> tuple[int, date]:
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    return int(manifest["seed"]), date.fromisoformat(manifest["as_of"])


def demo_as_of(directory: Path) -> date:
    """The demo set's reference day (its manifest's ``as_of``)."""
    return _manifest(directory)[1]


def demo_history(directory: Path, *, copy: int = 0) -> DemoHistory:
    """The history of the demo set in ``directory`` (``copy`` > 0: another draw, for the
    benchmarks' larger data sets)."""
    seed, as_of = _manifest(directory)

    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(directory / f"{name}.csv", dtype=str, keep_default_na=False)

    candidates = read("candidates")
    candidates["is_in_clause_job"] = candidates["is_in_clause_job"] == "true"
    return generate_history(
        contracts=read("contracts"),
        lots=read("lots"),
        candidates=candidates,
        offers=read("offers"),
        as_of=as_of,
        rng=np.random.default_rng([seed, 20, copy]),
    )


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=UTC)


def _none(value: Any) -> Any:
    return None if value is None or value != value else value


def load_history(
    session: Session,
    directory: Path,
    *,
    users: dict[str, User],
    coaches: dict[str, str],
    copy: int = 0,
) -> dict[str, int]:
    """Write the history; returns the counts created (nothing when placements exist already,
    unless ``copy`` > 0)."""
    repo = DemoRepository(session)
    if copy == 0 and repo.has_placements():
        return {}
    history = demo_history(directory, copy=copy)
    facilitator = users["facilitateur"]
    contracts = repo.contracts_by_reference()
    buyers = {b.external_id: b for b in repo.buyers_by_name().values()}
    companies: dict[str, Company] = repo.companies_by_siret()
    by_ref: dict[str, Contract] = {}
    suffix = f"-{copy}" if copy else ""
    for row in history.contracts.to_dict("records"):
        buyer: Buyer = buyers[row["buyer_id"]]
        reference = f"{row['contract_id']}{suffix}"
        contract = contracts.get((buyer.id, reference))
        if contract is None:
            contract = Contract(
                buyer_id=buyer.id,
                reference=reference,
                title=row["title"],
                nature=row["nature"] or None,
                commune_insee=row["commune_insee"] or None,
                notified_on=row["notified_on"],
                start_date=row["start_date"],
                end_date=row["end_date"],
            )
            session.add(contract)
        by_ref[row["contract_id"]] = contract
    session.flush()
    lot_ids = {lot.reference: lot.id for lot in repo.lots_by_number().values()}
    for row in history.lots.to_dict("records"):
        reference = f"{row['lot_ref']}{suffix}"
        if reference in lot_ids:
            continue
        lot = Lot(
            reference=reference,
            contract_id=by_ref[row["contract_id"]].id,
            number=f"{int(row['lot_number']):02d}",
            trade=row["trade"],
            code_rome=row["code_rome"] or None,
            insertion_hours=float(row["insertion_hours"]),
            company_id=companies[row["siret"]].id if row["siret"] in companies else None,
            start_date=row["start_date"],
            end_date=row["end_date"],
        )
        session.add(lot)
        session.flush()
        lot_ids[row["lot_ref"]] = lot.id
    for ref in list(lot_ids):
        if suffix and ref.endswith(suffix):
            lot_ids[ref[: -len(suffix)]] = lot_ids[ref]
    people = repo.candidate_ids()
    offers = repo.offer_ids()

    proposal_of: dict[str, Proposal] = {}
    moves: list[tuple[Proposal, tuple[tuple[str, date], ...], str | None]] = []
    for row in history.proposals.to_dict("records"):
        person = row["candidate_id"]
        steps = row["moves"]
        last_day = steps[-1][1]
        proposal = Proposal(
            candidate_id=people[person],
            offer_id=offers[row["offer_id"]],
            proposed_by=users[coaches[person]].id,
            state=row["state"],
            state_reason=_none(row["reason"]),
            state_changed_at=_at(last_day),
            is_manual=False,
            created_at=_at(steps[0][1]),
            updated_at=_at(last_day),
        )
        session.add(proposal)
        moves.append((proposal, steps, _none(row["reason"])))
        if _none(row["placement_ref"]) is not None:
            proposal_of[row["placement_ref"]] = proposal
    session.flush()
    events = []
    for proposal, steps, reason in moves:
        previous: str | None = None
        for state, day in steps:
            events.append(
                {
                    "proposal_id": proposal.id,
                    "from_state": previous,
                    "to_state": state,
                    "reason": reason if state in ("refused", "not_retained") else None,
                    "reason_text": None,
                    "comment": None,
                    "at": _at(day),
                    "by": proposal.proposed_by
                    if state in ("proposed", "withdrawn")
                    else facilitator.id,
                }
            )
            previous = state
    repo.insert_events(events)

    placement_of: dict[str, Placement] = {}
    for row in history.placements.to_dict("records"):
        source = proposal_of.get(row["placement_ref"])
        placement = Placement(
            candidate_id=people[row["candidate_id"]],
            lot_id=lot_ids[row["lot_ref"]],
            proposal_id=None if source is None else source.id,
            delivery_mode=row["delivery_mode"],
            intermediary=_none(row["intermediary"]),
            contract_type=row["contract_type"],
            start_date=row["start_date"],
            end_date=_none(row["end_date"]),
            outcome_at_end=_none(row["outcome_at_end"]),
            outcome_6_months=_none(row["outcome_6_months"]),
            created_by=facilitator.id,
            created_at=_at(row["start_date"]),
        )
        session.add(placement)
        placement_of[row["placement_ref"]] = placement
    session.flush()
    repo.insert_hours(
        [
            {
                "placement_id": placement_of[r].id,
                "month": m,
                "hours": float(h),
            }
            for r, m, h in zip(
                history.hours["placement_ref"],
                history.hours["month"],
                history.hours["hours"],
                strict=True,
            )
        ]
    )
    session.flush()
    return {
        "contracts (historique)": len(history.contracts),
        "placements": len(history.placements),
        "proposals": len(history.proposals),
        "hours": len(history.hours),
    }
