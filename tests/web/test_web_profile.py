"""A person's profile form, and one rule per field at every door: the same bad value refused
with the same French sentence by the API, a candidate file and the web form."""

from __future__ import annotations

from datetime import date
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from web_factories import make_candidate, make_user
from web_helpers import Login

from fixtures import REFERENTIALS_DIR
from matching.fields import CANDIDATE_FIELDS, DEFAULT_RANGE_KM
from service.accounts.auth import hash_token
from service.imports.candidates import parse_candidates
from service.models.accounts import AuditEntry, User
from service.models.people import Candidate
from service.referentials.service import load_referentials
from service.referentials.titles import TitleGuess

TOKEN = "jeton-de-test-du-coach-0123456789abcdef"


def _form(person: Candidate, csrf: str, **changes: str) -> dict[str, str]:
    """The profile form as the browser sends it, filled with the person's values."""
    form = {
        "csrf_token": csrf,
        "version": str(person.version),
        "commune_insee": person.commune_insee,
        "travel_mode": person.travel_mode,
        "has_vehicle": "oui" if person.has_vehicle else "",
        "max_distance_km": "" if person.max_distance_km is None else f"{person.max_distance_km}",
        "max_travel_minutes": ""
        if person.max_travel_minutes is None
        else f"{person.max_travel_minutes}",
        "readiness_stage": person.readiness_stage,
        "readiness_assessed_on": person.readiness_assessed_on.isoformat(),
        "available_from": person.available_from.isoformat(),
        "max_weekly_hours": f"{person.max_weekly_hours}",
        "accepts_nights": "",
        "accepts_weekends": "oui",
        "accepts_early_starts": "",
        "is_active": "oui",
    }
    form.update(changes)
    return {k: v for k, v in form.items() if v != ""}


def _state(session: Session, person_id: int) -> tuple[Any, ...]:
    session.expire_all()
    row = session.get(Candidate, person_id)
    assert row is not None
    return (
        row.version,
        row.travel_mode,
        row.max_distance_km,
        row.max_travel_minutes,
        row.max_weekly_hours,
        row.readiness_stage,
        row.accepts_weekends,
    )


def test_the_form_shows_each_field_with_its_declared_bounds_and_choices(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    person = make_candidate(session, coach=coach)
    login(coach)
    page = unescape(client.get(f"/personnes/{person.id}").text)
    assert f'href="/personnes/{person.id}/profil"' in page
    form = client.get(f"/personnes/{person.id}/profil")
    assert form.status_code == 200
    html = unescape(form.text)
    assert f"<h1>Profil de {person.external_id}</h1>" in html
    distance = CANDIDATE_FIELDS["max_distance_km"]
    assert "Distance maximale (km)" in html and 'max="300"' in html
    assert distance.range_text() in html  # the bounds are said, not only enforced
    assert 'max="48"' in html and "Heures par semaine au plus (h)" in html
    for label in ("voiture", "transports en commun", "vélo", "à pied", "prêt à l'emploi"):
        assert f">{label}</option>" in html
    assert 'value="voiture" selected' in html


def test_a_coach_saves_the_profile_and_it_is_audited(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    person = make_candidate(session, coach=coach)
    csrf = login(coach)
    before = _state(session, person.id)
    sent = _form(
        person,
        csrf,
        travel_mode="transport_commun",
        max_distance_km="",
        max_travel_minutes="45",
        max_weekly_hours="24,5",
        readiness_stage="en_parcours",
    )
    resp = client.post(f"/personnes/{person.id}/profil", data=sent, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    assert resp.headers["location"] == f"/personnes/{person.id}?msg=profil"
    after = _state(session, person.id)
    assert after == (before[0] + 1, "transport_commun", None, 45.0, 24.5, "en_parcours", True)
    audit = session.scalars(
        select(AuditEntry).where(AuditEntry.entity_id == person.id, AuditEntry.action == "update")
    ).all()
    assert audit and audit[-1].user_id == coach.id
    page = unescape(client.get(resp.headers["location"]).text)
    assert "Profil enregistré" in page and "transports en commun" in page


def test_no_range_on_the_form_means_the_default_distance(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    person = make_candidate(session, coach=coach)
    csrf = login(coach)
    sent = _form(person, csrf, max_distance_km="", max_travel_minutes="")
    resp = client.post(f"/personnes/{person.id}/profil", data=sent, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    assert _state(session, person.id)[2:4] == (DEFAULT_RANGE_KM, None)


def test_another_coachs_person_has_no_profile_form(
    client: TestClient, session: Session, coach: User, other_coach: User, login: Login
) -> None:
    theirs = make_candidate(session, coach=other_coach)
    csrf = login(coach)
    assert client.get(f"/personnes/{theirs.id}/profil").status_code == 404
    before = _state(session, theirs.id)
    resp = client.post(
        f"/personnes/{theirs.id}/profil", data=_form(theirs, csrf, max_weekly_hours="20")
    )
    assert resp.status_code == 404
    assert _state(session, theirs.id) == before


def test_a_stale_form_is_refused_and_changes_nothing(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    person = make_candidate(session, coach=coach)
    csrf = login(coach)
    old = _form(person, csrf, max_weekly_hours="20")
    assert client.post(f"/personnes/{person.id}/profil", data=_form(person, csrf)).status_code in (
        200,
        303,
    )
    before = _state(session, person.id)
    resp = client.post(f"/personnes/{person.id}/profil", data=old)
    assert resp.status_code == 409
    page = unescape(resp.text)
    assert "quelqu'un a modifié cette fiche pendant que vous la modifiiez" in page
    assert f'href="/personnes/{person.id}/profil">Ouvrir la fiche à jour' in page
    # the page keeps what was typed and the version that was sent: saving it again is refused
    assert 'name="max_weekly_hours" type="number" value="20"' in page
    assert f'name="version" value="{old["version"]}"' in page
    assert client.post(f"/personnes/{person.id}/profil", data=old).status_code == 409
    assert _state(session, person.id) == before


# --------------------------------------------------------------------------- every door

# (API field, value, web form value, candidate-file column, file value)
BAD_VALUES = [
    ("max_distance_km", 400, "400", "distance max km", "400"),
    ("max_distance_km", 0, "0", "distance max km", "0"),
    ("max_travel_minutes", 300, "300", "temps de trajet max min", "300"),
    ("max_weekly_hours", 60, "60", "heures max semaine", "60"),
    ("max_weekly_hours", 0.5, "0,5", "heures max semaine", "0,5"),
    ("travel_mode", "fusée", "fusée", "mode de déplacement", "fusée"),
    ("readiness_stage", "bientôt", "bientôt", "étape", "bientôt"),
]


def _file_refusal(column: str, value: str, coach: User) -> list[str]:
    refs = load_referentials(REFERENTIALS_DIR)
    header = "identifiant;coach;commune;métiers;étape;date d'évaluation"
    row = f"P-DOOR;{coach.username};61001;F1703;prêt à l'emploi;01/10/2026"
    if column == "étape":
        row = row.replace("prêt à l'emploi", value)
    else:
        header += f";{column}"
        row += f";{value}"

    def no_titles(titles: Any) -> list[TitleGuess]:
        return [TitleGuess(None, None, 0.0) for _ in titles]

    result = parse_candidates(
        f"{header}\n{row}\n".encode(),
        communes=refs.communes,
        rome=refs.rome,
        normalise_titles=no_titles,
        known_coaches=[coach.username],
        today=date(2026, 11, 25),
    )
    assert result.records == []
    return [e.message for e in result.errors]


@pytest.mark.parametrize(("field", "api_value", "form_value", "column", "file_value"), BAD_VALUES)
def test_the_same_bad_value_gets_the_same_refusal_at_every_door(
    client: TestClient,
    session: Session,
    login: Login,
    field: str,
    api_value: Any,
    form_value: str,
    column: str,
    file_value: str,
) -> None:
    coach = make_user(session, role="coach", token_hash=hash_token(TOKEN))
    person = make_candidate(session, coach=coach)
    spec = CANDIDATE_FIELDS[field]
    sentence = spec.problem(api_value)
    assert sentence is not None
    before = _state(session, person.id)

    # the API
    api = client.patch(
        f"/candidates/{person.id}",
        json={field: api_value, "version": person.version},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert api.status_code == 422, api.text
    assert api.json()["detail"] == f"{field}: {sentence}"

    # a candidate file
    assert _file_refusal(column, file_value, coach) == [sentence]

    # the web form
    csrf = login(coach)
    page = client.post(
        f"/personnes/{person.id}/profil", data=_form(person, csrf, **{field: form_value})
    )
    assert page.status_code == 422
    html = unescape(page.text)
    assert sentence in html and "Rien n'a été enregistré" in html

    assert _state(session, person.id) == before
