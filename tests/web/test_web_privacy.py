"""A person's rights from their page: download their data, « ne pas proposer », erase or
anonymise after a confirmation page; role-checked, CSRF-checked, refusals in French."""

from __future__ import annotations

import io
import json
import re
from datetime import UTC, date, datetime
from html import unescape

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session
from web_factories import make_candidate, make_lot, make_offer
from web_helpers import Login, csrf_of

from service.models.accounts import AuditEntry, User
from service.models.people import Candidate
from service.models.workflow import Placement, Proposal


def _text(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


def _reload(session: Session, person_id: int) -> Candidate | None:
    session.expire_all()
    return session.get(Candidate, person_id)


def _placement(session: Session, person: Candidate) -> None:
    session.add(
        Placement(
            candidate_id=person.id,
            lot_id=make_lot(session).id,
            delivery_mode="direct_hire",
            contract_type="CDD",
            start_date=date(2026, 3, 16),
            end_date=date(2026, 6, 12),
        )
    )
    session.flush()


def test_the_person_page_offers_the_rights_and_the_downloads_work(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    person = make_candidate(session, coach=coach, first_name="Ninon", last_name="Vautrin")
    login(coach)
    page = unescape(client.get(f"/personnes/{person.id}").text)
    assert "Données personnelles" in page
    assert f"/personnes/{person.id}/donnees.xlsx" in page
    assert "Marquer « ne pas proposer »" in page
    assert "Effacer ou anonymiser" in page

    resp = client.get(f"/personnes/{person.id}/donnees.xlsx")
    assert resp.status_code == 200
    assert "attachment" in resp.headers["content-disposition"]
    book = load_workbook(io.BytesIO(resp.content))
    identity = {r[0]: r[1] for r in book["Identité"].iter_rows(values_only=True)}
    assert identity["Nom"] == "Vautrin"
    data = json.loads(client.get(f"/personnes/{person.id}/donnees.json").text)
    assert data["sections"]["identity"][0]["first_name"] == "Ninon"
    exports = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "export", AuditEntry.entity_id == person.id)
    ).all()
    assert len(exports) == 2


def test_another_coach_and_the_admin_are_refused(
    client: TestClient,
    session: Session,
    coach: User,
    other_coach: User,
    admin: User,
    login: Login,
) -> None:
    person = make_candidate(session, coach=coach, first_name="Ninon", last_name="Vautrin")
    login(other_coach)
    for path in ("donnees.xlsx", "donnees.json", "effacement"):
        resp = client.get(f"/personnes/{person.id}/{path}")
        assert resp.status_code == 404, path
        assert "Vautrin" not in resp.text
    token = csrf_of(client.get("/coach/suivi").text)
    resp = client.post(
        f"/personnes/{person.id}/ne-pas-proposer", data={"csrf_token": token, "valeur": "oui"}
    )
    assert resp.status_code == 404
    login(admin)
    for path in ("donnees.xlsx", "effacement"):
        assert client.get(f"/personnes/{person.id}/{path}").status_code == 403
    row = _reload(session, person.id)
    assert row is not None and not row.do_not_propose


def test_do_not_propose_from_the_page_and_back(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    person = make_candidate(session, coach=coach, first_name="Ninon", last_name="Vautrin")
    make_offer(session)
    token = login(coach)
    resp = client.post(
        f"/personnes/{person.id}/ne-pas-proposer", data={"valeur": "oui"}, follow_redirects=False
    )
    assert resp.status_code == 403  # no CSRF token: nothing changes
    row = _reload(session, person.id)
    assert row is not None and not row.do_not_propose
    resp = client.post(
        f"/personnes/{person.id}/ne-pas-proposer", data={"csrf_token": token, "valeur": "oui"}
    )
    page = unescape(resp.text)
    assert "Personne marquée « ne pas proposer »" in page
    assert "elle n'est classée sur aucune offre" in page
    assert "Lever « ne pas proposer »" in page
    row = _reload(session, person.id)
    assert row is not None and row.do_not_propose
    resp = client.post(
        f"/personnes/{person.id}/ne-pas-proposer", data={"csrf_token": token, "valeur": "non"}
    )
    assert "« Ne pas proposer » levé" in unescape(resp.text)
    row = _reload(session, person.id)
    assert row is not None and not row.do_not_propose


def test_erasure_needs_the_confirmation_then_anonymises(
    client: TestClient, session: Session, coach: User, facilitator: User, login: Login
) -> None:
    person = make_candidate(session, coach=coach, first_name="Ninon", last_name="Vautrin")
    _placement(session, person)
    token = login(facilitator)
    page = _text(client.get(f"/personnes/{person.id}/effacement").text)
    assert "elle sera anonymisée" in page
    assert "Anonymiser définitivement" in page
    resp = client.post(
        f"/personnes/{person.id}/effacement", data={"csrf_token": token, "motif": "request"}
    )
    assert resp.status_code == 422
    assert "cochez la case" in unescape(resp.text)
    row = _reload(session, person.id)
    assert row is not None and row.last_name == "Vautrin"

    resp = client.post(
        f"/personnes/{person.id}/effacement",
        data={"csrf_token": token, "motif": "request", "confirmation": "oui"},
    )
    page = unescape(resp.text)
    assert resp.status_code == 200
    assert "Personne anonymisée" in page and "Vautrin" not in page
    assert "Modifier le profil" not in page
    row = _reload(session, person.id)
    assert row is not None and row.last_name is None and row.anonymised_at is not None


def test_erasure_of_a_person_with_nothing_to_keep(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    person = make_candidate(session, coach=coach, first_name="Ninon", last_name="Vautrin")
    person_id = person.id
    token = login(coach)
    page = _text(client.get(f"/personnes/{person_id}/effacement").text)
    assert "elle sera effacée" in page
    resp = client.post(
        f"/personnes/{person_id}/effacement",
        data={"csrf_token": token, "motif": "objection", "confirmation": "oui"},
    )
    assert "Personne effacée" in unescape(resp.text)
    assert _reload(session, person_id) is None
    assert client.get(f"/personnes/{person_id}").status_code == 404


@pytest.mark.parametrize("state", ["proposed", "in_post"])
def test_a_proposal_in_progress_blocks_erasure_with_a_french_reason(
    client: TestClient, session: Session, coach: User, login: Login, state: str
) -> None:
    person = make_candidate(session, coach=coach, first_name="Ninon", last_name="Vautrin")
    offer = make_offer(session)
    session.add(
        Proposal(
            candidate_id=person.id,
            offer_id=offer.id,
            proposed_by=coach.id,
            state=state,
            state_changed_at=datetime.now(UTC),
        )
    )
    session.flush()
    token = login(coach)
    page = unescape(client.get(f"/personnes/{person.id}/effacement").text)
    assert "Impossible pour l'instant" in page and "proposition en cours" in page
    assert "définitivement" not in page
    resp = client.post(
        f"/personnes/{person.id}/effacement",
        data={"csrf_token": token, "motif": "request", "confirmation": "oui"},
    )
    assert resp.status_code == 409
    assert "proposition en cours" in unescape(resp.text)
    row = _reload(session, person.id)
    assert row is not None and row.last_name == "Vautrin" and row.anonymised_at is None
