"""A client of France Travail's "Offres d'emploi v2" API: token, search, paging, retries.

* **Token**: OAuth2 client credentials (client id and secret from the settings), kept until a
  minute before it expires; a search answered 401 (token expired or revoked) gets a new token
  once and is asked again.
* **Paging**: the API answers at most ``page_size`` (150) offers per call, selected with the
  ``range=first-last`` parameter; it answers **206** with ``Content-Range: offres 0-149/1234``
  while more remain (200 when everything fits, 204 when nothing matches). It gives at most
  3,150 results for one query: a query over more is split in two by creation date, again
  until each part fits.
* **Retries**: 429 waits for its ``Retry-After`` (capped); 5xx, timeouts, network errors and a
  malformed page wait ``retry_base_s``, doubled each time; after ``max_retries`` the run fails.
  Nothing waits beyond the run's deadline.

Errors are :class:`FeedError` with a French message that never holds the secret nor the token
(neither is logged: the secret goes in a form body, the token in a header, and only the status
and the route are ever written).
"""

from __future__ import annotations

import email.utils
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from pydantic import SecretStr

__all__ = ["ApiConfig", "FeedError", "FeedStats", "FranceTravailClient", "api_date"]

log = logging.getLogger("clausematch.feed")

_CONTENT_RANGE = re.compile(r"^\s*\w*\s*(\d+)-(\d+)/(\d+)\s*$")


class FeedError(Exception):
    """The feed could not be read; ``detail`` says why, in French (no secret in it)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


@dataclass(frozen=True)
class ApiConfig:
    api_url: str
    token_url: str
    client_id: str
    client_secret: SecretStr
    scope: str
    timeout_s: float = 30.0
    page_size: int = 150
    max_results: int = 3150
    max_retries: int = 5
    retry_base_s: float = 2.0
    max_retry_after_s: float = 120.0


@dataclass
class FeedStats:
    """What a run asked of the API."""

    requests: int = 0
    pages: int = 0
    retries: int = 0
    tokens: int = 0
    splits: int = 0
    truncated: int = 0
    waited_s: float = 0.0
    waits: list[float] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "pages": self.pages,
            "retries": self.retries,
            "tokens": self.tokens,
            "splits": self.splits,
            "truncated": self.truncated,
        }


def api_date(moment: datetime) -> str:
    """The API's date format (``2026-11-25T08:00:00Z``)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Retry(Exception):
    """A transient failure: ask again after ``wait_s`` (``None``: the back-off)."""

    def __init__(self, reason: str, wait_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.wait_s = wait_s


def _retry_after(value: str | None) -> float | None:
    """``Retry-After`` in seconds (a number of seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _api_message(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return ""
    message = body.get("message") if isinstance(body, dict) else None
    return str(message)[:200] if message else ""


class FranceTravailClient:
    """One client per process: it keeps its token between runs (``clock`` and ``sleep`` are
    given by tests)."""

    def __init__(
        self,
        config: ApiConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.config = config
        self._sleep = sleep
        self.clock = clock
        self._http = httpx.Client(timeout=config.timeout_s, transport=transport)
        self._token: str | None = None
        self._token_expires_at = 0.0
        self.stats = FeedStats()
        self._deadline = float("inf")

    def close(self) -> None:
        self._http.close()

    # ------------------------------------------------------------------ waiting and retrying

    def _wait(self, seconds: float, why: str) -> None:
        if self.clock() + seconds > self._deadline:
            raise FeedError(
                f"durée maximale d'une exécution dépassée (en attendant : {why}) ; la prochaine "
                "exécution reprendra la même période"
            )
        self.stats.waits.append(seconds)
        self.stats.waited_s += seconds
        self._sleep(seconds)

    def _with_retries(self, what: str, call: Callable[[], Any]) -> Any:
        attempt = 0
        while True:
            if self.clock() > self._deadline:
                raise FeedError(
                    "durée maximale d'une exécution dépassée ; la prochaine exécution reprendra "
                    "la même période"
                )
            try:
                return call()
            except _Retry as retry:
                attempt += 1
                if attempt > self.config.max_retries:
                    raise FeedError(
                        f"France Travail ne répond pas correctement ({what} : {retry.reason}) "
                        f"après {self.config.max_retries} nouvelles tentatives"
                    ) from None
                self.stats.retries += 1
                wait = retry.wait_s
                if wait is None:
                    wait = self.config.retry_base_s * 2 ** (attempt - 1)
                wait = min(wait, self.config.max_retry_after_s)
                log.warning(
                    "France Travail: %s, %s; retry %d in %.1fs", what, retry.reason, attempt, wait
                )
                self._wait(wait, retry.reason)

    def _send(self, request: Callable[[], httpx.Response]) -> httpx.Response:
        self.stats.requests += 1
        try:
            response = request()
        except httpx.TimeoutException:
            raise _Retry("délai dépassé") from None
        except httpx.TransportError as exc:
            raise _Retry(f"erreur réseau ({type(exc).__name__})") from None
        log.info(
            "France Travail: %s %s -> %d",
            response.request.method,
            response.request.url.path,
            response.status_code,
        )
        if response.status_code == 429:
            raise _Retry(
                "trop de requêtes (429)", _retry_after(response.headers.get("Retry-After"))
            )
        if response.status_code >= 500:
            raise _Retry(f"erreur {response.status_code} du serveur")
        return response

    # ------------------------------------------------------------------ token

    def _fetch_token(self) -> str:
        cfg = self.config

        def call() -> str:
            response = self._send(
                lambda: self._http.post(
                    cfg.token_url,
                    data={
                        "grant_type": "client_credentials",
                        "client_id": cfg.client_id,
                        "client_secret": cfg.client_secret.get_secret_value(),
                        "scope": cfg.scope,
                    },
                )
            )
            if response.status_code in (400, 401, 403):
                raise FeedError(
                    "identifiants France Travail refusés : vérifiez CLAUSEMATCH_FT_CLIENT_ID et "
                    f"CLAUSEMATCH_FT_CLIENT_SECRET (réponse {response.status_code})"
                )
            if response.status_code != 200:
                raise FeedError(f"jeton France Travail : réponse inattendue {response.status_code}")
            try:
                body = response.json()
                token = str(body["access_token"])
                expires_in = float(body.get("expires_in", 0))
            except (ValueError, KeyError, TypeError):
                raise _Retry("réponse du jeton mal formée") from None
            self.stats.tokens += 1
            # Renewed a minute before the API would refuse it.
            self._token_expires_at = self.clock() + max(0.0, expires_in - 60.0)
            return token

        token: str = self._with_retries("jeton", call)
        self._token = token
        return token

    def _bearer(self) -> str:
        if self._token is None or self.clock() >= self._token_expires_at:
            self._token = None
            return self._fetch_token()
        return self._token

    # ------------------------------------------------------------------ search

    def _page(self, params: dict[str, str], first: int, last: int) -> tuple[list[Any], int]:
        """One page: its offers and the total the API announces."""
        renewed = False

        def call() -> tuple[list[Any], int]:
            nonlocal renewed
            token = self._bearer()
            response = self._send(
                lambda: self._http.get(
                    f"{self.config.api_url}/offres/search",
                    params={**params, "range": f"{first}-{last}"},
                    headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                )
            )
            if response.status_code == 401:
                if renewed:
                    raise FeedError("jeton France Travail refusé deux fois de suite (401)")
                renewed = True
                self._token = None  # expired or revoked: a new one, and ask again
                raise _Retry("jeton expiré (401)", 0.0)
            if response.status_code == 204:
                return [], 0
            if response.status_code == 400:
                message = _api_message(response)
                raise FeedError(
                    "requête refusée par France Travail (400)"
                    + (f" : {message}" if message else "")
                )
            if response.status_code not in (200, 206):
                raise FeedError(f"réponse inattendue de France Travail ({response.status_code})")
            try:
                body = response.json()
            except ValueError:
                raise _Retry("page mal formée (JSON illisible)") from None
            offers = body.get("resultats") if isinstance(body, dict) else None
            if not isinstance(offers, list) or not all(isinstance(o, dict) for o in offers):
                raise _Retry("page mal formée (pas de liste « resultats »)")
            header = response.headers.get("Content-Range", "")
            m = _CONTENT_RANGE.match(header)
            if m is not None:
                total = int(m.group(3))
            elif response.status_code == 206:
                raise _Retry("page mal formée (Content-Range absent ou illisible)")
            else:
                total = first + len(offers)
            self.stats.pages += 1
            return offers, total

        result: tuple[list[Any], int] = self._with_retries(f"offres {first}-{last}", call)
        return result

    def _window(self, params: dict[str, str], start: datetime, end: datetime) -> list[Any]:
        cfg = self.config
        query = {**params, "minCreationDate": api_date(start), "maxCreationDate": api_date(end)}
        last = min(cfg.page_size, cfg.max_results) - 1
        offers, total = self._page(query, 0, last)
        if total > cfg.max_results:
            if end - start > timedelta(minutes=2):
                self.stats.splits += 1
                middle = start + (end - start) / 2
                middle = middle.replace(microsecond=0)
                return self._window(params, start, middle) + self._window(params, middle, end)
            # More offers created within two minutes than the API gives: keep what it gives.
            self.stats.truncated += total - cfg.max_results
            log.warning(
                "France Travail: %d offers beyond the API's limit left out", total - cfg.max_results
            )
            total = cfg.max_results
        first = len(offers)
        while first < total and offers:
            last = min(first + cfg.page_size, total) - 1
            page, announced = self._page(query, first, last)
            if not page:
                break
            offers.extend(page)
            total = min(max(total, announced), cfg.max_results) if announced else total
            first += len(page)
        return offers

    def search(
        self, params: dict[str, str], start: datetime, end: datetime, *, deadline: float
    ) -> list[Any]:
        """Every offer matching ``params`` created between ``start`` and ``end``.

        ``deadline`` is a value of the client's clock after which nothing more is asked.
        """
        self._deadline = deadline
        return self._window(params, start, end)
