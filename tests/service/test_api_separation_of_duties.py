"""Issue 21, finding 2: an administrator, barred from people's records, cannot obtain access to
them alone. Every route an administrator has is tried; a facilitator's approval and the
person's own setup code are the only way in. Token expiry and renewal."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from factories import Actor, make_candidate, make_user
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from service.config import Settings
from service.db import utcnow
from service.models.accounts import AuditEntry


def _secrets_in(answer: Any) -> list[str]:
    """Every token or setup code an answer holds."""
    if not isinstance(answer, dict):
        return []
    return [v for k, v in answer.items() if k in {"token", "setup_code"} and isinstance(v, str)]


def _reads_people(client: TestClient, secret: str, person_id: int) -> bool:
    headers = {"Authorization": f"Bearer {secret}"}
    return client.get(f"/candidates/{person_id}/reporting", headers=headers).status_code == 200


def _setup_tokens(client: TestClient, code: str) -> list[str]:
    answer = client.post("/account/setup", json={"code": code, "password": "mot-de-passe-sur"})
    return _secrets_in(answer.json()) if answer.status_code == 200 else []


def test_an_admin_alone_gets_no_token_that_reads_people(
    client: TestClient, session: Session, admin: Actor, coach: Actor
) -> None:
    person = make_candidate(session, coach=coach)
    got: list[str] = []
    created = client.post(
        "/users", json={"username": "faux-facil", "role": "facilitator"}, headers=admin.headers
    )
    assert created.status_code == 201
    body = created.json()
    got += _secrets_in(body)
    assert body["is_active"] is False and body["pending_role"] == "facilitator"
    uid = body["id"]
    # Every other door an administrator has: re-activate, rotate, new setup code, approve.
    patched = client.patch(
        f"/users/{uid}", json={"is_active": True, "version": body["version"]}, headers=admin.headers
    )
    got += _secrets_in(patched.json())
    for path in (f"/users/{uid}/token", f"/users/{uid}/setup-code"):
        got += _secrets_in(client.post(path, headers=admin.headers).json())
    approve = client.post(f"/access-requests/{uid}/approve", headers=admin.headers)
    assert approve.status_code == 403
    # A code, if any, turned into a token by the admin.
    got += [t for code in list(got) for t in _setup_tokens(client, code)]
    assert not any(_reads_people(client, secret, person.id) for secret in got)
    me = client.get(f"/users/{uid}", headers=admin.headers).json()
    assert me["is_active"] is False and me["role"] == "facilitator"


def test_a_facilitator_approves_and_the_person_activates_their_account(
    client: TestClient, session: Session, admin: Actor, facilitator: Actor, coach: Actor
) -> None:
    person = make_candidate(session, coach=coach)
    uid = client.post(
        "/users", json={"username": "camille", "role": "facilitator"}, headers=admin.headers
    ).json()["id"]
    pending = client.get("/access-requests", headers=facilitator.headers).json()
    assert [p["username"] for p in pending] == ["camille"]
    assert client.get("/access-requests", headers=admin.headers).status_code == 403
    assert client.post(f"/access-requests/{uid}/approve", headers=coach.headers).status_code == 403
    approved = client.post(f"/access-requests/{uid}/approve", headers=facilitator.headers)
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert body["is_active"] is True and body["pending_role"] is None and body["token"] is None
    [token] = _setup_tokens(client, body["setup_code"])
    assert _reads_people(client, token, person.id)
    actions = session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.entity_type == "user", AuditEntry.entity_id == uid
        )
    ).all()
    assert {"create", "approve_access", "setup"} <= set(actions)


def test_raising_a_role_or_reactivating_waits_for_a_facilitator(
    client: TestClient, session: Session, admin: Actor, facilitator: Actor, coach: Actor
) -> None:
    person = make_candidate(session, coach=coach)
    other_admin = make_user(session, role="admin")
    answer = client.patch(
        f"/users/{other_admin.id}",
        json={"role": "facilitator", "version": 1},
        headers=admin.headers,
    ).json()
    assert answer["role"] == "admin" and answer["pending_role"] == "facilitator"
    assert not _reads_people(client, other_admin.token, person.id)
    # coach → facilitator is a raise too; facilitator → coach is not (at once).
    raised = client.patch(
        f"/users/{coach.id}", json={"role": "facilitator", "version": 1}, headers=admin.headers
    ).json()
    assert raised["role"] == "coach" and raised["pending_role"] == "facilitator"
    refused = client.post(f"/access-requests/{coach.id}/refuse", headers=facilitator.headers)
    assert refused.json()["pending_role"] is None and refused.json()["role"] == "coach"
    # Deactivation is at once; re-activation waits.
    gone = client.patch(
        f"/users/{coach.id}", json={"is_active": False, "version": refused.json()["version"]},
        headers=admin.headers,
    ).json()  # fmt: skip
    assert gone["is_active"] is False
    back = client.patch(
        f"/users/{coach.id}", json={"is_active": True, "version": gone["version"]},
        headers=admin.headers,
    ).json()  # fmt: skip
    assert back["is_active"] is False and back["pending_role"] == "coach"
    assert client.get("/me", headers=coach.headers).status_code == 401
    approved = client.post(
        f"/access-requests/{other_admin.id}/approve", headers=facilitator.headers
    )
    assert approved.json()["role"] == "facilitator"
    # An admin's password may have been set by another admin: the person starts afresh.
    assert not _reads_people(client, other_admin.token, person.id)
    [token] = _setup_tokens(client, approved.json()["setup_code"])
    assert _reads_people(client, token, person.id)


def test_a_coach_becoming_facilitator_keeps_their_own_credentials(
    client: TestClient, session: Session, admin: Actor, facilitator: Actor, coach: Actor
) -> None:
    person = make_candidate(session, coach=make_user(session, role="coach"))
    client.patch(
        f"/users/{coach.id}", json={"role": "facilitator", "version": 1}, headers=admin.headers
    )
    assert not _reads_people(client, coach.token, person.id)
    approved = client.post(f"/access-requests/{coach.id}/approve", headers=facilitator.headers)
    assert approved.json()["setup_code"] is None
    assert _reads_people(client, coach.token, person.id)


def test_an_admin_cannot_take_over_a_coach_through_an_admin_detour(
    client: TestClient, session: Session, admin: Actor, facilitator: Actor, coach: Actor
) -> None:
    """Lower the coach to admin (at once), set their password and token as an admin may for an
    admin, ask for coach again: once approved, what the admin set no longer works."""
    person = make_candidate(session, coach=coach)
    lowered = client.patch(
        f"/users/{coach.id}", json={"role": "admin", "version": 1}, headers=admin.headers
    ).json()
    assert lowered["role"] == "admin"
    code = client.post(f"/users/{coach.id}/setup-code", headers=admin.headers).json()["setup_code"]
    [known] = _setup_tokens(client, code)
    version = client.get(f"/users/{coach.id}", headers=admin.headers).json()["version"]
    asked = client.patch(
        f"/users/{coach.id}", json={"role": "coach", "version": version}, headers=admin.headers
    )
    assert asked.json()["pending_role"] == "coach" and asked.json()["role"] == "admin"
    approved = client.post(f"/access-requests/{coach.id}/approve", headers=facilitator.headers)
    assert approved.status_code == 200 and approved.json()["role"] == "coach"
    assert not _reads_people(client, known, person.id)


def test_admin_cannot_set_a_coach_password_nor_get_a_coach_setup_code(
    client: TestClient, admin: Actor, coach: Actor, facilitator: Actor
) -> None:
    code = client.post(f"/users/{coach.id}/setup-code", headers=admin.headers)
    assert code.status_code == 403 and "facilitateur" in code.json()["detail"]
    given = client.post(f"/users/{coach.id}/setup-code", headers=facilitator.headers)
    assert given.status_code == 200 and given.json()["setup_code"]
    assert client.get("/me", headers=coach.headers).status_code == 401  # old token revoked
    [token] = _setup_tokens(client, given.json()["setup_code"])
    assert client.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_an_expired_token_gets_a_french_401(
    client: TestClient, session: Session, coach: Actor
) -> None:
    coach.user.token_expires_at = utcnow() - timedelta(minutes=1)
    session.flush()
    refused = client.get("/me", headers=coach.headers)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "Bearer"
    assert refused.json()["detail"].startswith("jeton expiré le ")
    assert client.post("/me/token", headers=coach.headers).status_code == 401


def test_a_new_token_expires_after_the_setting(
    client: TestClient, coach: Actor, settings: Settings
) -> None:
    renewed = client.post("/me/token", headers=coach.headers).json()
    me = client.get("/me", headers={"Authorization": f"Bearer {renewed['token']}"}).json()
    assert me["token_expires_at"] == renewed["expires_at"]
    left = (datetime.fromisoformat(renewed["expires_at"]) - utcnow()).total_seconds() / 86400
    assert settings.api_token_days - 1 < left <= settings.api_token_days


def test_a_bad_setup_code_changes_nothing(client: TestClient, session: Session) -> None:
    for body in ({"code": "pas-un-code"}, {"code": "x" * 65}, {"code": "abc", "password": "court"}):
        answer = client.post("/account/setup", json=body)
        assert answer.status_code in {404, 422}
        assert answer.json()["error"] in {"NotFound", "InvalidInput"}
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "setup")).first() is None
