"""Bearer API tokens and role checks.

Tokens are 256-bit random strings; only their SHA-256 is stored (a slow password hash buys
nothing against a guess of a high-entropy token, and every request checks one).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from service.db import SessionDep
from service.errors import Forbidden, Unauthorized
from service.models import User
from service.repositories import UserRepository

__all__ = [
    "AdminUser",
    "AnyUser",
    "CaseloadUser",
    "FacilitatorUser",
    "ManagerUser",
    "get_current_user",
    "hash_token",
    "new_token",
    "require_roles",
]

_bearer = HTTPBearer(auto_error=False, description="jeton d'API donné par `clausematch users add`")


def new_token() -> str:
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def get_current_user(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> User:
    """The active user whose token is presented, else 401."""
    if credentials is None:
        raise Unauthorized("authentification requise : en-tête « Authorization: Bearer <jeton> »")
    user = UserRepository(session).get_by_token_hash(hash_token(credentials.credentials))
    if user is None or not user.is_active:
        raise Unauthorized("jeton invalide ou compte désactivé")
    request.state.user_id = user.id
    return user


AnyUser = Annotated[User, Depends(get_current_user)]


def require_roles(*roles: str) -> Callable[[User], User]:
    """A dependency that lets only ``roles`` through (403 otherwise)."""

    def dependency(user: AnyUser) -> User:
        if user.role not in roles:
            raise Forbidden(f"action non autorisée pour le rôle {user.role}")
        return user

    dependency.__name__ = f"require_{'_or_'.join(roles)}"
    return dependency


CaseloadUser = Annotated[User, Depends(require_roles("coach", "facilitator"))]
FacilitatorUser = Annotated[User, Depends(require_roles("facilitator"))]
ManagerUser = Annotated[User, Depends(require_roles("facilitator", "admin"))]
AdminUser = Annotated[User, Depends(require_roles("admin"))]
