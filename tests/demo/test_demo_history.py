"""The demo's invented history: same seed, same history; plausible (hours per month within 0-220
and inside the placement's dates, one placement per person, outcomes only after the end, six-month
outcomes only six months after it, lots partly on track and partly late, every delivery mode)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from fixtures import DEMO_DIR
from service.imports.demo_history import demo_history

AS_OF = date(2026, 11, 16)  # the demo set's reference date (manifest.json)


@pytest.fixture(scope="module")
def history() -> object:
    return demo_history(DEMO_DIR)


def test_same_seed_same_history(history: object) -> None:
    again = demo_history(DEMO_DIR)
    for name in ("contracts", "lots", "placements", "hours", "proposals"):
        pd.testing.assert_frame_equal(getattr(history, name), getattr(again, name))
    other = demo_history(DEMO_DIR, copy=1)
    assert not other.hours.equals(history.hours)  # type: ignore[attr-defined]


def test_hours_are_plausible(history: object) -> None:
    placements = history.placements  # type: ignore[attr-defined]
    dates = dict(
        zip(
            placements["placement_ref"],
            zip(placements["start_date"], placements["end_date"], strict=True),
            strict=True,
        )
    )
    hours = history.hours  # type: ignore[attr-defined]
    assert len(hours) > 300 and hours["hours"].between(0.5, 220).all()
    for ref, month, _ in hours.itertuples(index=False):
        start, end = dates[ref]
        assert month >= start.replace(day=1)
        assert end is None or month <= end
        assert month < AS_OF.replace(day=1)  # complete months before the reference date
    assert not hours.duplicated(["placement_ref", "month"]).any()


def test_placements_people_and_outcomes(history: object) -> None:
    placements = history.placements  # type: ignore[attr-defined]
    assert placements["candidate_id"].is_unique
    assert set(placements["delivery_mode"]) == {
        "direct_hire",
        "mise_a_disposition",
        "sous_traitance_siae",
        "co_traitance_siae",
        "geiq",
        "ea_esat",
    }
    assert (placements["start_date"] < AS_OF).all()
    ended = placements["end_date"].map(lambda d: d is not None and d <= AS_OF)
    assert placements.loc[ended, "outcome_at_end"].notna().all()
    assert placements.loc[~ended, "outcome_at_end"].isna().all()
    six = placements["outcome_6_months"].notna()
    assert six.sum() > 0
    assert all(d + timedelta(days=183) <= AS_OF for d in placements.loc[six, "end_date"])
    running = ~ended
    assert running.sum() > 10  # people in post on the reference date
    temp = placements["delivery_mode"] == "mise_a_disposition"
    assert set(placements.loc[temp, "intermediary"]) <= {"ETTI", "AI"}
    assert set(placements.loc[temp, "contract_type"]) == {"INTERIM"}


def test_lots_are_partly_late_and_history_reaches_two_years_back(history: object) -> None:
    lots = history.lots  # type: ignore[attr-defined]
    placements = history.placements  # type: ignore[attr-defined]
    assert min(lots["start_date"]) <= AS_OF - timedelta(days=600)
    assert min(placements["start_date"]) <= AS_OF - timedelta(days=600)
    assert set(history.contracts["contract_id"]).isdisjoint(  # type: ignore[attr-defined]
        pd.read_csv(DEMO_DIR / "contracts.csv", dtype=str)["contract_id"]
    )
    proposals = history.proposals  # type: ignore[attr-defined]
    waiting = proposals["state"].isin(["proposed", "validated", "presented"])
    assert waiting.sum() == 61
    assert (proposals.loc[proposals["state"] == "refused", "reason"].notna()).all()
    for moves in proposals["moves"]:
        days = [d for _, d in moves]
        assert days == sorted(days) and days[-1] <= AS_OF
