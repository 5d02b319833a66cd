"""Pages of the proposals: a coach proposes and withdraws; the facilitator validates, refuses
and moves them along; the dated, signed history of one proposal."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from service.db import SessionDep
from service.errors import InvalidInput, NotFound
from service.people.service import get_candidate
from service.web.auth import CaseloadPage, CoachPage, FacilitatorPage, WebContext, csrf_protect
from service.web.common import (
    ALL,
    MAX_ID,
    offer_title,
    person_names,
    scoring_state,
    stale_days,
)
from service.web.forms import errors_text
from service.web.templating import render
from service.workflow import proposals as proposal_service
from service.workflow import schemas as workflow_schemas
from service.workflow import states

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

Recent = Annotated[int, Query(ge=0, le=MAX_ID)]
"""``?vu=<id>``: the proposal just moved, kept in the list it was moved from."""


def _keep_recent(
    request: Request, session: SessionDep, web: WebContext, rows: list[Any], recent: int
) -> list[Any]:
    """The list, with the proposal just moved at the top when its new state took it out of the
    list (a follow-up list that loses the row the user just acted on makes no sense)."""
    if not recent or any(p.id == recent for p in rows):
        return rows
    try:
        moved = proposal_service.get_proposal(
            session, web.user, recent, stale_days=stale_days(request)
        )
    except NotFound:
        return rows
    return [moved, *rows]


@router.post("/personnes/{candidate_id}/proposer")
def propose(
    request: Request,
    session: SessionDep,
    web: CoachPage,
    candidate_id: int,
    offer_id: Annotated[int, Form(ge=1, le=MAX_ID)],
    comment: Annotated[str, Form(max_length=4000)] = "",
    retour: Annotated[Literal["personne", "offre"], Form()] = "personne",
    source: Annotated[Literal["shortlist", "manual"], Form()] = "shortlist",
) -> Response:
    scoring = scoring_state(request)
    proposal_service.create_proposal(
        session,
        scoring,
        web.user,
        workflow_schemas.ProposalCreate(
            candidate_id=candidate_id,
            offer_id=offer_id,
            comment=comment.strip() or None,
            source=source,
        ),
        today=scoring.today(),
        stale_days=stale_days(request),
    )
    target = f"/offres/{offer_id}" if retour == "offre" else f"/personnes/{candidate_id}"
    return RedirectResponse(f"{target}?msg=propose", status_code=303)


@router.get("/coach/propositions", response_class=HTMLResponse)
def my_proposals(
    request: Request,
    session: SessionDep,
    web: CoachPage,
    etat: Annotated[str, Query(max_length=16)] = "",
    vu: Recent = 0,
) -> HTMLResponse:
    state = etat if etat in states.STATE_LABELS else None
    proposals, _ = proposal_service.list_proposals(
        session, web.user, ALL, state=state, stale_days=stale_days(request)
    )
    proposals = _keep_recent(request, session, web, proposals, vu)
    return render(
        request,
        "coach/proposals.html",
        web,
        page_title="Mes propositions",
        nav="propositions",
        proposals=proposals,
        recent=vu,
        people=person_names(session, {p.candidate_id for p in proposals}),
        offer_titles={p.offer_id: offer_title(session, p.offer_id) for p in proposals},
        etat=state or "",
        states=states.STATE_LABELS,
    )


@router.get("/propositions/{proposal_id}", response_class=HTMLResponse)
def proposal_page(
    request: Request, session: SessionDep, web: CaseloadPage, proposal_id: int
) -> HTMLResponse:
    if not 1 <= proposal_id <= MAX_ID:
        raise NotFound(f"proposition {proposal_id} introuvable")
    proposal = proposal_service.get_proposal(
        session, web.user, proposal_id, stale_days=stale_days(request)
    )
    events = proposal_service.list_events(session, web.user, proposal_id)
    person = get_candidate(session, web.user, proposal.candidate_id)
    return render(
        request,
        "proposal.html",
        web,
        page_title=f"Proposition {proposal.id}",
        nav="propositions" if web.user.role == "coach" else "validation",
        proposal=proposal,
        events=events,
        person=person,
        offer_title=offer_title(session, proposal.offer_id),
        states=states.STATE_LABELS,
        reasons={**states.REFUSAL_REASONS},
    )


@router.post("/coach/propositions/{proposal_id}/retirer")
def withdraw(
    request: Request,
    session: SessionDep,
    web: CoachPage,
    proposal_id: int,
    version: Annotated[int, Form(ge=1)],
    etat: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    proposal_service.transition(
        session,
        web.user,
        proposal_id,
        workflow_schemas.TransitionIn(to="withdrawn", version=version),
        stale_days=stale_days(request),
    )
    query = urlencode({"etat": etat, "vu": proposal_id, "msg": "modifie"})
    return RedirectResponse(f"/coach/propositions?{query}", status_code=303)


@router.get("/facilitateur/validation", response_class=HTMLResponse)
def queue(
    request: Request, session: SessionDep, web: FacilitatorPage, vu: Recent = 0
) -> HTMLResponse:
    proposals, _ = proposal_service.list_proposals(
        session, web.user, ALL, state="proposed", stale_days=stale_days(request)
    )
    proposals = _keep_recent(request, session, web, proposals, vu)
    return render(
        request,
        "facilitator/queue.html",
        web,
        page_title="Propositions à valider",
        nav="validation",
        proposals=proposals,
        recent=vu,
        people=person_names(session, {p.candidate_id for p in proposals}),
        offer_titles={p.offer_id: offer_title(session, p.offer_id) for p in proposals},
        reasons=states.REFUSAL_REASONS,
    )


@router.get("/facilitateur/propositions", response_class=HTMLResponse)
def follow_up(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    etat: Annotated[str, Query(max_length=16)] = "validated",
    vu: Recent = 0,
) -> HTMLResponse:
    state = etat if etat in states.STATE_LABELS else None
    proposals, _ = proposal_service.list_proposals(
        session, web.user, ALL, state=state, stale_days=stale_days(request)
    )
    proposals = _keep_recent(request, session, web, proposals, vu)
    return render(
        request,
        "facilitator/proposals.html",
        web,
        page_title="Suivi des propositions",
        nav="validation",
        proposals=proposals,
        recent=vu,
        people=person_names(session, {p.candidate_id for p in proposals}),
        offer_titles={p.offer_id: offer_title(session, p.offer_id) for p in proposals},
        reasons=states.REFUSAL_REASONS,
        states=states.STATE_LABELS,
        etat=state or "",
        today=date.today(),
        delivery_modes=states.DELIVERY_MODE_LABELS,
        outcomes=states.OUTCOME_LABELS,
    )


@router.post("/facilitateur/propositions/{proposal_id}")
def move_proposal(
    request: Request,
    session: SessionDep,
    web: FacilitatorPage,
    proposal_id: int,
    version: Annotated[int, Form(ge=1)],
    to: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form(max_length=64)] = "",
    reason_text: Annotated[str, Form(max_length=1000)] = "",
    delivery_mode: Annotated[str, Form(max_length=32)] = "",
    contract_type: Annotated[str, Form(max_length=16)] = "",
    start_date: Annotated[str, Form(max_length=10)] = "",
    outcome: Annotated[str, Form(max_length=32)] = "",
    retour: Annotated[Literal["validation", "suivi"], Form()] = "validation",
    etat: Annotated[str, Form(max_length=16)] = "",
) -> Response:
    if not 1 <= proposal_id <= MAX_ID:
        raise NotFound(f"proposition {proposal_id} introuvable")
    fields: dict[str, object] = {"to": to, "version": version}
    if reason:
        fields["reason"] = reason
    if reason_text.strip():
        fields["reason_text"] = reason_text.strip()
    if to == "in_post":
        fields["placement"] = {
            "delivery_mode": delivery_mode,
            "contract_type": contract_type,
            "start_date": start_date,
        }
    if to == "ended":
        fields["outcome"] = outcome
    try:
        data = workflow_schemas.TransitionIn.model_validate(fields)
    except ValidationError as exc:
        raise InvalidInput(
            "saisie incomplète : " + errors_text(exc) + " — revenez à la page et complétez"
        ) from None
    proposal_service.transition(
        session, web.user, proposal_id, data, stale_days=stale_days(request)
    )
    msg = {"validated": "valide", "refused": "refuse"}.get(to, "modifie")
    if retour == "validation":
        query = urlencode({"vu": proposal_id, "msg": msg})
        return RedirectResponse(f"/facilitateur/validation?{query}", status_code=303)
    query = urlencode({"etat": etat, "vu": proposal_id, "msg": msg})
    return RedirectResponse(f"/facilitateur/propositions?{query}", status_code=303)
