"""The main journeys in a real browser (Debian's chromium driven by Playwright).

The app is served by uvicorn in a thread on a free port, against a temporary SQLite database
loaded with the demo set. Screenshots go to ``artifacts/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select
from sqlalchemy.orm import Session

from fixtures import DEMO_DIR
from matching.engine import MatchingState
from service.config import Settings
from service.db import alembic_config, make_engine, make_sessionmaker
from service.imports.demo import demo_password, load_demo
from service.models.accounts import User
from service.models.offers import Offer
from service.models.people import Candidate
from service.referentials.service import load_referentials
from service.scoring.batch import BatchParameters, run_batch
from service.scoring.state import ScoringState

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="/usr/bin/chromium absent (apt-get install chromium)"
    ),
]


@dataclass(frozen=True)
class Demo:
    base_url: str
    coach: str
    person_external_id: str
    person_name: str
    person_id: int
    offer_id: int
    offer_rome: str
    other_coach_person_id: int
    artifacts: Path
    database_url: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _journey_pair(url: str) -> tuple[str, int, str, str, int, str, int]:
    """A demo coach, one of their people with a ranked offer, that offer, another coach's person."""
    with _demo_engine_state(url) as (session, state, scoring):
        # A batch run, so that coaches have a digest to read.
        run_batch(session, scoring, user=None, params=BatchParameters(as_of=ScoringState.today()))
        session.commit()
        coach = session.scalars(select(User).where(User.username == "coach-alencon")).one()
        people = session.scalars(
            select(Candidate)
            .where(Candidate.coach_id == coach.id, Candidate.is_active)
            .order_by(Candidate.id)
        ).all()
        caseload = {str(p.id): p for p in people}
        for oid in state.offers.ids.tolist():
            ranked = state.shortlist(
                str(oid), len(state.pool), as_of=ScoringState.today(), explain=False
            )
            mine = ranked[ranked["candidate_id"].isin(caseload)]
            if len(mine):
                person = caseload[str(mine["candidate_id"].iloc[0])]
                offer = session.get(Offer, int(oid))
                assert offer is not None
                other = session.scalars(
                    select(Candidate).where(Candidate.coach_id != coach.id).limit(1)
                ).one()
                return (
                    coach.username,
                    person.id,
                    person.external_id,
                    f"{person.first_name} {person.last_name}",
                    offer.id,
                    offer.code_rome or "",
                    other.id,
                )
    raise AssertionError("the demo set has no ranked offer for coach-alencon's people")


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory, screenshots_dir: Path) -> Iterator[Demo]:
    import uvicorn

    from service.main import create_app

    db = tmp_path_factory.mktemp("browser") / "demo.sqlite"
    url = f"sqlite:///{db}"
    command.upgrade(alembic_config(url), "head")
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        load_demo(session, DEMO_DIR)
        session.commit()
    engine.dispose()
    coach, person_id, external_id, name, offer_id, rome, other_id = _journey_pair(url)

    port = _free_port()
    app = create_app(Settings(database_url=url))
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, ws="none"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-browser-tests", daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield Demo(
            base_url=f"http://127.0.0.1:{port}",
            coach=coach,
            person_external_id=external_id,
            person_name=name,
            person_id=person_id,
            offer_id=offer_id,
            offer_rome=rome,
            other_coach_person_id=other_id,
            artifacts=screenshots_dir,
            database_url=url,
        )
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@pytest.fixture(scope="module")
def browser(demo_server: Demo) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _page(browser: object, demo: Demo) -> object:
    from playwright.sync_api import expect

    # Generous waits: the CI machine's two cores are shared with other test workers.
    expect.set_options(timeout=20_000)
    context = browser.new_context(  # type: ignore[attr-defined]
        base_url=demo.base_url, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(30_000)
    return context.new_page()


def _shot(page: object, demo: Demo, name: str) -> None:
    page.screenshot(path=str(demo.artifacts / f"{name}.png"), full_page=True)  # type: ignore[attr-defined]


def _login(page: object, username: str) -> None:
    page.goto("/connexion")  # type: ignore[attr-defined]
    page.get_by_label("Identifiant").fill(username)  # type: ignore[attr-defined]
    page.get_by_label("Mot de passe").fill(demo_password(username))  # type: ignore[attr-defined]
    page.get_by_role("button", name="Se connecter").click()  # type: ignore[attr-defined]


def test_coach_proposes_from_a_shortlist_then_the_facilitator_validates_places_records_hours_and_downloads_a_report(
    browser: object, demo_server: Demo
) -> None:
    from playwright.sync_api import Page, expect

    demo = demo_server
    page: Page = _page(browser, demo)  # type: ignore[assignment]

    # --- the coach
    page.goto("/connexion")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    _shot(page, demo, "01-connexion")
    _login(page, demo.coach)
    expect(page).to_have_url(re.compile(r"/coach/suivi$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon suivi")
    _shot(page, demo, "02-coach-suivi")

    page.get_by_label("Nom, prénom ou identifiant").fill(demo.person_external_id)
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_role("link", name=demo.person_name, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(demo.person_name)
    expect(page.get_by_text("Meilleures offres pour cette personne")).to_be_visible()
    _shot(page, demo, "03-coach-personne-meilleures-offres")

    page.get_by_role("link", name="Offres", exact=True).click()
    page.get_by_label("Métier, intitulé ou entreprise").fill(demo.offer_rome)
    page.get_by_role("button", name="Chercher").click()
    _shot(page, demo, "03b-coach-recherche-offres")
    page.locator(f'table a[href="/offres/{demo.offer_id}"]').first.click()
    expect(page.get_by_role("heading", name="Meilleures candidatures")).to_be_visible()
    row = page.locator("tr", has=page.get_by_role("link", name=demo.person_name, exact=True))
    expect(row).to_have_count(1)
    _shot(page, demo, "04-coach-liste-offre")

    page.get_by_label("Personne de votre suivi (nom ou identifiant)").fill(demo.person_external_id)
    page.get_by_role("button", name="Pourquoi pas ?").click()
    expect(page.get_by_role("status").filter(has_text=demo.person_external_id)).to_be_visible()
    _shot(page, demo, "05-coach-pourquoi-pas")

    row = page.locator("tr", has=page.get_by_role("link", name=demo.person_name, exact=True))
    row.get_by_label(re.compile("^Commentaire")).fill("Motivée, disponible tout de suite")
    row.get_by_role("button", name=re.compile("^Proposer")).click()
    expect(page.get_by_text("Proposition envoyée au facilitateur")).to_be_visible()
    _shot(page, demo, "06-coach-proposition-envoyee")

    page.get_by_role("link", name="Mon résumé").click()
    expect(page.get_by_role("button", name="Marquer ce résumé comme lu")).to_be_visible()
    _shot(page, demo, "06b-coach-mon-resume")

    page.get_by_role("link", name="Mes propositions").click()
    expect(page.get_by_role("cell", name="proposée", exact=True)).to_be_visible()
    _shot(page, demo, "07-coach-mes-propositions")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_text("Vous êtes déconnecté")).to_be_visible()

    # --- the facilitator
    _login(page, "facilitateur")
    expect(page).to_have_url(re.compile(r"/facilitateur/tableau-de-bord$"))
    page.get_by_role("link", name="À valider", exact=True).click()
    label = f"{demo.person_name} ({demo.person_external_id})"
    row = page.locator("tr", has=page.get_by_role("link", name=label, exact=True))
    expect(row.get_by_text("Motivée, disponible tout de suite")).to_be_visible()
    _shot(page, demo, "08-facilitateur-file-de-validation")
    row.get_by_role("button", name=re.compile("^Valider")).click()
    expect(page.get_by_text("Proposition validée.")).to_be_visible()
    _shot(page, demo, "09-facilitateur-proposition-validee")

    for state, button in (
        ("validated", "Présentée à l'entreprise"),
        ("presented", "Embauchée"),
        ("hired", "En poste"),
    ):
        page.goto(f"/facilitateur/propositions?etat={state}")
        row = page.locator("tr", has=page.get_by_role("link", name=label, exact=True))
        row.get_by_role("button", name=button).click()
        expect(page.get_by_text("Modification enregistrée.")).to_be_visible()
    page.goto("/facilitateur/propositions?etat=in_post")
    _shot(page, demo, "10-facilitateur-en-poste")

    page.get_by_role("link", name="Placements et heures").click()
    page.get_by_role("link", name=label, exact=True).click()
    page.get_by_label("Mois (AAAA-MM)").fill(date.today().strftime("%Y-%m"))
    page.get_by_label("Heures réalisées dans le mois (0 à 220)").fill("120")
    page.get_by_role("button", name="Enregistrer les heures").click()
    expect(page.get_by_text("Heures enregistrées.")).to_be_visible()
    expect(page.get_by_text("120,0 h")).to_be_visible()
    _shot(page, demo, "11-facilitateur-heures-du-mois")

    page.get_by_role("link", name="Marchés et lots").click()
    expect(page.locator("progress").first).to_be_visible()
    _shot(page, demo, "12-facilitateur-marches-et-lots")

    page.get_by_role("link", name="Rapports", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Rapports")
    expect(page.locator("img.chart")).to_be_visible()
    page.wait_for_function(
        "() => { const i = document.querySelector('img.chart');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    _shot(page, demo, "13-facilitateur-rapports")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le rapport (Excel .xlsx)").click()
    download = download_info.value
    target = demo.artifacts / "rapport-execution.xlsx"
    download.save_as(str(target))
    assert target.read_bytes()[:2] == b"PK"
    assert download.suggested_filename == "clausematch-execution.xlsx"

    page.get_by_role("link", name="Outils").click()
    page.get_by_label("Montant du lot HT (€)").fill("250000")
    page.get_by_label("Taux d'insertion (ex. 5 %)").fill("5")
    page.get_by_label("Part de main-d'œuvre (facultatif, ex. 45 %)").fill("45")
    page.get_by_role("button", name="Calculer").click()
    expect(page.get_by_text("188 heures d'insertion")).to_be_visible()
    _shot(page, demo, "14-facilitateur-calcul-des-heures")
    page.context.close()


@pytest.mark.parametrize(("width", "label"), [(1280, "bureau"), (390, "telephone")])
def test_a_coach_corrects_a_profile_refused_with_the_fields_own_sentence(
    browser: object, demo_server: Demo, width: int, label: str
) -> None:
    from playwright.sync_api import Page, expect

    demo = demo_server
    page: Page = _page(browser, demo)  # type: ignore[assignment]
    page.set_viewport_size({"width": width, "height": 900})
    _login(page, demo.coach)
    page.goto("/coach/suivi")
    page.get_by_label("Nom, prénom ou identifiant").fill(demo.person_external_id)
    page.get_by_role("button", name="Filtrer").click()
    page.get_by_role("link", name=demo.person_name, exact=True).click()
    page.get_by_role("link", name="Modifier le profil").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Profil de {demo.person_name}")
    expect(page.get_by_text("Accepté : plus de 0 et au plus 300 km.")).to_be_visible()
    page.get_by_label("Distance maximale (km)").fill("400")
    page.get_by_role("button", name="Enregistrer le profil").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Rien n'a été enregistré")
    expect(alert).to_contain_text(
        "Distance maximale : 400 km n'est pas possible (plus de 0 et au plus 300 km)."
    )
    expect(page.get_by_label("Distance maximale (km)")).to_have_attribute("aria-invalid", "true")
    # The page fits the screen: no sideways scrolling on a phone.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    _shot(page, demo, f"15-coach-profil-refuse-{label}")
    page.get_by_label("Distance maximale (km)").fill("25")
    page.get_by_role("button", name="Enregistrer le profil").click()
    expect(page.get_by_text("Profil enregistré")).to_be_visible()
    expect(page.get_by_text("jusqu'à 25 km")).to_be_visible()
    _shot(page, demo, f"16-coach-profil-enregistre-{label}")
    page.context.close()


def test_a_coach_cannot_open_another_coachs_person_nor_post_without_csrf(
    browser: object, demo_server: Demo
) -> None:
    from playwright.sync_api import Page, expect

    demo = demo_server
    page: Page = _page(browser, demo)  # type: ignore[assignment]
    _login(page, demo.coach)
    response = page.goto(f"/personnes/{demo.other_coach_person_id}")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page introuvable")
    _shot(page, demo, "15-coach-autre-personne-404")

    # A form whose CSRF field was removed is refused, and the session is still open.
    page.goto("/coach/suivi")
    page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accès refusé")
    expect(page.get_by_text("jeton de sécurité")).to_be_visible()
    _shot(page, demo, "16-formulaire-sans-jeton-csrf-refuse")
    page.goto("/coach/suivi")
    expect(page.get_by_role("heading", level=1)).to_have_text("Mon suivi")
    page.context.close()


def test_keyboard_skip_link_and_lock_out_message(browser: object, demo_server: Demo) -> None:
    from playwright.sync_api import Page, expect

    demo = demo_server
    page: Page = _page(browser, demo)  # type: ignore[assignment]
    page.goto("/connexion")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused.strip() == "Aller au contenu"
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_visible()
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in {"", "none"}  # the focus is visible
    _shot(page, demo, "17-lien-d-evitement-au-clavier")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenu"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "username"
    for _ in range(5):
        page.get_by_label("Identifiant").fill("coach-argentan")
        page.get_by_label("Mot de passe").fill("pas-le-bon")
        page.keyboard.press("Enter")
        page.wait_for_load_state()
    expect(page.get_by_role("alert")).to_contain_text("verrouillé")
    _shot(page, demo, "18-verrouillage-apres-5-echecs")
    page.context.close()


def test_admin_sees_users_and_model_versions(browser: object, demo_server: Demo) -> None:
    from playwright.sync_api import Page, expect

    demo = demo_server
    page: Page = _page(browser, demo)  # type: ignore[assignment]
    _login(page, "admin")
    expect(page.get_by_role("heading", level=1)).to_have_text("Utilisateurs")
    expect(page.get_by_role("row", name=re.compile("coach-alencon"))).to_be_visible()
    _shot(page, demo, "19-admin-utilisateurs")
    page.get_by_role("link", name="Versions du modèle").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Versions du modèle")
    _shot(page, demo, "20-admin-versions-du-modele")
    page.context.close()


def test_an_account_that_reads_people_is_approved_by_a_facilitator_then_activated(
    browser: object, demo_server: Demo
) -> None:
    """Issue 21, finding 2: the admin asks, a facilitator approves and gets the one-time code,
    the person chooses their password and gets their token; the admin never sees either."""
    from playwright.sync_api import Page, expect

    demo = demo_server
    page: Page = _page(browser, demo)  # type: ignore[assignment]
    _login(page, "admin")
    page.get_by_label("Identifiant (minuscules").fill("camille.coach")
    page.get_by_label("Rôle", exact=True).last.select_option("coach")
    page.get_by_role("button", name="Créer le compte").click()
    notice = page.get_by_role("status").filter(has_text="camille.coach")
    expect(notice).to_contain_text("validé")
    assert page.locator("code").count() == 0  # no token, no code for the admin
    _shot(page, demo, "40-admin-compte-demande")
    page.context.close()

    page = _page(browser, demo)  # type: ignore[assignment]
    _login(page, "facilitateur")
    page.get_by_role("link", name="Comptes").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Comptes")
    page.get_by_role("button", name="Valider camille.coach").click()
    code = page.locator(".notice code").inner_text().strip()
    assert len(code) >= 16
    _shot(page, demo, "41-facilitateur-comptes-code")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, demo, "41-facilitateur-comptes-code-390")
    page.context.close()

    for width in (1280, 390):
        page = _page(browser, demo)  # type: ignore[assignment]
        page.set_viewport_size({"width": width, "height": 900})
        page.goto("/connexion")
        page.get_by_role("link", name="Activez votre compte").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Activer mon compte")
        page.get_by_label("Code d'activation").fill(code)
        page.get_by_label("Mot de passe", exact=True).fill("un-mot-de-passe-a-moi")
        page.get_by_label("Mot de passe, encore une fois").fill("un-mot-de-passe-a-moi")
        _shot(page, demo, f"42-activation-{width}")
        page.get_by_role("button", name="Activer mon compte").click()
        if width == 1280:
            expect(page.get_by_role("status")).to_contain_text("activé")
            _shot(page, demo, "43-activation-faite")
        else:  # the code is spent
            expect(page.get_by_role("alert")).to_contain_text("déjà utilisé")
            _shot(page, demo, "43-activation-code-deja-utilise-390")
        page.context.close()

    page = _page(browser, demo)  # type: ignore[assignment]
    page.goto("/connexion")
    page.get_by_label("Identifiant").fill("camille.coach")
    page.get_by_label("Mot de passe").fill("un-mot-de-passe-a-moi")
    page.get_by_role("button", name="Se connecter").click()
    expect(page).to_have_url(re.compile(r"/coach/suivi$"))
    page.context.close()


@dataclass(frozen=True)
class Retarget:
    """A person of coach-alencon and an offer in their reach that only a new target job opens."""

    person_id: int
    name: str
    offer_id: int
    offer_title: str
    code_rome: str


@contextmanager
def _demo_engine_state(url: str) -> Iterator[tuple[Session, MatchingState, ScoringState]]:
    """A session on the demo database and the engine state built from it."""
    settings = Settings(database_url=url)
    refs = load_referentials(settings.referentials_dir)
    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            scoring = ScoringState(rome=refs.rome, communes=refs.communes)
            try:
                yield session, scoring.build(session), scoring
            finally:
                scoring.close()
    finally:
        engine.dispose()


def _retarget_case(url: str) -> Retarget:
    from matching.exclusions import Exclusion

    with _demo_engine_state(url) as (session, state, _):
        coach = session.scalars(select(User).where(User.username == "coach-alencon")).one()
        people = session.scalars(
            select(Candidate)
            .where(Candidate.coach_id == coach.id, Candidate.is_active, Candidate.is_eligible)
            .order_by(Candidate.id)
            .limit(60)
        ).all()
        for person in people:
            if state.offers_for(str(person.id), 10, as_of=ScoringState.today()).empty:
                continue
            for oid in state.offers.ids.tolist():
                reasons = state.why_not(str(person.id), str(oid))
                if [r.code for r in reasons] == [Exclusion.UNRELATED_JOB]:
                    offer = session.get(Offer, int(oid))
                    assert offer is not None and offer.code_rome
                    name = f"{person.first_name} {person.last_name}"
                    return Retarget(person.id, name, offer.id, offer.intitule, offer.code_rome)
    raise AssertionError("no demo person of coach-alencon with an offer a new target would open")


def _fits_the_screen(page: object) -> None:
    """No sideways scrolling: the page is no wider than the window."""
    width = page.evaluate(  # type: ignore[attr-defined]
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert width[0] <= width[1] + 1, (page.url, width)  # type: ignore[attr-defined]


@pytest.mark.parametrize(("width", "label"), [(1366, "1366"), (390, "390")])
def test_a_coach_finds_a_person_by_name_adds_a_target_sees_the_offers_change_and_proposes(
    browser: object, demo_server: Demo, width: int, label: str
) -> None:
    from playwright.sync_api import Page, expect

    demo = demo_server
    case = _retarget_case(demo.database_url)
    page: Page = _page(browser, demo)  # type: ignore[assignment]
    page.set_viewport_size({"width": width, "height": 900})
    _login(page, demo.coach)

    # find the person by name (last name then first name, no accents needed)
    first, last = case.name.split(" ", 1)
    page.get_by_label("Nom, prénom ou identifiant").fill(f"{last} {first}")
    page.get_by_role("button", name="Filtrer").click()
    _fits_the_screen(page)
    _shot(page, demo, f"21-{label}-coach-recherche-par-nom")
    page.get_by_role("link", name=case.name, exact=True).first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(case.name)
    offers = page.locator("#offres ~ table").first
    expect(offers.get_by_role("link", name=case.offer_title, exact=True)).to_have_count(0)
    _fits_the_screen(page)
    _shot(page, demo, f"22-{label}-coach-personne-avant")

    # add a target job through the profile form
    page.get_by_role("link", name="Modifier le profil").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Profil de {case.name}")
    _fits_the_screen(page)
    page.get_by_label("Ajouter un métier visé").fill(case.code_rome)
    page.get_by_label("Expérience dans ce métier (ans)").fill("2")
    _shot(page, demo, f"23-{label}-coach-profil-metiers")
    page.get_by_role("button", name="Enregistrer le profil").click()
    expect(page.get_by_text("Profil enregistré")).to_be_visible()

    # the best offers change: the offer of the new trade is there, and can be proposed
    row = page.locator("tr", has=page.get_by_role("link", name=case.offer_title, exact=True))
    expect(row.first).to_be_visible()
    _fits_the_screen(page)
    _shot(page, demo, f"24-{label}-coach-personne-apres")
    row.first.get_by_role("button", name=re.compile("^Proposer")).click()
    expect(page.get_by_text("Proposition envoyée au facilitateur")).to_be_visible()
    _shot(page, demo, f"25-{label}-coach-proposition")

    # every page a coach uses fits a phone screen
    for path in (
        "/coach/suivi",
        "/coach/nouvelles-offres",
        "/offres?q=agent",
        f"/offres/{case.offer_id}",
        "/coach/propositions",
        "/coach/resume",
        f"/personnes/{case.person_id}/profil",
    ):
        page.goto(path)
        _fits_the_screen(page)
    _shot(page, demo, f"26-{label}-coach-profil-complet")
    page.goto("/offres?q=agent")
    _shot(page, demo, f"27-{label}-coach-recherche-offres")
    page.goto("/coach/resume")
    _shot(page, demo, f"28-{label}-coach-resume")
    page.goto("/coach/nouvelles-offres")
    _shot(page, demo, f"29-{label}-coach-nouvelles-offres")
    page.context.close()


def _running_placement(url: str, month: date) -> tuple[str, str]:
    """(follow-up id, lot reference) of a demo placement running through ``month`` with no hours
    declared for it yet."""
    from service.models.procurement import Lot
    from service.models.workflow import Placement, PlacementHours

    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            declared = select(PlacementHours.placement_id).where(PlacementHours.month == month)
            row = session.execute(
                select(Candidate.external_id, Lot.reference)
                .join(Placement, Placement.candidate_id == Candidate.id)
                .join(Lot, Lot.id == Placement.lot_id)
                .where(
                    Placement.start_date <= month,
                    (Placement.end_date.is_(None)) | (Placement.end_date >= date.today()),
                    Placement.id.not_in(declared),
                )
                .order_by(Placement.id)
                .limit(1)
            ).one()
            return str(row[0]), str(row[1])
    finally:
        engine.dispose()


def test_the_facilitator_reads_the_dashboard_imports_a_timesheet_sees_the_hours_move_and_exports_the_fse_report(
    browser: object, demo_server: Demo
) -> None:
    import io

    import openpyxl
    from playwright.sync_api import Page, expect

    demo = demo_server
    page: Page = _page(browser, demo)  # type: ignore[assignment]
    _login(page, "facilitateur")
    expect(page).to_have_url(re.compile(r"/facilitateur/tableau-de-bord$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Tableau de bord")
    # three inline SVG charts, each with its title for screen readers
    charts = page.locator("svg.svg-chart[role=img]")
    expect(charts).to_have_count(3)
    expect(charts.first.locator("title").first).to_have_text("Heures d'insertion par acheteur")
    done = page.locator('[data-indicator="heures_realisees"]')
    before = float(done.inner_text().replace("\u202f", "").replace(",", "."))
    assert before > 0
    assert int(page.locator('[data-indicator="lots_en_retard"]').inner_text()) > 0
    _shot(page, demo, "20-facilitateur-tableau-de-bord")

    # a company's monthly timesheet for last month, on a placement still running
    today = date.today()
    month = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    follow_up, lot = _running_placement(demo.database_url, month)
    timesheet = f"Identifiant de suivi;Lot;Mois;Heures\n{follow_up};{lot};{month:%m/%Y};150\n"
    page.get_by_role("link", name="Relevés d'heures", exact=True).click()
    page.get_by_label(re.compile("^Relevé")).set_input_files(
        {"name": "releve.csv", "mimeType": "text/csv", "buffer": timesheet.encode()}
    )
    page.get_by_role("button", name="Vérifier le relevé").click()
    expect(page.get_by_text("rien n'est encore écrit")).to_be_visible()
    _shot(page, demo, "21-facilitateur-releve-verifie")
    page.get_by_role("button", name="Confirmer le relevé").click()
    expect(page.get_by_text(re.compile("Relevé appliqué : 1 mois déclaré"))).to_be_visible()

    # the dashboard moved: 150 h more, and last month's column in the chart's table
    page.get_by_role("link", name="Tableau de bord", exact=True).click()
    after_text = done.inner_text()
    after = float(after_text.replace("\u202f", "").replace(",", "."))
    assert after == pytest.approx(before + 150)
    page.get_by_text("Les chiffres du graphique (tableau)").nth(1).click()
    row = page.locator("tr", has=page.get_by_role("rowheader", name=f"{month:%m/%Y}"))
    expect(row.get_by_role("cell").first).to_contain_text("150")
    _shot(page, demo, "22-facilitateur-tableau-de-bord-apres-releve")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, demo, "23-facilitateur-tableau-de-bord-telephone")
    page.set_viewport_size({"width": 1280, "height": 900})

    # the FSE+ report: the summary first, the same figure; the xlsx with its FSE+ sheets
    page.get_by_role("link", name="Rapports", exact=True).click()
    page.get_by_label("Rapport", exact=True).select_option("fse")
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_role("heading", name="Synthèse")).to_be_visible()
    summary = page.locator("table.summary-table")
    expect(summary).to_contain_text(f"{after_text} h")
    page.wait_for_function(
        "() => { const i = document.querySelector('img.chart');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    _shot(page, demo, "24-facilitateur-rapport-fse")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Télécharger le rapport (Excel .xlsx)").click()
    download = download_info.value
    assert download.suggested_filename == "clausematch-fse.xlsx"
    target = demo.artifacts / "rapport-fse.xlsx"
    download.save_as(str(target))
    book = openpyxl.load_workbook(io.BytesIO(target.read_bytes()))
    assert {"Synthèse", "Indicateurs du projet", "Participants FSE+"} <= set(book.sheetnames)
    cells = {r[0]: r[1] for r in book["Synthèse"].iter_rows(min_row=2, values_only=True)}
    assert cells["Heures d'insertion réalisées"] == pytest.approx(after)
    with page.expect_download() as pdf_info:
        page.get_by_role("link", name=re.compile("^Bilan sur une page")).click()
    pdf = demo.artifacts / "bilan-operation.pdf"
    pdf_info.value.save_as(str(pdf))
    assert pdf.read_bytes()[:5] == b"%PDF-"
    page.context.close()


def _person_without_history(url: str, skip: int) -> tuple[int, str]:
    """A person of coach-alencon with no proposal and no placement (from the highest ids, away
    from the other journeys' people)."""
    from sqlalchemy import exists

    from service.models.workflow import Placement, Proposal

    engine = make_engine(url)
    try:
        with make_sessionmaker(engine)() as session:
            coach = session.scalars(select(User).where(User.username == "coach-alencon")).one()
            person = session.scalars(
                select(Candidate)
                .where(
                    Candidate.coach_id == coach.id,
                    Candidate.is_active,
                    Candidate.is_eligible,
                    Candidate.first_name.is_not(None),
                    ~exists().where(Proposal.candidate_id == Candidate.id),
                    ~exists().where(Placement.candidate_id == Candidate.id),
                )
                .order_by(Candidate.id.desc())
                .offset(skip)
                .limit(1)
            ).one()
            return person.id, f"{person.first_name} {person.last_name}"
    finally:
        engine.dispose()


@pytest.mark.parametrize(("width", "label"), [(1280, "1280"), (390, "390")])
def test_a_coach_downloads_limits_and_erases_a_persons_data(
    browser: object, demo_server: Demo, width: int, label: str
) -> None:
    from playwright.sync_api import Page, expect

    demo = demo_server
    person_id, name = _person_without_history(demo.database_url, 0 if width == 1280 else 1)
    page: Page = _page(browser, demo)  # type: ignore[assignment]
    page.set_viewport_size({"width": width, "height": 900})
    _login(page, demo.coach)
    page.goto(f"/personnes/{person_id}")
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    section = page.get_by_role("heading", name="Données personnelles")
    section.scroll_into_view_if_needed()
    with page.expect_download() as download:
        page.get_by_role("link", name="Télécharger ses données (tableur)").click()
    assert download.value.suggested_filename == f"personne-{person_id}.xlsx"
    _fits_the_screen(page)
    _shot(page, demo, f"40-{label}-coach-donnees-personnelles")

    page.get_by_role("button", name="Marquer « ne pas proposer »").click()
    expect(page.get_by_text("Personne marquée « ne pas proposer »")).to_be_visible()
    expect(page.get_by_text("elle n'est classée sur aucune offre").first).to_be_visible()
    _fits_the_screen(page)
    _shot(page, demo, f"41-{label}-coach-ne-pas-proposer")
    page.get_by_role("button", name="Lever « ne pas proposer »").click()
    expect(page.get_by_text("« Ne pas proposer » levé")).to_be_visible()

    page.get_by_role("link", name="Effacer ou anonymiser…").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Effacer ou anonymiser — {name}")
    expect(page.get_by_text("elle sera effacée")).to_be_visible()
    page.get_by_label("Motif").select_option("request")
    page.get_by_label(f"Je confirme l'effacement de {name}.").check()
    _fits_the_screen(page)
    _shot(page, demo, f"42-{label}-coach-effacement-confirmation")
    page.get_by_role("button", name="Effacer définitivement").click()
    expect(page.get_by_text("Personne effacée")).to_be_visible()
    _shot(page, demo, f"43-{label}-coach-effacee")
    assert page.goto(f"/personnes/{person_id}").status == 404  # type: ignore[union-attr]
    page.context.close()


def test_the_facilitator_anonymises_a_person_whose_placement_must_be_kept(
    browser: object, demo_server: Demo
) -> None:
    from playwright.sync_api import Page, expect

    from service.models.procurement import Lot
    from service.models.workflow import Placement, PlacementHours

    demo = demo_server
    person_id, name = _person_without_history(demo.database_url, 2)
    engine = make_engine(demo.database_url)
    try:
        with make_sessionmaker(engine)() as session, session.begin():
            lot = session.scalars(select(Lot).order_by(Lot.id).limit(1)).one()
            placement = Placement(
                candidate_id=person_id,
                lot_id=lot.id,
                delivery_mode="direct_hire",
                contract_type="CDD",
                start_date=date(2026, 3, 16),
                end_date=date(2026, 6, 12),
                outcome_at_end="emploi_durable",
            )
            session.add(placement)
            session.flush()
            session.add(
                PlacementHours(placement_id=placement.id, month=date(2026, 4, 1), hours=120)
            )
    finally:
        engine.dispose()
    page: Page = _page(browser, demo)  # type: ignore[assignment]
    _login(page, "facilitateur")
    page.goto(f"/personnes/{person_id}")
    page.get_by_role("link", name="Effacer ou anonymiser…").click()
    expect(page.get_by_text("elle sera anonymisée")).to_be_visible()
    page.get_by_label("Motif").select_option("end_of_follow_up")
    page.get_by_label(f"Je confirme l'anonymisation de {name}.").check()
    _shot(page, demo, "44-facilitateur-anonymisation-confirmation")
    page.get_by_role("button", name="Anonymiser définitivement").click()
    expect(page.get_by_text("Personne anonymisée :")).to_be_visible()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("ANON-")
    expect(page.get_by_text(name)).to_have_count(0)
    expect(page.get_by_role("link", name="Modifier le profil")).to_have_count(0)
    _shot(page, demo, "45-facilitateur-personne-anonymisee")
    page.context.close()


@pytest.mark.parametrize(("width", "label"), [(1280, "1280"), (390, "390")])
def test_personal_data_pages_audit_log_retention_register_and_notice(
    browser: object, demo_server: Demo, width: int, label: str
) -> None:
    from playwright.sync_api import Page, expect

    demo = demo_server
    page: Page = _page(browser, demo)  # type: ignore[assignment]
    page.set_viewport_size({"width": width, "height": 900})
    # The coach prints the information notice from their person's page.
    _login(page, demo.coach)
    page.goto(f"/personnes/{demo.person_id}")
    page.get_by_role("link", name=re.compile("Notice d'information")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Vos données personnelles dans clausematch"
    )
    expect(page.get_by_text(f"Remis à {demo.person_name}")).to_be_visible()
    _fits_the_screen(page)
    _shot(page, demo, f"50-notice-information-{label}")
    page.emulate_media(media="print")
    expect(page.get_by_role("navigation", name="Menu principal")).to_be_hidden()
    _shot(page, demo, f"51-notice-information-impression-{label}")
    page.emulate_media(media="screen")
    page.context.clear_cookies()

    _login(page, "admin")
    page.goto("/admin/journal")
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal d'audit")
    page.get_by_label("N° interne de la personne").fill(str(demo.person_id))
    page.get_by_role("button", name="Filtrer").click()
    expect(page.get_by_text(f"candidate n° {demo.person_id}").first).to_be_visible()
    page.get_by_role("link", name="Vérifier la chaîne d'empreintes").click()
    expect(page.get_by_role("status")).to_contain_text("Chaîne intacte")
    _fits_the_screen(page)
    _shot(page, demo, f"52-admin-journal-audit-{label}")
    page.get_by_role("link", name="Conservation").click()
    page.get_by_role("button", name="Simuler (ne rien changer)").click()
    expect(page.get_by_role("status")).to_contain_text("Simulation : rien n'a été modifié.")
    _fits_the_screen(page)
    _shot(page, demo, f"53-admin-conservation-{label}")
    page.get_by_role("link", name="Registre").click()
    expect(
        page.get_by_role("heading", level=2, name=re.compile("Durées de conservation"))
    ).to_be_visible()
    _fits_the_screen(page)
    _shot(page, demo, f"54-admin-registre-{label}")
    page.context.close()


def test_tables_read_as_cards_on_a_phone_say_each_columns_name(
    browser: object, demo_server: Demo
) -> None:
    """Under 600 px the header row is hidden: every cell of a list names its column, also in
    tables whose template sets no label (the people in post, the contracts)."""
    from playwright.sync_api import Page, expect

    demo = demo_server
    page: Page = _page(browser, demo)  # type: ignore[assignment]
    page.set_viewport_size({"width": 390, "height": 844})
    _login(page, "facilitateur")
    for path in ("/facilitateur/placements", "/facilitateur/marches"):
        page.goto(path)
        table = page.locator("main table").first
        expect(table).to_be_visible()
        headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
        first = table.locator("tbody tr").first.locator("th, td")
        labels = [first.nth(i).get_attribute("data-label") for i in range(first.count())]
        assert labels and labels == headers[: len(labels)], (path, labels, headers)
        shown = first.nth(0).evaluate("e => getComputedStyle(e, '::before').content")
        assert headers[0] in shown, (path, shown)
    _shot(page, demo, "30-390-facilitateur-marches-en-cartes")
    page.context.close()
