"""Dependencies shared by the routers: settings, pagination, path ids, error responses."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Query, Request

from service.config import Settings
from service.errors import InvalidInput
from service.kit.crud import Pagination

__all__ = ["EntityId", "IdFilter", "PageDep", "SettingsDep"]


async def get_app_settings(request: Request) -> Settings:
    """The settings the app was created with (tests override this dependency to change them).

    Read from the app rather than overriding ``get_settings``: any entry in
    ``app.dependency_overrides`` makes FastAPI re-analyse every dependency on every request.
    """
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_app_settings)]


MAX_ID = 2_147_483_647


EntityId = Annotated[int, Path(ge=1, le=MAX_ID)]
IdFilter = Annotated[int | None, Query(ge=1, le=MAX_ID)]
"""An optional id in the query string (``?offer_id=``)."""


def get_pagination(
    settings: SettingsDep,
    limit: Annotated[int | None, Query(ge=1, description="taille de page")] = None,
    offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
) -> Pagination:
    """``?limit=&offset=``; a limit above the configured maximum is refused."""
    if limit is None:
        limit = settings.page_size_default
    if limit > settings.page_size_max:
        raise InvalidInput(f"limit : au plus {settings.page_size_max} éléments par page")
    return Pagination(limit=min(limit, settings.page_size_max), offset=offset)


PageDep = Annotated[Pagination, Depends(get_pagination)]


def error_responses(*codes: int) -> dict[int | str, dict[str, object]]:
    """OpenAPI entries for the error codes a router may answer (all in the one shape)."""
    from service.kit.schemas import ErrorRead

    return {code: {"model": ErrorRead} for code in codes}


STANDARD_ERRORS = error_responses(400, 401, 403, 404, 409, 422)
