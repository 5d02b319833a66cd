"""Reports for the Département and the FSE+: clause execution, the project's indicators, the
participants' breakdown, and the proposals funnel. Each is a few small tables (pandas), given as
JSON, CSV (one table), xlsx (every table and the notes) or a PNG chart.

Filters: a period (``date_from``/``date_to``), a territory (bassin d'emploi or EPCI code of the
contract's site commune, or of the buyer's when the contract has none; for the funnel, of the
offer's commune), a buyer and a contract.

**Lots at risk** (execution): on the report date (``date_to``, else today), the elapsed share of
a lot is ``(date - start) / (end - start)`` clipped to [0, 1], with the lot's end date or else
its contract's. A lot is *at risk* when it has committed hours, has started, and
``hours done to date / hours committed < elapsed share - tolerance`` (setting
``report_risk_tolerance``, 0.15 by default: a lot half-way through its duration is at risk below
35 % of its hours). A lot without an end date is not assessed.

**FSE+ categories** (Regulation (EU) 2021/1057, Annex I, common indicators for participants):
EECO01 total; EECO02 unemployed including long-term unemployed; EECO03 long-term unemployed;
EECO04 inactive; EECO05 employed; EECO06 below 18; EECO07 18 to 29; EECO08 55 and above;
EECO09 ISCED 0-2; EECO10 ISCED 3-4; EECO11 ISCED 5-8; EECO12 participants with disabilities;
results EECR04 in employment upon leaving, EECR05 in employment six months after leaving. Every
count is broken down by sex (the regulation asks for gender; the reporting table holds F, M or
nothing). Age is taken at entry from the birth year only (year of entry - birth year). A
participant is a person whose placement starts in the period; a leaver one whose placement ends
in it. Counts of 1 to 4 people are shown as ``<5`` (statistical confidentiality), and so is a 0
that would describe a masked group; cells from which a masked count could be recomputed (row and
column totals) are masked too, as ``masqué`` (secondary suppression,
``service/reports/suppression.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import pandas as pd

from service.errors import InvalidInput
from service.referentials.service import Referentials

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["REPORT_NAMES", "SMALL_CELL", "Report", "ReportFilter"]


ReportName = Literal["execution", "fse", "participants", "funnel"]


REPORT_NAMES: Final = ("execution", "fse", "participants", "funnel")


SMALL_CELL: Final = "<5"


SMALL_CELL_LIMIT: Final = 5


FIRST_YEAR: Final = 1900
LAST_YEAR: Final = 2200


STAGES: Final = ("proposed", "validated", "presented", "hired", "in_post", "ended")


STAGE_LABELS: Final = {
    "proposed": "proposées",
    "validated": "validées",
    "presented": "présentées",
    "hired": "embauchées",
    "in_post": "en poste",
    "ended": "terminées",
}


@dataclass(frozen=True)
class ReportFilter:
    date_from: date | None = None
    date_to: date | None = None
    bassin: str | None = None
    epci: str | None = None
    buyer_id: int | None = None
    contract_id: int | None = None

    def check(self) -> None:
        for label, day in (("from", self.date_from), ("to", self.date_to)):
            # Beyond these years a day's Paris midnight cannot even be written in UTC.
            if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
                raise InvalidInput(
                    f"{label} ({day}) : attendu une date entre {FIRST_YEAR} et {LAST_YEAR}"
                )
        if self.date_from and self.date_to and self.date_to < self.date_from:
            raise InvalidInput(f"to ({self.date_to}) est avant from ({self.date_from})")

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            "bassin": self.bassin,
            "epci": self.epci,
            "buyer_id": self.buyer_id,
            "contract_id": self.contract_id,
        }


@dataclass
class Report:
    name: str
    title: str
    tables: dict[str, pd.DataFrame]
    notes: list[str] = field(default_factory=list)
    chart: Callable[[Report], Figure] | None = None
    filters: dict[str, Any] = field(default_factory=dict)
    # The headline figures (service.reports.summary.Summary) of the execution and FSE+ reports.
    summary: Any = None


_TERRITORY_CACHE: dict[int, dict[str, tuple[str, str]]] = {}


def territory_map(refs: Referentials) -> dict[str, tuple[str, str]]:
    """INSEE code → (bassin d'emploi code, EPCI code), built once per referentials object."""
    key = id(refs.communes)
    cached = _TERRITORY_CACHE.get(key)
    if cached is None:
        frame = refs.communes.communes
        cached = {
            str(c): (str(b), str(e))
            for c, b, e in zip(
                frame["code_insee"], frame["code_bassin_emploi"], frame["epci_code"], strict=True
            )
        }
        _TERRITORY_CACHE.clear()
        _TERRITORY_CACHE[key] = cached
    return cached


@lru_cache(maxsize=2)
def bassin_labels(path: Path) -> dict[str, str]:
    frame = pd.read_csv(path, dtype=str)
    return dict(zip(frame["code_bassin_emploi"], frame["libelle"], strict=True))


def in_territory(refs: Referentials, where: ReportFilter, communes: pd.Series) -> pd.Series:
    """Rows whose commune lies in the asked bassin / EPCI (all rows when none is asked)."""
    if where.bassin is None and where.epci is None:
        return pd.Series(True, index=communes.index)
    mapping = territory_map(refs)
    places = communes.map(lambda c: mapping.get(str(c)) if isinstance(c, str) else None)
    keep = pd.Series(True, index=communes.index)
    if where.bassin is not None:
        keep &= places.map(lambda p: p is not None and p[0] == where.bassin).astype(bool)
    if where.epci is not None:
        keep &= places.map(lambda p: p is not None and p[1] == where.epci).astype(bool)
    return keep


def site_commune(frame: pd.DataFrame) -> pd.Series:
    return frame["contract_commune"].where(
        frame["contract_commune"].notna(), frame["buyer_commune"]
    )


def rounded(x: float, digits: int = 1) -> float:
    return float(round(x, digits))
