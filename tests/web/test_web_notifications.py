"""The e-mail preferences page (every role), the offers refused by partial imports, and the
partial import's check → confirm flow."""

from __future__ import annotations

from html import unescape

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from web_factories import make_user
from web_helpers import Login

from service.models.accounts import User
from service.models.imports import RefusedOffer
from service.models.notifications import NotificationPreference
from service.models.offers import Offer

OFFERS_CSV = (
    "Référence;Intitulé;Code ROME;Commune;Type de contrat;Durée hebdomadaire;Date de début;"
    "Durée;Nombre de postes;SIRET;Permis requis\n"
    "OE-WEB-1;Maçon H/F;F1703;Alençon;DIN;35;02/03/2027;6 mois;2;73282932000074;B\n"
    "OE-WEB-2;Maçon H/F;F1703;Nulle-Part-Sur-Mer;CDD;35;02/03/2027;6 mois;1;;\n"
)


def test_every_role_keeps_its_email_preferences(
    client: TestClient, session: Session, login: Login
) -> None:
    for role in ("coach", "facilitator", "admin"):
        user = make_user(session, role=role)
        token = login(user)
        page = unescape(client.get("/mes-notifications").text)
        assert "<h1>Mes e-mails" in page and "Mes e-mails</a>" in page
        assert ("Résumé des nouvelles propositions" in page) == (role == "coach")
        assert ("Rappel des propositions à valider" in page) == (role == "facilitator")
        bad = client.post(
            "/mes-notifications", data={"csrf_token": token, "email": "pas-une-adresse"}
        )
        assert bad.status_code == 422 and "Adresse e-mail invalide" in unescape(bad.text)
        assert session.get(NotificationPreference, user.id) is None
        ok = client.post(
            "/mes-notifications",
            data={
                "csrf_token": token,
                "email": f"{role}@orne.example",
                "digest": "weekly",
                "proposal_updates": "true",
                "waiting_reminder": "daily",
            },
            follow_redirects=False,
        )
        assert ok.status_code == 303
        prefs = session.get(NotificationPreference, user.id)
        assert prefs is not None and prefs.email == f"{role}@orne.example"
        assert prefs.digest == "weekly" and prefs.proposal_updates is True
        assert prefs.inactivity_notices is False  # unticked
        shown = unescape(client.get("/mes-notifications?msg=emails").text)
        assert "Vos choix d'e-mails sont enregistrés." in shown
        assert f'value="{role}@orne.example"' in shown
        refused = client.post("/mes-notifications", data={"email": "x@orne.example"})
        assert refused.status_code == 403  # no CSRF token: nothing changed
        session.refresh(prefs)
        assert prefs.email == f"{role}@orne.example"


def test_partial_import_then_the_refused_offers_page(
    client: TestClient, session: Session, facilitator: User, coach: User, login: Login
) -> None:
    token = login(facilitator)
    resp = client.post(
        "/facilitateur/imports",
        data={"csrf_token": token, "type_fichier": "offres"},
        files={"fichier": ("offres.csv", OFFERS_CSV.encode("utf-8"), "text/csv")},
    )
    assert resp.status_code == 200, resp.text[-800:]
    page = unescape(resp.text)
    assert "Offres valides (1)" in page and "À créer" in page and "OE-WEB-1" in page
    assert "Offres refusées, avec leurs motifs" in page and "OE-WEB-2" in page
    empreinte = page.split('name="empreinte" value="')[1].split('"')[0]
    resp = client.post(
        "/facilitateur/imports/confirmer",
        data={
            "csrf_token": token,
            "empreinte": empreinte,
            "type_fichier": "offres",
            "nom": "offres.csv",
            "partiel": "true",
        },
    )
    assert resp.status_code == 200 and "Import appliqué : 1 créé(s)" in unescape(resp.text)
    offer = session.scalar(select(Offer).where(Offer.external_id == "OE-WEB-1"))
    assert offer is not None and offer.contract_type == "CDI"
    pending = session.scalars(select(RefusedOffer)).one()
    assert pending.external_id == "OE-WEB-2" and pending.status == "pending"

    listed = unescape(client.get("/facilitateur/offres-refusees").text)
    assert "<h1>Offres refusées" in listed and "OE-WEB-2" in listed
    assert "Commune inconnue" in listed and "n'a pas encore tourné" in listed
    resp = client.post(
        f"/facilitateur/offres-refusees/{pending.id}/ecarter",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    session.refresh(pending)
    assert pending.status == "dismissed"
    assert "Aucune offre refusée en attente" in unescape(
        client.get("/facilitateur/offres-refusees").text
    )

    login(coach)
    assert client.get("/facilitateur/offres-refusees").status_code == 403
