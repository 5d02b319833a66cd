"""SQL of people, their jobs and licences, and the reporting-only table."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from service.kit.repository import Repository
from service.models.people import Candidate, CandidateReporting

__all__ = ["CandidateRepository", "ReportingRepository"]


class CandidateRepository(Repository[Candidate]):
    model = Candidate
    eager = (selectinload(Candidate.jobs), selectinload(Candidate.licences))

    def get_by_external_id(self, external_id: str) -> Candidate | None:
        stmt = select(Candidate).where(Candidate.external_id == external_id)
        return self.session.scalars(stmt).one_or_none()

    def page(
        self,
        *,
        coach_id: int | None,
        is_active: bool | None,
        commune_insee: str | None,
        limit: int,
        offset: int,
        readiness_stage: str | None = None,
        words: Sequence[str] = (),
        id_prefix: str = "",
        sort: str = "nom",
    ) -> tuple[list[Candidate], int]:
        """People by last name, first name, follow-up id (after availability, assessment date
        or stage with ``sort``); ``words`` (folded) must each start a word of the folded name,
        unless the follow-up id starts with ``id_prefix``."""
        alphabetical = (Candidate.name_key.is_(None), Candidate.name_key, Candidate.external_id)
        first = {
            "disponibilite": (Candidate.available_from,),
            "evaluation": (Candidate.readiness_assessed_on,),
            "etape": (Candidate.readiness_stage,),
        }.get(sort, ())
        stmt = select(Candidate).order_by(*first, *alphabetical)
        if coach_id is not None:
            stmt = stmt.where(Candidate.coach_id == coach_id)
        if is_active is not None:
            stmt = stmt.where(Candidate.is_active == is_active)
        if commune_insee is not None:
            stmt = stmt.where(Candidate.commune_insee == commune_insee)
        if readiness_stage is not None:
            stmt = stmt.where(Candidate.readiness_stage == readiness_stage)
        if words or id_prefix:
            conditions: list[ColumnElement[bool]] = []
            if words:
                conditions.append(
                    and_(
                        *(
                            or_(
                                Candidate.name_key.startswith(w, autoescape=True),
                                Candidate.name_key.contains(" " + w, autoescape=True),
                            )
                            for w in words
                        )
                    )
                )
            if id_prefix:
                lowered = func.lower(Candidate.external_id)
                conditions.append(lowered.startswith(id_prefix.lower(), autoescape=True))
            stmt = stmt.where(or_(*conditions))
        return self._page(stmt, limit=limit, offset=offset)

    def readiness(self, candidate_ids: Sequence[int]) -> dict[int, str]:
        """Person id → readiness stage."""
        if not candidate_ids:
            return {}
        stmt = select(Candidate.id, Candidate.readiness_stage).where(
            Candidate.id.in_(list(candidate_ids))
        )
        return {int(i): str(s) for i, s in self.session.execute(stmt)}


class ReportingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, candidate_id: int) -> CandidateReporting | None:
        return self.session.get(CandidateReporting, candidate_id)

    def add(self, row: CandidateReporting) -> CandidateReporting:
        self.session.add(row)
        self.session.flush()
        return row
