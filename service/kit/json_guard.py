"""JSON checked before it is parsed: nesting depth and size.

Python's ``json`` parser recurses once per level of nesting: a 200 KB ``[[[…]]]`` raises
``RecursionError`` (a plain-text 500 from the API, a traceback from the command line) before any
rule of ours is asked. So every JSON the service reads from outside — an import file, the France
Travail feed, an API body (:class:`JsonBodyLimits`) — is first scanned for its depth, outside
strings, with a vectorised scan (a fraction of the parse's own time); only then is it parsed.

No JSON the service accepts is deeper than a few levels (a France Travail offer: list → offer →
``lieuTravail`` → value, 4); :data:`MAX_JSON_DEPTH` leaves room and stays far below the parser's
recursion limit.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.errors import error_body

__all__ = ["MAX_JSON_BODY_BYTES", "MAX_JSON_DEPTH", "JsonBodyLimits", "json_depth_problem"]


MAX_JSON_DEPTH: Final = 32


MAX_JSON_BODY_BYTES: Final = 1024 * 1024


_OPEN: Final = (ord("["), ord("{"))
_CLOSE: Final = (ord("]"), ord("}"))
_QUOTE: Final = ord('"')
_BACKSLASH: Final = ord("\\")


def _unescaped_quotes(data: bytes, raw: npt.NDArray[np.uint8]) -> npt.NDArray[np.intp]:
    """Positions of the quotes that open or close a string (not ``\\"``)."""
    quotes = np.flatnonzero(raw == _QUOTE)
    after_backslash = quotes[(quotes > 0) & (raw[np.maximum(quotes - 1, 0)] == _BACKSLASH)]
    if after_backslash.size == 0:
        return quotes
    escaped = []
    for q in after_backslash.tolist():  # few in real files: count the backslashes before each
        run = 0
        while q - run - 1 >= 0 and data[q - run - 1] == _BACKSLASH:
            run += 1
        if run % 2 == 1:
            escaped.append(q)
    return np.setdiff1d(quotes, np.asarray(escaped, dtype=np.intp), assume_unique=True)


def json_depth_problem(text: str | bytes, max_depth: int = MAX_JSON_DEPTH) -> str | None:
    """The French sentence refusing ``text`` when its arrays and objects nest deeper than
    ``max_depth``, else ``None``. Brackets inside strings do not count; malformed JSON is left
    to the parser's own error.

    Vectorised over the UTF-8 bytes (brackets, quotes and backslashes are single bytes there):
    a bracket counts when an even number of unescaped quotes precede it, and the depth is the
    running sum of +1 per opening and -1 per closing bracket.
    """
    data = text.encode("utf-8", errors="surrogatepass") if isinstance(text, str) else text
    raw = np.frombuffer(data, dtype=np.uint8)
    is_open = (raw == _OPEN[0]) | (raw == _OPEN[1])
    brackets = np.flatnonzero(is_open | (raw == _CLOSE[0]) | (raw == _CLOSE[1]))
    if brackets.size <= max_depth:
        return None
    quotes = _unescaped_quotes(data, raw)
    outside = np.searchsorted(quotes, brackets) % 2 == 0
    brackets = brackets[outside]
    steps = np.where(is_open[brackets], 1, -1).astype(np.int32)
    depth = np.cumsum(steps, dtype=np.int32)
    if depth.size == 0 or int(depth.max()) <= max_depth:
        return None
    where = int(brackets[int(np.argmax(depth > max_depth))])
    line = data.count(b"\n", 0, where) + 1
    return (
        f"JSON trop imbriqué : plus de {max_depth} niveaux de listes ou d'objets "
        f"(ligne {line}). Le format attendu n'en a que quelques-uns."
    )


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
    route sees it. Other bodies (file uploads) pass untouched; their own limits apply.

    A NUL byte in the address (``%00`` in the path or the query string) is refused the same
    way, for every request: no text column takes it (PostgreSQL answers a database error)."""

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
        if scope["type"] == "http" and (
            b"%00" in scope.get("query_string", b"").lower() or "\x00" in scope.get("path", "")
        ):
            await _answer(
                send, 422, "InvalidInput", "adresse refusée : elle contient un caractère nul (%00)"
            )
            return
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
        problem = json_depth_problem(body, self.max_depth)
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
