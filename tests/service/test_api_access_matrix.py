"""The authorization matrix: every route × every role, built from the app's own routes
(its OpenAPI document).

A new route without an entry in ``EXPECTED`` fails :func:`test_every_route_has_an_entry`:
whoever adds an endpoint decides, here, who may call it.
"""

from __future__ import annotations

import re

import pytest
from factories import Actor
from fastapi import FastAPI
from fastapi.testclient import TestClient

ALL = frozenset({"coach", "facilitator", "admin"})
CASELOAD = frozenset({"coach", "facilitator"})
MANAGERS = frozenset({"facilitator", "admin"})
FACILITATOR = frozenset({"facilitator"})
COACH = frozenset({"coach"})
ADMIN = frozenset({"admin"})
PUBLIC = None  # answers without a token

EXPECTED: dict[tuple[str, str], frozenset[str] | None] = {
    ("GET", "/health"): PUBLIC,
    ("GET", "/me"): ALL,
    ("GET", "/users"): ADMIN,
    ("POST", "/users"): ADMIN,
    ("GET", "/users/{user_id}"): ADMIN,
    ("PATCH", "/users/{user_id}"): ADMIN,
    ("POST", "/users/{user_id}/token"): ADMIN,
    ("GET", "/candidates"): CASELOAD,
    ("POST", "/candidates"): CASELOAD,
    ("GET", "/candidates/{candidate_id}"): CASELOAD,
    ("PATCH", "/candidates/{candidate_id}"): CASELOAD,
    ("DELETE", "/candidates/{candidate_id}"): CASELOAD,
    ("GET", "/candidates/{candidate_id}/reporting"): CASELOAD,
    ("PUT", "/candidates/{candidate_id}/reporting"): CASELOAD,
    ("GET", "/offers"): ALL,
    ("POST", "/offers"): FACILITATOR,
    ("GET", "/offers/{offer_id}"): ALL,
    ("PATCH", "/offers/{offer_id}"): FACILITATOR,
    ("DELETE", "/offers/{offer_id}"): FACILITATOR,
    **{
        (method, path): (ALL if method == "GET" else MANAGERS)
        for resource, single in (
            ("companies", "company"),
            ("buyers", "buyer"),
            ("contracts", "contract"),
            ("lots", "lot"),
        )
        for method, path in (
            ("GET", f"/{resource}"),
            ("POST", f"/{resource}"),
            ("GET", f"/{resource}/{{{single}_id}}"),
            ("PATCH", f"/{resource}/{{{single}_id}}"),
            ("DELETE", f"/{resource}/{{{single}_id}}"),
        )
    },
    ("GET", "/referentials/communes"): ALL,
    ("GET", "/referentials/appellations"): ALL,
    ("GET", "/referentials/licences"): ALL,
    ("GET", "/referentials/jobs"): ALL,
    ("GET", "/audit"): ADMIN,
    ("GET", "/offers/{offer_id}/shortlist"): CASELOAD,
    ("GET", "/candidates/{candidate_id}/offers"): CASELOAD,
    ("GET", "/candidates/{candidate_id}/why-not/{offer_id}"): CASELOAD,
    ("POST", "/imports/offers"): FACILITATOR,
    ("POST", "/imports/candidates"): FACILITATOR,
    ("GET", "/imports/refused-offers"): FACILITATOR,
    ("GET", "/imports/feed-runs"): MANAGERS,
    ("GET", "/me/notifications"): ALL,
    ("PUT", "/me/notifications"): ALL,
    ("GET", "/notifications/outbox"): ADMIN,
    ("POST", "/imports/refused-offers/{refused_id}/dismiss"): FACILITATOR,
    ("POST", "/match-runs"): FACILITATOR,
    ("GET", "/match-runs"): MANAGERS,
    ("GET", "/coaches/me/digest"): COACH,
    ("GET", "/proposals"): CASELOAD,
    ("POST", "/proposals"): COACH,
    ("GET", "/proposals/reasons"): ALL,
    ("GET", "/proposals/{proposal_id}"): CASELOAD,
    ("GET", "/proposals/{proposal_id}/events"): CASELOAD,
    ("POST", "/proposals/{proposal_id}/transitions"): CASELOAD,
    ("GET", "/placements"): FACILITATOR,
    ("POST", "/placements"): FACILITATOR,
    ("GET", "/placements/{placement_id}"): FACILITATOR,
    ("PATCH", "/placements/{placement_id}"): FACILITATOR,
    ("GET", "/placements/{placement_id}/hours"): FACILITATOR,
    ("PUT", "/placements/{placement_id}/hours"): FACILITATOR,
    ("GET", "/reports/execution"): MANAGERS,
    ("GET", "/reports/fse"): MANAGERS,
    ("GET", "/reports/participants"): MANAGERS,
    ("GET", "/reports/funnel"): MANAGERS,
    ("GET", "/tools/insertion-hours"): MANAGERS,
    ("GET", "/tools/labour-shares"): MANAGERS,
    ("POST", "/tools/supply"): MANAGERS,
    ("POST", "/imports/hours"): FACILITATOR,
    ("GET", "/hours/grid"): FACILITATOR,
    ("GET", "/hours/template"): FACILITATOR,
    ("GET", "/lots/{lot_id}/clause-article"): MANAGERS,
    ("GET", "/outreach/naf"): MANAGERS,
    ("GET", "/outreach/companies"): FACILITATOR,
    ("PUT", "/outreach/companies/{company_id}/sector"): FACILITATOR,
    ("GET", "/outreach/companies/{company_id}/contacts"): FACILITATOR,
    ("POST", "/outreach/companies/{company_id}/contacts"): FACILITATOR,
    ("DELETE", "/outreach/contacts/{contact_id}"): FACILITATOR,
    ("GET", "/outreach/events"): FACILITATOR,
    ("POST", "/outreach/events"): FACILITATOR,
    ("GET", "/outreach/events/{event_id}"): FACILITATOR,
    ("DELETE", "/outreach/events/{event_id}"): FACILITATOR,
    ("POST", "/outreach/events/{event_id}/attendees"): FACILITATOR,
    ("DELETE", "/outreach/events/{event_id}/attendees/{company_id}"): FACILITATOR,
    ("POST", "/outreach/events/{event_id}/testimonies"): FACILITATOR,
    ("DELETE", "/outreach/testimonies/{testimony_id}"): FACILITATOR,
    ("GET", "/outreach/tender-answers"): FACILITATOR,
    ("POST", "/outreach/tender-answers"): FACILITATOR,
    ("DELETE", "/outreach/tender-answers/{answer_id}"): FACILITATOR,
    ("GET", "/outreach/final-account"): MANAGERS,
}


def _routes(app: FastAPI) -> set[tuple[str, str]]:
    # The OpenAPI document lists every API operation, however routers are nested.
    paths: dict[str, dict[str, object]] = app.openapi()["paths"]
    return {(method.upper(), path) for path, operations in paths.items() for method in operations}


def _call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    # An id that exists nowhere and a minimal body: the role check answers before either matters.
    url = re.sub(r"\{[^}]+\}", "999999", path)
    params = {"q": "alen"} if path.startswith("/referentials/") else None
    body: dict[str, object] | None = {} if method in {"POST", "PATCH", "PUT"} else None
    status: int = client.request(method, url, headers=headers, json=body, params=params).status_code
    return status


def test_every_route_has_an_entry(app: FastAPI) -> None:
    routes = _routes(app)
    assert routes - EXPECTED.keys() == set(), "routes without an entry in the access matrix"
    assert EXPECTED.keys() - routes == set(), "matrix entries for routes that no longer exist"


def test_without_token_only_health_answers(client: TestClient) -> None:
    failures = []
    for (method, path), roles in EXPECTED.items():
        status = _call(client, method, path, {})
        expected_ok = roles is PUBLIC
        if expected_ok == (status == 401):
            failures.append(f"{method} {path}: {status}")
    assert failures == []


@pytest.mark.parametrize("role", sorted(ALL))
def test_each_role_is_let_through_or_refused(
    client: TestClient, actors: dict[str, Actor], role: str
) -> None:
    failures = []
    for (method, path), roles in EXPECTED.items():
        if roles is PUBLIC:
            continue
        status = _call(client, method, path, actors[role].headers)
        if role in roles and status in {401, 403}:
            failures.append(f"{method} {path}: {role} refused ({status})")
        if role not in roles and status != 403:
            failures.append(f"{method} {path}: {role} let through ({status})")
    assert failures == []
