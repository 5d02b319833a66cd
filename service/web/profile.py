"""The form of a person's profile: identity, target jobs with experience, licences and CACES,
declared skills, travel, readiness and constraints.

One schema and one service function behind the API and this form (``CandidateUpdate``,
:func:`service.people.service.update_candidate`): the same rules, the same French sentences,
the same optimistic lock (a stale ``version`` changes nothing and says so). Every field comes
from its declaration (:mod:`matching.fields`, :data:`service.models.people.IDENTITY_FIELDS`).

Target jobs: each row keeps its job and takes an experience, or is removed; a new one is typed
as a job title, an OGR or ROME code, or picked from the list the page's script fills from
``GET /personnes/metiers?q=`` (the same job index as ``GET /referentials/jobs``); without the
script, the typed title is read by the title normaliser of the imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import ValidationError

from matching import columns as col
from matching.fields import CANDIDATE_FIELDS, CANDIDATE_JOB_FIELDS
from matching.licences import LICENCE_LABELS
from service.db import SessionDep
from service.errors import AppError, Conflict, NotFound
from service.models.people import IDENTITY_FIELDS, Candidate, display_name
from service.people.schemas import CandidateUpdate
from service.people.service import get_candidate, update_candidate
from service.referentials.service import Referentials
from service.referentials.titles import title_index, title_normaliser
from service.web.auth import CaseloadPage, WebContext, csrf_protect
from service.web.common import MAX_ID, commune_label, referentials
from service.web.forms import FormData, form_fields, read_form, read_value, validation_messages
from service.web.templating import render

__all__ = ["PROFILE_FIELDS", "router"]

router = APIRouter(include_in_schema=False, dependencies=[Depends(csrf_protect)])

PROFILE_FIELDS: Final = tuple(
    CANDIDATE_FIELDS[name]
    for name in (
        col.COMMUNE_INSEE,
        col.TRAVEL_MODE,
        col.HAS_VEHICLE,
        col.MAX_DISTANCE_KM,
        col.MAX_TRAVEL_MINUTES,
        col.READINESS_STAGE,
        col.READINESS_ASSESSED_ON,
        col.AVAILABLE_FROM,
        col.MAX_WEEKLY_HOURS,
        col.ACCEPTS_NIGHTS,
        col.ACCEPTS_WEEKENDS,
        col.ACCEPTS_EARLY_STARTS,
        col.IS_ACTIVE,
    )
)
"""What a coach keeps up to date on a person's page (the engine reads every one of them)."""

IDENTITY: Final = tuple(IDENTITY_FIELDS.values())
_EXPERIENCE: Final = CANDIDATE_JOB_FIELDS[col.EXPERIENCE_YEARS]
_MAX_JOBS: Final = 20
_OGR_IN_TEXT: Final = re.compile(r"\((\d{3,7})\)\s*$")
_ROME: Final = re.compile(r"^[A-Na-n]\d{4}$")
_MIN_TITLE_SCORE: Final = 0.3
LICENCE_GROUPS: Final = (
    ("Permis de conduire", ("PERMIS_", "FIMO", "FCO")),
    ("CACES", ("CACES_",)),
    ("Habilitations et certificats", ("HAB_", "SST", "AIPR", "HACCP", "CERTIPHYTO")),
)


@dataclass(frozen=True)
class JobRow:
    """One target job of the form."""

    index: int
    code_ogr: int | None
    code_rome: str
    label: str
    experience: str
    error: str = ""


@dataclass(frozen=True)
class SkillBox:
    code: int
    label: str
    checked: bool


def _not_found(candidate_id: int) -> None:
    if not 1 <= candidate_id <= MAX_ID:
        raise NotFound(f"personne {candidate_id} introuvable")


def _years(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _jobs_of(person: Candidate, refs: Referentials) -> list[JobRow]:
    return [
        JobRow(
            i,
            j.code_ogr,
            j.code_rome,
            refs.job_label(j.code_ogr, j.code_rome),
            _years(j.experience_years),
        )
        for i, j in enumerate(person.jobs)
    ]


def _skill_boxes(
    refs: Referentials, jobs: list[JobRow], declared: set[int]
) -> list[tuple[str, list[SkillBox]]]:
    """For each target fiche, its core ROME skills; then the declared skills of no target fiche."""
    groups: list[tuple[str, list[SkillBox]]] = []
    shown: set[int] = set()
    for code_rome in dict.fromkeys(j.code_rome for j in jobs):
        boxes = [
            SkillBox(code, label, code in declared)
            for code, label, core in refs.fiche_skills(code_rome)
            if (core or code in declared) and code not in shown
        ]
        shown.update(b.code for b in boxes)
        if boxes:
            groups.append((refs.job_label(None, code_rome), boxes))
    others = sorted(declared - shown)
    if others:
        labels = refs.skill_labels(others)
        groups.append(
            (
                "Autres compétences déclarées",
                [SkillBox(c, labels.get(c, str(c)), True) for c in others],
            )
        )
    return groups


def _licence_groups(held: set[str]) -> list[tuple[str, list[tuple[str, str, bool]]]]:
    out = []
    for title, prefixes in LICENCE_GROUPS:
        boxes = [
            (code, label, code in held)
            for code, label in LICENCE_LABELS.items()
            if code.startswith(prefixes)
        ]
        out.append((title, boxes))
    return out


def _page(
    request: Request,
    web: WebContext,
    person: Candidate,
    *,
    values: dict[str, Any],
    jobs: list[JobRow],
    licences: set[str],
    skills: set[int],
    new_job: tuple[str, str] = ("", ""),
    errors: dict[str, str] | None = None,
    message: str = "",
    status_code: int = 200,
    version: int | None = None,
) -> HTMLResponse:
    refs = referentials(request)
    errors = errors or {}
    today = date.today()
    name = display_name(person.first_name, person.last_name, person.external_id)
    return render(
        request,
        "person_profile.html",
        web,
        status_code=status_code,
        page_title=f"Profil de {name}",
        nav="suivi",
        person=person,
        version=person.version if version is None else version,
        person_label=name,
        identity=form_fields(IDENTITY, values, errors=errors, today=today),
        fields=form_fields(
            PROFILE_FIELDS,
            values,
            errors=errors,
            notes={
                col.COMMUNE_INSEE: "Code INSEE ou nom de la commune ; aujourd'hui : "
                f"{commune_label(request, person.commune_insee)}."
            },
            today=today,
        ),
        jobs=jobs,
        new_job=new_job,
        new_job_error=errors.get("metier", ""),
        new_job_exp_error=errors.get("metier-exp", ""),
        experience_help=f"Accepté : {_EXPERIENCE.range_text()}.",
        licence_groups=_licence_groups(licences),
        skill_groups=_skill_boxes(refs, jobs, skills),
        errors=[(k, e) for k, e in errors.items() if e],
        message=message,
        has_errors=bool(errors or message),
    )


@router.get("/personnes/metiers", response_class=JSONResponse)
def job_suggestions(
    request: Request,
    web: CaseloadPage,
    q: Annotated[str, Query(min_length=1, max_length=100)],
) -> JSONResponse:
    """Job titles for the profile form's list (the job index of ``GET /referentials/jobs``)."""
    settings = request.app.state.settings
    hits = title_index(settings.referentials_dir).search(q, k=10)
    items = [
        {"label": f"{label} ({int(ogr)})", "code_rome": str(rome)}
        for ogr, label, rome in zip(
            hits["code_ogr"].to_numpy(),
            hits["appellation"].to_numpy(),
            hits["code_rome"].to_numpy(),
            strict=True,
        )
    ]
    return JSONResponse(items, headers={"Cache-Control": "no-store"})


@router.get("/personnes/{candidate_id}/profil", response_class=HTMLResponse)
def profile_form(
    request: Request, session: SessionDep, web: CaseloadPage, candidate_id: int
) -> HTMLResponse:
    _not_found(candidate_id)
    person = get_candidate(session, web.user, candidate_id)
    values = {spec.name: getattr(person, spec.name) for spec in (*IDENTITY, *PROFILE_FIELDS)}
    return _page(
        request,
        web,
        person,
        values=values,
        jobs=_jobs_of(person, referentials(request)),
        licences={lic.code for lic in person.licences},
        skills=set(person.skills),
    )


def _resolve_job(request: Request, text: str) -> tuple[int | None, str]:
    """The job a coach typed: a title picked from the list ("Maçon / Maçonne (16250)"), an OGR
    or ROME code, or a title the normaliser recognises; ``ValueError`` (French) otherwise."""
    refs = referentials(request)
    text = " ".join(text.split())
    hit = _OGR_IN_TEXT.search(text)
    code = hit.group(1) if hit else text if text.isdigit() else None
    if code is not None and refs.rome.has_appellation(code):
        return int(code), str(refs.rome.appellation(code)["code_rome"])
    if _ROME.fullmatch(text) and refs.rome.has_fiche(text.upper()):
        return None, text.upper()
    guess = title_normaliser(request.app.state.settings.referentials_dir)([text])[0]
    if guess.code_rome is None or guess.score < _MIN_TITLE_SCORE:
        raise ValueError(
            f"Métier non reconnu : « {text} ». Choisissez un métier dans la liste proposée, ou "
            "indiquez son code ROME (ex. F1703)."
        )
    return guess.code_ogr, guess.code_rome


def _read_jobs(
    request: Request, form: dict[str, str]
) -> tuple[list[dict[str, Any]], list[JobRow], tuple[str, str], dict[str, str]]:
    """Target jobs as the form sends them: the API's job bodies, the rows to show again, the
    new job typed, and the French errors by form field."""
    refs = referentials(request)
    jobs: list[dict[str, Any]] = []
    rows: list[JobRow] = []
    errors: dict[str, str] = {}
    for i in range(_MAX_JOBS):
        rome = form.get(f"job-{i}-rome", "").strip().upper()
        if not rome:
            continue
        ogr_text = form.get(f"job-{i}-ogr", "").strip()
        ogr = int(ogr_text) if ogr_text.isdigit() else None
        raw = form.get(f"job-{i}-exp", "")
        years, error = read_value(_EXPERIENCE, raw)
        if form.get(f"job-{i}-retirer"):
            continue
        label = refs.job_label(ogr, rome)
        rows.append(JobRow(len(rows), ogr, rome, label, raw, error or ""))
        if error:
            errors[f"job-{len(rows) - 1}-exp"] = f"{label} : {error}"
        jobs.append({"code_ogr": ogr, "code_rome": rome, "experience_years": years})
    new_text, new_exp = form.get("metier", "").strip(), form.get("metier-exp", "")
    if new_text:
        years, error = read_value(_EXPERIENCE, new_exp)
        if error:
            errors["metier-exp"] = error
        try:
            ogr, rome = _resolve_job(request, new_text)
        except ValueError as exc:
            errors["metier"] = str(exc)
        else:
            if not error:
                label = refs.job_label(ogr, rome)
                rows.append(JobRow(len(rows), ogr, rome, label, new_exp))
                jobs.append({"code_ogr": ogr, "code_rome": rome, "experience_years": years})
                new_text, new_exp = "", ""
    return jobs, rows, (new_text, new_exp), errors


def _schema_errors(exc: ValidationError, rows: list[JobRow]) -> dict[str, str]:
    """A refused schema's sentences by form field (a job's experience by its row)."""
    out: dict[str, str] = {}
    for err in exc.errors():
        loc = err.get("loc", ())
        message = str(err.get("msg", "valeur refusée")).removeprefix("Value error, ")
        if len(loc) >= 2 and loc[0] == "jobs" and isinstance(loc[1], int) and loc[1] < len(rows):
            out.setdefault(f"job-{loc[1]}-exp", f"{rows[loc[1]].label} : {message}")
        else:
            out.setdefault(str(loc[0]) if loc else "", message)
    return out


@router.post("/personnes/{candidate_id}/profil", response_class=HTMLResponse)
def save_profile(
    request: Request,
    session: SessionDep,
    web: CaseloadPage,
    candidate_id: int,
    form: FormData,
) -> Response:
    """The same schema and service function as ``PATCH /candidates/{id}``: same rules, same
    sentences; nothing is changed unless every field is accepted."""
    _not_found(candidate_id)
    person = get_candidate(session, web.user, candidate_id)
    specs = (*IDENTITY, *PROFILE_FIELDS)
    values, errors = read_form(specs, form)
    shown = {**values, **{k: form.get(k, "") for k in errors}}
    body: dict[str, Any] = dict(values)
    # The sections below are sent by the page's form; a form without them leaves them as they are.
    jobs_shown = _jobs_of(person, referentials(request))
    new_job = ("", "")
    licences = {lic.code for lic in person.licences}
    skills = set(person.skills)
    if form.get("has_jobs"):
        body["jobs"], jobs_shown, new_job, job_errors = _read_jobs(request, form)
        errors.update(job_errors)
    if form.get("has_licences"):
        licences = {c for c in LICENCE_LABELS if form.get(f"licence-{c}")}
        body["licences"] = sorted(licences)
    if form.get("has_skills"):
        skills = {int(k[6:]) for k in form if k.startswith("skill-") and k[6:].isdigit()}
        body["skills"] = sorted(skills)

    def again(errors: dict[str, str], message: str = "", status: int = 422) -> HTMLResponse:
        return _page(
            request,
            web,
            person,
            values=shown,
            jobs=jobs_shown,
            licences=licences,
            skills=skills,
            new_job=new_job,
            errors=errors,
            message=message,
            status_code=status,
            version=submitted,
        )

    submitted = int(form["version"]) if form.get("version", "").isdigit() else None
    if not errors:
        try:
            data = CandidateUpdate(**body, version=form.get("version", ""))
        except ValidationError as exc:
            errors = _schema_errors(exc, jobs_shown) or validation_messages(exc)
    if errors:
        return again(errors)
    try:
        update_candidate(session, referentials(request), web.user, candidate_id, data)
    except Conflict:
        # Shown with the version that was sent: saving again cannot overwrite the other change.
        session.rollback()
        return again(
            {},
            "quelqu'un a modifié cette fiche pendant que vous la modifiiez. Vos saisies sont "
            "ci-dessous : ouvrez la fiche à jour et reportez-y vos changements",
            409,
        )
    except AppError as exc:
        session.rollback()
        return again({}, exc.detail)
    return RedirectResponse(f"/personnes/{candidate_id}?msg=profil", status_code=303)
