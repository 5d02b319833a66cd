"""Property-based run over the OpenAPI schema: whatever is sent, no 5xx, and every answer
(status, content type, body) is one the schema documents.

Bounded (25 examples per operation) so it stays a unit-test-sized run. The schema is
read from an app built at import time (no database needed for that); the calls go to the test's
app, whose session dependency is bound to the test's transaction (rolled back afterwards).
"""

from __future__ import annotations

from typing import Any

import schemathesis
from factories import Actor
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from service.config import Settings
from service.main import create_app

_schema_app = create_app(Settings(database_url="sqlite://"))
schema = schemathesis.openapi.from_dict(_schema_app.openapi())
schema.app = _schema_app  # selects the in-process ASGI transport; each call names its app

_SETTINGS = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)


# Admin-only operations are fuzzed as the admin, everything else as the facilitator (who may
# read and write every other resource); the matrix test covers who is refused what.
_ADMIN_PATHS = ("/users", "/audit")


@schema.parametrize()
@_SETTINGS
def test_api_conforms_to_its_schema(
    case: schemathesis.Case[Any],
    app: FastAPI,
    client: TestClient,
    facilitator: Actor,
    admin: Actor,
) -> None:
    caller = admin if case.operation.path.startswith(_ADMIN_PATHS) else facilitator
    case.call_and_validate(
        app=app,
        headers=caller.headers,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
