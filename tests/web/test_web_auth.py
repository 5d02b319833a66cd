"""Login, lock-out, sessions (expiry, logout), cookies and CSRF on the web pages."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from web_factories import PASSWORD, make_user
from web_helpers import Login, csrf_of

from service.db import utcnow
from service.models.accounts import AuditEntry, LoginThrottle, User, WebSession
from service.web import PAGE_ROUTERS
from service.web.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, SIGNED_OUT_FORMS, throttle_key


def _post_login(client: TestClient, username: str, password: str) -> tuple[int, str, str]:
    page = client.get("/connexion")
    resp = client.post(
        "/connexion",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    return resp.status_code, resp.headers.get("location", ""), unescape(resp.text)


def test_login_page_is_french_and_accessible(client: TestClient) -> None:
    resp = client.get("/connexion")
    assert resp.status_code == 200
    assert '<html lang="fr">' in resp.text
    assert 'href="#contenu"' in resp.text  # skip link
    assert '<label for="username">Identifiant</label>' in resp.text
    assert '<label for="password">Mot de passe</label>' in resp.text
    cookie = resp.headers["set-cookie"]
    assert LOGIN_CSRF_COOKIE in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie


def test_login_ok_sets_an_httponly_lax_cookie_and_goes_to_the_role_home(
    client: TestClient, session: Session, coach: User, facilitator: User, admin: User
) -> None:
    for user, home in (
        (coach, "/coach/suivi"),
        (facilitator, "/facilitateur/tableau-de-bord"),
        (admin, "/admin/utilisateurs"),
    ):
        client.cookies.clear()
        status, location, _ = _post_login(client, user.username, PASSWORD)
        assert (status, location) == (303, home)
        assert client.get("/").headers.get("location") is None  # followed to the home page
    rows = list(session.scalars(select(WebSession).where(WebSession.user_id == coach.id)))
    assert len(rows) == 1 and len(rows[0].token_hash) == 64
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "login")).first()


def test_session_cookie_flags(client: TestClient, coach: User) -> None:
    page = client.get("/connexion")
    resp = client.post(
        "/connexion",
        data={"username": coach.username, "password": PASSWORD, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    cookie = next(c for c in resp.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Secure" not in cookie


def test_secure_cookie_when_the_setting_is_on(web_app: FastAPI, client: TestClient) -> None:
    settings = web_app.state.settings
    web_app.state.settings = settings.model_copy(update={"web_cookie_secure": True})
    try:
        resp = client.get("/connexion")
    finally:
        web_app.state.settings = settings
    assert "Secure" in resp.headers["set-cookie"]


def test_login_ko_says_why_in_french(client: TestClient, coach: User) -> None:
    status, _, text = _post_login(client, coach.username, "mauvais-mot-de-passe")
    assert status == 401
    assert "Identifiant ou mot de passe incorrect" in text and "Encore 4 essai(s)" in text
    status, _, text = _post_login(client, "personne-inconnue", "x" * 10)
    assert status == 401 and "Identifiant ou mot de passe incorrect" in text
    status, _, text = _post_login(client, "", "")
    assert status == 401 and "Saisissez votre identifiant" in text


def test_inactive_or_passwordless_users_cannot_log_in(client: TestClient, session: Session) -> None:
    inactive = make_user(session, is_active=False)
    no_password = make_user(session, password_hash=None)
    for user in (inactive, no_password):
        status, _, _ = _post_login(client, user.username, PASSWORD)
        assert status == 401


def test_lock_out_after_five_failures_then_unlock(
    client: TestClient, session: Session, coach: User
) -> None:
    for _ in range(4):
        assert _post_login(client, coach.username, "faux-mot-de-passe")[0] == 401
    status, _, text = _post_login(client, coach.username, "faux-mot-de-passe")
    assert status == 401 and "verrouillé sur cet appareil pendant 15 minutes" in text
    # Even the right password is refused while locked.
    status, _, text = _post_login(client, coach.username, PASSWORD)
    assert status == 401 and "Trop d'essais manqués" in text and "Réessayez dans 15" in text
    row = session.get(LoginThrottle, throttle_key("pair", coach.username, "testclient"))
    assert row is not None and row.failures == 5 and row.locked_until is not None
    # Once the lock has run out, the right password works and resets the count.
    row.locked_until = utcnow() - timedelta(seconds=1)
    session.flush()
    assert _post_login(client, coach.username, PASSWORD)[:2] == (303, "/coach/suivi")
    session.expire_all()
    row = session.get(LoginThrottle, throttle_key("pair", coach.username, "testclient"))
    assert row is not None and row.failures == 0 and row.locked_until is None


def test_lock_out_also_counts_unknown_user_names(client: TestClient, session: Session) -> None:
    for _ in range(5):
        _post_login(client, "inconnu", "x" * 10)
    status, _, text = _post_login(client, "inconnu", "x" * 10)
    assert status == 401 and "verrouillé" in text


def test_login_without_or_with_a_wrong_csrf_token_is_refused(
    client: TestClient, session: Session, coach: User
) -> None:
    client.get("/connexion")
    for data in (
        {"username": coach.username, "password": PASSWORD},
        {"username": coach.username, "password": PASSWORD, "csrf_token": "faux"},
    ):
        resp = client.post("/connexion", data=data, follow_redirects=False)
        assert resp.status_code == 403
        assert "jeton de sécurité" in resp.text and "Rien n'a été modifié" in unescape(resp.text)
    assert session.scalars(select(WebSession)).first() is None


def test_pages_redirect_to_login_when_signed_out(client: TestClient) -> None:
    resp = client.get("/coach/suivi", follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/connexion?suite=%2Fcoach%2Fsuivi"
    assert client.get("/", follow_redirects=False).headers["location"] == "/connexion"


def test_login_returns_to_the_page_asked_for_but_never_off_site(
    client: TestClient, coach: User
) -> None:
    page = client.get("/connexion?suite=/offres")
    resp = client.post(
        "/connexion",
        data={
            "username": coach.username,
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "suite": "/offres",
        },
        follow_redirects=False,
    )
    assert resp.headers["location"] == "/offres"
    client.cookies.clear()
    page = client.get("/connexion")
    resp = client.post(
        "/connexion",
        data={
            "username": coach.username,
            "password": PASSWORD,
            "csrf_token": csrf_of(page.text),
            "suite": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert resp.headers["location"] == "/coach/suivi"


def test_expired_and_idle_sessions_send_back_to_login(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    login(coach)
    row = session.scalars(select(WebSession).where(WebSession.user_id == coach.id)).one()
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.flush()
    resp = client.get("/coach/suivi", follow_redirects=False)
    assert resp.status_code == 303 and "expire=1" in resp.headers["location"]
    assert "Votre session a expiré" in client.get(resp.headers["location"]).text

    login(coach)
    row = session.scalars(
        select(WebSession).where(WebSession.user_id == coach.id).order_by(WebSession.id.desc())
    ).first()
    assert row is not None
    row.last_seen_at = utcnow() - timedelta(minutes=61)  # idle beyond 60 minutes
    session.flush()
    assert client.get("/coach/suivi", follow_redirects=False).status_code == 303


def test_logout_revokes_the_session(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    token = login(coach)
    cookie = client.cookies.get(SESSION_COOKIE)
    resp = client.post("/deconnexion", data={"csrf_token": token}, follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "/connexion?msg=deconnecte"
    assert "Vous êtes déconnecté" in client.get("/connexion?msg=deconnecte").text
    row = session.scalars(select(WebSession).where(WebSession.user_id == coach.id)).one()
    assert row.revoked_at is not None
    # The old cookie, replayed, opens nothing.
    assert cookie is not None
    client.cookies.set(SESSION_COOKIE, cookie)
    assert client.get("/coach/suivi", follow_redirects=False).status_code == 303


def test_logout_without_csrf_token_is_refused(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    login(coach)
    resp = client.post("/deconnexion", data={}, follow_redirects=False)
    assert resp.status_code == 403
    row = session.scalars(select(WebSession).where(WebSession.user_id == coach.id)).one()
    assert row.revoked_at is None
    assert client.get("/coach/suivi").status_code == 200


def test_csrf_token_of_another_session_is_refused(
    client: TestClient, coach: User, other_coach: User, login: Login
) -> None:
    other_token = login(other_coach)
    login(coach)
    resp = client.post("/deconnexion", data={"csrf_token": other_token}, follow_redirects=False)
    assert resp.status_code == 403


def _web_posts() -> list[str]:
    from fastapi.routing import APIRoute

    return [
        route.path
        for router in PAGE_ROUTERS
        for route in router.routes
        if isinstance(route, APIRoute) and "POST" in route.methods
    ]


def test_every_web_form_refuses_a_missing_or_wrong_csrf_token(
    client: TestClient, session: Session, facilitator: User, login: Login
) -> None:
    login(facilitator)
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    posts = _web_posts()
    assert len(posts) >= 12
    for path in posts:
        url = re.sub(r"\{[^}]+\}", "1", path)
        for data in ({}, {"csrf_token": "faux"}):
            resp = client.post(url, data=data, follow_redirects=False)
            assert resp.status_code == 403, (path, resp.status_code, resp.text[:300])
            assert "jeton de sécurité" in resp.text
    # Refused before the handler: nothing written, not even an audit entry.
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_web_pages_are_not_in_the_api_document(web_app: FastAPI) -> None:
    paths = web_app.openapi()["paths"]
    from service.web import is_page

    assert not [p for p in paths if is_page(p)]
    assert "/" not in paths


def test_users_who_get_deactivated_lose_their_session(
    client: TestClient, session: Session, coach: User, login: Login
) -> None:
    login(coach)
    coach.is_active = False
    session.flush()
    assert client.get("/coach/suivi", follow_redirects=False).status_code == 303


def test_pages_are_not_cached_nor_framed(client: TestClient) -> None:
    resp = client.get("/connexion")
    assert resp.headers["cache-control"] == "no-store"
    assert resp.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]


def test_old_failures_are_forgotten_at_the_next_login(
    client: TestClient, session: Session, coach: User
) -> None:
    session.add(
        LoginThrottle(
            key=throttle_key("account", "faute-de-frappe"),
            failures=2,
            last_failure_at=utcnow() - timedelta(days=2),
        )
    )
    session.flush()
    assert _post_login(client, coach.username, PASSWORD)[0] == 303
    session.expire_all()
    assert session.get(LoginThrottle, throttle_key("account", "faute-de-frappe")) is None


def test_forms_posted_without_a_session_go_to_the_login_form(
    client: TestClient, session: Session
) -> None:
    before = session.scalar(select(func.count()).select_from(AuditEntry))
    for path in _web_posts():
        if path in SIGNED_OUT_FORMS:  # forms meant for signed-out visitors
            continue
        resp = client.post(re.sub(r"\{[^}]+\}", "1", path), data={}, follow_redirects=False)
        assert resp.status_code == 303 and resp.headers["location"].startswith("/connexion")
    assert session.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_the_refusal_page_keeps_the_signed_in_menu(
    client: TestClient, coach: User, login: Login
) -> None:
    login(coach)
    resp = client.post("/coach/resume/lu", data={}, follow_redirects=False)
    assert resp.status_code == 403
    assert "Se déconnecter" in unescape(resp.text) and "Mon suivi" in resp.text


def test_pages_with_personal_data_are_never_stored(
    client: TestClient, coach: User, login: Login
) -> None:
    login(coach)
    for path in ("/coach/suivi", "/connexion"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers.get("cache-control") == "no-store", path
    # The pages' static files hold no data: they may be cached.
    assert client.get("/static/style.css").headers.get("cache-control") != "no-store"


# --------------------------------------------------------------------------- throttling (issue 21)


def _login_from(app: FastAPI, address: str, username: str, password: str, **headers: str) -> str:
    """Post the login form from ``address`` (the peer's address); the page's text."""
    client = TestClient(app, client=(address, 40000), headers=headers)
    page = client.get("/connexion")
    resp = client.post(
        "/connexion",
        data={"username": username, "password": password, "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    return f"{resp.status_code} {unescape(resp.text)}"


def test_an_outsider_cannot_lock_the_owner_out(
    web_app: FastAPI, client: TestClient, coach: User
) -> None:
    """Five anonymous wrong passwords used to lock any account for 15 minutes."""
    for _ in range(6):
        answer = _login_from(web_app, "203.0.113.9", coach.username, "faux-mot-de-passe")
    assert answer.startswith("401") and "verrouillé sur cet appareil" in answer
    assert _login_from(web_app, "198.51.100.7", coach.username, PASSWORD).startswith("303")


def test_an_address_that_tries_many_names_is_locked(
    web_app: FastAPI, client: TestClient, session: Session, coach: User
) -> None:
    for i in range(20):
        _login_from(web_app, "203.0.113.10", f"nom-{i}", "faux-mot-de-passe")
    refused = _login_from(web_app, "203.0.113.10", coach.username, PASSWORD)
    assert refused.startswith("401") and "depuis votre adresse réseau" in refused
    assert _login_from(web_app, "198.51.100.8", coach.username, PASSWORD).startswith("303")


def test_failures_from_many_addresses_slow_an_account_down_never_lock_it(
    web_app: FastAPI, client: TestClient, session: Session, coach: User
) -> None:
    assert _login_from(web_app, "198.51.100.9", coach.username, PASSWORD).startswith("303")
    for i in range(12):
        _login_from(web_app, f"203.0.113.{20 + i}", coach.username, "faux-mot-de-passe")
    slowed = _login_from(web_app, "192.0.2.1", coach.username, PASSWORD)
    assert slowed.startswith("401") and "seconde(s)" in slowed
    # The owner, from an address they signed in from before, is not slowed down.
    assert _login_from(web_app, "198.51.100.9", coach.username, PASSWORD).startswith("303")
    # Elsewhere, once the delay has passed, the right password works: never a lock.
    for _ in range(3):
        _login_from(web_app, f"203.0.113.{40 + _}", coach.username, "faux-mot-de-passe")
    row = session.get(LoginThrottle, throttle_key("account", coach.username))
    assert row is not None and row.last_failure_at is not None
    row.last_failure_at = utcnow() - timedelta(minutes=2)
    session.flush()
    assert _login_from(web_app, "192.0.2.1", coach.username, PASSWORD).startswith("303")


def test_forwarded_addresses_are_believed_from_trusted_proxies_only(
    web_app: FastAPI, client: TestClient, session: Session, coach: User
) -> None:
    settings = web_app.state.settings
    web_app.state.settings = settings.model_copy(update={"trusted_proxies": ["127.0.0.1"]})
    try:
        forwarded = {"x-forwarded-for": "203.0.113.50, 127.0.0.1"}
        _login_from(web_app, "127.0.0.1", coach.username, "faux-mot-de-passe", **forwarded)
        _login_from(web_app, "198.51.100.50", coach.username, "faux-mot-de-passe", **forwarded)
    finally:
        web_app.state.settings = settings
    pairs = {
        address: session.get(LoginThrottle, throttle_key("pair", coach.username, address))
        for address in ("203.0.113.50", "198.51.100.50", "127.0.0.1")
    }
    assert pairs["203.0.113.50"] is not None and pairs["198.51.100.50"] is not None
    assert pairs["127.0.0.1"] is None


def test_an_admin_s_web_session_ends_when_the_account_is_given_a_people_role(
    client: TestClient, session: Session, admin: User, facilitator: User, login: Login
) -> None:
    """An admin may know another admin's password: once that account reads people, the web
    session opened with it must not go on (issue 21, finding 2)."""
    from service.accounts.schemas import UserUpdate
    from service.accounts.service import AccountPolicy, approve_access, update_user

    other = make_user(session, role="admin")
    login(other)
    assert client.get("/admin/utilisateurs").status_code == 200
    update_user(
        session, admin, other.id, UserUpdate(role="coach", version=other.version), now=utcnow()
    )
    approve_access(session, facilitator, other.id, policy=AccountPolicy(), now=utcnow())
    session.flush()
    resp = client.get("/coach/suivi", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"].startswith("/connexion")
