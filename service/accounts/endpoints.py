"""Users (admin) and the audit log (admin)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response

from service.accounts import audit
from service.accounts import service as accounts_service
from service.accounts.auth import AdminUser, AnyUser, FacilitatorUser, ManagerUser
from service.accounts.schemas import (
    AccountSetup,
    AuditRead,
    ChainRead,
    TokenRead,
    UserCreate,
    UserCreated,
    UserRead,
    UserUpdate,
)
from service.accounts.service import account_policy
from service.db import SessionDep, utcnow
from service.kit.deps import STANDARD_ERRORS, EntityId, PageDep, SettingsDep
from service.kit.schemas import Page
from service.models.accounts import User

__all__ = ["audit_router", "users_router"]


def _credentials(user: User, *, token: str | None = None, code: str | None = None) -> UserCreated:
    return UserCreated.model_validate(
        {**UserRead.model_validate(user).model_dump(), "token": token, "setup_code": code}
    )


users_router = APIRouter(tags=["users"], responses=STANDARD_ERRORS)


@users_router.get("/me", response_model=UserRead)
def get_me(user: AnyUser) -> UserRead:
    """The account the presented token belongs to."""
    return UserRead.model_validate(user)


@users_router.get("/users", response_model=Page[UserRead])
def list_users(session: SessionDep, _: AdminUser, page: PageDep) -> Page[UserRead]:
    """Every account."""
    rows, total = accounts_service.list_users(session, page)
    return Page[UserRead](
        items=[UserRead.model_validate(u) for u in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@users_router.post("/me/token", response_model=TokenRead)
def rotate_my_token(session: SessionDep, user: AnyUser, settings: SettingsDep) -> TokenRead:
    """Replace the caller's own API token (the old one stops working); shown this once only."""
    account, token = accounts_service.rotate_own_token(
        session, user, policy=account_policy(settings), now=utcnow()
    )
    assert account.token_expires_at is not None
    return TokenRead(token=token, expires_at=account.token_expires_at)


@users_router.post("/account/setup", response_model=TokenRead)
def setup_account(session: SessionDep, settings: SettingsDep, body: AccountSetup) -> TokenRead:
    """With a one-time setup code (no token needed): set one's web password and get one's API
    token. The code is spent."""
    account, token = accounts_service.setup_account(
        session, body.code, body.password, policy=account_policy(settings), now=utcnow()
    )
    assert account.token_expires_at is not None
    return TokenRead(token=token, expires_at=account.token_expires_at)


@users_router.post("/users", response_model=UserCreated, status_code=201)
def create_user(
    session: SessionDep, admin: AdminUser, settings: SettingsDep, body: UserCreate
) -> UserCreated:
    """Create an account. A coach or facilitator account waits for a facilitator's approval;
    an administrator's comes with a one-time setup code. Never a token."""
    user, token, code = accounts_service.create_user(
        session, admin, body, policy=account_policy(settings), now=utcnow()
    )
    return _credentials(user, token=token, code=code)


@users_router.get("/users/{user_id}", response_model=UserRead)
def get_user(session: SessionDep, _: AdminUser, user_id: EntityId) -> UserRead:
    """One account."""
    return UserRead.model_validate(accounts_service.get_user(session, user_id))


@users_router.patch("/users/{user_id}", response_model=UserRead)
def update_user(
    session: SessionDep, admin: AdminUser, user_id: EntityId, body: UserUpdate
) -> UserRead:
    """Change an account's role or deactivate it; send the `version` you read. A change that
    opens people's records (re-activation, a role that reads them) waits for a facilitator
    (`pending_role`)."""
    return UserRead.model_validate(
        accounts_service.update_user(session, admin, user_id, body, now=utcnow())
    )


@users_router.post("/users/{user_id}/token", response_model=UserCreated)
def rotate_token(
    session: SessionDep, admin: AdminUser, settings: SettingsDep, user_id: EntityId
) -> UserCreated:
    """Revoke an account's API token (the old one stops working at once). The new token is
    shown only for one's own account; another person gets theirs with a setup code."""
    user, token = accounts_service.rotate_token(
        session, admin, user_id, policy=account_policy(settings), now=utcnow()
    )
    return _credentials(user, token=token)


@users_router.post("/users/{user_id}/setup-code", response_model=UserCreated)
def issue_setup_code(
    session: SessionDep, actor: ManagerUser, settings: SettingsDep, user_id: EntityId
) -> UserCreated:
    """A new one-time setup code (lost password or token): a facilitator gives it for a coach
    or a facilitator, an administrator for an administrator."""
    user, code = accounts_service.issue_setup_code(
        session, actor, user_id, policy=account_policy(settings), now=utcnow()
    )
    return _credentials(user, code=code)


@users_router.get("/access-requests", response_model=list[UserRead])
def list_access_requests(session: SessionDep, _: FacilitatorUser) -> list[UserRead]:
    """Accounts waiting for a facilitator's approval of a role that reads people."""
    return [UserRead.model_validate(u) for u in accounts_service.list_pending(session)]


@users_router.post("/access-requests/{user_id}/approve", response_model=UserCreated)
def approve_access(
    session: SessionDep, facilitator: FacilitatorUser, settings: SettingsDep, user_id: EntityId
) -> UserCreated:
    """Grant the role asked for; a new or re-activated account comes with a one-time setup
    code, to hand to the person."""
    user, code = accounts_service.approve_access(
        session, facilitator, user_id, policy=account_policy(settings), now=utcnow()
    )
    return _credentials(user, code=code)


@users_router.post("/access-requests/{user_id}/refuse", response_model=UserRead)
def refuse_access(session: SessionDep, facilitator: FacilitatorUser, user_id: EntityId) -> UserRead:
    """Refuse the role asked for (the account stays as it was)."""
    return UserRead.model_validate(accounts_service.refuse_access(session, facilitator, user_id))


audit_router = APIRouter(prefix="/audit", tags=["audit"], responses=STANDARD_ERRORS)


Word = Annotated[str | None, Query(pattern=r"^[a-z_]{1,32}$")]


@audit_router.get("", response_model=Page[AuditRead])
def list_audit(
    session: SessionDep,
    _: AdminUser,
    page: PageDep,
    user_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    entity_type: Word = None,
    entity_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    action: Word = None,
    since: Annotated[
        datetime | None, Query(alias="from", description="à partir de (inclus), ISO 8601")
    ] = None,
    until: Annotated[
        datetime | None, Query(alias="to", description="jusqu'à (exclu), ISO 8601")
    ] = None,
) -> Page[AuditRead]:
    """Audit entries, newest first, filtered by user, entity, action and time."""
    where = audit.audit_filter(
        user_id=user_id,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        since=since,
        until=until,
    )
    rows, total = audit.list_audit(session, where, page)
    return Page[AuditRead](
        items=[AuditRead.model_validate(r) for r in rows],
        total=total,
        limit=page.limit,
        offset=page.offset,
    )


@audit_router.get(
    "/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "CSV (;)"}},
)
def export_audit(
    session: SessionDep,
    admin: AdminUser,
    user_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    entity_type: Word = None,
    entity_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
    action: Word = None,
    since: Annotated[
        datetime | None, Query(alias="from", description="à partir de (inclus), ISO 8601")
    ] = None,
    until: Annotated[
        datetime | None, Query(alias="to", description="jusqu'à (exclu), ISO 8601")
    ] = None,
) -> Response:
    """The filtered audit log as CSV, oldest first, every cell escaped against formulas."""
    where = audit.audit_filter(
        user_id=user_id,
        entity_type=entity_type,
        entity_id=entity_id,
        action=action,
        since=since,
        until=until,
    )
    data, _ = audit.export_audit(session, admin, where)
    return Response(
        data,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="journal-audit.csv"'},
    )


@audit_router.get("/verify", response_model=ChainRead)
def verify_audit_chain(session: SessionDep, admin: AdminUser) -> ChainRead:
    """Walk the hash chain of the audit log; the first broken entry, if any."""
    report = audit.verify_chain(session)
    audit.audit(session, admin, "verify", "audit_log", None, {"ok": report.ok})
    return ChainRead(
        ok=report.ok,
        checked=report.checked,
        start_seq=report.start_seq,
        head_seq=report.head_seq,
        head_hash=report.head_hash,
        first_broken=report.first_broken,
        first_broken_seq=report.first_broken_seq,
        problems=report.problems,
    )
