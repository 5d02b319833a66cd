"""Bearer API tokens and role checks.

Tokens are 256-bit random strings; only their SHA-256 is stored (a slow password hash buys
nothing against a guess of a high-entropy token, and every request checks one).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable, Coroutine
from itertools import chain
from typing import Annotated, Any, Final

import anyio.to_thread
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import event, inspect
from sqlalchemy.orm import ORMExecuteState, Session, make_transient_to_detached

from service.accounts.repository import UserRepository
from service.db import SessionDep, utcnow
from service.errors import Forbidden, Unauthorized
from service.models.accounts import User

__all__ = [
    "CASELOAD_ROLES",
    "AdminUser",
    "AnyUser",
    "CaseloadUser",
    "CoachUser",
    "FacilitatorUser",
    "ManagerUser",
    "TokenCache",
    "get_current_user",
    "hash_token",
    "new_token",
    "require_roles",
    "token_refusal",
]


_bearer = HTTPBearer(auto_error=False, description="jeton d'API donné par `clausematch users add`")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenCache:
    """Token hash → user, so that a request does not query the users table to know its caller.

    Kept only while the users table is unchanged: any ORM write to a user in this process
    empties it at once (session events), and a signature of the table (row count, sum of
    versions, highest id, active accounts, last update) is checked at most every
    ``max_age_s`` seconds, so a token revoked or an account disabled by another process (the
    command line, another worker) stops working within that time. Unknown tokens are never
    kept. Each request gets its own copy of the user, attached to its session without a query.
    """

    def __init__(self, *, max_age_s: float = 1.0, size: int = 1024) -> None:
        self.max_age_s = max_age_s
        self.size = size
        self._users: dict[str, User] = {}
        self._signature: tuple[object, ...] | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()
        self.n_hits = 0
        self.n_misses = 0
        event.listen(Session, "after_flush", self._on_flush)
        event.listen(Session, "do_orm_execute", self._on_execute)

    def close(self) -> None:
        for name, fn in (("after_flush", self._on_flush), ("do_orm_execute", self._on_execute)):
            if event.contains(Session, name, fn):
                event.remove(Session, name, fn)

    def clear(self) -> None:
        with self._lock:
            self._users.clear()
            self._signature = None

    def _on_flush(self, session: Session, _: object) -> None:
        if any(isinstance(o, User) for o in chain(session.new, session.dirty, session.deleted)):
            self.clear()

    def _on_execute(self, state: ORMExecuteState) -> None:
        if (state.is_update or state.is_delete or state.is_insert) and any(
            m.class_ is User for m in state.all_mappers
        ):
            self.clear()

    def _stale(self) -> bool:
        return self._signature is None or time.monotonic() - self._checked_at >= self.max_age_s

    def peek(self, token_hash: str) -> User | None:
        """The cache's own detached copy of the user holding ``token_hash`` when that is known
        without any query, else ``None``. Shared: read its columns, never change it nor add
        it to a session (:meth:`cached` gives a request its own)."""
        found = None if self._stale() else self._users.get(token_hash)
        if found is not None:
            self.n_hits += 1
        return found

    def cached(self, session: Session, token_hash: str) -> User | None:
        """The user holding ``token_hash`` when that is known without any query, else ``None``
        (then ask :meth:`user`). Merged into ``session`` without I/O."""
        found = self.peek(token_hash)
        return None if found is None else session.merge(found, load=False)

    def user(self, session: Session, token_hash: str) -> User | None:
        """The user holding ``token_hash`` (active or not), or ``None``."""
        if self._stale():
            signature = UserRepository(session).table_signature()
            with self._lock:
                if signature != self._signature:
                    self._users.clear()
                    self._signature = signature
                self._checked_at = time.monotonic()
        hit = self.cached(session, token_hash)
        if hit is not None:
            return hit
        self.n_misses += 1
        user = UserRepository(session).get_by_token_hash(token_hash)
        if user is None:
            return None
        copy = User(**{a.key: getattr(user, a.key) for a in inspect(User).column_attrs})
        make_transient_to_detached(copy)
        with self._lock:
            if len(self._users) >= self.size:
                self._users.clear()
            self._users[token_hash] = copy
        return user


async def get_current_user(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The active user whose token is presented, else 401.

    Async: a token the cache knows costs no query and no thread-pool round trip; otherwise
    the lookup runs in the thread pool (the event loop never waits on the database)."""
    if credentials is None:
        raise Unauthorized("authentification requise : en-tête « Authorization: Bearer <jeton> »")
    token_hash = hash_token(credentials.credentials)
    cache: TokenCache | None = getattr(request.app.state, "token_cache", None)
    user = cache.cached(session, token_hash) if cache is not None else None
    if user is None:
        if cache is not None:
            user = await anyio.to_thread.run_sync(cache.user, session, token_hash)
        else:
            user = await anyio.to_thread.run_sync(
                UserRepository(session).get_by_token_hash, token_hash
            )
    refusal = token_refusal(user)
    if refusal is not None:
        raise Unauthorized(refusal)
    assert user is not None  # token_refusal refuses no account
    request.state.user_id = user.id
    return user


def token_refusal(user: User | None) -> str | None:
    """Why the token that named ``user`` (``None``: no account holds it) does not
    authenticate, in French; ``None`` when it does."""
    if user is None or not user.is_active:
        return "jeton invalide ou compte désactivé"
    expires = user.token_expires_at
    if expires is None or expires <= utcnow():
        return (
            "jeton expiré"
            + (f" le {expires:%d/%m/%Y à %H:%M} (UTC)" if expires is not None else "")
            + " : renouvelez-le avant son échéance (POST /me/token) ; une fois expiré, "
            "demandez un code d'activation (à un facilitateur pour un coach ou un "
            "facilitateur, à un administrateur sinon)"
        )
    return None


AnyUser = Annotated[User, Depends(get_current_user)]


def require_roles(*roles: str) -> Callable[..., Coroutine[Any, Any, User]]:
    """A dependency that lets only ``roles`` through (401 without a valid token, 403 for
    another role).

    It authenticates itself rather than depending on :func:`get_current_user`: one
    dependency fewer for FastAPI to solve on every request."""

    async def dependency(
        request: Request,
        session: SessionDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> User:
        user = await get_current_user(request, session, credentials)
        if user.role not in roles:
            raise Forbidden(f"action non autorisée pour le rôle {user.role}")
        return user

    dependency.__name__ = f"require_{'_or_'.join(roles)}"
    return dependency


CoachUser = Annotated[User, Depends(require_roles("coach"))]
"""A coach (their own caseload)."""

CASELOAD_ROLES: Final = ("coach", "facilitator")
"""The roles that follow people (their own caseload, or every one's for a facilitator)."""

CaseloadUser = Annotated[User, Depends(require_roles(*CASELOAD_ROLES))]


FacilitatorUser = Annotated[User, Depends(require_roles("facilitator"))]


ManagerUser = Annotated[User, Depends(require_roles("facilitator", "admin"))]


AdminUser = Annotated[User, Depends(require_roles("admin"))]
