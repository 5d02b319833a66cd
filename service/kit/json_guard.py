"""JSON checked before it is parsed: nesting depth and size.

Python's ``json`` parser recurses once per level of nesting: a 200 KB ``[[[…]]]`` raises
``RecursionError`` (a plain-text 500 from the API, a traceback from the command line) before any
rule of ours is asked. So every JSON the service reads from outside — an import file, the France
Travail feed, an API body (:class:`JsonBodyLimits`) — is first scanned for its depth, outside
strings, with a scan that stops as soon as the limit is passed; only then is it parsed.

No JSON the service accepts is deeper than a few levels (a France Travail offer: list → offer →
``lieuTravail`` → value, 4); :data:`MAX_JSON_DEPTH` leaves room and stays far below the parser's
recursion limit.
"""

from __future__ import annotations

import re
from typing import Final

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import error_body

__all__ = ["MAX_JSON_BODY_BYTES", "MAX_JSON_DEPTH", "JsonBodyLimits", "json_depth_problem"]


MAX_JSON_DEPTH: Final = 32


MAX_JSON_BODY_BYTES: Final = 1024 * 1024


# A JSON string (escapes included), or one bracket: what the depth scan looks at.
_TOKENS: Final = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?|[\[\]{}]', re.DOTALL)


def json_depth_problem(text: str, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """The French sentence refusing ``text`` when its arrays and objects nest deeper than
    ``max_depth``, else ``None``. Brackets inside strings do not count; malformed JSON is left
    to the parser's own error."""
    depth = 0
    for match in _TOKENS.finditer(text):
        token = match.group()
        if token in "[{":
            depth += 1
            if depth > max_depth:
                line = text.count("\n", 0, match.start()) + 1
                return (
                    f"JSON trop imbriqué : plus de {max_depth} niveaux de listes ou d'objets "
                    f"(ligne {line}). Le format attendu n'en a que quelques-uns."
                )
        elif token in "]}":
            depth = max(depth - 1, 0)
    return None


_JSON_TYPES: Final = ("application/json", "+json")


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", ()):
        if name == b"content-type":
            kind = value.decode("latin-1").split(";")[0].strip().lower()
            return bool(kind.endswith(_JSON_TYPES))
    return False


class JsonBodyLimits:
    """ASGI middleware: a JSON request body larger than ``max_bytes`` (413) or nested deeper than
    ``max_depth`` (422) is answered in French in the API's error shape, before any parser or
    route sees it. Other bodies (file uploads) pass untouched; their own limits apply."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int = MAX_JSON_BODY_BYTES,
        max_depth: int = MAX_JSON_DEPTH,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_depth = max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _is_json(scope):
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await _answer(
                    send,
                    413,
                    "PayloadTooLarge",
                    f"corps de requête trop volumineux : plus de {self.max_bytes // 1024} Ko",
                )
                return
            chunks.append(chunk)
            more = bool(message.get("more_body", False))
        body = b"".join(chunks)
        problem = json_depth_problem(body.decode("utf-8", errors="replace"), self.max_depth)
        if problem is not None:
            await _answer(send, 422, "InvalidInput", problem)
            return
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _answer(send: Send, status: int, error: str, detail: str) -> None:
    payload = orjson.dumps(error_body(error, detail))
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(payload)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": payload})
