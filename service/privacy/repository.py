"""The SQL of the right of access beyond a person's own rows: names of the offers, lots and users
their rows refer to."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from service.models.accounts import User
from service.models.offers import Offer
from service.models.procurement import Lot

__all__ = ["AccessRepository"]


class AccessRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def offers(self, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
        """Offer id → (external id, title)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        stmt = select(Offer.id, Offer.external_id, Offer.intitule).where(Offer.id.in_(wanted))
        return {int(i): (str(e), str(t)) for i, e, t in self.session.execute(stmt)}

    def lots(self, ids: Iterable[int]) -> dict[int, tuple[str, str]]:
        """Lot id → (reference, trade)."""
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        stmt = select(Lot.id, Lot.reference, Lot.trade).where(Lot.id.in_(wanted))
        return {int(i): (str(r), str(t)) for i, r, t in self.session.execute(stmt)}

    def users(self, ids: Iterable[int | None]) -> dict[int, tuple[str, str]]:
        """User id → (username, role)."""
        wanted = sorted({i for i in ids if i is not None})
        if not wanted:
            return {}
        stmt = select(User.id, User.username, User.role).where(User.id.in_(wanted))
        return {int(i): (str(u), str(r)) for i, u, r in self.session.execute(stmt)}
