"""User accounts: creation, roles, API tokens."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.accounts.audit import audit
from service.accounts.auth import hash_token, new_token
from service.accounts.passwords import MIN_PASSWORD_LENGTH, hash_password
from service.accounts.repository import UserRepository
from service.accounts.schemas import UserCreate, UserUpdate
from service.errors import Conflict, InvalidInput
from service.kit.crud import Pagination, check_version, found, patch_fields
from service.models.accounts import User

__all__ = ["create_user", "get_user", "list_users", "rotate_token", "set_password", "update_user"]


def create_user(session: Session, actor: User | None, data: UserCreate) -> tuple[User, str]:
    """A new user and their API token (returned once, only its hash is kept)."""
    repo = UserRepository(session)
    if repo.get_by_username(data.username) is not None:
        raise Conflict(f"l'utilisateur {data.username} existe déjà")
    token = new_token()
    user = repo.add(User(username=data.username, role=data.role, token_hash=hash_token(token)))
    audit(session, actor, "create", "user", user.id, {"role": data.role})
    return user, token


def list_users(session: Session, page: Pagination) -> tuple[list[User], int]:
    return UserRepository(session).page(limit=page.limit, offset=page.offset)


def get_user(session: Session, user_id: int) -> User:
    return found(UserRepository(session).get_by_id(user_id), "utilisateur", user_id)


def update_user(session: Session, actor: User, user_id: int, data: UserUpdate) -> User:
    user = get_user(session, user_id)
    check_version(user, data.version, "l'utilisateur")
    changes = patch_fields(data)
    if user.id == actor.id and (
        changes.get("role", "admin") != "admin" or not changes.get("is_active", True)
    ):
        raise InvalidInput("un administrateur ne peut ni se désactiver ni changer son propre rôle")
    for key, value in changes.items():
        setattr(user, key, value)
    UserRepository(session).flush()
    audit(session, actor, "update", "user", user.id, {"fields": sorted(changes)})
    return user


def rotate_token(session: Session, actor: User, user_id: int) -> tuple[User, str]:
    user = get_user(session, user_id)
    token = new_token()
    user.token_hash = hash_token(token)
    UserRepository(session).flush()
    audit(session, actor, "rotate_token", "user", user.id)
    return user, token


def set_password(session: Session, actor: User | None, user: User, password: str) -> None:
    """Give ``user`` a web password (at least 8 characters), audited."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"le mot de passe doit faire au moins {MIN_PASSWORD_LENGTH} caractères")
    user.password_hash = hash_password(password)
    session.flush()
    audit(session, actor, "set_password", "user", user.id)
