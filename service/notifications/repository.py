"""SQL of the e-mail side: preferences, the outbox, and what the messages are about."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from service.models.accounts import User
from service.models.notifications import NotificationPreference, OutboxEmail
from service.models.offers import Offer
from service.models.people import Candidate
from service.models.workflow import Proposal

__all__ = ["NotificationRepository"]


class NotificationRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # ------------------------------------------------------------------ preferences

    def preferences(self, user_id: int) -> NotificationPreference | None:
        return self.session.get(NotificationPreference, user_id)

    def add_preferences(self, prefs: NotificationPreference) -> NotificationPreference:
        self.session.add(prefs)
        self.session.flush()
        return prefs

    def flush(self) -> None:
        self.session.flush()

    def recipients(self, role: str) -> list[tuple[User, NotificationPreference]]:
        """Active users of ``role`` who gave an e-mail address."""
        stmt = (
            select(User, NotificationPreference)
            .join(NotificationPreference, NotificationPreference.user_id == User.id)
            .where(User.role == role, User.is_active, NotificationPreference.email.is_not(None))
            .order_by(User.id)
        )
        return [(u, p) for u, p in self.session.execute(stmt)]

    def user(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    # ------------------------------------------------------------------ what messages say

    def proposal_subject(self, candidate_id: int, offer_id: int) -> tuple[Candidate, Offer] | None:
        person = self.session.get(Candidate, candidate_id)
        offer = self.session.get(Offer, offer_id)
        return None if person is None or offer is None else (person, offer)

    def waiting_by_offer(self, state: str, *, limit: int) -> list[tuple[int, str, str, int]]:
        """Offers with proposals in ``state``: (id, external id, title, count), most first."""
        n = func.count(Proposal.id)
        stmt = (
            select(Offer.id, Offer.external_id, Offer.intitule, n)
            .join(Proposal, Proposal.offer_id == Offer.id)
            .where(Proposal.state == state)
            .group_by(Offer.id, Offer.external_id, Offer.intitule)
            .order_by(n.desc(), Offer.id)
            .limit(limit)
        )
        return [(int(i), str(e), str(t), int(c)) for i, e, t, c in self.session.execute(stmt)]

    def waiting_counts(self, states: Sequence[str]) -> dict[str, tuple[int, datetime | None]]:
        """State → (number of proposals in it, oldest move into it)."""
        stmt = (
            select(Proposal.state, func.count(), func.min(Proposal.state_changed_at))
            .where(Proposal.state.in_(states))
            .group_by(Proposal.state)
        )
        return {str(s): (int(c), oldest) for s, c, oldest in self.session.execute(stmt)}

    # ------------------------------------------------------------------ outbox

    def queue(self, row: dict[str, Any]) -> bool:
        """Add a message unless one with the same ``dedupe_key`` exists; whether it was added."""
        key = row.get("dedupe_key")
        if key is not None:
            found = self.session.scalar(select(OutboxEmail.id).where(OutboxEmail.dedupe_key == key))
            if found is not None:
                return False
        self.session.add(OutboxEmail(**row))
        self.session.flush()
        return True

    def claim_due(self, *, now: datetime, lease_until: datetime, limit: int) -> list[OutboxEmail]:
        """Messages due now (and those whose sender died holding them), marked ``sending``."""
        stmt = (
            select(OutboxEmail)
            .where(
                or_(
                    (OutboxEmail.status == "queued") & (OutboxEmail.next_attempt_at <= now),
                    (OutboxEmail.status == "sending") & (OutboxEmail.lease_until < now),
                )
            )
            .order_by(OutboxEmail.next_attempt_at, OutboxEmail.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            stmt = stmt.with_for_update(skip_locked=True)
        rows = list(self.session.scalars(stmt))
        for row in rows:
            row.status = "sending"
            row.lease_until = lease_until
        self.session.flush()
        return rows

    def get(self, mail_id: int) -> OutboxEmail | None:
        return self.session.get(OutboxEmail, mail_id)

    def page(self, status: str | None, *, limit: int, offset: int) -> tuple[list[OutboxEmail], int]:
        where = [] if status is None else [OutboxEmail.status == status]
        total = self.session.scalar(select(func.count()).select_from(OutboxEmail).where(*where))
        stmt = (
            select(OutboxEmail)
            .where(*where)
            .order_by(OutboxEmail.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return list(self.session.scalars(stmt)), int(total or 0)

    def forget_old_contents(self, before: datetime) -> int:
        """Empty what sent (or given-up) messages said once they are older than ``before``."""
        result = self.session.execute(
            update(OutboxEmail)
            .where(
                OutboxEmail.status.in_(("sent", "failed", "cancelled")),
                OutboxEmail.created_at < before,
                OutboxEmail.subject != "",
            )
            .values(body_text="", body_html="", context={}, subject="")
        )
        return int(getattr(result, "rowcount", 0) or 0)
