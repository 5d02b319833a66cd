"""A person's rights from their page: download everything held on them (right of access), mark
them « ne pas proposer » or lift it, erase or anonymise them after a confirmation page.

For the person's own coach and the facilitator; the same service functions as the API (scoping:
another coach's person is a 404; every action audited)."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from service.db import SessionDep
from service.errors import AppError, InvalidInput, NotFound
from service.models.people import display_name
from service.people.privacy import ERASURE_REASONS, PrivacyResult, plan_forget
from service.people.service import get_candidate
from service.privacy import service as privacy_service
from service.web.auth import CaseloadPage, csrf_protect
from service.web.common import MAX_ID, referentials, scoring_state
from service.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The reasons a page offers (inactivity is the retention run's).
PAGE_REASONS = {k: v for k, v in ERASURE_REASONS.items() if k != "inactivity"}


def _check_id(candidate_id: int) -> None:
    if not 1 <= candidate_id <= MAX_ID:
        raise NotFound(f"personne {candidate_id} introuvable")


@router.get("/personnes/{candidate_id}/donnees.{extension}")
def download(
    request: Request,
    session: SessionDep,
    web: CaseloadPage,
    candidate_id: int,
    extension: Literal["xlsx", "json"],
) -> Response:
    _check_id(candidate_id)
    export = privacy_service.build_person_export(
        session, referentials(request), web.user, candidate_id
    )
    name = f"personne-{candidate_id}.{extension}"
    disposition = {"Content-Disposition": f'attachment; filename="{name}"'}
    if extension == "xlsx":
        return Response(privacy_service.to_xlsx(export), media_type=XLSX, headers=disposition)
    body = json.dumps(privacy_service.to_json(export), ensure_ascii=False, indent=2, default=str)
    return Response(body, media_type="application/json; charset=utf-8", headers=disposition)


@router.post("/personnes/{candidate_id}/ne-pas-proposer")
def do_not_propose(
    session: SessionDep,
    web: CaseloadPage,
    candidate_id: int,
    valeur: Annotated[Literal["oui", "non"], Form()],
) -> Response:
    _check_id(candidate_id)
    privacy_service.mark_do_not_propose(session, web.user, candidate_id, value=valeur == "oui")
    msg = "ne_pas_proposer" if valeur == "oui" else "proposable"
    return RedirectResponse(f"/personnes/{candidate_id}?msg={msg}", status_code=303)


@router.get("/personnes/{candidate_id}/effacement", response_class=HTMLResponse)
def erasure_page(
    request: Request, session: SessionDep, web: CaseloadPage, candidate_id: int
) -> HTMLResponse:
    _check_id(candidate_id)
    person = get_candidate(session, web.user, candidate_id)
    name = display_name(person.first_name, person.last_name, person.external_id)
    plan: str | None = None
    refusal: str | None = None
    try:
        plan = plan_forget(session, person.id, actor=web.user, today=scoring_state(request).today())
    except AppError as exc:
        refusal = exc.detail
    return render(
        request,
        "person_erasure.html",
        web,
        page_title=f"Effacer ou anonymiser — {name}",
        nav="suivi",
        person=person,
        person_label=name,
        plan=plan,
        refusal=refusal,
        reasons=PAGE_REASONS,
    )


@router.post("/personnes/{candidate_id}/effacement")
def erase(
    request: Request,
    session: SessionDep,
    web: CaseloadPage,
    candidate_id: int,
    motif: Annotated[str, Form(max_length=32)],
    confirmation: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    _check_id(candidate_id)
    if motif not in PAGE_REASONS:
        raise InvalidInput("Motif : choisissez un des motifs de la liste.")
    if confirmation != "oui":
        raise InvalidInput(
            "Confirmation : cochez la case qui confirme l'effacement ou l'anonymisation."
        )
    result: PrivacyResult = privacy_service.forget(
        session,
        web.user,
        candidate_id,
        mode="auto",
        reason=motif,
        today=scoring_state(request).today(),
    )
    if result.action == "erased":
        home = "/coach/suivi" if web.user.role == "coach" else "/facilitateur/validation"
        return RedirectResponse(f"{home}?msg=efface", status_code=303)
    return RedirectResponse(f"/personnes/{candidate_id}?msg=anonymise", status_code=303)
