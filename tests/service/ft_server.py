"""A local France Travail for the feed tests: the OAuth2 token endpoint and the "Offres d'emploi
v2" search, over offers in the API's own structure, on 127.0.0.1 (never the internet).

It behaves as the API does: ``range=first-last`` (at most 150 offers a call, ``first`` ≤ 3000,
``last`` ≤ 3149, else 400 with a message), 206 with ``Content-Range: offres first-last/total``
while more remain, 200 when everything fits, 204 when nothing matches, 401 for an unknown or
expired token, ``minCreationDate`` and ``maxCreationDate`` together. Faults are scripted per
search request (``faults``): ``"429:N"`` (``Retry-After: N``), ``"500"``, ``"expire"`` (every
token issued so far stops working), ``"malformed"`` (a truncated JSON body), ``"no-range"`` (a
206 without ``Content-Range``), ``"hang"`` (waits until ``release`` is set).
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from matching.text import fold

CLIENT_ID = "PAR_clausematch_0123456789abcdef"
CLIENT_SECRET = "s3cr3t-0f-th3-d3partement-9f8e7d6c5b4a"


def _when(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class FakeFranceTravail:
    def __init__(self, offers: list[dict[str, Any]], *, token_ttl_s: int = 1499) -> None:
        self.offers = offers
        self.token_ttl_s = token_ttl_s
        self.faults: list[str | None] = []
        self.token_faults: list[str | None] = []
        self.tokens: set[str] = set()
        self.issued: list[str] = []
        self.searches: list[dict[str, str]] = []
        self.token_requests = 0
        self.release = threading.Event()
        self.hanging = threading.Event()
        self.lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/connexion/oauth2/access_token?realm=%2Fpartenaire"

    @property
    def api_url(self) -> str:
        return f"{self.base_url}/partenaire/offresdemploi/v2"

    def start(self) -> FakeFranceTravail:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()

    # ------------------------------------------------------------------ the API's behaviour

    def _token(self, form: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.token_requests += 1
            fault = self.token_faults.pop(0) if self.token_faults else None
        if fault == "500":
            return 500, {}, b"{}"
        ok = (
            form.get("grant_type") == ["client_credentials"]
            and form.get("client_id") == [CLIENT_ID]
            and form.get("client_secret") == [CLIENT_SECRET]
        )
        if not ok:
            body = {"error": "invalid_client", "error_description": "Client authentication failed"}
            return 401, {}, json.dumps(body).encode()
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens.add(token)
            self.issued.append(token)
        body = {
            "scope": "api_offresdemploiv2 o2dsoffre",
            "expires_in": self.token_ttl_s,
            "token_type": "Bearer",
            "access_token": token,
        }
        return 200, {}, json.dumps(body).encode()

    def _matching(self, params: dict[str, str]) -> list[dict[str, Any]]:
        out = []
        low = _when(params["minCreationDate"]) if "minCreationDate" in params else None
        high = _when(params["maxCreationDate"]) if "maxCreationDate" in params else None
        romes = set(params["codeROME"].split(",")) if "codeROME" in params else None
        for offer in self.offers:
            place = offer.get("lieuTravail") or {}
            dep = str(place.get("commune") or place.get("libelle") or "")[:2]
            if "departement" in params and dep not in params["departement"].split(","):
                continue
            if romes is not None and offer.get("romeCode") not in romes:
                continue
            if "motsCles" in params and fold(params["motsCles"]) not in fold(
                str(offer.get("intitule", "")) + " " + str(offer.get("description", ""))
            ):
                continue
            created = _when(str(offer["dateCreation"]))
            if (low is not None and created < low) or (high is not None and created > high):
                continue
            out.append(offer)
        out.sort(key=lambda o: (o["dateCreation"], o["id"]), reverse=True)
        return out

    def _search(self, params: dict[str, str], auth: str) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.searches.append(params)
            fault = self.faults.pop(0) if self.faults else None
        if fault == "hang":
            self.hanging.set()
            self.release.wait(timeout=120)
        if fault is not None and fault.startswith("429"):
            return 429, {"Retry-After": fault.split(":")[1]}, b'{"message": "Too Many Requests"}'
        if fault == "500":
            return 500, {}, b'{"message": "Erreur interne"}'
        if fault == "expire":
            with self.lock:
                self.tokens.clear()
        token = auth.removeprefix("Bearer ").strip()
        with self.lock:
            known = token in self.tokens
        if not known:
            return 401, {}, b'{"message": "Jeton invalide ou expire"}'
        if ("minCreationDate" in params) != ("maxCreationDate" in params):
            message = "Les paramètres minCreationDate et maxCreationDate vont ensemble"
            return 400, {}, json.dumps({"message": message}).encode()
        first, last = (int(x) for x in params.get("range", "0-149").split("-"))
        if first > 3000 or last > 3149 or last < first or last - first >= 150:
            message = (
                "La position de début doit être inférieure ou égale à 3000 et la position de "
                "fin à 3149 (150 offres au plus)"
            )
            return 400, {}, json.dumps({"message": message}).encode()
        found = self._matching(params)
        if not found:
            return 204, {}, b""
        page = found[first : last + 1]
        if fault == "malformed":
            return 206, {}, json.dumps({"resultats": page})[:-40].encode()
        status = 200 if first == 0 and last + 1 >= len(found) else 206
        headers = {
            "Content-Range": f"offres {first}-{first + len(page) - 1}/{len(found)}",
            "Accept-Range": "offres 150",
        }
        if fault == "no-range":
            headers, status = {}, 206
        body = {"resultats": page, "filtresPossibles": []}
        return status, headers, json.dumps(body, ensure_ascii=False).encode()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode())
                if urlparse(self.path).path.endswith("/access_token"):
                    self._answer(*fake._token(form))
                else:
                    self._answer(404, {}, b"{}")

            def do_GET(self) -> None:
                url = urlparse(self.path)
                params = {k: v[0] for k, v in parse_qs(url.query).items()}
                if url.path.endswith("/offres/search"):
                    self._answer(*fake._search(params, self.headers.get("Authorization", "")))
                else:
                    self._answer(404, {}, b"{}")

        return Handler


@contextmanager
def fake_france_travail(
    offers: list[dict[str, Any]], **options: Any
) -> Iterator[FakeFranceTravail]:
    server = FakeFranceTravail(offers, **options).start()
    try:
        yield server
    finally:
        server.stop()
