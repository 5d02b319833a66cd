"""The clause article: its figures are the hours calculator's, the template is the
Département's (placeholders checked), refused input changes nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from docx import Document
from factories import Actor, make_contract, make_lot
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from service.clauses.service import PLACEHOLDERS
from service.config import Settings
from service.kit.deps import get_app_settings
from service.models.procurement import Buyer, Contract
from service.scoring.tools import estimate_hours

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    return "\n".join(p.text for p in document.paragraphs)


@pytest.mark.parametrize(
    ("params", "share"),
    [
        ({"amount": 1_000_000, "labour_share": 0.5, "rate": 0.05}, 0.5),
        ({"amount": 2_345_678.9, "trade": "gros_oeuvre", "rate": 0.07, "hourly_cost": 27.5}, None),
    ],
)
def test_the_documents_figures_are_the_calculators(
    client: TestClient,
    session: Session,
    facilitator: Actor,
    settings: Settings,
    params: dict[str, object],
    share: float | None,
) -> None:
    contract = make_contract(session, reference="M-CL-1", title="Rénovation du gymnase")
    lot = make_lot(session, contract=contract, number="3", trade="Gros œuvre")
    response = client.get(
        f"/lots/{lot.id}/clause-article", params=params, headers=facilitator.headers
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == DOCX
    assert f"clause-insertion-{lot.reference}.docx" in response.headers["content-disposition"]
    expected = estimate_hours(
        amount_eur=float(params["amount"]),  # type: ignore[arg-type]
        insertion_rate=float(params["rate"]),  # type: ignore[arg-type]
        hourly_cost_eur=float(params.get("hourly_cost", settings.insertion_hourly_cost_eur)),  # type: ignore[arg-type]
        labour_share=share,
        trade=params.get("trade"),  # type: ignore[arg-type]
        shares_path=settings.labour_shares_path,
    )
    text = _text(response.content)
    hours = f"{expected.hours:,}".replace(",", "\u202f")
    assert f"au moins {hours} heures" in text
    amount = f"{expected.amount_eur:,.2f}".replace(",", " ").replace(".", ",").removesuffix(",00")
    assert f"montant estimé du lot {amount} € HT" in text
    assert f"= {hours} heures" in text
    assert response.headers["x-insertion-hours"] == str(expected.hours)
    for words in (
        "Publics éligibles",
        "revenu de solidarité active",
        "GEIQ",
        "intérim d'insertion",
        "ESAT",
        "sous-traitance",
        "Rôle du facilitateur",
        "Suivi et contrôle",
        "Pénalités",
        "Rénovation du gymnase",
    ):
        assert words in text
    assert "{{" not in text and "**" not in text


def test_1_000_000_at_50_and_5_percent_is_833_hours(
    client: TestClient, session: Session, facilitator: Actor
) -> None:
    lot = make_lot(session)
    response = client.get(
        f"/lots/{lot.id}/clause-article",
        params={"amount": 1_000_000, "labour_share": 0.5, "rate": 0.05, "hourly_cost": 30},
        headers=facilitator.headers,
    )
    assert "au moins 833 heures" in _text(response.content)


def test_bad_input_is_refused_in_french(
    client: TestClient, session: Session, facilitator: Actor, coach: Actor
) -> None:
    lot = make_lot(session)
    url = f"/lots/{lot.id}/clause-article"
    no_share = client.get(url, params={"amount": 1000, "rate": 0.05}, headers=facilitator.headers)
    assert no_share.status_code == 422 and "labour_share" in no_share.json()["detail"]
    trade = client.get(
        url,
        params={"amount": 1000, "rate": 0.05, "trade": "astronaute"},
        headers=facilitator.headers,
    )
    assert trade.status_code == 422 and "corps de métier inconnu" in trade.json()["detail"]
    absent = client.get(
        "/lots/999999/clause-article",
        params={"amount": 1000, "rate": 0.05, "labour_share": 0.5},
        headers=facilitator.headers,
    )
    assert absent.status_code == 404 and "lot 999999 introuvable" in absent.json()["detail"]
    assert (
        client.get(
            url, params={"amount": 1, "rate": 0.05, "labour_share": 0.5}, headers=coach.headers
        ).status_code
        == 403
    )


def test_the_template_is_the_departements(
    app: FastAPI, client: TestClient, session: Session, facilitator: Actor, tmp_path: Path
) -> None:
    lot = make_lot(session)
    template = tmp_path / "clause.txt"
    template.write_text(
        "# Article {{ numero_article }}\n\n**{{ heures }} heures** pour {{ acheteur }}.\n"
    )
    settings = app.state.settings.model_copy(update={"clause_template_path": template})
    app.dependency_overrides[get_app_settings] = lambda: settings
    try:
        params = {"amount": 1_000_000, "labour_share": 0.5, "rate": 0.05, "article": "7"}
        ok = client.get(
            f"/lots/{lot.id}/clause-article", params=params, headers=facilitator.headers
        )
        document = Document(io.BytesIO(ok.content))
        buyer = session.get(Buyer, session.get(Contract, lot.contract_id).buyer_id)  # type: ignore[union-attr]
        assert [p.text for p in document.paragraphs] == [
            "Article 7",
            f"833 heures pour {buyer.name}.",  # type: ignore[union-attr]
        ]
        assert document.paragraphs[1].runs[0].bold is True
        template.write_text("{{ heures_inconnues }}")
        bad = client.get(
            f"/lots/{lot.id}/clause-article", params=params, headers=facilitator.headers
        )
        assert bad.status_code == 422 and "valeur inconnue" in bad.json()["detail"]
        template.write_text("{% if %}")
        broken = client.get(
            f"/lots/{lot.id}/clause-article", params=params, headers=facilitator.headers
        )
        assert broken.status_code == 422 and "ligne 1" in broken.json()["detail"]
    finally:
        app.dependency_overrides.pop(get_app_settings, None)


def test_every_placeholder_is_documented() -> None:
    notes = (Path(__file__).resolve().parents[2] / "service" / "README_DESK.md").read_text("utf-8")
    for name in PLACEHOLDERS:
        assert f"`{name}`" in notes
