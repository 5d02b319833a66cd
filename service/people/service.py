"""People followed (candidates): caseload scoping, profile, target jobs, reporting-only data."""

from __future__ import annotations

from sqlalchemy.orm import Session

from matching.fields import travel_range
from matching.text import fold
from service.accounts.audit import audit
from service.accounts.repository import UserRepository
from service.db import utcnow
from service.errors import Conflict, Forbidden, InvalidInput, NotFound
from service.kit.crud import Pagination, check_version, patch_fields
from service.models.accounts import User
from service.models.people import (
    IDENTITY_FIELDS,
    Candidate,
    CandidateJob,
    CandidateLicence,
    CandidateReporting,
    name_key,
)
from service.people.repository import CandidateRepository, ReportingRepository
from service.people.schemas import CandidateCreate, CandidateJobIn, CandidateUpdate, ReportingWrite
from service.referentials.checks import check_commune, check_rome, check_skills
from service.referentials.service import Referentials

__all__ = [
    "create_candidate",
    "delete_candidate",
    "get_candidate",
    "get_reporting",
    "list_candidates",
    "put_reporting",
    "update_candidate",
]


def _jobs(refs: Referentials, jobs: list[CandidateJobIn]) -> list[CandidateJob]:
    out = []
    for i, job in enumerate(jobs):
        code_ogr, code_rome = check_rome(refs, job.code_ogr, job.code_rome, f"jobs[{i}].")
        assert code_rome is not None
        out.append(
            CandidateJob(
                code_ogr=code_ogr, code_rome=code_rome, experience_years=job.experience_years
            )
        )
    return out


def visible_candidate(
    session: Session, user: User, candidate_id: int, *, with_profile: bool = True
) -> Candidate:
    """The candidate if this user may see them. Another coach's person is a 404, not a 403:
    the answer must not tell whether the id exists. ``with_profile`` loads their jobs and
    licences afresh; without it the row comes from the session when already there."""
    repo = CandidateRepository(session)
    candidate = repo.get_by_id(candidate_id) if with_profile else repo.find(candidate_id)
    if candidate is None or (user.role == "coach" and candidate.coach_id != user.id):
        raise NotFound(f"personne {candidate_id} introuvable")
    return candidate


def _check_not_anonymised(candidate: Candidate) -> None:
    if candidate.anonymised_at is not None:
        raise Conflict(f"personne {candidate.id} : anonymisée, sa fiche ne peut plus être modifiée")


def _coach_for(session: Session, user: User, coach_id: int | None) -> int:
    if user.role == "coach":
        if coach_id is not None and coach_id != user.id:
            raise Forbidden("un coach ne peut rattacher une personne qu'à son propre suivi")
        return user.id
    if coach_id is None:
        raise InvalidInput("coach_id : requis (le coach qui suit la personne)")
    coach = UserRepository(session).get_by_id(coach_id)
    if coach is None or coach.role != "coach" or not coach.is_active:
        raise InvalidInput(f"coach_id : {coach_id} n'est pas un coach actif")
    return coach_id


def list_candidates(
    session: Session,
    user: User,
    page: Pagination,
    *,
    is_active: bool | None = None,
    commune_insee: str | None = None,
    q: str = "",
    readiness_stage: str | None = None,
    sort: str = "nom",
) -> tuple[list[Candidate], int]:
    """People the user may see, by last name then first name then follow-up id; ``q`` finds
    a name (any order, accents and case ignored, "dupo mar" finds Marie Dupont) or the start
    of a follow-up id."""
    rows, total = CandidateRepository(session).page(
        coach_id=user.id if user.role == "coach" else None,
        is_active=is_active,
        commune_insee=commune_insee,
        readiness_stage=readiness_stage,
        words=fold(q).split()[:5],
        id_prefix=q.strip(),
        sort=sort,
        limit=page.limit,
        offset=page.offset,
    )
    audit(session, user, "list", "candidate", None, {"ids": [c.id for c in rows]})
    return rows, total


def get_candidate(session: Session, user: User, candidate_id: int) -> Candidate:
    candidate = visible_candidate(session, user, candidate_id)
    audit(session, user, "read", "candidate", candidate.id)
    return candidate


def create_candidate(
    session: Session, refs: Referentials, user: User, data: CandidateCreate
) -> Candidate:
    repo = CandidateRepository(session)
    coach_id = _coach_for(session, user, data.coach_id)
    if repo.get_by_external_id(data.external_id) is not None:
        raise Conflict(f"external_id : {data.external_id} existe déjà")
    fields = data.model_dump(exclude={"licences", "jobs", "coach_id", "commune_insee", "skills"})
    candidate = Candidate(
        **fields,
        coach_id=coach_id,
        commune_insee=check_commune(refs, data.commune_insee, "commune_insee"),
        skills=check_skills(refs, data.skills, "skills"),
        licences=[CandidateLicence(code=c) for c in data.licences],
        jobs=_jobs(refs, data.jobs),
    )
    candidate.name_key = name_key(candidate.first_name, candidate.last_name)
    repo.add(candidate)
    audit(session, user, "create", "candidate", candidate.id)
    return candidate


def update_candidate(
    session: Session, refs: Referentials, user: User, candidate_id: int, data: CandidateUpdate
) -> Candidate:
    candidate = visible_candidate(session, user, candidate_id)
    _check_not_anonymised(candidate)
    check_version(candidate, data.version, "la fiche de la personne")
    changes = patch_fields(
        data, nullable=("max_distance_km", "max_travel_minutes", *IDENTITY_FIELDS)
    )
    for key, value in changes.items():
        if key == "commune_insee":
            candidate.commune_insee = check_commune(refs, value, key)
        elif key == "coach_id":
            candidate.coach_id = _coach_for(session, user, value)
        elif key == "skills":
            candidate.skills = check_skills(refs, value, key)
        elif key == "licences":
            candidate.licences = [CandidateLicence(code=c) for c in value]
        elif key == "jobs":
            candidate.jobs = _jobs(refs, data.jobs or [])
        else:
            setattr(candidate, key, value)
    candidate.max_distance_km, candidate.max_travel_minutes = travel_range(
        candidate.max_distance_km, candidate.max_travel_minutes
    )
    candidate.name_key = name_key(candidate.first_name, candidate.last_name)
    candidate.updated_at = utcnow()
    CandidateRepository(session).flush()
    audit(session, user, "update", "candidate", candidate.id, {"fields": sorted(changes)})
    return candidate


def delete_candidate(session: Session, user: User, candidate_id: int) -> None:
    candidate = visible_candidate(session, user, candidate_id)
    CandidateRepository(session).delete(candidate)
    audit(session, user, "delete", "candidate", candidate_id)


def get_reporting(session: Session, user: User, candidate_id: int) -> CandidateReporting:
    visible_candidate(session, user, candidate_id)
    row = ReportingRepository(session).get(candidate_id)
    audit(session, user, "read", "candidate_reporting", candidate_id)
    return (
        row
        if row is not None
        else CandidateReporting(candidate_id=candidate_id, rsa_beneficiary=True)
    )


def put_reporting(
    session: Session, user: User, candidate_id: int, data: ReportingWrite
) -> CandidateReporting:
    _check_not_anonymised(visible_candidate(session, user, candidate_id))
    repo = ReportingRepository(session)
    row = repo.get(candidate_id)
    if row is None:
        row = repo.add(CandidateReporting(candidate_id=candidate_id, **data.model_dump()))
    else:
        for key, value in data.model_dump().items():
            setattr(row, key, value)
        row.updated_at = utcnow()
        session.flush()
    audit(session, user, "update", "candidate_reporting", candidate_id)
    return row
