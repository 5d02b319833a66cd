"""SQL of people, their jobs and licences, and the reporting-only table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, String, and_, cast, delete, func, or_, select, update
from sqlalchemy.orm import Session, selectinload

from service.kit.repository import Repository
from service.models.accounts import AuditEntry
from service.models.notifications import OutboxEmail
from service.models.people import Candidate, CandidateJob, CandidateLicence, CandidateReporting
from service.models.scoring import Exposure, Match
from service.models.workflow import Placement, PlacementHours, Proposal, ProposalEvent

__all__ = ["CandidateRepository", "PrivacyRepository", "ReportingRepository"]


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


class PrivacyRepository:
    """The SQL of a person's right of access, anonymisation and erasure: everything that refers
    to one person, across the domains' tables."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def proposals(self, candidate_id: int) -> list[Proposal]:
        stmt = select(Proposal).where(Proposal.candidate_id == candidate_id).order_by(Proposal.id)
        return list(self.session.scalars(stmt))

    def proposal_events(self, proposal_ids: Sequence[int]) -> list[ProposalEvent]:
        if not proposal_ids:
            return []
        stmt = (
            select(ProposalEvent)
            .where(ProposalEvent.proposal_id.in_(list(proposal_ids)))
            .order_by(ProposalEvent.proposal_id, ProposalEvent.id)
        )
        return list(self.session.scalars(stmt))

    def placements(self, candidate_id: int) -> list[Placement]:
        stmt = (
            select(Placement).where(Placement.candidate_id == candidate_id).order_by(Placement.id)
        )
        return list(self.session.scalars(stmt))

    def placement_hours(self, placement_ids: Sequence[int]) -> list[PlacementHours]:
        if not placement_ids:
            return []
        stmt = (
            select(PlacementHours)
            .where(PlacementHours.placement_id.in_(list(placement_ids)))
            .order_by(PlacementHours.placement_id, PlacementHours.month)
        )
        return list(self.session.scalars(stmt))

    def exposures(self, candidate_id: int) -> list[Exposure]:
        stmt = (
            select(Exposure)
            .where(Exposure.candidate_id == candidate_id)
            .order_by(Exposure.shown_at, Exposure.id)
        )
        return list(self.session.scalars(stmt))

    def matches(self, candidate_id: int) -> list[Match]:
        stmt = select(Match).where(Match.candidate_id == candidate_id).order_by(Match.id)
        return list(self.session.scalars(stmt))

    def audit_entries(self, candidate_id: int, proposal_ids: Sequence[int]) -> list[AuditEntry]:
        """Entries about the person (as the entity, or their proposals, reporting data and best
        offers, or a list of people that returned them), oldest first."""
        about = [
            and_(
                AuditEntry.entity_type.in_(("candidate", "candidate_reporting")),
                AuditEntry.entity_id == candidate_id,
            )
        ]
        if proposal_ids:
            about.append(
                and_(
                    AuditEntry.entity_type == "proposal",
                    AuditEntry.entity_id.in_(list(proposal_ids)),
                )
            )
        # Lists name the people they returned in ``detail.ids``: a text match narrows the
        # entries in SQL (both backends), the exact check is made on the decoded ids.
        about.append(
            and_(
                AuditEntry.action == "list",
                AuditEntry.entity_type == "candidate",
                AuditEntry.entity_id.is_(None),
                cast(AuditEntry.detail, String).like(f"%{candidate_id}%"),
            )
        )
        stmt = select(AuditEntry).where(or_(*about)).order_by(AuditEntry.id)
        return [
            e
            for e in self.session.scalars(stmt)
            if e.action != "list"
            or e.entity_id is not None
            or candidate_id in ((e.detail or {}).get("ids") or [])
        ]

    def outbox_mentioning(self, text: str) -> list[OutboxEmail]:
        """E-mails whose subject, bodies or context contain ``text``."""
        pattern = f"%{text}%"
        stmt = select(OutboxEmail).where(
            or_(
                OutboxEmail.subject.like(pattern),
                OutboxEmail.body_text.like(pattern),
                OutboxEmail.body_html.like(pattern),
                cast(OutboxEmail.context, String).like(pattern),
            )
        )
        return list(self.session.scalars(stmt))

    def clear_free_text(self, proposal_ids: Sequence[int]) -> None:
        """Coaches' comments and typed reasons of these proposals and their moves."""
        if not proposal_ids:
            return
        ids = list(proposal_ids)
        self.session.execute(
            update(Proposal)
            .where(Proposal.id.in_(ids))
            .values(comment=None, state_reason_text=None)
            .execution_options(synchronize_session="fetch")
        )
        self.session.execute(
            update(ProposalEvent)
            .where(ProposalEvent.proposal_id.in_(ids))
            .values(comment=None, reason_text=None)
            .execution_options(synchronize_session="fetch")
        )

    def delete_person(self, candidate_id: int, proposal_ids: Sequence[int]) -> dict[str, int]:
        """Delete the person and every row that refers to them (no placement may remain);
        returns the number of rows deleted per table."""
        counts: dict[str, int] = {}

        def run(name: str, stmt: Any) -> None:
            result = self.session.execute(stmt.execution_options(synchronize_session=False))
            counts[name] = int(getattr(result, "rowcount", 0) or 0)

        ids = list(proposal_ids)
        if ids:
            run("proposal_events", delete(ProposalEvent).where(ProposalEvent.proposal_id.in_(ids)))
            run("proposals", delete(Proposal).where(Proposal.id.in_(ids)))
        run("matches", delete(Match).where(Match.candidate_id == candidate_id))
        run("exposures", delete(Exposure).where(Exposure.candidate_id == candidate_id))
        run(
            "candidate_reporting",
            delete(CandidateReporting).where(CandidateReporting.candidate_id == candidate_id),
        )
        run("candidate_jobs", delete(CandidateJob).where(CandidateJob.candidate_id == candidate_id))
        run(
            "candidate_licences",
            delete(CandidateLicence).where(CandidateLicence.candidate_id == candidate_id),
        )
        run("candidates", delete(Candidate).where(Candidate.id == candidate_id))
        return counts
