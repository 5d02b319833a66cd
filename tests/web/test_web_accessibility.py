"""Accessibility checks in the spirit of the RGAA, on every page of every role: a French page
with a skip link and one h1, a label for every visible form field, header cells with a scope,
a caption on every table, buttons with a name, and CSRF tokens in every POST form."""

from __future__ import annotations

from datetime import date
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from web_factories import make_candidate, make_lot, make_offer, make_user
from web_helpers import Login

from service.models.accounts import User
from service.models.outreach import OutreachEvent
from service.models.procurement import Company
from service.workflow import placements
from service.workflow import schemas as workflow_schemas


class _Audit(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.html_lang: str | None = None
        self.h1 = 0
        self.ids: set[str] = set()
        self.label_for: set[str] = set()
        self.fields: list[tuple[str, str | None]] = []  # (tag, id) of visible fields
        self.th_without_scope = 0
        self.tables = 0
        self.captions = 0
        self.skip_link = False
        self.forms: list[dict[str, object]] = []
        self.in_button = False
        self.button_text = ""
        self.empty_buttons = 0
        self.in_label = 0
        self.wrapped_fields = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag == "a" and a.get("href") == "#contenu":
            self.skip_link = True
        elif tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.label_for.add(str(a["for"]))
        elif tag in {"input", "select", "textarea"}:
            if a.get("type") not in {"hidden", "submit", "button"}:
                if self.in_label:
                    self.wrapped_fields += 1
                else:
                    self.fields.append((tag, a.get("id")))
            if tag == "input" and a.get("name") == "csrf_token" and self.forms:
                self.forms[-1]["csrf"] = bool(a.get("value"))
        elif tag == "th" and not a.get("scope"):
            self.th_without_scope += 1
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "form":
            self.forms.append({"method": (a.get("method") or "get").lower(), "csrf": False})
        elif tag == "button":
            self.in_button, self.button_text = True, ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.in_label -= 1
        elif tag == "button":
            self.in_button = False
            if not self.button_text.strip():
                self.empty_buttons += 1

    def handle_data(self, data: str) -> None:
        if self.in_button:
            self.button_text += data


def _check(path: str, html: str) -> None:
    audit = _Audit()
    audit.feed(html)
    assert audit.html_lang == "fr", path
    assert audit.skip_link and "contenu" in audit.ids, path
    assert audit.h1 == 1, (path, audit.h1)
    unlabelled = [f for f in audit.fields if f[1] is None or f[1] not in audit.label_for]
    assert not unlabelled, (path, unlabelled)
    assert audit.th_without_scope == 0, path
    assert audit.tables == audit.captions, (path, audit.tables, audit.captions)
    assert audit.empty_buttons == 0, path
    posts = [f for f in audit.forms if f["method"] == "post"]
    assert all(f["csrf"] for f in posts), path


@pytest.mark.parametrize("role", ["coach", "facilitator", "admin"])
def test_every_page_of_every_role(
    client: TestClient, session: Session, login: Login, role: str, coach: User
) -> None:
    person = make_candidate(session, coach=coach)
    offer = make_offer(session)
    lot = make_lot(session)
    facilitator = make_user(session, role="facilitator")
    placement = placements.create_placement(
        session,
        facilitator,
        workflow_schemas.PlacementCreate(
            candidate_id=person.id,
            lot_id=lot.id,
            delivery_mode="direct_hire",
            contract_type="CDD",
            start_date=lot.start_date,
        ),
    )
    company = Company(siret="73282932000074", name="Charpentes de l'Orne", naf_code="43.32A")
    session.add(company)
    event = OutreachEvent(kind="autre", title="Réunion", held_on=date(2026, 3, 1), place="Sées")
    session.add(event)
    session.flush()
    user = coach if role == "coach" else make_user(session, role=role)
    login(user)
    pages = {
        "coach": [
            "/coach/suivi",
            "/coach/nouvelles-offres",
            "/coach/propositions",
            "/coach/resume",
            "/offres",
            f"/offres/{offer.id}",
            f"/offres/{offer.id}?personne={person.external_id}",
            f"/personnes/{person.id}",
            f"/personnes/{person.id}/effacement",
        ],
        "facilitator": [
            "/facilitateur/tableau-de-bord",
            "/facilitateur/validation",
            "/facilitateur/propositions",
            "/facilitateur/marches",
            "/facilitateur/placements",
            f"/facilitateur/placements/{placement.id}",
            "/facilitateur/rapports",
            "/facilitateur/rapports?rapport=fse",
            "/facilitateur/outils?montant=100000&taux=5&part=40",
            "/facilitateur/outils/vivier?rome=F1703&commune=61001",
            "/facilitateur/imports",
            "/facilitateur/heures",
            f"/facilitateur/heures/grille?marche={lot.contract_id}&depuis=2026-01",
            f"/facilitateur/lots/{lot.id}/clause?montant=100000&part=40&taux=5",
            "/facilitateur/entreprises",
            f"/facilitateur/entreprises/{company.id}",
            "/facilitateur/sensibilisation",
            f"/facilitateur/sensibilisation/{event.id}",
            "/facilitateur/sensibilisation/bilan",
            "/facilitateur/comptes",
            f"/offres/{offer.id}",
            f"/personnes/{person.id}",
            f"/personnes/{person.id}/effacement",
        ],
        "admin": ["/admin/utilisateurs", "/admin/modeles"],
    }[role]
    for path in pages:
        resp = client.get(path)
        assert resp.status_code == 200, (path, resp.status_code)
        _check(path, resp.text)


def test_login_and_error_pages(client: TestClient, coach: User, login: Login) -> None:
    _check("/connexion", client.get("/connexion").text)
    _check("/compte/activation", client.get("/compte/activation").text)
    login(coach)
    resp = client.get("/personnes/99999999")
    assert resp.status_code == 404
    _check("404", resp.text)
