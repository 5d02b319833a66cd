"""Each page for its role (200, French), other roles refused, scoping by URL editing (404), the
coach → facilitator workflow, hours, reports, imports and the admin's pages."""

from __future__ import annotations

import re
from datetime import date
from html import unescape

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from web_factories import PASSWORD, make_candidate, make_lot, make_offer, make_user
from web_helpers import Login, csrf_of

from service.models.accounts import AuditEntry, User
from service.models.offers import Offer
from service.models.workflow import PlacementHours, Proposal
from service.workflow import placements
from service.workflow import schemas as workflow_schemas

PAGES: dict[str, tuple[set[str], str]] = {
    "/coach/suivi": ({"coach"}, "Mon suivi"),
    "/coach/nouvelles-offres": ({"coach"}, "Nouvelles offres"),
    "/coach/propositions": ({"coach"}, "Mes propositions"),
    "/coach/resume": ({"coach"}, "Mon résumé"),
    "/offres": ({"coach", "facilitator"}, "Offres ouvertes"),
    "/facilitateur/tableau-de-bord": ({"facilitator"}, "Tableau de bord"),
    "/facilitateur/validation": ({"facilitator"}, "Propositions à valider"),
    "/facilitateur/propositions": ({"facilitator"}, "Suivi des propositions"),
    "/facilitateur/marches": ({"facilitator"}, "Marchés et lots"),
    "/facilitateur/placements": ({"facilitator"}, "Placements et heures"),
    "/facilitateur/rapports": ({"facilitator"}, "Rapports"),
    "/facilitateur/outils": ({"facilitator"}, "Outils"),
    "/facilitateur/imports": ({"facilitator"}, "Imports"),
    "/facilitateur/comptes": ({"facilitator"}, "Comptes"),
    "/admin/utilisateurs": ({"admin"}, "Utilisateurs"),
    "/admin/modeles": ({"admin"}, "Versions du modèle"),
}


@pytest.mark.parametrize("role", ["coach", "facilitator", "admin"])
def test_each_page_for_its_role_only(
    client: TestClient, session: Session, login: Login, role: str
) -> None:
    user = make_user(session, role=role)
    make_offer(session)
    login(user)
    for path, (roles, heading) in PAGES.items():
        resp = client.get(path, follow_redirects=False)
        if role in roles:
            assert resp.status_code == 200, (path, resp.text[-500:])
            assert f"<h1>{heading}" in unescape(resp.text), path
            assert '<html lang="fr">' in resp.text
        else:
            assert resp.status_code == 403, (path, resp.status_code)
            assert "pas accessible avec votre rôle" in unescape(resp.text)


def test_signed_out_visitors_are_sent_to_the_login_form(client: TestClient) -> None:
    for path in PAGES:
        resp = client.get(path, follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"].startswith("/connexion")


def test_unknown_page_is_a_french_404_and_the_api_keeps_json(
    client: TestClient, coach: User, login: Login
) -> None:
    login(coach)
    resp = client.get("/coach/nulle-part")
    assert resp.status_code == 404 and "Page introuvable" in resp.text
    api = client.get("/candidates/1")  # the API wants a token, whatever cookie is sent
    assert api.status_code == 401 and api.json()["error"] == "Unauthorized"


def test_a_coach_editing_the_url_gets_a_404_for_another_coachs_person(
    client: TestClient, session: Session, coach: User, other_coach: User, login: Login
) -> None:
    mine = make_candidate(session, coach=coach)
    theirs = make_candidate(session, coach=other_coach)
    offer = make_offer(session)
    login(coach)
    assert client.get(f"/personnes/{mine.id}").status_code == 200
    resp = client.get(f"/personnes/{theirs.id}")
    assert resp.status_code == 404
    assert f"personne {theirs.id} introuvable" in resp.text
    assert theirs.external_id not in resp.text
    assert client.get("/personnes/99999999").status_code == 404
    # "Pourquoi pas ?" with the other coach's id: the same answer as an unknown id.
    resp = client.get(f"/offres/{offer.id}", params={"personne": theirs.external_id})
    assert resp.status_code == 200
    assert "introuvable dans votre suivi" in unescape(resp.text)
    # Proposing the other coach's person by forging the form: 404, nothing written.
    token = csrf_of(client.get(f"/personnes/{mine.id}").text)
    resp = client.post(
        f"/personnes/{theirs.id}/proposer", data={"csrf_token": token, "offer_id": offer.id}
    )
    assert resp.status_code == 404
    assert session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_caseload_search_and_filters(
    client: TestClient, session: Session, coach: User, other_coach: User, login: Login
) -> None:
    a = make_candidate(session, coach=coach, external_id="ALPHA-1")
    b = make_candidate(session, coach=coach, external_id="BETA-2", readiness_stage="diagnostic")
    c = make_candidate(session, coach=coach, external_id="GAMMA-3", is_active=False)
    other = make_candidate(session, coach=other_coach, external_id="ALPHA-9")
    login(coach)
    page = client.get("/coach/suivi").text
    assert a.external_id in page and b.external_id in page
    assert c.external_id not in page and other.external_id not in page
    page = client.get("/coach/suivi", params={"q": "alpha"}).text
    assert a.external_id in page and b.external_id not in page and "ALPHA-9" not in page
    page = client.get("/coach/suivi", params={"etape": "diagnostic"}).text
    assert b.external_id in page and a.external_id not in page
    page = client.get("/coach/suivi", params={"actif": "non"}).text
    assert c.external_id in page and a.external_id not in page
    page = unescape(client.get("/coach/suivi", params={"q": "zzz"}).text)
    assert "Aucune personne ne correspond" in page


def test_person_page_shows_best_offers_with_explanations_and_is_audited(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    person = make_candidate(session, coach=coach)
    offer = make_offer(session, intitule="Maçon confirmé H/F")
    login(coach)
    page = unescape(client.get(f"/personnes/{person.id}").text)
    assert "Meilleures offres pour cette personne" in page
    assert offer.intitule in page and "Même métier" in page
    assert "Proposer" in page
    reads = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "read", AuditEntry.entity_id == person.id)
    ).all()
    assert reads and all(r.user_id == coach.id for r in reads)


def test_shortlist_scopes_and_why_not(
    client: TestClient, session: Session, coach: User, other_coach: User, login: Login
) -> None:
    mine = make_candidate(session, coach=coach)
    theirs = make_candidate(session, coach=other_coach)
    no_licence = make_candidate(session, coach=coach, max_distance_km=1.0, commune_insee="61169")
    offer = make_offer(session)
    login(coach)
    page = unescape(client.get(f"/offres/{offer.id}").text)
    assert mine.external_id in page and theirs.external_id not in page
    page = unescape(client.get(f"/offres/{offer.id}", params={"portee": "all"}).text)
    assert theirs.external_id not in page  # other coaches' people: no identifying details
    assert f"personne n° {theirs.id}" in page and f"suivie par {other_coach.username}" in page
    page = unescape(
        client.get(f"/offres/{offer.id}", params={"personne": no_licence.external_id}).text
    )
    assert "Pourquoi pas ?" in page and "n'est pas proposée pour cette offre" in page


def test_coach_proposes_then_facilitator_validates_or_refuses(
    client: TestClient,
    session: Session,
    coach: User,
    facilitator: User,
    login: Login,
) -> None:
    one = make_candidate(session, coach=coach)
    two = make_candidate(session, coach=coach)
    offer = make_offer(session)
    token = login(coach)
    for person in (one, two):
        resp = client.post(
            f"/personnes/{person.id}/proposer",
            data={
                "csrf_token": token,
                "offer_id": offer.id,
                "comment": "motivé",
                "retour": "offre",
            },
            follow_redirects=False,
        )
        assert resp.status_code == 303 and resp.headers["location"].startswith(
            f"/offres/{offer.id}"
        )
    # A second proposal of the same pair is a conflict, in French.
    resp = client.post(
        f"/personnes/{one.id}/proposer", data={"csrf_token": token, "offer_id": offer.id}
    )
    assert resp.status_code == 409 and "proposition en cours" in resp.text
    page = unescape(client.get("/coach/propositions").text)
    assert page.count("proposée") >= 2
    first, second = session.scalars(select(Proposal).order_by(Proposal.id)).all()
    first_version = first.version

    token = login(facilitator)
    queue = unescape(client.get("/facilitateur/validation").text)
    assert one.external_id in queue and "Commentaire du coach" in queue
    # Refusing without a reason is refused in French and changes nothing.
    resp = client.post(
        f"/facilitateur/propositions/{second.id}",
        data={"csrf_token": token, "version": second.version, "to": "refused"},
    )
    assert resp.status_code == 422 and "motif" in unescape(resp.text)
    resp = client.post(
        f"/facilitateur/propositions/{first.id}",
        data={"csrf_token": token, "version": first.version, "to": "validated"},
        follow_redirects=False,
    )
    assert resp.status_code == 303 and resp.headers["location"].endswith("msg=valide")
    resp = client.post(
        f"/facilitateur/propositions/{second.id}",
        data={
            "csrf_token": token,
            "version": second.version,
            "to": "refused",
            "reason": "mobility",
        },
        follow_redirects=False,
    )
    assert resp.status_code == 303
    session.expire_all()
    assert session.get(Proposal, first.id).state == "validated"  # type: ignore[union-attr]
    refused = session.get(Proposal, second.id)
    assert refused is not None and refused.state == "refused" and refused.state_reason == "mobility"
    # A stale version (someone moved it meanwhile): 409 in French.
    resp = client.post(
        f"/facilitateur/propositions/{first.id}",
        data={"csrf_token": token, "version": first_version, "to": "presented"},
    )
    assert resp.status_code == 409 and "version" in resp.text


def test_propose_without_csrf_token_changes_nothing(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    person = make_candidate(session, coach=coach)
    offer = make_offer(session)
    login(coach)
    resp = client.post(f"/personnes/{person.id}/proposer", data={"offer_id": offer.id})
    assert resp.status_code == 403
    assert session.scalar(select(func.count()).select_from(Proposal)) == 0


def test_contracts_page_shows_hours_progress_and_hours_entry(
    client: TestClient, session: Session, coach: User, facilitator: User, login: Login
) -> None:
    person = make_candidate(session, coach=coach)
    lot = make_lot(session, insertion_hours=400.0)
    placement = placements.create_placement(
        session,
        facilitator,
        workflow_schemas.PlacementCreate(
            candidate_id=person.id,
            lot_id=lot.id,
            delivery_mode="direct_hire",
            contract_type="CDD",
            start_date=date(2026, 3, 1),
        ),
    )
    token = login(facilitator)
    resp = client.post(
        f"/facilitateur/placements/{placement.id}/heures",
        data={"csrf_token": token, "month": "2026-04", "hours": "100"},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    page = unescape(client.get(resp.headers["location"]).text)
    assert "Heures enregistrées" in page and "avril 2026" in page
    hours = session.scalars(select(PlacementHours)).all()
    assert [(h.month, h.hours) for h in hours] == [(date(2026, 4, 1), 100.0)]
    contracts = unescape(client.get("/facilitateur/marches").text)
    assert '<progress max="400.0" value="100.0"' in contracts and "25 %" in contracts
    # Hours out of range or unreadable: a French message, nothing changed.
    for value in ("300", "beaucoup"):
        resp = client.post(
            f"/facilitateur/placements/{placement.id}/heures",
            data={"csrf_token": token, "month": "2026-05", "hours": value},
        )
        assert resp.status_code == 422
        assert "heures" in unescape(resp.text).lower()
    assert len(session.scalars(select(PlacementHours)).all()) == 1


def test_reports_page_and_xlsx_download(
    client: TestClient, session: Session, facilitator: User, login: Login
) -> None:
    make_lot(session)
    login(facilitator)
    for name in ("execution", "fse", "participants", "funnel"):
        assert client.get("/facilitateur/rapports", params={"rapport": name}).status_code == 200
    resp = client.get("/facilitateur/rapports/execution.xlsx")
    assert resp.status_code == 200 and resp.content[:2] == b"PK"
    assert "attachment" in resp.headers["content-disposition"]
    assert client.get("/facilitateur/rapports/inconnu.xlsx").status_code == 404
    resp = client.get("/facilitateur/rapports", params={"du": "hier"})
    assert resp.status_code == 422 and "AAAA-MM-JJ" in resp.text
    resp = client.get("/facilitateur/rapports", params={"acheteur": "abc"})
    assert resp.status_code == 422 and "choisissez dans la liste" in resp.text
    page = client.get("/facilitateur/rapports", params={"rapport": "execution", "acheteur": "1"})
    assert page.status_code == 200 and "acheteur=1" in page.text  # kept in the download links


OFFERS_CSV = (
    "Référence;Intitulé;Code ROME;Commune;Type de contrat;Durée hebdomadaire;Date de début;"
    "Durée;Nombre de postes;SIRET;Permis requis\n"
    "OE-WEB-1;Maçon H/F;;Alençon;CDD;35;02/03/2027;6 mois;2;73282932000074;B\n"
)


def test_import_dry_run_then_confirm(
    client: TestClient, session: Session, facilitator: User, login: Login
) -> None:
    token = login(facilitator)
    resp = client.post(
        "/facilitateur/imports",
        data={"csrf_token": token, "type_fichier": "offres"},
        files={"fichier": ("offres.csv", OFFERS_CSV.encode("cp1252"), "text/csv")},
    )
    assert resp.status_code == 200, resp.text[-800:]
    page = unescape(resp.text)
    assert "rien n'est encore écrit" in page and "Confirmer l'import" in page
    assert session.scalar(select(Offer).where(Offer.external_id == "OE-WEB-1")) is None
    empreinte = page.split('name="empreinte" value="')[1].split('"')[0]
    resp = client.post(
        "/facilitateur/imports/confirmer",
        data={
            "csrf_token": token,
            "empreinte": empreinte,
            "type_fichier": "offres",
            "nom": "offres.csv",
        },
    )
    assert resp.status_code == 200 and "Import appliqué" in unescape(resp.text)
    assert session.scalar(select(Offer).where(Offer.external_id == "OE-WEB-1")) is not None


def _check_offers(client: TestClient, token: str, data: bytes, name: str = "offres.csv") -> str:
    """Send an offer file to the import page's check; the answer's status and text."""
    resp = client.post(
        "/facilitateur/imports",
        data={"csrf_token": token, "type_fichier": "offres"},
        files={"fichier": (name, data, "text/csv")},
    )
    return f"{resp.status_code} {unescape(resp.text)}"


def test_import_of_a_bad_file_names_the_row_and_changes_nothing(
    client: TestClient, session: Session, facilitator: User, login: Login
) -> None:
    token = login(facilitator)
    bad = OFFERS_CSV + "OE-WEB-2;Maçon H/F;;Nulle-Part-Sur-Mer;CDD;35;02/03/2027;6 mois;1;;\n"
    page = _check_offers(client, token, bad.encode("utf-8"))
    # An offer file's check shows both lists: the valid offers and the refused one.
    assert page.startswith("200 ")
    assert "1 offre(s) refusée(s)" in page and "Commune inconnue : « Nulle-Part-Sur-Mer »" in page
    assert "Importer les 1 offres valides" in page
    assert session.scalar(select(Offer).where(Offer.external_id == "OE-WEB-1")) is None
    # A file that cannot be read at all is still refused whole.
    page = _check_offers(client, token, b"[{", "offres.json")
    assert page.startswith("422 ") and "Fichier refusé, rien n'a été modifié" in page


def test_import_page_asks_for_the_rome_code_of_a_vague_title(
    client: TestClient, session: Session, facilitator: User, login: Login
) -> None:
    vague = OFFERS_CSV + "OE-WEB-3;Chef d'équipe (H/F);;Alençon;CDD;35;02/03/2027;6 mois;1;;\n"
    page = _check_offers(client, login(facilitator), vague.encode("utf-8"))
    assert page.startswith("200 ") and "1 offre(s) refusée(s)" in page
    assert "« Chef d'équipe (H/F) » à préciser" in page
    assert "Indiquez le code ROME de l'offre (pistes :" in page
    assert session.scalar(select(Offer).where(Offer.external_id == "OE-WEB-3")) is None


def test_admin_asks_a_facilitator_approves_and_the_person_activates_their_account(
    client: TestClient, session: Session, admin: User, facilitator: User, login: Login
) -> None:
    """Finding 2 of issue 21 on the pages: the administrator never sees the coach's token,
    password or setup code; the facilitator approves and hands over the code; the person
    chooses their password and gets their token."""
    token = login(admin)
    resp = client.post(
        "/admin/utilisateurs",
        data={"csrf_token": token, "username": "nouvelle.coach", "role": "coach"},
    )
    assert resp.status_code == 200
    page = unescape(resp.text).replace("<strong>", "").replace("</strong>", "")
    assert "Compte nouvelle.coach demandé" in page and "validé" in page
    assert "Jeton d'API" not in page and "<code>" not in page
    assert 'name="password"' not in page.split("Créer un compte")[1]
    resp = client.post(
        "/admin/utilisateurs",
        data={"csrf_token": token, "username": "Pas Valide", "role": "coach"},
    )
    assert resp.status_code == 422 and "Identifiant invalide" in resp.text
    created = session.scalar(select(User).where(User.username == "nouvelle.coach"))
    assert created is not None and not created.is_active and created.password_hash is None
    # The admin may not set a coach's password.
    refused = client.post(
        f"/admin/utilisateurs/{created.id}/mot-de-passe",
        data={"csrf_token": token, "password": "un-bon-mot-de-passe"},
    )
    assert refused.status_code == 403

    token = login(facilitator)
    listing = unescape(client.get("/facilitateur/comptes").text)
    assert "nouvelle.coach" in listing and "Demandes à valider" in listing
    approved = client.post(
        f"/facilitateur/comptes/{created.id}/valider", data={"csrf_token": token}
    )
    assert approved.status_code == 200
    code = re.search(r"valable [0-9]+ h\) : <code>([^<]+)</code>", approved.text)
    assert code is not None

    client.cookies.clear()
    form = client.get("/compte/activation")
    bad = client.post(
        "/compte/activation",
        data={
            "csrf_token": csrf_of(form.text),
            "code": code.group(1),
            "password": "un-bon-mot-de-passe",
            "confirmation": "un-autre-mot-de-passe",
        },
    )
    assert bad.status_code == 422 and "diffèrent" in unescape(bad.text)
    done = client.post(
        "/compte/activation",
        data={
            "csrf_token": csrf_of(bad.text),
            "code": code.group(1),
            "password": "un-bon-mot-de-passe",
            "confirmation": "un-bon-mot-de-passe",
        },
    )
    assert done.status_code == 200 and "jeton d'API" in unescape(done.text)
    page = client.get("/connexion")
    resp = client.post(
        "/connexion",
        data={
            "username": "nouvelle.coach",
            "password": "un-bon-mot-de-passe",
            "csrf_token": csrf_of(page.text),
        },
        follow_redirects=False,
    )
    assert resp.headers["location"] == "/coach/suivi"


def test_admin_changes_a_role_and_deactivates_but_not_themself(
    client: TestClient, session: Session, admin: User, coach: User, login: Login
) -> None:
    token = login(admin)
    resp = client.post(
        f"/admin/utilisateurs/{coach.id}",
        data={"csrf_token": token, "version": coach.version, "role": "facilitator", "actif": "non"},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    session.expire_all()
    changed = session.get(User, coach.id)
    assert changed is not None and changed.role == "facilitator" and not changed.is_active
    resp = client.post(
        f"/admin/utilisateurs/{admin.id}",
        data={"csrf_token": token, "version": admin.version, "role": "coach", "actif": "oui"},
    )
    assert resp.status_code == 422 and "administrateur" in resp.text
    # A deactivated account can no longer log in.
    client.cookies.clear()
    page = client.get("/connexion")
    resp = client.post(
        "/connexion",
        data={"username": coach.username, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
    )
    assert resp.status_code == 401


def test_models_page_says_what_to_do_without_models(
    client: TestClient, admin: User, login: Login
) -> None:
    login(admin)
    page = unescape(client.get("/admin/modeles").text)
    assert "Aucun modèle entraîné" in page or "Modèles entraînés" in page


def test_hours_calculator_and_supply_check(
    client: TestClient, session: Session, coach: User, facilitator: User, login: Login
) -> None:
    make_candidate(session, coach=coach)
    login(facilitator)
    page = unescape(
        client.get(
            "/facilitateur/outils", params={"montant": "250 000", "taux": "5", "part": "45 %"}
        ).text
    )
    assert "188 heures d'insertion" in page and "250 000 € × 45 % × 5 % ÷ 30 €/h" in page
    resp = client.get("/facilitateur/outils", params={"montant": "beaucoup", "taux": "5"})
    assert resp.status_code == 422 and "nombre attendu" in unescape(resp.text)
    page = unescape(
        client.get(
            "/facilitateur/outils/vivier",
            params={"rome": "F1703", "commune": "Alençon", "heures": "700"},
        ).text
    )
    assert "personne(s) autour de Alençon" in page and "(F1703)" in page
    resp = client.get("/facilitateur/outils/vivier", params={"rome": "Z9999", "commune": "Alençon"})
    assert resp.status_code == 422 and "fiche ROME inconnue" in unescape(resp.text)


def test_new_offers_since_the_last_visit(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    from datetime import UTC, datetime, timedelta

    from service.models.accounts import WebSession

    person = make_candidate(session, coach=coach, first_name="Hélène", last_name="Lefèvre")
    old = make_offer(session, intitule="Offre ancienne")
    old.created_at = datetime(2026, 1, 1, tzinfo=UTC)
    new = make_offer(session, intitule="Offre toute neuve")
    elsewhere = make_offer(
        session, intitule="Offre sans personne du suivi", code_ogr=None, code_rome="J1506"
    )
    session.flush()
    previous = datetime.now(UTC) - timedelta(days=3)
    session.add(
        WebSession(
            token_hash="0" * 64,
            user_id=coach.id,
            csrf_token="x",
            created_at=previous - timedelta(hours=1),
            last_seen_at=previous,
            expires_at=previous + timedelta(hours=9),
            revoked_at=previous,
        )
    )
    session.flush()
    login(coach)
    page = unescape(client.get("/coach/nouvelles-offres").text)
    assert "depuis votre dernière visite" in page
    assert new.intitule in page and old.intitule not in page
    # only what concerns the caseload: an offer that ranks none of the coach's people is left out
    assert elsewhere.intitule not in page
    assert f'<a href="/personnes/{person.id}">Hélène Lefèvre</a>' in page
    assert "1 sur 2 nouvelle(s) offre(s)" in page


def test_digest_empty_state_and_mark_as_read(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    from service.models.scoring import DigestMark

    token = login(coach)
    page = unescape(client.get("/coach/resume").text)
    assert "Rien de nouveau pour votre suivi" in page
    resp = client.post("/coach/resume/lu", data={"csrf_token": token}, follow_redirects=False)
    assert resp.status_code == 303
    assert session.get(DigestMark, coach.id) is not None


def test_coach_withdraws_a_proposal(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    person = make_candidate(session, coach=coach)
    offer = make_offer(session)
    token = login(coach)
    client.post(
        f"/personnes/{person.id}/proposer", data={"csrf_token": token, "offer_id": offer.id}
    )
    proposal = session.scalars(select(Proposal)).one()
    resp = client.post(
        f"/coach/propositions/{proposal.id}/retirer",
        data={"csrf_token": token, "version": proposal.version},
        follow_redirects=False,
    )
    assert resp.status_code == 303
    session.expire_all()
    assert session.get(Proposal, proposal.id).state == "withdrawn"  # type: ignore[union-attr]


def test_activating_an_unknown_model_version_is_refused(
    client: TestClient, admin: User, login: Login
) -> None:
    token = login(admin)
    resp = client.post(
        "/admin/modeles/activer", data={"csrf_token": token, "version": "v-inexistante"}
    )
    assert resp.status_code == 422 and "version inconnue" in resp.text


def test_why_not_then_propose_out_of_ranking_and_already_proposed_tag(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    far = make_candidate(session, coach=coach, max_distance_km=1.0, commune_insee="61169")
    near = make_candidate(session, coach=coach)
    offer = make_offer(session)
    token = login(coach)
    page = unescape(client.get(f"/offres/{offer.id}", params={"personne": far.external_id}).text)
    assert f"Proposer {far.external_id} hors classement" in page
    resp = client.post(
        f"/personnes/{far.id}/proposer",
        data={
            "csrf_token": token,
            "offer_id": offer.id,
            "source": "manual",
            "comment": "connaît le chef de chantier",
            "retour": "offre",
        },
        follow_redirects=False,
    )
    assert resp.status_code == 303
    proposal = session.scalars(select(Proposal)).one()
    assert proposal.is_manual and proposal.exclusion_reasons
    client.post(f"/personnes/{near.id}/proposer", data={"csrf_token": token, "offer_id": offer.id})
    page = unescape(client.get(f"/offres/{offer.id}").text)
    assert "déjà proposée" in page


@pytest.fixture(scope="module")
def two_models(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[str]]:
    import service.cli
    from training import registry

    folder = tmp_path_factory.mktemp("models")
    history = folder / "history.csv"
    assert service.cli.main(["history", "generate", "-o", str(history), "--rows", "3000"]) == 0
    for split in ("group", "time"):
        args = ["train", str(history), "--split", split, "--models-dir", str(folder)]
        assert service.cli.main(args) == 0
    versions = [str(m["version"]) for m in registry.list_models(folder)]
    assert len(versions) == 2
    return str(folder), versions


def test_admin_lists_and_activates_model_versions(
    web_app: FastAPI,
    client: TestClient,
    session: Session,
    admin: User,
    login: Login,
    two_models: tuple[str, list[str]],
) -> None:
    from pathlib import Path

    from service.scoring.state import current_scorer_label
    from training import registry

    folder, versions = two_models
    settings = web_app.state.settings
    web_app.state.settings = settings.model_copy(update={"models_dir": Path(folder)})
    current = current_scorer_label(web_app.state.settings)

    def gate(low: float) -> dict[str, object]:
        figures = {"model": 0.5, "current": 0.45, "difference": 0.05, "low": low, "high": 0.09}
        return {"against": current, "recall@10": figures, "recall@20": figures}

    try:
        token = login(admin)
        page = unescape(client.get("/admin/modeles").text)
        assert all(v in page for v in versions) and "Modèles entraînés" in page
        assert "Mesures sur le vivier" in page and current in page
        # not ahead of the current scorer with an interval above 0: refused, with the figures
        registry.record_gate(folder, versions[0], gate(-0.01))
        resp = client.post(
            "/admin/modeles/activer", data={"csrf_token": token, "version": versions[0]}
        )
        assert resp.status_code == 422
        assert "activation refusée" in unescape(resp.text)
        assert "-0.010" in resp.text and registry.active_version(folder) is None
        refused = session.scalar(select(AuditEntry).where(AuditEntry.action == "refuse_model"))
        assert refused is not None and refused.detail["gate"]["recall@10"]["low"] == -0.01
        # forced: a reason is required, then it is activated and recorded as forced
        data = {"csrf_token": token, "version": versions[0], "forcer": "oui"}
        assert client.post("/admin/modeles/activer", data=data).status_code == 422
        resp = client.post(
            "/admin/modeles/activer",
            data={**data, "motif": "essai encadré"},
            follow_redirects=False,
        )
        assert resp.status_code == 303 and registry.active_version(folder) == versions[0]
        forced = session.scalar(select(AuditEntry).where(AuditEntry.action == "activate_model"))
        assert forced is not None and forced.detail["forced"] and forced.detail["has_reason"]
        assert "essai" not in str(forced.detail)  # free text stays out of the audit log
        decisions = [a["decision"] for a in registry.activations(folder)]
        assert decisions == ["refused", "forced"]
        # ahead of the (now active) model: activated without forcing
        current = versions[0]
        registry.record_gate(folder, versions[1], gate(0.01))
        resp = client.post(
            "/admin/modeles/activer",
            data={"csrf_token": token, "version": versions[1]},
            follow_redirects=False,
        )
        assert resp.status_code == 303
        assert registry.active_version(folder) == versions[1]
        page = unescape(client.get(resp.headers["location"]).text)
        assert "Version du modèle activée" in page and "<strong>actif</strong>" in page
        assert registry.activations(folder)[-1]["decision"] == "activated"
    finally:
        web_app.state.settings = settings


def test_facilitator_records_the_end_and_the_outcomes_of_a_placement(
    client: TestClient, session: Session, coach: User, facilitator: User, login: Login
) -> None:
    from service.models.workflow import Placement

    person = make_candidate(session, coach=coach)
    lot = make_lot(session)
    placement = placements.create_placement(
        session,
        facilitator,
        workflow_schemas.PlacementCreate(
            candidate_id=person.id,
            lot_id=lot.id,
            delivery_mode="direct_hire",
            contract_type="CDD",
            start_date=date(2026, 3, 1),
        ),
    )
    token = login(facilitator)
    resp = client.post(
        f"/facilitateur/placements/{placement.id}/situation",
        data={
            "csrf_token": token,
            "version": placement.version,
            "end_date": "2026-02-01",  # before the start: refused in French
            "outcome_at_end": "emploi_durable",
        },
    )
    assert resp.status_code == 422 and "Situation non enregistrée" in unescape(resp.text)
    resp = client.post(
        f"/facilitateur/placements/{placement.id}/situation",
        data={
            "csrf_token": token,
            "version": placement.version,
            "end_date": "2026-09-30",
            "outcome_at_end": "emploi_durable",
            "outcome_6_months": "emploi_durable",
        },
        follow_redirects=False,
    )
    assert resp.status_code == 303
    session.expire_all()
    row = session.get(Placement, placement.id)
    assert row is not None and row.end_date == date(2026, 9, 30)
    assert row.outcome_at_end == row.outcome_6_months == "emploi_durable"
    page = unescape(client.get(f"/facilitateur/placements/{placement.id}").text)
    assert "à la sortie : Emploi durable" in page


def test_facilitator_records_a_hire_made_outside_the_workflow(
    client: TestClient, session: Session, coach: User, facilitator: User, login: Login
) -> None:
    from service.models.workflow import Placement

    person = make_candidate(session, coach=coach)
    lot = make_lot(session)
    token = login(facilitator)
    resp = client.post(
        "/facilitateur/placements",
        data={
            "csrf_token": token,
            "personne": "INCONNU-1",
            "lot_id": str(lot.id),
            "delivery_mode": "direct_hire",
            "contract_type": "CDD",
            "start_date": "2026-04-01",
        },
    )
    assert resp.status_code == 422 and "introuvable" in unescape(resp.text)
    resp = client.post(
        "/facilitateur/placements",
        data={
            "csrf_token": token,
            "personne": person.external_id,
            "lot_id": str(lot.id),
            "delivery_mode": "direct_hire",
            "contract_type": "CDD",
            "start_date": "2026-04-01",
        },
        follow_redirects=False,
    )
    assert resp.status_code == 303
    placement = session.scalars(select(Placement)).one()
    assert placement.candidate_id == person.id and placement.lot_id == lot.id
    assert resp.headers["location"].startswith(f"/facilitateur/placements/{placement.id}")


def test_proposal_page_shows_the_signed_history_and_is_scoped(
    client: TestClient,
    session: Session,
    coach: User,
    other_coach: User,
    facilitator: User,
    login: Login,
) -> None:
    person = make_candidate(session, coach=coach)
    offer = make_offer(session)
    token = login(coach)
    client.post(
        f"/personnes/{person.id}/proposer", data={"csrf_token": token, "offer_id": offer.id}
    )
    proposal = session.scalars(select(Proposal)).one()
    page = unescape(client.get(f"/propositions/{proposal.id}").text)
    assert "Historique" in page and coach.username in page and "proposée" in page
    token = login(facilitator)
    client.post(
        f"/facilitateur/propositions/{proposal.id}",
        data={
            "csrf_token": token,
            "version": proposal.version,
            "to": "refused",
            "reason": "not_ready",
        },
    )
    page = unescape(client.get(f"/propositions/{proposal.id}").text)
    assert "proposée → refusée" in page and facilitator.username in page
    assert "Pas encore prêt·e pour l'emploi" in page
    login(other_coach)
    resp = client.get(f"/propositions/{proposal.id}")
    assert resp.status_code == 404 and person.external_id not in resp.text


def test_person_page_without_any_offer_says_what_to_do(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    far = make_candidate(session, coach=coach, max_distance_km=0.5, commune_insee="61169")
    make_offer(session)  # in Alençon, 60 km away
    login(coach)
    resp = client.get(f"/personnes/{far.id}")
    assert resp.status_code == 200
    assert "Aucune offre ouverte ne convient pour l'instant" in unescape(resp.text)
