"""HTML form fields made from the declared fields (:mod:`matching.fields`).

A form shows each field with its French label, its bounds (``min``/``max`` for the browser's own
check) and its choices; what the browser sends is read back into the API's schema, so the
server's answer is the field's own rule, the same sentence the API and the file imports give.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import ValidationError

from matching.fields import FieldSpec
from service.errors import AppError

__all__ = [
    "FormField",
    "errors_text",
    "form_fields",
    "read_form",
    "read_value",
    "refusal",
    "validation_messages",
]


@dataclass(frozen=True)
class FormField:
    """One input of a form, ready for the template."""

    name: str
    label: str
    input: str  # "number", "date", "select", "checkbox", "text"
    value: str
    checked: bool = False
    minimum: str = ""
    maximum: str = ""
    step: str = ""
    options: tuple[tuple[str, str], ...] = ()
    required: bool = False
    help: str = ""
    error: str = ""


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def _help(spec: FieldSpec, today: date | None) -> str:
    """What the field accepts, then the field's own note: "Accepté : entre 1 et 48 h."."""
    parts = []
    if spec.kind in ("float", "int") and (bounds := spec.range_text(today)):
        parts.append(f"Accepté : {bounds}.")
    if spec.help:
        parts.append(f"{spec.help[:1].upper()}{spec.help[1:]}.")
    return " ".join(parts)


def form_fields(
    specs: Sequence[FieldSpec],
    values: Mapping[str, Any],
    *,
    errors: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    notes: Mapping[str, str] | None = None,
    today: date | None = None,
) -> list[FormField]:
    """The form's inputs, filled with ``values`` (as stored, or as typed back on an error)."""
    errors = errors or {}
    out = []
    for spec in specs:
        value = values.get(spec.name)
        label = (labels or {}).get(spec.name, spec.label)
        label = label[:1].upper() + label[1:]
        unit = f" ({spec.unit})" if spec.unit else ""
        common: dict[str, Any] = {
            "name": spec.name,
            "label": label + unit,
            "help": " ".join(x for x in (_help(spec, today), (notes or {}).get(spec.name)) if x),
            "error": errors.get(spec.name, ""),
            "required": not spec.nullable and spec.default is None,
        }
        if spec.kind == "bool":
            out.append(FormField(input="checkbox", value="oui", checked=bool(value), **common))
        elif spec.choices is not None:
            options = tuple(spec.choices.items())
            out.append(FormField(input="select", value=str(value or ""), options=options, **common))
        elif spec.kind in ("float", "int"):
            lo, hi = spec.bounds(today)
            shown = value if isinstance(value, str) else _number(value)
            out.append(
                FormField(
                    input="number",
                    value=shown,
                    minimum="" if lo is None or spec.exclusive_minimum else _number(lo),
                    maximum="" if hi is None else _number(hi),
                    step="1" if spec.integer else "any",
                    **common,
                )
            )
        elif spec.kind == "date":
            shown = value.isoformat() if isinstance(value, date) else str(value or "")
            out.append(FormField(input="date", value=shown, **common))
        else:
            out.append(FormField(input="text", value=str(value or ""), **common))
    return out


def read_form(
    specs: Sequence[FieldSpec], form: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """What a submitted form says for each field, and the French errors of what cannot even be
    read (not a number, not a date, a required field left empty).

    An unticked box is ``False``; an empty field takes the field's declared default (``None``
    when it has none: allowed only for a field that may stay empty).
    """
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for spec in specs:
        value, error = read_value(spec, str(form.get(spec.name, "")))
        values[spec.name] = value
        if error is not None:
            errors[spec.name] = error
    return values, errors


def read_value(spec: FieldSpec, text: str) -> tuple[Any, str | None]:
    """One field of a submitted form: its value (see :func:`read_form`), and the French error
    when it cannot even be read."""
    raw = text.strip()
    label = spec.label[:1].upper() + spec.label[1:]
    if spec.kind == "bool":
        return raw in ("oui", "on", "true", "1"), None
    if not raw:
        if spec.default is None and not spec.nullable:
            return None, spec.problem(None) or f"{label} manquant(e)."
        return spec.default, None
    if spec.kind in ("float", "int"):
        try:
            number = float(raw.replace(",", ".").replace(" ", ""))
        except ValueError:
            return None, f"{label} : « {raw} » n'est pas un nombre."
        return (int(number) if spec.integer and number.is_integer() else number), None
    if spec.kind == "date":
        try:
            return date.fromisoformat(raw), None
        except ValueError:
            return None, f"{label} : « {raw} » n'est pas une date (JJ/MM/AAAA)."
    return raw, None


def errors_text(exc: ValidationError) -> str:
    """Every refusal of a schema in one line, in French."""
    return " ; ".join(str(e.get("msg", "")).removeprefix("Value error, ") for e in exc.errors())


def validation_messages(exc: ValidationError) -> dict[str, str]:
    """Field name → the French sentence of each refused field of a schema."""
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = err.get("loc", ())
        name = str(loc[0]) if loc else ""
        out.setdefault(name, str(err.get("msg", "valeur refusée")).removeprefix("Value error, "))
    return out


async def submitted_form(request: Request) -> dict[str, str]:
    """The fields of a submitted form, as text (files are not expected here)."""
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


FormData = Annotated[dict[str, str], Depends(submitted_form)]


def refusal(action: Callable[[], object], *, not_found_passes: bool = True) -> str | None:
    """Run a form's action: ``None`` when it went through, else the French reason it was
    refused (a refused schema, or the service's refusal). A 404 is not a form error: it goes
    on to the error page, unless ``not_found_passes`` is false."""
    try:
        action()
    except ValidationError as exc:
        return errors_text(exc)
    except AppError as exc:
        if exc.status_code == 404 and not_found_passes:
            raise
        return exc.detail
    return None
