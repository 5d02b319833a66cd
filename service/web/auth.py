"""Web login: argon2 passwords, server-side sessions in a cookie, CSRF tokens, lock-out.

- The session cookie holds a random 256-bit value; the database keeps its SHA-256, the user, the
  session's CSRF token, an absolute expiry and the last request time (idle expiry). Logout
  revokes the row. Cookies are HttpOnly, SameSite=Lax, and Secure over HTTPS or when the
  ``web_cookie_secure`` setting is on.
- Every POST of the web router carries ``csrf_token`` (hidden field); it must equal the session's
  token, or, on the login form (no session yet), a random value the login page set in a cookie
  (double submit). Anything else is refused with a 403 page before the handler runs.
- Login throttling that an outsider cannot turn into a lock-out of someone else:
  ``web_login_max_failures`` failed logins in a row of one account **from one address** lock
  that (account, address) pair for ``web_login_lock_minutes`` (the owner elsewhere is not
  locked); ``web_login_address_max_failures`` failures from one address, whatever the names,
  lock that address as long; and past ``web_login_account_slowdown_after`` failures of an account
  from any addresses, its password is checked at most once per 2, 4, 8... seconds (at most
  ``web_login_account_max_delay_s``) — a slowdown, never a lock, and none from an address its
  owner has signed in from before. The client address is the peer's, or, when the peer is one
  of ``trusted_proxies``, the last address of ``X-Forwarded-For`` that is not a trusted proxy.
  Counters are keyed by a SHA-256 of the kind and values: no address is stored in clear.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from typing import Annotated

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from service.accounts.audit import audit
from service.accounts.passwords import hash_password, verify_password
from service.accounts.repository import UserRepository, WebSessionRepository
from service.config import Settings
from service.db import SessionDep, after_reads, utcnow
from service.models.accounts import LoginThrottle, User, WebSession

__all__ = [
    "CSRF_FIELD",
    "LOGIN_CSRF_COOKIE",
    "SESSION_COOKIE",
    "AdminPage",
    "CaseloadPage",
    "CoachPage",
    "CsrfRefused",
    "FacilitatorPage",
    "LoginOutcome",
    "LoginRequired",
    "PageUser",
    "RoleRefused",
    "WebContext",
    "WebUser",
    "attempt_login",
    "client_address",
    "csrf_protect",
    "hash_password",
    "logout",
    "throttle_key",
    "verify_password",
]

SESSION_COOKIE = "clausematch_session"
LOGIN_CSRF_COOKIE = "clausematch_login_csrf"
CSRF_FIELD = "csrf_token"
SIGNED_OUT_FORMS = ("/connexion", "/compte/activation")
"""Forms posted without a session: their CSRF token is the login cookie's (double submit)."""
_PURGE_AFTER = timedelta(days=90)


class LoginRequired(Exception):
    """No valid session: the page redirects to the login form."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or "")
        self.message = message


class CsrfRefused(Exception):
    """A form came without the right CSRF token."""


class RoleRefused(Exception):
    """The page is for another role."""


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def is_secure(request: Request) -> bool:
    return _settings(request).web_cookie_secure or request.url.scheme == "https"


def set_cookie(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        httponly=True,
        samesite="lax",
        secure=is_secure(request),
        path="/",
    )


# --------------------------------------------------------------------------- login


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    message: str | None
    session_token: str | None = None


def throttle_key(kind: str, *values: str) -> str:
    """The login counter's key of an (account, address) pair, an address or an account."""
    return hashlib.sha256("\x00".join((kind, *values)).encode("utf-8")).hexdigest()


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(item, strict=False) for item in trusted)


def _is_trusted(address: str, networks: tuple[IPv4Network | IPv6Network, ...]) -> bool:
    try:
        ip = ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(request: Request) -> str:
    """The address a request comes from: the peer's, unless the peer is a trusted reverse
    proxy (setting ``trusted_proxies``); then the last ``X-Forwarded-For`` hop that is not one."""
    peer = request.client.host if request.client else ""
    networks = _networks(tuple(_settings(request).trusted_proxies))
    if not networks or not _is_trusted(peer, networks):
        return peer
    hops = [h.strip() for h in request.headers.get("x-forwarded-for", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop[:64]
    return hops[0][:64] if hops else peer


def _minutes_left(until: datetime, now: datetime) -> int:
    return max(1, int((until - now).total_seconds() // 60) + 1)


def _count_failure(row: LoginThrottle, now: datetime, limit: int, lock: timedelta) -> bool:
    """Count one failure on ``row``; whether that locks it."""
    if row.locked_until is not None and row.locked_until <= now:  # a lock ran out: afresh
        row.failures, row.locked_until = 0, None
    row.failures += 1
    row.last_failure_at = now
    if row.failures >= limit:
        row.locked_until = now + lock
        return True
    return False


def attempt_login(
    session: Session,
    settings: Settings,
    username: str,
    password: str,
    *,
    now: datetime,
    address: str = "",
) -> LoginOutcome:
    """Check a login from ``address``; on success open a session (its cookie value is in
    the outcome)."""
    name = username.strip().lower()[:64]
    if not name or not password:
        return LoginOutcome(None, "Saisissez votre identifiant et votre mot de passe.")
    sessions = WebSessionRepository(session)
    lock = timedelta(minutes=settings.web_login_lock_minutes)
    from_address = sessions.throttle(throttle_key("address", address))
    if from_address.locked_until is not None and from_address.locked_until > now:
        return LoginOutcome(
            None,
            "Trop d'essais manqués depuis votre adresse réseau : réessayez dans "
            f"{_minutes_left(from_address.locked_until, now)} minute(s).",
        )
    pair = sessions.throttle(throttle_key("pair", name, address))
    if pair.locked_until is not None and pair.locked_until > now:
        return LoginOutcome(
            None,
            "Trop d'essais manqués : ce compte est verrouillé sur cet appareil. Réessayez dans "
            f"{_minutes_left(pair.locked_until, now)} minute(s), ou demandez un code "
            "d'activation à un facilitateur.",
        )
    account = sessions.throttle(throttle_key("account", name))
    beyond = account.failures - settings.web_login_account_slowdown_after
    if pair.succeeded_at is None and beyond >= 0 and account.last_failure_at is not None:
        delay = min(2.0 ** (beyond + 1), settings.web_login_account_max_delay_s)
        wait = (account.last_failure_at + timedelta(seconds=delay) - now).total_seconds()
        if wait > 0:
            session.flush()
            return LoginOutcome(
                None,
                "Beaucoup d'essais manqués sur ce compte : réessayez dans "
                f"{max(1, round(wait))} seconde(s).",
            )
    user = UserRepository(session).get_by_username(name)
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        account.failures += 1
        account.last_failure_at = now
        _count_failure(from_address, now, settings.web_login_address_max_failures, lock)
        locked = _count_failure(pair, now, settings.web_login_max_failures, lock)
        if locked:
            if user is not None:
                audit(session, None, "login_locked", "user", user.id)
            session.flush()
            return LoginOutcome(
                None,
                f"Identifiant ou mot de passe incorrect. Après {pair.failures} essais "
                f"manqués, ce compte est verrouillé sur cet appareil pendant "
                f"{settings.web_login_lock_minutes:g} minutes.",
            )
        session.flush()
        left = settings.web_login_max_failures - pair.failures
        return LoginOutcome(
            None,
            "Identifiant ou mot de passe incorrect (ou compte désactivé). "
            f"Encore {left} essai(s) avant un verrouillage de "
            f"{settings.web_login_lock_minutes:g} minutes sur cet appareil.",
        )
    pair.failures, pair.locked_until, pair.last_failure_at = 0, None, None
    pair.succeeded_at = now
    account.failures, account.last_failure_at = 0, None
    # Old failures of any name (typos, unknown names) are forgotten after a day.
    sessions.forget_failures(before=now - timedelta(days=1), now=now)
    sessions.purge_expired(user.id, before=now - _PURGE_AFTER)
    token = secrets.token_urlsafe(32)
    sessions.add(
        WebSession(
            token_hash=_token_hash(token),
            user_id=user.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            last_seen_at=now,
            expires_at=now + timedelta(hours=settings.web_session_hours),
        )
    )
    audit(session, user, "login", "user", user.id)
    return LoginOutcome(user, None, token)


def logout(session: Session, context: WebContext, *, now: datetime) -> None:
    context.web_session.revoked_at = now
    session.flush()
    audit(session, context.user, "logout", "user", context.user.id)


# --------------------------------------------------------------------------- the current session


@dataclass(frozen=True)
class PageUser:
    """What the templates show of the signed-in user (plain values: error pages are rendered
    after the request's database session is gone)."""

    id: int
    username: str
    role: str


@dataclass(frozen=True)
class WebContext:
    """The signed-in user of a page, their session and what the templates need."""

    user: User
    web_session: WebSession
    previous_visit_at: datetime | None
    page_user: PageUser
    csrf_token: str
    session_id: int


def _load_session(request: Request, session: Session) -> WebSession | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    return WebSessionRepository(session).get_by_token_hash(_token_hash(token))


def get_web_context(request: Request, session: SessionDep) -> WebContext:
    """The page's signed-in user, else :class:`LoginRequired` (redirect to the login form)."""
    cached = getattr(request.state, "web_context", None)
    if isinstance(cached, WebContext):
        return cached
    row = _load_session(request, session)
    if row is None:
        raise LoginRequired()
    now = utcnow()
    idle = timedelta(minutes=_settings(request).web_session_idle_minutes)
    if row.revoked_at is not None:
        raise LoginRequired("Vous êtes déconnecté : reconnectez-vous.")
    if row.expires_at <= now or row.last_seen_at + idle <= now:
        raise LoginRequired("Votre session a expiré : reconnectez-vous.")
    user = UserRepository(session).find(row.user_id)
    if user is None or not user.is_active:
        raise LoginRequired("Ce compte est désactivé.")
    # Written after the page's reads when the request only reads (service.db.after_reads).
    row_id = row.id
    set_committed_value(row, "last_seen_at", now)
    after_reads(
        session,
        lambda writer: WebSessionRepository(writer).mark_seen(row_id, now),
    )
    request.state.user_id = user.id
    context = WebContext(
        user=user,
        web_session=row,
        previous_visit_at=WebSessionRepository(session).previous_visit(row),
        page_user=PageUser(id=user.id, username=user.username, role=user.role),
        csrf_token=row.csrf_token,
        session_id=row.id,
    )
    request.state.web_context = context
    return context


WebUser = Annotated[WebContext, Depends(get_web_context)]


def _roles(*roles: str) -> Callable[[WebContext], WebContext]:
    def dependency(context: WebUser) -> WebContext:
        if context.user.role not in roles:
            raise RoleRefused()
        return context

    dependency.__name__ = f"web_{'_or_'.join(roles)}"
    return dependency


CoachPage = Annotated[WebContext, Depends(_roles("coach"))]
CaseloadPage = Annotated[WebContext, Depends(_roles("coach", "facilitator"))]
FacilitatorPage = Annotated[WebContext, Depends(_roles("facilitator"))]
AdminPage = Annotated[WebContext, Depends(_roles("admin"))]


# --------------------------------------------------------------------------- CSRF


async def csrf_protect(request: Request, session: SessionDep) -> None:
    """Router-wide: every state-changing request must carry the right token in its form."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    content_type = request.headers.get("content-type", "")
    sent = ""
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        sent = value if isinstance(value, str) else ""
    if request.url.path in SIGNED_OUT_FORMS:
        expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    else:
        # A signed-out or expired session goes to the login form (nothing is changed either);
        # a signed-in user gets the refusal page with their menu.
        expected = get_web_context(request, session).csrf_token
    if not sent or not expected or not hmac.compare_digest(sent, expected):
        raise CsrfRefused()
