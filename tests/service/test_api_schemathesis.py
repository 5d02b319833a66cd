"""Property-based run over the OpenAPI schema: whatever is sent, no 5xx, and every answer
(status, content type, body) is one the schema documents.

Bounded (25 examples per operation) so it stays a unit-test-sized run. The schema is
read from an app built at import time (no database needed for that); the requests go to the
test's app through its TestClient, whose sessions are bound to the test's transaction (rolled
back afterwards).
"""

from __future__ import annotations

from typing import Any

import httpx
import schemathesis
from factories import Actor
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


def _content(value: Any) -> Any:
    # Negative cases may put a number where a file goes; httpx only uploads text, bytes, files.
    return value if isinstance(value, str | bytes) or hasattr(value, "read") else str(value)


def _file(value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_content(v) if i == 1 else v for i, v in enumerate(value))
    return _content(value)


def _send(client: TestClient, kwargs: dict[str, Any]) -> httpx.Response:
    """Send a case's request (``requests``-style arguments) through the test's client."""
    kwargs = dict(kwargs)
    method, url = kwargs.pop("method"), kwargs.pop("url")
    cookies = kwargs.pop("cookies", None) or {}
    headers = dict(kwargs.pop("headers", None) or {})
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    files = kwargs.pop("files", None)
    if isinstance(files, dict):
        kwargs["files"] = {k: _file(v) for k, v in files.items()}
    elif files is not None:
        kwargs["files"] = [(k, _file(v)) for k, v in files]
    data = kwargs.pop("data", None)
    if isinstance(data, str | bytes):
        kwargs["content"] = data
    elif data is not None:
        kwargs["data"] = data
    request = client.build_request(method, url, headers=headers, **kwargs)
    request.read()  # buffer multipart bodies: the checks read the request back afterwards
    response: httpx.Response = client.send(request)
    return response


@schema.parametrize()
@_SETTINGS
def test_api_conforms_to_its_schema(
    case: schemathesis.Case[Any],
    client: TestClient,
    facilitator: Actor,
    admin: Actor,
) -> None:
    # Requests go through the suite's TestClient (app started once per session, before any
    # test's transaction), not Schemathesis' own ASGI client: its pytest plugin stops the
    # lifespans it started after every test and would start the app again inside the next
    # test's transaction, where SQLite's BEGIN IMMEDIATE start-up waits for that test's lock.
    caller = admin if case.operation.path.startswith(_ADMIN_PATHS) else facilitator
    kwargs = case.as_transport_kwargs(base_url="http://testserver", headers=caller.headers)
    case.validate_response(
        _send(client, kwargs),
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
        ],
    )
