"""The referentials as a router dependency."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from service.referentials.service import Referentials

__all__ = ["RefsDep", "get_referentials"]


async def get_referentials(request: Request) -> Referentials:
    refs: Referentials = request.app.state.referentials
    return refs


RefsDep = Annotated[Referentials, Depends(get_referentials)]
