"""The most asked-for answer, a shortlist already ranked for the current engine state, served
without the framework's routing and dependency solving.

At scale most requests are ``GET /offers/{id}/shortlist`` whose ranking is remembered, and
whose answer is a few microseconds' walk over twenty rows; what remained was the framework
around it (about 40 % of a worker's CPU: routing, solving the session, token and role
dependencies, the request object). :class:`ShortlistFastRoute` answers those requests itself,
on the event loop, and only when every condition of the plain path is met *without any
question*:

- a ``GET`` of exactly ``/offers/<id>/shortlist``, with at most ``k`` and ``scope`` in the query
  string, each once, written as the route's validation accepts them (no leading zero);
- a ``Bearer`` token that the token cache already knows, of an active account whose token has
  not expired (:func:`service.accounts.auth.token_refusal`), with a role that the route admits
  (:data:`service.accounts.auth.CASELOAD_ROLES`);
- a list remembered for the current engine state
  (:func:`service.scoring.shortlists.shortlist_payload` with ``memory_only``).

Anything else (no or unknown token, a refused role, a bad parameter, an unknown offer, a list to
rank, an error) is handed to the application untouched, having done nothing: the route in
:mod:`service.scoring.endpoints` then answers, with its errors in French. The answer itself is
built by the same function as the route's, its audit entry and shown pairs are queued and
written by the same group commit before the answer leaves, and the middlewares outside this
one (``Cache-Control: no-store``, the access log, the body limits) see it like any other.
``tests/service/test_fast_route.py`` checks that both paths give the same bytes and the same
writes, and that every refusal comes from the plain route.
"""

from __future__ import annotations

from typing import Any, Final, cast, get_args
from urllib.parse import parse_qsl

import anyio
import orjson
from starlette._utils import get_route_path
from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from service.accounts.auth import CASELOAD_ROLES, TokenCache, hash_token, token_refusal
from service.db import group_writer, take_queued
from service.errors import AppError
from service.kit.deps import MAX_ID
from service.scoring import endpoints, shortlists
from service.scoring.schemas import Scope as ShortlistScope

__all__ = ["ShortlistFastRoute"]

# The route this one stands in front of: its address, and what the access log names.
_ROUTE: Final = next(
    r
    for r in endpoints.shortlists_router.routes
    if getattr(r, "endpoint", None) is endpoints.get_offer_shortlist
)
_PREFIX, _SUFFIX = _ROUTE.path.split("{offer_id}")  # type: ignore[attr-defined]
_SCOPES: Final = frozenset(get_args(ShortlistScope))
_HEADERS: Final = [(b"content-type", b"application/json")]


def _positive(text: str, highest: int) -> int | None:
    """``text`` as an integer in 1..``highest`` when written plainly (ASCII digits, no sign, no
    leading zero), else ``None``."""
    if not (text.isascii() and text.isdigit()) or text[0] == "0" or len(text) > 10:
        return None
    value = int(text)
    return value if value <= highest else None


def _query(raw: bytes) -> tuple[int, ShortlistScope] | None:
    """(k, scope) from a query string of at most ``k`` and ``scope``, each once and plainly
    valid; else ``None``."""
    k, scope = endpoints.DEFAULT_K, endpoints.DEFAULT_SCOPE
    if not raw:
        return k, scope
    try:
        pairs = parse_qsl(raw.decode("ascii"), keep_blank_values=True, strict_parsing=True)
    except (UnicodeDecodeError, ValueError):
        return None
    seen: set[str] = set()
    for name, value in pairs:
        if name in seen:
            return None
        seen.add(name)
        if name == "k":
            parsed = _positive(value, shortlists.MAX_K)
            if parsed is None:
                return None
            k = parsed
        elif name == "scope" and value in _SCOPES:
            scope = cast(ShortlistScope, value)
        else:
            return None
    return k, scope


def _bearer(scope: Scope) -> str | None:
    """The token of the first ``Authorization: Bearer`` header, as the route's security
    scheme reads it."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            kind, _, token = value.decode("latin-1").partition(" ")
            token = token.strip()
            return token if kind.lower() == "bearer" and token else None
    return None


class ShortlistFastRoute:
    """ASGI middleware: remembered shortlists answered here, everything else passed on (see the
    module's documentation). Innermost of the application's middlewares."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.n_answered = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] != "GET"
            or not await self._answer(scope, receive, send)
        ):
            await self.app(scope, receive, send)

    async def _answer(self, scope: Scope, receive: Receive, send: Send) -> bool:
        """Answer the request if it is a remembered shortlist (``True``), else do nothing."""
        path = get_route_path(scope)
        if not (path.startswith(_PREFIX) and path.endswith(_SUFFIX)):
            return False
        offer_id = _positive(path[len(_PREFIX) : -len(_SUFFIX)], MAX_ID)
        query = _query(scope.get("query_string", b""))
        token = _bearer(scope)
        if offer_id is None or query is None or token is None:
            return False
        state = scope["app"].state
        cache: TokenCache | None = getattr(state, "token_cache", None)
        if cache is None or getattr(state, "scoring", None) is None:
            return False  # not started
        user = cache.peek(hash_token(token))
        if user is None or user.role not in CASELOAD_ROLES or token_refusal(user) is not None:
            return False
        k, scope_name = query
        session = state.read_sessionmaker()
        try:
            answer = endpoints.shortlist_answer(
                state,
                session,
                user,
                offer_id,
                k=k,
                scope=scope_name,
            )
            payload = answer(memory_only=True)
        except (shortlists.NotInMemory, AppError):
            session.close()  # nothing was read nor written: the route answers
            return False
        queued = take_queued(session)
        session.close()  # held no connection: no I/O
        # Who asked, and the route, for the access log outside (as the route would set them).
        scope.setdefault("state", {})["user_id"] = user.id
        scope["route"] = _ROUTE
        body = orjson.dumps(payload)
        with anyio.CancelScope(shield=True):
            # The audit entry and the shown pairs, committed before the answer leaves.
            try:
                await group_writer(state.sessionmaker).write(queued)
            except Exception as exc:
                # Answered as the route's would be (a person deleted meanwhile: a 409).
                handler = _handler(scope["app"].exception_handlers, exc)
                if handler is None:
                    raise
                response = await handler(Request(scope, receive), exc)
                await response(scope, receive, send)
                return True
        self.n_answered += 1
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [*_HEADERS, (b"content-length", str(len(body)).encode("ascii"))],
            }
        )
        await send({"type": "http.response.body", "body": body})
        return True


def _handler(handlers: dict[Any, Any], exc: Exception) -> Any:
    """The application's handler of ``exc`` (the nearest of its classes), as its exception
    middleware looks it up."""
    return next((handlers[c] for c in type(exc).__mro__ if c in handlers), None)
