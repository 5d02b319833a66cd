"""What a stored text may hold, read from its column: one rule for every door.

A text column's limit is its SQLAlchemy type's ``length`` (``String(64)``), never written again
per field. A text is refused when it is longer, or when it holds a character a database or an
export cannot carry: NUL (PostgreSQL's text types refuse it), the other C0 control characters but
tab, line feed and carriage return, DEL, and lone UTF-16 surrogates (which a JSON ``"\\ud800"``
decodes to and UTF-8 cannot encode). Imports call :func:`text_problem` per field to name the row
and column; every other write (API, web forms, command line) meets the same rule when the
session flushes (:func:`check_texts_before_flush`, registered for every session), so that
PostgreSQL never answers with a database error instead of a French one.

Ids and titles that a spreadsheet would run as a formula (``=…``, ``+…``, ``-…``, ``@…``) are
refused at import by :func:`formula_problem`: an id is a key that must stay what the other
software wrote, so it is not silently rewritten, and a title is shown as typed; exports escape
any text anyway (:mod:`service.kit.cells`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapper, QueryableAttribute, Session

from service.errors import InvalidInput

__all__ = [
    "FORBIDDEN_CHARACTERS",
    "check_texts_before_flush",
    "column_length",
    "column_text_problem",
    "fit_text",
    "formula_problem",
    "text_problem",
]


FORBIDDEN_CHARACTERS: Final = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


_FORMULA_STARTS: Final = ("=", "+", "-", "@")


def column_length(attribute: QueryableAttribute[Any] | sa.ColumnElement[Any]) -> int | None:
    """The longest text ``attribute``'s column holds (``None``: no limit, or not a text)."""
    column = (
        attribute.property.columns[0] if isinstance(attribute, QueryableAttribute) else attribute
    )
    length = getattr(column.type, "length", None)
    return length if isinstance(length, int) else None


def _character(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def text_problem(value: str, limit: int | None, *, label: str = "Texte") -> tuple[str, str] | None:
    """``(code, French sentence)`` refusing ``value`` for a column of ``limit`` characters, or
    ``None`` when it fits; codes ``forbidden_character`` and ``text_too_long``."""
    bad = FORBIDDEN_CHARACTERS.search(value)
    if bad is not None:
        return (
            "forbidden_character",
            f"{label} : caractère de contrôle interdit ({_character(bad.group())}, position "
            f"{bad.start() + 1}) ; retirez-le.",
        )
    if limit is not None and len(value) > limit:
        return "text_too_long", f"{label} : {len(value)} caractères, au plus {limit}."
    return None


def column_text_problem(
    attribute: QueryableAttribute[Any], value: str, *, label: str = "Texte"
) -> tuple[str, str] | None:
    """:func:`text_problem` with the limit of ``attribute``'s column."""
    return text_problem(value, column_length(attribute), label=label)


def formula_problem(value: str, *, label: str = "Valeur") -> str | None:
    """The French sentence refusing an id or a title a spreadsheet would run, or ``None``."""
    head = value.lstrip(" \u00a0")
    if head.startswith(_FORMULA_STARTS):
        return (
            f"{label} « {fit_text(value, 40)} » : ne peut pas commencer par « {head[0]} » "
            "(un tableur le lirait comme une formule) ; retirez ce caractère."
        )
    return None


def fit_text(value: str, limit: int | None) -> str:
    """A display copy of ``value`` that any column of ``limit`` characters holds: forbidden
    characters dropped, cut with ``…`` (for what is kept only to be shown, such as the title of
    a refused offer)."""
    text = FORBIDDEN_CHARACTERS.sub("", value)
    if limit is not None and len(text) > limit:
        return text[: max(limit - 1, 0)] + "…"
    return text


# --------------------------------------------------------------------------- every flush

_TEXT_COLUMNS: dict[Mapper[Any], tuple[tuple[str, int | None], ...]] = {}


def _text_columns(mapper: Mapper[Any]) -> tuple[tuple[str, int | None], ...]:
    hit = _TEXT_COLUMNS.get(mapper)
    if hit is None:
        hit = tuple(
            (prop.key, column_length(prop.columns[0]))
            for prop in mapper.column_attrs
            if isinstance(prop.columns[0].type, sa.String)
        )
        _TEXT_COLUMNS[mapper] = hit
    return hit


def _problems(objects: Iterable[Any], *, changed_only: bool) -> list[str]:
    out: list[str] = []
    for obj in objects:
        state = inspect(obj)
        for key, limit in _text_columns(state.mapper):
            if changed_only:
                values: Iterable[Any] = state.attrs[key].history.added or ()
            else:
                values = (state.dict.get(key),)
            for value in values:
                if isinstance(value, str):
                    problem = text_problem(value, limit, label=key)
                    if problem is not None:
                        out.append(problem[1])
    return out


def check_texts_before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """Refuse (:class:`InvalidInput`, French) a flush that would write a text its column cannot
    hold; nothing is written."""
    problems = _problems(session.new, changed_only=False)
    problems += _problems(session.dirty, changed_only=True)
    if problems:
        raise InvalidInput(" ".join(dict.fromkeys(problems)))


event.listen(Session, "before_flush", check_texts_before_flush)
