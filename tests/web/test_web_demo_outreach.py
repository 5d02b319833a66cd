"""The demo has an outreach past: after ``demo load`` the companies have a NAF sector, the
awareness events list who came and what was said, and the final account shows companies that
answered or won a clause tender after their first event; loading again adds nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from web_helpers import Login

from fixtures import DEMO_DIR
from service.imports.demo import load_demo
from service.models.accounts import User
from service.models.outreach import OutreachEvent, TenderAnswer
from service.models.procurement import Company
from service.outreach.service import final_account
from service.referentials.naf import load_naf


@pytest.fixture
def demo(session: Session) -> None:
    load_demo(session, DEMO_DIR)
    session.flush()


def _count(session: Session, model: type[object]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


@pytest.mark.usefixtures("demo")
def test_demo_outreach_feeds_the_final_account(session: Session) -> None:
    naf = load_naf()
    companies = session.scalars(select(Company)).all()
    assert companies and all(c.naf_code in naf.entries for c in companies)
    account = final_account(session, naf)
    assert account.events >= 5 and account.testimonies >= account.events
    assert account.total.companies_reached >= 10
    assert 0 < account.total.won_after <= account.total.answered_after
    assert account.total.answered_after <= account.total.companies_reached
    statuses = set(session.scalars(select(TenderAnswer.status)))
    assert statuses == {"won", "lost"}

    events, answers = _count(session, OutreachEvent), _count(session, TenderAnswer)
    load_demo(session, DEMO_DIR)  # idempotent
    assert (_count(session, OutreachEvent), _count(session, TenderAnswer)) == (events, answers)


@pytest.mark.usefixtures("demo")
def test_demo_outreach_pages_show_it(client: TestClient, login: Login, facilitator: User) -> None:
    login(facilitator)
    page = client.get("/facilitateur/sensibilisation")
    assert page.status_code == 200
    assert "Petit-déjeuner des entreprises du BTP de l'Orne" in page.text.replace("&#39;", "'")
    account = client.get("/facilitateur/sensibilisation/bilan")
    assert account.status_code == 200
    assert "Construction" in account.text
