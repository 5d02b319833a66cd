"""Facilitator's reports, hours calculator and supply check."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse

from service.web.auth import FacilitatorPage, csrf_protect
from service.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


@router.get("/facilitateur/rapports", response_class=HTMLResponse)
def reports_page(request: Request, web: FacilitatorPage) -> HTMLResponse:
    return render(request, "facilitator/reports.html", web, page_title="Rapports", nav="rapports")


@router.get("/facilitateur/outils", response_class=HTMLResponse)
def tools_page(request: Request, web: FacilitatorPage) -> HTMLResponse:
    return render(request, "facilitator/tools.html", web, page_title="Outils", nav="outils")
