"""The headline figures agree everywhere they appear: the dashboard, the reports page, the xlsx,
CSV and JSON exports (web and API) and the PDF bilan all show the numbers of one
:class:`~service.reports.summary.Summary`, on the demo data with its invented history."""

from __future__ import annotations

import io
import re
from html import unescape

import openpyxl
import pandas as pd
import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session
from web_helpers import Login

from fixtures import DEMO_DIR
from service.accounts.auth import hash_token, new_token
from service.config import Settings
from service.imports.demo import load_demo
from service.models.accounts import User
from service.models.procurement import Contract
from service.referentials.service import load_referentials
from service.reports.cells import french_text
from service.reports.common import ReportFilter
from service.reports.labels import value_kind
from service.reports.summary import SUMMARY_LABELS, Summary, build_summary
from service.scoring.state import ScoringState


@pytest.fixture
def demo(session: Session) -> None:
    load_demo(session, DEMO_DIR)
    session.flush()


def _summary(session: Session, settings: Settings, **where: int) -> Summary:
    return build_summary(
        session,
        load_referentials(settings.referentials_dir),
        ReportFilter(**where),
        today=ScoringState.today(),
        tolerance=settings.report_risk_tolerance,
    )


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u202f", " "))


def _text(summary: Summary, code: str) -> str:
    return french_text(summary.values[code], value_kind("synthese", code, SUMMARY_LABELS[code][1]))


def test_the_headline_figures_agree_everywhere(
    client: TestClient,
    session: Session,
    demo: None,
    facilitator: User,
    login: Login,
    web_settings: Settings,
) -> None:
    token = new_token()
    facilitator.token_hash = hash_token(token)
    session.flush()
    summary = _summary(session, web_settings)
    values = summary.values
    # the demo's history gives every figure something to show
    assert values["heures_realisees"] and values["heures_engagees"]
    assert 0 < int(values["lots_en_retard"] or 0) < int(values["lots_evalues"] or 0)
    assert values["personnes_en_poste"] and values["retours_emploi_durable"]
    assert values["propositions_en_attente"]
    # one computation: the tables behind the summary add up to it
    lots = summary.execution.tables["lots"]
    assert values["heures_realisees"] == pytest.approx(lots["heures_realisees"].sum())
    assert values["heures_realisees"] == pytest.approx(
        summary.execution.tables["modes"]["heures"].sum()
    )
    assert values["heures_realisees"] == pytest.approx(summary.by_buyer["heures_realisees"].sum())
    assert values["lots_en_retard"] == len(summary.lots_at_risk)

    login(facilitator)
    # the dashboard
    page = unescape(client.get("/facilitateur/tableau-de-bord").text)
    shown = dict(re.findall(r'data-indicator="(\w+)">([^<]*)<', page))
    assert set(shown) == set(SUMMARY_LABELS) - {"heures_rsa"}
    for code, text in shown.items():
        assert text.strip() == _text(summary, code), code

    # the reports page: the summary first
    page = unescape(client.get("/facilitateur/rapports", params={"rapport": "fse"}).text)
    for code, (label, unit) in SUMMARY_LABELS.items():
        suffix = "" if unit == "%" else f" {unit}"
        assert (
            f'{label}</th><td class="num" data-label="Valeur">{_text(summary, code)}{suffix}'
            in page
        )

    # xlsx (web page download and API), CSV, JSON
    for name in ("execution", "fse"):
        web_xlsx = client.get(f"/facilitateur/rapports/{name}.xlsx").content
        api_xlsx = client.get(
            f"/reports/{name}",
            params={"format": "xlsx"},
            headers={"Authorization": f"Bearer {token}"},
        ).content
        for content in (web_xlsx, api_xlsx):
            sheet = openpyxl.load_workbook(io.BytesIO(content))["Synthèse"]
            cells = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
            for code, (label, _) in SUMMARY_LABELS.items():
                assert cells[label] == pytest.approx(values[code]), (name, code)
        csv = client.get(f"/facilitateur/rapports/{name}.csv").content
        frame = pd.read_csv(io.BytesIO(csv), sep=";", encoding="utf-8-sig", dtype=str)
        assert dict(zip(frame["Indicateur"], frame["Valeur"], strict=True)) == {
            label: _text(summary, code) for code, (label, _) in SUMMARY_LABELS.items()
        }
        body = client.get(f"/reports/{name}", headers={"Authorization": f"Bearer {token}"}).json()
        assert {r["code"]: r["valeur"] for r in body["tables"]["synthese"]} == values
    # the FSE+ table's own durable returns and RSA hours are the summary's
    fse = {r["code"]: r["valeur"] for r in body["tables"]["indicateurs"]}
    assert fse["personnes_rsa_emploi_durable"] == values["retours_emploi_durable"]
    assert fse["heures_rsa"] == values["heures_rsa"]

    # the PDF bilan
    pdf = client.get("/facilitateur/bilan.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == 1
    text = _flat(reader.pages[0].extract_text())
    for code, (label, unit) in SUMMARY_LABELS.items():
        figure = _flat(_text(summary, code))
        expected = figure if unit == "%" else f"{figure} {unit}"
        assert f"{label.split(' (')[0]} {expected}" in text, code


def test_the_bilan_of_one_contract_and_its_errors(
    client: TestClient,
    session: Session,
    demo: None,
    facilitator: User,
    login: Login,
    web_settings: Settings,
) -> None:
    contract = session.scalars(select(Contract).order_by(Contract.id)).first()
    assert contract is not None
    summary = _summary(session, web_settings, contract_id=contract.id)
    login(facilitator)
    pdf = client.get("/facilitateur/bilan.pdf", params={"marche": contract.id})
    assert pdf.status_code == 200
    text = _flat(PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text())
    assert contract.reference in text
    done = _flat(_text(summary, "heures_realisees"))
    assert f"Heures d'insertion réalisées {done} h" in text
    # a contract that does not exist, an id that is not one: French errors, nothing written
    missing = client.get("/facilitateur/bilan.pdf", params={"marche": "99999999"})
    assert missing.status_code == 404
    bad = client.get("/facilitateur/bilan.pdf", params={"marche": "abc"})
    assert bad.status_code == 422 and "choisissez dans la liste" in unescape(bad.text)


def test_the_dashboard_is_for_the_facilitator_only(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    login(coach)
    assert client.get("/facilitateur/tableau-de-bord").status_code == 403
    assert client.get("/facilitateur/bilan.pdf").status_code == 403


def test_the_dashboard_of_an_empty_database_says_so(
    client: TestClient, facilitator: User, login: Login
) -> None:
    login(facilitator)
    page = unescape(client.get("/facilitateur/tableau-de-bord").text)
    assert "Aucun lot en retard à cette date." in page
    assert f"Situation au {ScoringState.today().strftime('%d/%m/%Y')}" in page
    assert 'data-indicator="personnes_en_poste">0<' in page
