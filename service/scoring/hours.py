"""The insertion hours of a lot: amount excl. tax × labour share × insertion rate ÷ loaded
hourly cost, with the formula and the assumptions spelled out (``clausematch tools hours``, the
facilitator's tools page, the clause article).

Kept apart from the pool tools (:mod:`service.scoring.tools`) so that the hours calculator
starts without pandas, the database layer or the engine.
"""

from __future__ import annotations

import csv
import math
from functools import lru_cache
from pathlib import Path

from service.errors import InvalidInput
from service.scoring.schemas import HoursEstimate, LabourShare

__all__ = ["MAX_AMOUNT_EUR", "MAX_HOURLY_COST_EUR", "estimate_hours", "format_eur", "labour_shares"]


@lru_cache(maxsize=4)
def _read_shares(path: Path, mtime: float) -> tuple[LabourShare, ...]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    out = []
    for row in rows:
        out.append(
            LabourShare(
                trade=row["trade"],
                libelle=row["libelle"],
                domaines_rome=[d for d in row["domaines_rome"].split(";") if d],
                labour_share=float(row["labour_share"]),
                source=row["source"],
            )
        )
    return tuple(out)


def labour_shares(path: Path) -> list[LabourShare]:
    """The defaults table (re-read when the file changes)."""
    try:
        return list(_read_shares(path, path.stat().st_mtime))
    except FileNotFoundError as exc:
        raise InvalidInput(f"table des parts de main-d'œuvre introuvable : {path}") from exc


def format_eur(x: float) -> str:
    text = f"{x:,.2f}".replace(",", " ").replace(".", ",")
    return text.removesuffix(",00")


def _pct(x: float) -> str:
    return f"{x * 100:g} %".replace(".", ",")


MAX_AMOUNT_EUR = 10_000_000_000.0
"""Above any public contract's amount: a larger figure is a typing error."""


MAX_HOURLY_COST_EUR = 1_000.0


def estimate_hours(
    *,
    amount_eur: float,
    insertion_rate: float,
    hourly_cost_eur: float,
    labour_share: float | None = None,
    trade: str | None = None,
    shares_path: Path | None = None,
) -> HoursEstimate:
    """Insertion hours of a lot, with the formula and the assumptions spelled out."""
    assumptions = []
    if labour_share is None:
        if trade is None or shares_path is None:
            raise InvalidInput("donnez labour_share, ou un corps de métier (trade) de la table")
        table = {s.trade: s for s in labour_shares(shares_path)}
        if trade not in table:
            raise InvalidInput(f"trade : corps de métier inconnu « {trade} » ({', '.join(table)})")
        labour_share = table[trade].labour_share
        assumptions.append(
            f"Part de main-d'œuvre {_pct(labour_share)} : valeur par défaut pour "
            f"« {table[trade].libelle} » ({table[trade].source})."
        )
    else:
        assumptions.append(f"Part de main-d'œuvre {_pct(labour_share)} : donnée par l'utilisateur.")
    errors = []
    if not math.isfinite(amount_eur) or amount_eur > MAX_AMOUNT_EUR:
        errors.append("le montant HT doit être un nombre d'au plus 10 milliards d'euros")
    if not math.isfinite(hourly_cost_eur) or hourly_cost_eur > MAX_HOURLY_COST_EUR:
        errors.append(f"le coût horaire chargé doit être d'au plus {MAX_HOURLY_COST_EUR:.0f} €/h")
    if not amount_eur > 0:
        errors.append("le montant HT doit être positif")
    if not 0 < labour_share <= 1:
        errors.append("la part de main-d'œuvre est une fraction entre 0 et 1 (0,5 pour 50 %)")
    if not 0 < insertion_rate <= 1:
        errors.append("le taux d'insertion est une fraction entre 0 et 1 (0,05 pour 5 %)")
    if not hourly_cost_eur > 0:
        errors.append("le coût horaire chargé doit être positif")
    if errors:
        raise InvalidInput(" ; ".join(errors))
    labour = amount_eur * labour_share
    insertion = labour * insertion_rate
    exact = insertion / hourly_cost_eur
    hours = math.floor(exact + 0.5)
    assumptions += [
        f"Taux d'insertion {_pct(insertion_rate)} de la main-d'œuvre, choisi par l'acheteur.",
        f"Coût horaire chargé {format_eur(hourly_cost_eur)} €/h (salaire, charges, "
        "encadrement ou marge de la structure).",
        "Résultat arrondi à l'heure la plus proche.",
    ]
    formula = (
        f"{format_eur(amount_eur)} € × {_pct(labour_share)} × {_pct(insertion_rate)} ÷ "
        f"{format_eur(hourly_cost_eur)} €/h = {hours} h"
    )
    return HoursEstimate(
        amount_eur=amount_eur,
        labour_share=labour_share,
        insertion_rate=insertion_rate,
        hourly_cost_eur=hourly_cost_eur,
        trade=trade,
        labour_cost_eur=round(labour, 2),
        insertion_cost_eur=round(insertion, 2),
        hours_exact=round(exact, 2),
        hours=hours,
        formula=formula,
        assumptions=assumptions,
    )
