"""The facilitator's tools: sizing the insertion hours of a lot, and the candidate supply
around a planned site.

**Hours calculator**: ``amount excl. tax × labour share × insertion rate ÷ loaded hourly cost``
(e.g. 1,000,000 € × 50 % × 5 % ÷ 30 €/h = 833 h, rounded to the nearest hour). The labour share
defaults by trade come from ``fixtures/referentials/labour_shares.csv`` (setting
``labour_shares_path``; one row per trade, editable): they are **working assumptions** — orders
of magnitude of the kind facilitators' guides quote (a lot of cleaning is mostly labour, a road
works lot mostly equipment and materials), not an official table; replace them by the figures
of the contract's cost breakdown (DPGF) whenever you have them. The loaded hourly cost defaults
to the setting ``insertion_hourly_cost_eur`` (30 €/h: a minimum-wage hour with employer charges
and the intermediary's margin, an assumption too).

**Candidate supply**: one hypothetical offer per ROME fiche at the site's commune goes through
the engine state (``with_offers`` then a full top-k): the people it would rank — every hard
constraint applied (eligibility, licences not required here, distance against each person's own
range and mode, weekly hours, schedule) — and who target that fiche, a close one (*mobilité*) or
one of the same domain (skills component above 0), are counted by readiness stage.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import TYPE_CHECKING, Final

import pandas as pd
from sqlalchemy.orm import Session

from matching import columns as col
from service.accounts.audit import audit
from service.errors import InvalidInput
from service.models.accounts import User
from service.people.repository import CandidateRepository
from service.referentials.service import Referentials
from service.scoring.hours import (
    estimate_hours,
    format_eur,
    labour_shares,
)
from service.scoring.schemas import SupplyByFiche, SupplyIn, SupplyRead

if TYPE_CHECKING:  # for annotations only: the hours calculator starts without the engine
    from service.scoring.state import ScoringState

__all__ = ["candidate_supply", "estimate_hours", "format_eur", "labour_shares"]


READINESS_LABELS: Final = {
    "diagnostic": "diagnostic",
    "en_parcours": "en parcours",
    "pret_emploi": "prêt à l'emploi",
}


MONTH_WEEKS: Final = 52 / 12


def _hypothetical_offers(
    codes: list[str], commune: str, data: SupplyIn, start: date
) -> pd.DataFrame:
    n = len(codes)
    end = start + timedelta(days=round(data.months * 365 / 12))
    return pd.DataFrame(
        {
            col.OFFER_ID: pd.Series([f"supply:{c}" for c in codes], dtype=object),
            col.CODE_OGR: pd.array([None] * n, dtype="Int64"),
            col.CODE_ROME: pd.Series(codes, dtype=object),
            col.COMMUNE_INSEE: pd.Series([commune] * n, dtype=object),
            col.REQUIRED_LICENCES: pd.Series([()] * n, dtype=object),
            col.REQUIRED_SKILLS: pd.Series([()] * n, dtype=object),
            col.EXPERIENCE_YEARS_REQUIRED: pd.Series([0.0] * n, dtype="float64"),
            # the supply of a trade: people whose target jobs are related to it
            col.NEEDS_QUALIFICATION: pd.Series([True] * n, dtype=bool),
            col.WEEKLY_HOURS: pd.Series([data.weekly_hours] * n, dtype="float64"),
            col.HAS_NIGHTS: pd.Series([data.has_nights] * n, dtype=bool),
            col.HAS_WEEKENDS: pd.Series([data.has_weekends] * n, dtype=bool),
            col.HAS_EARLY_STARTS: pd.Series([data.has_early_starts] * n, dtype=bool),
            col.START_DATE: pd.to_datetime(pd.Series([start] * n, dtype=object)),
            col.END_DATE: pd.to_datetime(pd.Series([end] * n, dtype=object)),
            col.CONTRACT_TYPE: pd.Series(["CDD"] * n, dtype=object),
            col.OPEN_POSITIONS: pd.Series([1] * n, dtype="int64"),
            col.LOT_REF: pd.Series([""] * n, dtype=object),
        }
    )


def candidate_supply(
    session: Session,
    scoring: ScoringState,
    refs: Referentials,
    user: User | None,
    data: SupplyIn,
    *,
    today: date,
) -> SupplyRead:
    """How many people the engine would rank for these trades at this site, by readiness."""
    unknown = [c for c in data.rome_codes if not refs.rome.has_fiche(c)]
    if unknown:
        raise InvalidInput(f"rome_codes : fiche ROME inconnue : {', '.join(unknown)}")
    place = refs.commune(data.commune_insee)
    if place is None:
        raise InvalidInput(f"commune_insee : commune inconnue « {data.commune_insee} »")
    start = data.start_date or today + timedelta(days=30)
    state = scoring.sync(session).with_offers(
        _hypothetical_offers(data.rome_codes, place.code_insee, data, start)
    )
    ids = [f"supply:{c}" for c in data.rome_codes]
    ranked = state.ranked_frame(
        state.top_k_per_offer(as_of=today, k=max(1, len(state.pool)), offer_ids=ids)
    )
    # Ranked but with no tie to the trade (skills 0): not part of this trade's supply.
    ranked = ranked[ranked[col.COMPONENT_SKILLS] > 0]
    people = sorted({int(c) for c in ranked[col.CANDIDATE_ID]})
    stages = CandidateRepository(session).readiness(people)

    def by_stage(candidate_ids: set[int]) -> dict[str, int]:
        counts = dict.fromkeys(READINESS_LABELS, 0)
        for cid in candidate_ids:
            counts[stages[cid]] = counts.get(stages[cid], 0) + 1
        return counts

    fiches = []
    labels = dict(zip(refs.rome.fiches["code_rome"], refs.rome.fiches["libelle_rome"], strict=True))
    for code, oid in zip(data.rome_codes, ids, strict=True):
        found = {int(c) for c in ranked.loc[ranked[col.OFFER_ID] == oid, col.CANDIDATE_ID]}
        label = str(labels.get(code, code))
        fiches.append(
            SupplyByFiche(
                code_rome=code, libelle=label, candidates=len(found), by_readiness=by_stage(found)
            )
        )
    total = by_stage(set(people))
    needed = (
        math.ceil(data.hours / (data.weekly_hours * MONTH_WEEKS * data.months))
        if data.hours is not None
        else None
    )
    ready = total.get("pret_emploi", 0)
    if needed is None:
        verdict = f"{len(people)} personne(s) à portée, dont {ready} prête(s) à l'emploi."
    elif ready >= needed:
        verdict = (
            f"Réaliste : {ready} personne(s) prête(s) à l'emploi pour environ {needed} poste(s) "
            "à pourvoir."
        )
    elif len(people) >= needed:
        verdict = (
            f"Possible avec un accompagnement : {len(people)} personne(s) à portée dont {ready} "
            f"prête(s) à l'emploi, pour environ {needed} poste(s)."
        )
    else:
        verdict = (
            f"Difficile : {len(people)} personne(s) à portée pour environ {needed} poste(s) ; "
            "envisagez une mise à disposition, un GEIQ ou une autre zone."
        )
    audit(
        session,
        user,
        "supply",
        "tool",
        None,
        {"rome_codes": data.rome_codes, "commune_insee": place.code_insee, "found": len(people)},
    )
    return SupplyRead(
        commune_insee=place.code_insee,
        commune=place.nom,
        as_of=today,
        start_date=start,
        candidates=len(people),
        by_readiness=total,
        by_fiche=fiches,
        hours=data.hours,
        people_needed=needed,
        verdict=verdict,
        assumptions=[
            "Une offre fictive par fiche ROME, sans permis ni compétence exigés, "
            f"{data.weekly_hours:g} h par semaine, début le {start.isoformat()} : chaque "
            "personne n'est comptée que si aucune contrainte ne l'exclut (éligibilité, distance "
            "selon son propre rayon et mode de transport, horaires) et si elle vise ce métier, "
            "un métier proche ou du même domaine.",
            "Postes à pourvoir estimés : heures ÷ (heures par semaine × 52/12 × durée en mois).",
        ],
    )
