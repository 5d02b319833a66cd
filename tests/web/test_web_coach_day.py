"""The coach's day on the web: people found by name, a profile kept up to date (identity, target
jobs, licences, skills), offers found, and the identity of another coach's person shown nowhere."""

from __future__ import annotations

from datetime import UTC, datetime
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from web_factories import make_candidate, make_offer, make_user
from web_helpers import Login, csrf_of

from service.models.accounts import AuditEntry, User
from service.models.people import Candidate
from service.web.templating import fr_date


def _profile_form(client: TestClient, person: Candidate) -> dict[str, str]:
    """The profile form as the page fills it (text fields, ticked boxes, hidden fields)."""
    import re

    html = client.get(f"/personnes/{person.id}/profil").text
    form: dict[str, str] = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if name is None:
            continue
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="checkbox"' in tag and "checked" not in tag:
            continue
        form[name.group(1)] = unescape(value.group(1)) if value else ""
    for select_html in re.findall(r"<select[^>]*>.*?</select>", html, flags=re.S):
        name = re.search(r'name="([^"]+)"', select_html)
        chosen = re.search(r'<option value="([^"]*)" selected', select_html)
        if name and chosen:
            form[name.group(1)] = chosen.group(1)
    return form


def _reload(session: Session, person_id: int) -> Candidate:
    session.expire_all()
    row = session.scalars(select(Candidate).where(Candidate.id == person_id)).one()
    return row


def test_a_coach_finds_people_by_name_whatever_the_accents_and_order(
    client: TestClient, session: Session, coach: User, other_coach: User, login: Login
) -> None:
    helene = make_candidate(session, coach=coach, first_name="Hélène", last_name="Lefèvre")
    make_candidate(session, coach=coach, first_name="Marc", last_name="Durand")
    make_candidate(session, coach=other_coach, first_name="Hélène", last_name="Lemaire")
    login(coach)
    for typed in ("helene", "LEFEVRE", "lef hél", helene.external_id):
        page = unescape(client.get("/coach/suivi", params={"q": typed}).text)
        assert "Hélène Lefèvre" in page, typed
        assert "Durand" not in page and "Lemaire" not in page, typed
    assert "1 personne(s)." in unescape(client.get("/coach/suivi", params={"q": "hel"}).text)
    # punctuation alone is no name: only a follow-up id could start with it
    assert "0 personne(s)." in unescape(client.get("/coach/suivi", params={"q": "-"}).text)


def test_the_profile_form_saves_identity_jobs_licences_and_skills_through_the_api_rules(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    person = make_candidate(session, coach=coach)
    login(coach)
    form = _profile_form(client, person)
    assert form["job-0-rome"] == "F1703" and form["job-0-exp"] == "2"
    # the mason's core ROME skills are offered as boxes
    page = unescape(client.get(f"/personnes/{person.id}/profil").text)
    assert "Appliquer les mortiers" in page
    form.update(
        {
            "first_name": "  Hélène ",
            "last_name": "Lefèvre-Martin",
            "phone": "06.12.34.56.78",
            "email": "Helene.Lefevre@Example.ORG",
            "job-0-exp": "4,5",
            "metier": "K2204",
            "metier-exp": "1",
            "licence-CACES_R489_3": "oui",
            "skill-121482": "oui",
        }
    )
    resp = client.post(f"/personnes/{person.id}/profil", data=form, follow_redirects=False)
    assert resp.status_code == 303, unescape(resp.text)[-2000:]
    row = _reload(session, person.id)
    assert (row.first_name, row.last_name, row.phone, row.email) == (
        "Hélène",
        "Lefèvre-Martin",
        "06 12 34 56 78",
        "Helene.Lefevre@example.org",
    )
    assert row.name_key == "lefevre martin helene"
    session.refresh(row, ["jobs", "licences"])
    assert [(j.code_rome, j.experience_years) for j in row.jobs] == [
        ("F1703", 4.5),
        ("K2204", 1.0),
    ]
    assert sorted(lic.code for lic in row.licences) == ["CACES_R489_3", "PERMIS_B"]
    assert row.skills == [121482]
    page = unescape(client.get(f"/personnes/{person.id}").text)
    assert "<h1>Hélène Lefèvre-Martin</h1>" in page
    assert 'href="tel:0612345678"' in page
    assert "Maçon / Maçonne (F1703) — 4,5 ans d'expérience" in page
    assert "CACES R489 cat. 3 (chariots frontaux)" in page
    assert "Appliquer les mortiers" in page
    # audited with the names of the fields, never their values
    entry = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "update", AuditEntry.entity_id == person.id)
        .order_by(AuditEntry.id.desc())
    ).first()
    assert entry is not None
    assert {"first_name", "phone", "jobs", "licences", "skills"} <= set(entry.detail["fields"])
    assert "Hélène" not in str(entry.detail) and "06 12" not in str(entry.detail)

    # removing a job and picking one from the suggestions list ("label (code OGR)")
    form = _profile_form(client, _reload(session, person.id))
    form.update({"job-1-retirer": "oui", "metier": "Plongeur / Plongeuse en restauration (17846)"})
    resp = client.post(f"/personnes/{person.id}/profil", data=form, follow_redirects=False)
    assert resp.status_code == 303, unescape(resp.text)[-2000:]
    row = _reload(session, person.id)
    session.refresh(row, ["jobs"])
    assert [(j.code_ogr, j.code_rome) for j in row.jobs] == [(16250, "F1703"), (17846, "G1605")]


@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        ({"phone": "12 34"}, "Téléphone : « 12 34 » n'est pas un numéro valide"),
        ({"email": "helene@"}, "E-mail : « helene@ » n'est pas une adresse valide"),
        ({"first_name": "H3l3ne"}, "Prénom : « H3l3ne » ne ressemble pas à un prénom"),
        ({"job-0-exp": "99"}, "Expérience : 99 ans n'est pas possible (entre 0 et 50 ans)."),
        ({"job-0-exp": "beaucoup"}, "Expérience : « beaucoup » n'est pas un nombre."),
        ({"metier": "zzqx wvvk"}, "Métier non reconnu : « zzqx wvvk »"),
    ],
)
def test_a_bad_profile_value_gets_a_french_sentence_and_changes_nothing(
    client: TestClient,
    session: Session,
    coach: User,
    login: Login,
    changes: dict[str, str],
    sentence: str,
) -> None:
    person = make_candidate(session, coach=coach, first_name="Marc")
    before = (person.version, person.first_name, person.phone)
    login(coach)
    form = _profile_form(client, person)
    form.update(changes)
    resp = client.post(f"/personnes/{person.id}/profil", data=form)
    assert resp.status_code == 422
    page = unescape(resp.text)
    assert "Rien n'a été enregistré" in page
    assert sentence in page
    row = _reload(session, person.id)
    assert (row.version, row.first_name, row.phone) == before
    session.refresh(row, ["jobs"])
    assert [(j.code_rome, j.experience_years) for j in row.jobs] == [("F1703", 2.0)]


def test_the_same_phone_is_refused_with_the_same_sentence_at_every_door(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    """The API, a candidate file and the web form read the phone with its one declaration."""
    from fixtures import REFERENTIALS_DIR
    from service.imports.candidates import parse_candidates
    from service.referentials.service import load_referentials
    from service.referentials.titles import TitleGuess

    sentence = "Téléphone : « 0612 » n'est pas un numéro valide (ex. 06 12 34 56 78 ou"
    person = make_candidate(session, coach=coach)
    login(coach)
    form = _profile_form(client, person)
    form["phone"] = "0612"
    assert sentence in unescape(client.post(f"/personnes/{person.id}/profil", data=form).text)

    from service.people.schemas import CandidateUpdate

    with pytest.raises(ValueError, match="n'est pas un numéro valide") as info:
        CandidateUpdate(phone="0612", version=1)
    assert sentence in str(info.value)

    refs = load_referentials(REFERENTIALS_DIR)
    parsed = parse_candidates(
        (
            "identifiant;coach;commune;métiers;étape;date d'évaluation;téléphone\n"
            "P1;c;61001;F1703;diagnostic;01/01/2026;0612\n"
        ).encode(),
        communes=refs.communes,
        rome=refs.rome,
        normalise_titles=lambda titles: [TitleGuess(None, None, 0.0) for _ in titles],
        known_coaches=["c"],
        today=datetime.now(UTC).date(),
    )
    (error,) = parsed.errors
    assert error.code == "bad_phone" and error.message.startswith(sentence)


def test_job_suggestions_for_the_form_are_for_coaches_and_the_facilitator_only(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    login(coach)
    hits = client.get("/personnes/metiers", params={"q": "macon"}).json()
    assert {"label": "Maçon / Maçonne (16250)", "code_rome": "F1703"} in hits
    admin = make_user(session, role="admin")
    login(admin)
    assert client.get("/personnes/metiers", params={"q": "macon"}).status_code == 403


def test_another_coachs_person_never_shows_a_name(
    client: TestClient, session: Session, coach: User, other_coach: User, login: Login
) -> None:
    """Shortlist over the whole pool (page and API), "Pourquoi pas ?" by name, the person's
    page and profile, the new offers: the other coach's person is never named."""
    from service.accounts.auth import hash_token

    theirs = make_candidate(
        session,
        coach=other_coach,
        first_name="Zéphyrine",
        last_name="Quennehen",
        phone="02 61 91 00 01",
        email="zephyrine.quennehen@example.org",
    )
    mine = make_candidate(session, coach=coach, first_name="Marc", last_name="Dupont")
    offer = make_offer(session)
    token = "jeton-du-coach-pour-ce-test-0123456789abcdef"
    coach.token_hash = hash_token(token)
    session.flush()
    secrets = ("Zéphyrine", "Quennehen", "zephyrine", "02 61 91 00 01")

    def clean(text: str) -> None:
        for secret in secrets:
            assert secret not in unescape(text)

    login(coach)
    page = client.get(f"/offres/{offer.id}", params={"portee": "all"})
    assert page.status_code == 200
    assert f"personne n° {theirs.id}" in page.text and "Marc Dupont" in page.text
    clean(page.text)
    why = client.get(f"/offres/{offer.id}", params={"personne": "Quennehen"})
    assert "personne « Quennehen » introuvable dans votre suivi" in unescape(why.text)
    # the typed name comes back in the field and the message; nothing else about the person
    assert "Zéphyrine" not in unescape(why.text) and "02 61 91" not in why.text
    for path in (f"/personnes/{theirs.id}", f"/personnes/{theirs.id}/profil"):
        resp = client.get(path)
        assert resp.status_code == 404
        clean(resp.text)
    clean(client.get("/coach/nouvelles-offres").text)
    search = unescape(client.get("/coach/suivi", params={"q": "quennehen"}).text)
    assert "0 personne(s)." in search and "Zéphyrine" not in search
    api = client.get(
        f"/offers/{offer.id}/shortlist",
        params={"scope": "all"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert api.status_code == 200
    other = next(i for i in api.json()["items"] if i["candidate_id"] == theirs.id)
    assert other["name"] is None and other["external_id"] is None
    own = next(i for i in api.json()["items"] if i["candidate_id"] == mine.id)
    assert own["name"] == "Marc Dupont"
    clean(api.text)
    listed = client.get(
        "/candidates", params={"q": "quennehen"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert listed.json()["total"] == 0
    clean(listed.text)


def test_offers_are_found_by_text_place_contract_and_date_and_sorted(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    from datetime import date

    near = make_offer(session, intitule="Maçon coffreur", commune_insee="61001")
    far = make_offer(session, intitule="Maçon VRD", commune_insee="61169", contract_type="CDI")
    clean = make_offer(
        session,
        intitule="Agent d'entretien",
        code_ogr=None,
        code_rome="K2204",
        start_date=date(2027, 3, 1),
    )
    login(coach)

    def titles(**params: str) -> list[str]:
        page = unescape(client.get("/offres", params=params).text)
        return [o.intitule for o in (near, far, clean) if f">{o.intitule}</a>" in page]

    assert titles(q="macon") == [near.intitule, far.intitule]
    assert titles(q="maçon", commune="Alençon", km="10") == [near.intitule]
    assert titles(q="macon", commune="Flers") == [far.intitule]  # the Orne's Flers
    assert titles(q="macon", commune="61169", km="5") == [far.intitule]
    assert titles(contrat="CDI") == [far.intitule]
    assert titles(debut_min="2027-01-01") == [clean.intitule]
    page = unescape(client.get("/offres", params={"q": "maçon", "tri": "intitule"}).text)
    assert page.index(near.intitule) < page.index(far.intitule)
    bad = unescape(client.get("/offres", params={"commune": "Nulle-Part-Sur-Mer"}).text)
    assert "commune « Nulle-Part-Sur-Mer » inconnue" in bad
    bad = unescape(client.get("/offres", params={"commune": "Sées", "km": "loin"}).text)
    assert "Rayon : « loin » n'est pas un nombre de kilomètres" in bad
    # an empty radius, as a browser sends it, is no radius
    assert titles(q="macon", commune="61001", km="") == [near.intitule]


def test_times_are_shown_in_paris_time() -> None:
    assert fr_date(datetime(2026, 1, 15, 23, 48, tzinfo=UTC)) == "16 janvier 2026 à 00:48"
    assert fr_date(datetime(2026, 7, 1, 10, 0, tzinfo=UTC)) == "1er juillet 2026 à 12:00"


def test_a_follow_up_list_keeps_the_row_just_withdrawn(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    from service.models.workflow import Proposal

    person = make_candidate(session, coach=coach, first_name="Marc", last_name="Dupont")
    offer = make_offer(session)
    token = login(coach)
    client.post(
        f"/personnes/{person.id}/proposer", data={"csrf_token": token, "offer_id": str(offer.id)}
    )
    proposal = session.scalars(select(Proposal).where(Proposal.candidate_id == person.id)).one()
    page = client.get("/coach/propositions", params={"etat": "proposed"}).text
    token = csrf_of(page)
    resp = client.post(
        f"/coach/propositions/{proposal.id}/retirer",
        data={"csrf_token": token, "version": str(proposal.version), "etat": "proposed"},
    )
    page = unescape(resp.text)
    assert resp.status_code == 200 and "Modification enregistrée." in page
    assert "Marc Dupont" in page and "vient de changer" in page and "retirée" in page
