"""The clause article of a lot, as a .docx for the tender documents (facilitator, admin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from service.accounts.auth import ManagerUser
from service.clauses.service import DOCX_MEDIA_TYPE, ClauseInput, clause_article, render_docx
from service.db import SessionDep
from service.kit.deps import STANDARD_ERRORS, EntityId, SettingsDep

__all__ = ["router"]

router = APIRouter(tags=["clauses"], responses=STANDARD_ERRORS)


@router.get(
    "/lots/{lot_id}/clause-article",
    response_class=Response,
    responses={200: {"content": {DOCX_MEDIA_TYPE: {}}, "description": "document Word"}},
)
def get_clause_article(
    session: SessionDep,
    settings: SettingsDep,
    user: ManagerUser,
    lot_id: EntityId,
    amount: Annotated[float, Query(gt=0, description="montant estimé du lot HT, en euros")],
    rate: Annotated[float, Query(gt=0, le=1, description="taux d'insertion (0,05 = 5 %)")],
    labour_share: Annotated[
        float | None, Query(gt=0, le=1, description="part de main-d'œuvre (0,5 = 50 %)")
    ] = None,
    trade: Annotated[
        str | None, Query(max_length=64, description="corps de métier de la table des parts")
    ] = None,
    hourly_cost: Annotated[float | None, Query(gt=0, description="coût horaire chargé")] = None,
    article: Annotated[str, Query(max_length=12, description="numéro de l'article")] = "10",
) -> Response:
    """The lot's social clause (hours, publics, delivery modes, facilitator, reporting,
    penalties) as an editable .docx, its figures from the hours calculator."""
    result = clause_article(
        session,
        user,
        lot_id,
        ClauseInput(
            amount_eur=amount,
            insertion_rate=rate,
            hourly_cost_eur=hourly_cost or settings.insertion_hourly_cost_eur,
            labour_share=labour_share,
            trade=trade,
            article_number=article,
        ),
        template_path=settings.clause_template_path,
        shares_path=settings.labour_shares_path,
    )
    return Response(
        render_docx(result),
        media_type=DOCX_MEDIA_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="{result.filename}"',
            "X-Insertion-Hours": str(result.estimate.hours),
        },
    )
