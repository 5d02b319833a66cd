"""The clause article of a lot (facilitator): the calculator's figures, then the .docx."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from service.clauses.service import DOCX_MEDIA_TYPE, ClauseInput, clause_article, render_docx
from service.db import SessionDep
from service.errors import AppError, InvalidInput, NotFound
from service.procurement.service import get_contract, get_lot
from service.scoring import tools
from service.web.auth import FacilitatorPage, csrf_protect
from service.web.common import MAX_ID
from service.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])


def _number(text: str, what: str) -> float:
    try:
        return float(text.replace("\u202f", "").replace(" ", "").replace(",", ".").rstrip("%€"))
    except ValueError:
        raise ValueError(f"{what} : « {text} » n'est pas un nombre") from None


def _inputs(request: Request) -> tuple[ClauseInput | None, str | None, dict[str, str]]:
    q = request.query_params
    form = {k: q.get(k, "")[:40] for k in ("montant", "part", "metier", "taux", "cout", "article")}
    if not form["montant"]:
        return None, None, form
    settings = request.app.state.settings
    try:
        share = _number(form["part"], "part de main-d'œuvre") / 100 if form["part"] else None
        data = ClauseInput(
            amount_eur=_number(form["montant"], "montant HT"),
            insertion_rate=_number(form["taux"] or "5", "taux d'insertion") / 100,
            hourly_cost_eur=(
                _number(form["cout"], "coût horaire")
                if form["cout"]
                else settings.insertion_hourly_cost_eur
            ),
            labour_share=share,
            trade=None if share is not None else (form["metier"] or None),
            article_number=form["article"] or "10",
        )
    except ValueError as exc:
        return None, str(exc), form
    return data, None, form


@router.get("/facilitateur/lots/{lot_id}/clause", response_class=HTMLResponse)
def clause_page(
    request: Request, session: SessionDep, web: FacilitatorPage, lot_id: int
) -> HTMLResponse:
    if not 1 <= lot_id <= MAX_ID:
        raise NotFound(f"lot {lot_id} introuvable")
    settings = request.app.state.settings
    lot = get_lot(session, lot_id)
    contract = get_contract(session, lot.contract_id)
    data, error, form = _inputs(request)
    article = None
    if data is not None:
        try:
            article = clause_article(
                session,
                web.user,
                lot_id,
                data,
                template_path=settings.clause_template_path,
                shares_path=settings.labour_shares_path,
            )
        except AppError as exc:
            error = exc.detail
    return render(
        request,
        "facilitator/clause.html",
        web,
        status_code=422 if error else 200,
        page_title=f"Clause sociale — lot {lot.number} du marché {contract.reference}",
        nav="marches",
        lot=lot,
        contract=contract,
        article=article,
        error=error,
        form=form,
        shares=tools.labour_shares(settings.labour_shares_path),
        default_cost=settings.insertion_hourly_cost_eur,
        query=request.url.query,
    )


@router.get("/facilitateur/lots/{lot_id}/clause.docx")
def clause_document(
    request: Request, session: SessionDep, web: FacilitatorPage, lot_id: int
) -> Response:
    if not 1 <= lot_id <= MAX_ID:
        raise NotFound(f"lot {lot_id} introuvable")
    settings = request.app.state.settings
    data, error, _ = _inputs(request)
    if data is None:
        raise InvalidInput(error or "indiquez le montant HT du lot")
    article = clause_article(
        session,
        web.user,
        lot_id,
        data,
        template_path=settings.clause_template_path,
        shares_path=settings.labour_shares_path,
    )
    return Response(
        render_docx(article),
        media_type=DOCX_MEDIA_TYPE,
        headers={"Content-Disposition": f'attachment; filename="{article.filename}"'},
    )
