"""``Cache-Control: no-store`` on every answer that may hold personal data.

API answers and pages carry names, profiles and tokens: no browser, proxy or shared cache may
keep them (a shared workstation's back button, a proxy's disk). Only the files that hold no
data — the pages' static files and the API documentation's assets — may be cached. An answer
that sets its own ``Cache-Control`` keeps it.
"""

from __future__ import annotations

from typing import Final

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["CACHEABLE_PREFIXES", "NoStoreMiddleware"]


CACHEABLE_PREFIXES: Final = ("/static/", "/docs-assets/")


class NoStoreMiddleware:
    """A plain ASGI middleware (no request/response wrapping)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or str(scope.get("path", "")).startswith(CACHEABLE_PREFIXES):
            await self.app(scope, receive, send)
            return

        async def send_no_store(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                if "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_no_store)
