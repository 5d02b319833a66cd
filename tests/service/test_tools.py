"""The facilitator's tools: the hours calculator on the worked example, and the supply."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from factories import Actor, make_candidate
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.config import Settings
from service.referentials.service import load_referentials
from service.scoring.deps import get_scoring_state
from service.scoring.state import ScoringState
from service.scoring.tools import estimate_hours


@pytest.fixture(autouse=True)
def fresh_scoring(app: FastAPI, settings: Settings) -> Iterator[None]:
    refs = load_referentials(settings.referentials_dir)
    state = ScoringState(rome=refs.rome, communes=refs.communes)
    app.dependency_overrides[get_scoring_state] = lambda: state
    yield
    app.dependency_overrides.pop(get_scoring_state, None)
    state.close()


def test_worked_example_gives_833_hours() -> None:
    estimate = estimate_hours(
        amount_eur=1_000_000, labour_share=0.5, insertion_rate=0.05, hourly_cost_eur=30
    )
    assert estimate.hours == 833
    assert estimate.hours_exact == 833.33
    assert estimate.labour_cost_eur == 500_000
    assert estimate.insertion_cost_eur == 25_000
    assert estimate.formula == "1 000 000 € × 50 % × 5 % ÷ 30 €/h = 833 h"


def test_calculator_endpoint(client: TestClient, facilitator: Actor) -> None:
    response = client.get(
        "/tools/insertion-hours",
        params={"amount": 1_000_000, "labour_share": 0.5, "rate": 0.05, "hourly_cost": 30},
        headers=facilitator.headers,
    )
    assert response.status_code == 200, response.json()
    assert response.json()["hours"] == 833
    # The trade's default labour share (gros œuvre: 45 %) and the default hourly cost (30 €).
    by_trade = client.get(
        "/tools/insertion-hours",
        params={"amount": 1_000_000, "trade": "gros_oeuvre", "rate": 0.05},
        headers=facilitator.headers,
    ).json()
    assert by_trade["labour_share"] == 0.45
    assert by_trade["hours"] == 750
    assert "hypothèse" in by_trade["assumptions"][0]
    unknown = client.get(
        "/tools/insertion-hours",
        params={"amount": 1000, "trade": "astronautique", "rate": 0.05},
        headers=facilitator.headers,
    )
    assert unknown.status_code == 422
    assert "corps de métier inconnu" in unknown.json()["detail"]
    shares = client.get("/tools/labour-shares", headers=facilitator.headers).json()
    assert {s["trade"] for s in shares} >= {"gros_oeuvre", "proprete", "espaces_verts"}


def test_supply_counts_people_in_range_by_readiness(
    client: TestClient, session: Session, coach: Actor, facilitator: Actor
) -> None:
    mason = ((16250, "F1703", 2.0),)
    for stage in ("pret_emploi", "pret_emploi", "en_parcours", "diagnostic"):
        make_candidate(session, coach=coach, jobs=mason, readiness_stage=stage)
    # Out of range: lives in Flers (about 60 km) with a 10 km range.
    make_candidate(session, coach=coach, jobs=mason, commune_insee="61169", max_distance_km=10)
    # In range but not eligible.
    make_candidate(session, coach=coach, jobs=mason, is_eligible=False)
    # In range, eligible, but targets an unrelated trade (cleaning).
    make_candidate(session, coach=coach, jobs=((None, "K2204", 1.0),))
    response = client.post(
        "/tools/supply",
        json={
            "rome_codes": ["F1703"],
            "commune_insee": "61001",
            "hours": 1600,
            "start_date": "2026-12-01",
            "months": 6,
        },
        headers=facilitator.headers,
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["candidates"] == 4
    assert body["by_readiness"] == {"diagnostic": 1, "en_parcours": 1, "pret_emploi": 2}
    assert body["by_fiche"][0]["code_rome"] == "F1703"
    # 1,600 h ÷ (35 h × 52/12 × 6 months) = 1.76 → 2 positions; 2 people ready.
    assert body["people_needed"] == 2
    assert body["verdict"].startswith("Réaliste")
    assert body["commune"] == "Alençon"


def test_supply_refuses_unknown_codes(client: TestClient, facilitator: Actor) -> None:
    response = client.post(
        "/tools/supply",
        json={"rome_codes": ["Z9999"], "commune_insee": "61001"},
        headers=facilitator.headers,
    )
    assert response.status_code == 422
    assert "Z9999" in response.json()["detail"]


def test_absurd_amounts_are_refused_not_crashing() -> None:
    import pytest

    from service.errors import InvalidInput
    from service.scoring.tools import estimate_hours

    for amount, cost in ((float("inf"), 30.0), (1e300, 30.0), (1e6, float("inf"))):
        with pytest.raises(InvalidInput):
            estimate_hours(
                amount_eur=amount, insertion_rate=0.05, hourly_cost_eur=cost, labour_share=0.5
            )
