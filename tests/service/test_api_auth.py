"""Authentication: nothing but /health answers without a valid token."""

from __future__ import annotations

from factories import Actor, make_user
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session


def test_health_needs_no_token(client: TestClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["database"] == "ok"
    assert body["revision"] == body["head"] is not None


def test_missing_token_is_401_with_bearer_challenge(client: TestClient) -> None:
    response = client.get("/offers")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"] == "Unauthorized"
    assert "Bearer" in response.json()["detail"]


def test_wrong_token_is_401(client: TestClient, coach: Actor) -> None:
    response = client.get("/offers", headers={"Authorization": "Bearer not-a-token"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_other_scheme_is_401(client: TestClient, coach: Actor) -> None:
    response = client.get("/offers", headers={"Authorization": f"Basic {coach.token}"})
    assert response.status_code == 401


def test_inactive_user_is_401(client: TestClient, session: Session) -> None:
    gone = make_user(session, role="facilitator", is_active=False)
    assert client.get("/offers", headers=gone.headers).status_code == 401


def test_valid_token_identifies_the_user(client: TestClient, coach: Actor) -> None:
    response = client.get("/me", headers=coach.headers)
    assert response.status_code == 200
    assert response.json()["username"] == coach.user.username
    assert response.json()["role"] == "coach"


def test_wrong_role_is_403(client: TestClient, coach: Actor, admin: Actor) -> None:
    assert client.get("/audit", headers=coach.headers).status_code == 403
    refused = client.get("/candidates", headers=admin.headers)
    assert refused.status_code == 403
    assert refused.json() == {"error": "Forbidden", "detail": refused.json()["detail"]}


def test_rotated_token_replaces_the_old_one(client: TestClient, coach: Actor) -> None:
    response = client.post("/me/token", headers=coach.headers)
    assert response.status_code == 200
    new = response.json()["token"]
    assert response.json()["expires_at"]
    assert client.get("/me", headers=coach.headers).status_code == 401
    assert client.get("/me", headers={"Authorization": f"Bearer {new}"}).status_code == 200


def test_an_admin_revokes_a_token_without_seeing_the_new_one(
    client: TestClient, admin: Actor, coach: Actor
) -> None:
    response = client.post(f"/users/{coach.id}/token", headers=admin.headers)
    assert response.status_code == 200
    assert response.json()["token"] is None and response.json()["setup_code"] is None
    assert client.get("/me", headers=coach.headers).status_code == 401


def test_admin_creates_an_admin_who_activates_their_own_account(
    client: TestClient, admin: Actor
) -> None:
    response = client.post(
        "/users", json={"username": "nadia", "role": "admin"}, headers=admin.headers
    )
    assert response.status_code == 201
    assert response.json()["token"] is None
    code = response.json()["setup_code"]
    setup = client.post("/account/setup", json={"code": code, "password": "un-bon-mot-de-passe"})
    assert setup.status_code == 200, setup.text
    token = setup.json()["token"]
    me = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["username"] == "nadia"
    again = client.post("/account/setup", json={"code": code})
    assert again.status_code == 404 and "déjà utilisé" in again.json()["detail"]
    listed = client.get("/users", headers=admin.headers).json()
    assert "token" not in listed["items"][0]
    duplicate = client.post(
        "/users", json={"username": "nadia", "role": "coach"}, headers=admin.headers
    )
    assert duplicate.status_code == 409


def test_admin_cannot_lock_themselves_out(client: TestClient, admin: Actor) -> None:
    response = client.patch(
        f"/users/{admin.id}", json={"is_active": False, "version": 1}, headers=admin.headers
    )
    assert response.status_code == 422
