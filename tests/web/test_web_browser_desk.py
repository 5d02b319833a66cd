"""The facilitator's desk in a real browser: a company's timesheet imported, the month grid
edited cell by cell (a refusal beside its cell), the clause article of a lot, the outreach
pages; at 1280 and 390 px wide, screenshots in ``artifacts/screenshots/``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from test_web_browser import (  # the demo server and browser of the main journeys
    CHROMIUM,
    Demo,
    _fits_the_screen,
    _login,
    _page,
    _shot,
    browser,
    demo_server,
)

from service.db import make_engine, make_sessionmaker
from service.models.outreach import OutreachAttendance, OutreachEvent
from service.models.people import Candidate
from service.models.procurement import Company, Contract, Lot
from service.models.workflow import Placement

__all__ = ["browser", "demo_server"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="/usr/bin/chromium absent (apt-get install chromium)"
    ),
]


@pytest.fixture(scope="module")
def placed(demo_server: Demo) -> Iterator[tuple[str, str, int, int]]:
    """A demo person placed on a demo lot since January; (follow-up id, lot reference, contract
    id, lot id)."""
    engine = make_engine(demo_server.database_url)
    with make_sessionmaker(engine)() as session, session.begin():
        lot = session.scalars(select(Lot).order_by(Lot.id).limit(1)).one()
        person = session.scalars(
            select(Candidate).where(Candidate.is_active).order_by(Candidate.id.desc()).limit(1)
        ).one()
        start = dt.date(dt.date.today().year, 1, 1)
        session.add(
            Placement(
                candidate_id=person.id,
                lot_id=lot.id,
                delivery_mode="direct_hire",
                contract_type="CDD",
                start_date=start,
            )
        )
        company = session.scalars(select(Company).order_by(Company.id).limit(1)).first()
        if company is None:
            company = Company(siret="73282932000074", name="Charpentes de l'Orne")
            session.add(company)
            session.flush()
        company.naf_code = "43.32A"
        event = OutreachEvent(
            kind="petit_dejeuner",
            title="Petit-déjeuner des clauses",
            held_on=start,
            place="Alençon",
        )
        session.add(event)
        session.flush()
        session.add(OutreachAttendance(event_id=event.id, company_id=company.id, people=2))
        contract = session.get(Contract, lot.contract_id)
        assert contract is not None
        found = (person.external_id, lot.reference, contract.id, lot.id)
    engine.dispose()
    yield found


@pytest.mark.parametrize("width", [1280, 390])
def test_facilitator_imports_a_timesheet_edits_the_grid_and_writes_the_clause(
    browser: object,
    demo_server: Demo,
    placed: tuple[str, str, int, int],
    width: int,
    tmp_path: Path,
) -> None:
    from playwright.sync_api import Page, expect

    follow_up, lot_ref, contract_id, lot_id = placed
    page: Page = _page(browser, demo_server)  # type: ignore[assignment]
    page.set_viewport_size({"width": width, "height": 900})
    _login(page, "facilitateur")
    year = dt.date.today().year
    sheet = tmp_path / "releve.csv"
    sheet.write_text(
        "Identifiant de suivi;Nom;Lot;Mois;Heures réalisées\n"
        f"{follow_up};(ignoré);{lot_ref};01/{year};{100 + width // 100}\n",
        encoding="utf-8",
    )
    page.goto("/facilitateur/heures")
    page.get_by_label("Relevé (CSV").set_input_files(str(sheet))
    page.get_by_role("button", name="Vérifier le relevé").click()
    expect(page.get_by_text("rien n'est encore écrit")).to_be_visible()
    _fits_the_screen(page)
    _shot(page, demo_server, f"desk-timesheet-check-{width}")
    page.get_by_role("button", name="Confirmer le relevé").click()
    expect(page.get_by_role("status")).to_contain_text("Relevé appliqué")

    page.goto(f"/facilitateur/heures/grille?marche={contract_id}&depuis={year}-01")
    january = page.get_by_label(f"Heures de {follow_up} en 01/{year}")
    expect(january).to_have_value(str(100 + width // 100))
    february = page.get_by_label(f"Heures de {follow_up} en 02/{year}")
    february.fill("151,67" if width > 600 else "140,5")
    february.press("Tab")
    expect(page.locator(f"#e-{february.get_attribute('id')}")).to_have_text("enregistré")
    # The month's total follows.
    expect(page.locator(f"[data-month-total='{year}-02']")).to_have_text(
        "151,67" if width > 600 else "140,5"
    )
    march = page.get_by_label(f"Heures de {follow_up} en 03/{year}")
    march.fill("300")
    march.press("Tab")
    expect(page.locator(f"#e-{march.get_attribute('id')}")).to_contain_text("plafond de 220 h")
    expect(march).to_have_attribute("aria-invalid", "true")
    _shot(page, demo_server, f"desk-hours-grid-{width}")
    _fits_the_screen(page)

    page.goto(f"/facilitateur/lots/{lot_id}/clause")
    page.get_by_label("Montant estimé du lot HT").fill("1 000 000")
    page.get_by_label("Part de main-d'œuvre (%)").fill("50")
    page.get_by_role("button", name="Calculer et prévisualiser").click()
    expect(page.locator("strong", has_text="= 833 h")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger l'article (.docx)").click()
    assert download.value.suggested_filename.endswith(".docx")
    _fits_the_screen(page)
    _shot(page, demo_server, f"desk-clause-{width}")

    page.goto("/facilitateur/sensibilisation/bilan")
    expect(page.get_by_text("F — Construction")).to_be_visible()
    _fits_the_screen(page)
    _shot(page, demo_server, f"desk-outreach-account-{width}")
    page.goto("/facilitateur/entreprises")
    _fits_the_screen(page)
    _shot(page, demo_server, f"desk-outreach-companies-{width}")
    page.context.close()
