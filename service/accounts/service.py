"""User accounts: creation, roles, API tokens, setup codes, and the second person's approval.

**Separation of duties** (``service/README_ACCESS.md``): an administrator is barred from
people's records, so nothing an administrator does alone may open them. Creating an account
with a role that reads people (coach, facilitator), re-activating one, or raising a role to
one (admin → coach, coach → facilitator) only *asks* for it (``pending_role``); an active
facilitator — someone who already reads everyone — approves or refuses. The administrator never
sees such an account's API token, password or setup code: the person sets their password and
gets their token themselves with a one-time setup code, handed over by the approving
facilitator. Lowering a role or deactivating an account takes effect at once.

The command line (``clausematch users``) runs with the database's own credentials, which
already read everything: its operator creates active accounts and gets their tokens directly
(audited with the role ``system``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from service.accounts.audit import audit
from service.accounts.auth import hash_token, new_token
from service.accounts.passwords import MIN_PASSWORD_LENGTH, hash_password
from service.accounts.repository import UserRepository, WebSessionRepository
from service.accounts.schemas import UserCreate, UserUpdate
from service.config import Settings
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.kit.crud import Pagination, check_version, found, patch_fields
from service.models.accounts import PEOPLE_ROLES, User

__all__ = [
    "AccountPolicy",
    "account_policy",
    "approve_access",
    "create_user",
    "get_user",
    "grants_people_access",
    "issue_setup_code",
    "list_pending",
    "list_users",
    "refuse_access",
    "rotate_own_token",
    "rotate_token",
    "set_password",
    "setup_account",
    "update_user",
]


@dataclass(frozen=True)
class AccountPolicy:
    """How long an API token and a setup code last (settings ``api_token_days`` and
    ``account_setup_hours``)."""

    token_days: float = 90.0
    setup_hours: float = 72.0


def account_policy(settings: Settings) -> AccountPolicy:
    return AccountPolicy(
        token_days=settings.api_token_days, setup_hours=settings.account_setup_hours
    )


def grants_people_access(current_role: str | None, new_role: str) -> bool:
    """Whether moving from ``current_role`` (``None``: no access, a new or inactive account)
    to ``new_role`` opens people's records wider."""
    if new_role not in PEOPLE_ROLES:
        return False
    if current_role == new_role:
        return False
    return not (current_role == "facilitator" and new_role == "coach")


def _give_token(user: User, policy: AccountPolicy, now: datetime) -> str:
    token = new_token()
    user.token_hash = hash_token(token)
    user.token_expires_at = now + timedelta(days=policy.token_days)
    return token


def _revoke_credentials(session: Session, user: User, now: datetime) -> None:
    """Nobody knows the account's token or password any more, and its open web sessions end
    (a new setup code is needed)."""
    user.token_hash = hash_token(new_token())
    user.token_expires_at = None
    user.password_hash = None
    if user.id is not None:
        WebSessionRepository(session).revoke_all(user.id, now)


def _new_setup_code(user: User, policy: AccountPolicy, now: datetime) -> str:
    code = secrets.token_hex(16)  # 128 bits, easy to read out and type
    user.setup_code_hash = hash_token(code)
    user.setup_code_expires_at = now + timedelta(hours=policy.setup_hours)
    return code


def create_user(
    session: Session,
    actor: User | None,
    data: UserCreate,
    *,
    policy: AccountPolicy,
    now: datetime,
) -> tuple[User, str | None, str | None]:
    """A new account, with ``(user, token, setup_code)``.

    - the command line (``actor`` is ``None``): active at once, its API token returned once;
    - an administrator creating an administrator: active, a one-time setup code returned;
    - an administrator creating a coach or a facilitator: inactive until a facilitator approves
      (:func:`approve_access`); neither token nor code is returned.
    """
    repo = UserRepository(session)
    if repo.get_by_username(data.username) is not None:
        raise Conflict(f"l'utilisateur {data.username} existe déjà")
    user = User(username=data.username, role=data.role, is_active=True)
    token: str | None = None
    code: str | None = None
    if actor is None:
        token = _give_token(user, policy, now)
    elif grants_people_access(None, data.role):
        _revoke_credentials(session, user, now)
        user.is_active = False
        user.pending_role = data.role
        user.requested_by_id = actor.id
        user.requested_at = now
    else:
        _revoke_credentials(session, user, now)
        code = _new_setup_code(user, policy, now)
    repo.add(user)
    audit(
        session,
        actor,
        "create",
        "user",
        user.id,
        {"role": data.role, "pending": user.pending_role is not None},
    )
    return user, token, code


def list_users(session: Session, page: Pagination) -> tuple[list[User], int]:
    return UserRepository(session).page(limit=page.limit, offset=page.offset)


def list_pending(session: Session) -> list[User]:
    """Accounts whose access to people waits for a facilitator's approval."""
    return UserRepository(session).pending()


def get_user(session: Session, user_id: int) -> User:
    return found(UserRepository(session).get_by_id(user_id), "utilisateur", user_id)


def update_user(
    session: Session, actor: User, user_id: int, data: UserUpdate, *, now: datetime
) -> User:
    """Apply an administrator's change; a change that opens people's records only asks for
    it (``pending_role``), everything else takes effect at once."""
    user = get_user(session, user_id)
    check_version(user, data.version, "l'utilisateur")
    changes = patch_fields(data)
    if user.id == actor.id and (
        changes.get("role", "admin") != "admin" or not changes.get("is_active", True)
    ):
        raise InvalidInput("un administrateur ne peut ni se désactiver ni changer son propre rôle")
    role = changes.get("role", user.role)
    active = changes.get("is_active", user.is_active)
    current = user.role if user.is_active else None
    asked: str | None = None
    if active and grants_people_access(current, role):
        # The account keeps its current role and state until a facilitator approves.
        asked, role, active = role, user.role, user.is_active
    user.role = role
    user.is_active = active
    if asked is not None:
        user.pending_role, user.requested_by_id, user.requested_at = asked, actor.id, now
    elif "role" in changes or "is_active" in changes:
        # A lower role or a deactivation supersedes any request still waiting.
        user.pending_role, user.requested_by_id, user.requested_at = None, None, None
    UserRepository(session).flush()
    audit(
        session,
        actor,
        "update",
        "user",
        user.id,
        {"fields": sorted(changes), "pending_role": asked},
    )
    if asked is not None:
        audit(session, actor, "request_access", "user", user.id, {"role": asked})
    return user


def _pending(session: Session, approver: User, user_id: int) -> User:
    user = get_user(session, user_id)
    if user.pending_role is None:
        raise Conflict(f"le compte {user.username} n'attend aucune validation")
    if user.id == approver.id or user.requested_by_id == approver.id:
        raise Forbidden("une demande d'accès se valide par une autre personne que le demandeur")
    return user


def approve_access(
    session: Session, approver: User, user_id: int, *, policy: AccountPolicy, now: datetime
) -> tuple[User, str | None]:
    """A facilitator grants the role asked for. An account that was inactive (new or
    re-activated) or an administrator's gets a one-time setup code, returned once to the
    approver, who hands it to the person; its former token and password stop working."""
    user = _pending(session, approver, user_id)
    role = user.pending_role or user.role
    code: str | None = None
    # An inactive account's credentials may be stale; an administrator account's may have
    # been set by another administrator (who may set an admin's password): either way the
    # person starts afresh with a code. A coach's own credentials, which no administrator can
    # set, stay when the coach becomes a facilitator.
    if not user.is_active or user.role not in PEOPLE_ROLES:
        _revoke_credentials(session, user, now)
        code = _new_setup_code(user, policy, now)
    user.role, user.is_active = role, True
    user.pending_role, user.requested_by_id, user.requested_at = None, None, None
    UserRepository(session).flush()
    audit(
        session,
        approver,
        "approve_access",
        "user",
        user.id,
        {"role": role, "setup_code": bool(code)},
    )
    return user, code


def refuse_access(session: Session, approver: User, user_id: int) -> User:
    user = _pending(session, approver, user_id)
    role = user.pending_role
    user.pending_role, user.requested_by_id, user.requested_at = None, None, None
    UserRepository(session).flush()
    audit(session, approver, "refuse_access", "user", user.id, {"role": role})
    return user


def issue_setup_code(
    session: Session, actor: User, user_id: int, *, policy: AccountPolicy, now: datetime
) -> tuple[User, str]:
    """A new one-time setup code (lost password or token): a facilitator issues it for a coach
    or a facilitator, an administrator for an administrator. The account's token and password
    stop working at once."""
    user = get_user(session, user_id)
    if not user.is_active:
        raise Conflict(
            f"le compte {user.username} n'est pas actif (une demande de réactivation se valide "
            "d'abord)"
        )
    if user.id == actor.id:
        raise Forbidden("un code d'activation se demande à une autre personne")
    allowed = "facilitator" if user.role in PEOPLE_ROLES else "admin"
    if actor.role != allowed:
        who = "un facilitateur" if allowed == "facilitator" else "un administrateur"
        raise Forbidden(f"le code d'activation de ce compte est donné par {who}")
    _revoke_credentials(session, user, now)
    code = _new_setup_code(user, policy, now)
    UserRepository(session).flush()
    audit(session, actor, "setup_code", "user", user.id)
    return user, code


SETUP_REFUSED = "code d'activation inconnu, déjà utilisé ou expiré : demandez-en un nouveau"


def setup_account(
    session: Session, code: str, password: str | None, *, policy: AccountPolicy, now: datetime
) -> tuple[User, str]:
    """The person's own step: with their one-time code they set their web password (when
    given) and get their API token. The code is spent."""
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"le mot de passe doit faire au moins {MIN_PASSWORD_LENGTH} caractères : "
            "rien n'a été changé"
        )
    user = UserRepository(session).get_by_setup_code_hash(hash_token(code))
    if (
        user is None
        or not user.is_active
        or user.setup_code_expires_at is None
        or user.setup_code_expires_at <= now
    ):
        raise NotFound(SETUP_REFUSED)
    user.setup_code_hash, user.setup_code_expires_at = None, None
    if password is not None:
        user.password_hash = hash_password(password)
    token = _give_token(user, policy, now)
    UserRepository(session).flush()
    audit(session, user, "setup", "user", user.id, {"password": password is not None})
    return user, token


def rotate_token(
    session: Session, actor: User | None, user_id: int, *, policy: AccountPolicy, now: datetime
) -> tuple[User, str | None]:
    """Replace an account's API token; the old one stops working at once.

    The new token is returned only to the command line's operator. An administrator who
    rotates another account's token only revokes it: the person gets a new one with a setup
    code (:func:`issue_setup_code`) or :func:`rotate_own_token`."""
    user = get_user(session, user_id)
    token: str | None = None
    if actor is None or actor.id == user.id:
        token = _give_token(user, policy, now)
    else:
        user.token_hash = hash_token(new_token())
        user.token_expires_at = None
    UserRepository(session).flush()
    audit(session, actor, "rotate_token", "user", user.id, {"shown": token is not None})
    return user, token


def rotate_own_token(
    session: Session, user: User, *, policy: AccountPolicy, now: datetime
) -> tuple[User, str]:
    """The caller's new API token (before the old one expires)."""
    account, token = rotate_token(session, user, user.id, policy=policy, now=now)
    assert token is not None
    return account, token


def set_password(session: Session, actor: User | None, user: User, password: str) -> None:
    """Give ``user`` a web password (at least 8 characters), audited. An administrator may set
    only an administrator's (a coach or a facilitator sets theirs with a setup code)."""
    if actor is not None and actor.id != user.id and user.role in PEOPLE_ROLES:
        raise Forbidden(
            "le mot de passe d'un coach ou d'un facilitateur est choisi par la personne, avec "
            "un code d'activation donné par un facilitateur"
        )
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"le mot de passe doit faire au moins {MIN_PASSWORD_LENGTH} caractères")
    user.password_hash = hash_password(password)
    session.flush()
    audit(session, actor, "set_password", "user", user.id)
