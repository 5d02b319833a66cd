"""Application errors: one hierarchy, turned into one JSON shape by :func:`register_handlers`.

Every error answers ``{"error": <class name>, "detail": <message>}``.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    # The web framework and the database layer are imported by the handlers only, so that a
    # light command (the hours calculator) can raise these errors without loading them.
    from fastapi import FastAPI, Request
    from fastapi.responses import JSONResponse

__all__ = [
    "AppError",
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "Unauthorized",
    "error_body",
    "register_handlers",
]

logger = logging.getLogger(__name__)


class AppError(Exception):
    """Base of the errors the API reports to its clients."""

    status_code: int = 400

    def __init__(
        self,
        detail: str,
        *,
        headers: dict[str, str] | None = None,
        errors: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers
        # One entry per bad row of an import file (line, column, code, message): sent as
        # ``errors`` beside ``error`` and ``detail``.
        self.errors = list(errors) if errors is not None else None


class NotFound(AppError):
    status_code = 404


class Conflict(AppError):
    status_code = 409


class InvalidInput(AppError):
    status_code = 422


class PayloadTooLarge(AppError):
    status_code = 413


class Forbidden(AppError):
    status_code = 403


class Unauthorized(AppError):
    status_code = 401

    def __init__(self, detail: str) -> None:
        super().__init__(detail, headers={"WWW-Authenticate": "Bearer"})


_STATUS_NAMES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "Conflict",
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: "InvalidInput",
}


def error_body(error: str, detail: str) -> dict[str, str]:
    return {"error": error, "detail": detail}


def _json(
    status: int, error: str, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    from fastapi.responses import JSONResponse

    return JSONResponse(error_body(error, detail), status_code=status, headers=headers)


def _location(loc: Sequence[Any]) -> str:
    # ("body", "jobs", 0, "code_rome") -> "jobs[0].code_rome"; the "body"/"query" prefix is noise.
    parts = list(loc[1:]) if loc and loc[0] in {"body", "query", "path", "header"} else list(loc)
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or str(loc[0] if loc else "requête")


# Pydantic's messages are English: each error type a request can meet, said in French (``ctx``
# fills the braces). A declared field's own sentence (``value_error``) is already French.
_FRENCH: dict[str, str] = {
    "missing": "champ obligatoire manquant",
    "extra_forbidden": "champ inconnu",
    "string_type": "texte attendu",
    "string_too_short": "au moins {min_length} caractère(s)",
    "string_too_long": "au plus {max_length} caractères",
    "string_pattern_mismatch": "caractères ou forme non acceptés",
    "string_unicode": "texte Unicode attendu",
    "int_type": "nombre entier attendu",
    "int_parsing": "nombre entier attendu",
    "int_parsing_size": "nombre entier trop grand",
    "int_from_float": "nombre entier attendu (sans décimales)",
    "float_type": "nombre attendu",
    "float_parsing": "nombre attendu",
    "finite_number": "nombre fini attendu",
    "bool_type": "vrai ou faux attendu (true / false)",
    "bool_parsing": "vrai ou faux attendu (true / false)",
    "date_type": "date attendue (AAAA-MM-JJ)",
    "date_parsing": "date invalide (AAAA-MM-JJ attendu)",
    "date_from_datetime_parsing": "date invalide (AAAA-MM-JJ attendu)",
    "date_from_datetime_inexact": "date sans heure attendue (AAAA-MM-JJ)",
    "datetime_type": "date et heure attendues",
    "datetime_parsing": "date et heure invalides",
    "datetime_from_date_parsing": "date et heure invalides",
    "greater_than": "doit être supérieur à {gt}",
    "greater_than_equal": "doit être supérieur ou égal à {ge}",
    "less_than": "doit être inférieur à {lt}",
    "less_than_equal": "doit être inférieur ou égal à {le}",
    "multiple_of": "doit être un multiple de {multiple_of}",
    "list_type": "liste attendue",
    "tuple_type": "liste attendue",
    "set_type": "liste attendue",
    "too_short": "au moins {min_length} élément(s)",
    "too_long": "au plus {max_length} éléments",
    "dict_type": "objet JSON attendu",
    "model_type": "objet JSON attendu",
    "model_attributes_type": "objet JSON attendu",
    "literal_error": "valeur non acceptée (valeurs possibles : {expected})",
    "enum": "valeur non acceptée (valeurs possibles : {expected})",
    "json_invalid": "JSON invalide ({error})",
    "json_type": "JSON attendu",
    "union_tag_invalid": "type d'objet inconnu",
    "union_tag_not_found": "type d'objet manquant",
    "decimal_parsing": "nombre attendu",
    "decimal_type": "nombre attendu",
    "url_parsing": "adresse invalide",
    "uuid_parsing": "identifiant invalide",
}


def _french(err: Any) -> str:
    kind = str(err.get("type", ""))
    msg = str(err.get("msg", "invalide"))
    if kind == "value_error" or msg.startswith("Value error, "):
        return msg.removeprefix("Value error, ")
    template = _FRENCH.get(kind)
    if template is None:
        return f"valeur invalide ({kind or 'type inconnu'})"
    try:
        return template.format(**(err.get("ctx") or {}))
    except (KeyError, IndexError, ValueError):
        return template.split(" (")[0].split(" {")[0]


def format_validation_errors(errors: Sequence[Any]) -> str:
    """One readable French line per invalid field: ``weekly_hours: nombre attendu``."""
    lines = []
    for err in errors:
        lines.append(f"{_location(err.get('loc', ()))}: {_french(err)}")
    return "; ".join(lines) or "requête invalide"


async def _app_error(_: Request, exc: Exception) -> JSONResponse:
    from fastapi.responses import JSONResponse

    assert isinstance(exc, AppError)
    if exc.errors is not None:
        body: dict[str, Any] = {**error_body(type(exc).__name__, exc.detail), "errors": exc.errors}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)
    return _json(exc.status_code, type(exc).__name__, exc.detail, exc.headers)


async def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    from fastapi.exceptions import RequestValidationError

    assert isinstance(exc, RequestValidationError)
    return _json(422, "InvalidInput", format_validation_errors(exc.errors()))


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    from starlette.exceptions import HTTPException as StarletteHTTPException

    assert isinstance(exc, StarletteHTTPException)
    name = _STATUS_NAMES.get(exc.status_code, "HTTPError")
    headers = dict(exc.headers) if exc.headers else None
    detail = str(exc.detail)
    if exc.status_code == 400:
        detail = f"corps de requête illisible (JSON en UTF-8 attendu) : {detail}"
    return _json(exc.status_code, name, detail, headers)


async def _integrity_error(_: Request, exc: Exception) -> JSONResponse:
    # The message of the driver may quote values (personal data): log the class only.
    logger.info("integrity error: %s", type(getattr(exc, "orig", exc)).__name__)
    return _json(
        409, "Conflict", "conflit avec des données existantes (doublon ou référence utilisée)"
    )


async def _stale_error(_: Request, exc: Exception) -> JSONResponse:
    return _json(
        409, "Conflict", "l'enregistrement a été modifié entre-temps : rechargez-le et recommencez"
    )


def register_handlers(app: FastAPI) -> None:
    """Map every error the API may raise to the one JSON shape."""
    from fastapi.exceptions import RequestValidationError
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm.exc import StaleDataError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    app.add_exception_handler(AppError, _app_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _integrity_error)
    app.add_exception_handler(StaleDataError, _stale_error)
