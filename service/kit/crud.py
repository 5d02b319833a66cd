"""Helpers the domains' service functions share: pagination, optimistic locking, not-found,
PATCH bodies."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from service.errors import Conflict, InvalidInput, NotFound

__all__ = ["Pagination"]


V = TypeVar("V")


@dataclass(frozen=True)
class Pagination:
    limit: int
    offset: int


def check_version(obj: Any, version: int, what: str) -> None:
    if obj.version != version:
        raise Conflict(
            f"conflit de version sur {what} : version actuelle {obj.version}, envoyée "
            f"{version} ; rechargez et recommencez"
        )


def found(obj: V | None, what: str, entity_id: int) -> V:
    if obj is None:
        raise NotFound(f"{what} {entity_id} introuvable")
    return obj


def patch_fields(data: Any, *, nullable: Iterable[str] = ()) -> dict[str, Any]:
    """The fields a PATCH body sets; ``null`` only where the field may be empty."""
    out: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"version"})
    allowed = set(nullable)
    empty = sorted(k for k, v in out.items() if v is None and k not in allowed)
    if empty:
        raise InvalidInput(f"{', '.join(empty)} : ne peut pas être vide (null)")
    return out


def check_dates_in_order(start: Any, end: Any, start_name: str, end_name: str) -> None:
    if start is not None and end is not None and end < start:
        raise InvalidInput(f"{end_name} ({end}) est avant {start_name} ({start})")


def ensure_exists(repo: Any, entity_id: int | None, field: str) -> None:
    if entity_id is not None and repo.get_by_id(entity_id) is None:
        raise InvalidInput(f"{field} : {entity_id} n'existe pas")
