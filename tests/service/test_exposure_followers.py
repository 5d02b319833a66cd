"""Shown pairs (``exposures``) follow the deletion of what they name (migration
``0015_exposure_followers``): a person's by their foreign key, an offer's and an account's by
triggers that replaced the two reference checks every inserted pair paid for."""

from __future__ import annotations

import pytest
from factories import make_candidate, make_offer, make_user
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from service.db import utcnow
from service.models.scoring import Exposure


def _shown(session: Session, offer_id: int, candidate_id: int, reader: int | None) -> None:
    session.add(
        Exposure(
            channel="shortlist",
            offer_id=offer_id,
            candidate_id=candidate_id,
            rank=1,
            score=0.5,
            model_version="weighted",
            shown_at=utcnow(),
            shown_to=reader,
            explanation="Métier proche",
        )
    )
    session.flush()


def _count(session: Session, *where: object) -> int:
    return int(session.scalar(select(func.count()).select_from(Exposure).where(*where)) or 0)


def test_a_deleted_offer_takes_its_shown_pairs_with_it(session: Session) -> None:
    coach = make_user(session)
    person = make_candidate(session, coach=coach)
    gone, kept = make_offer(session), make_offer(session)
    session.flush()
    for offer in (gone, kept):
        _shown(session, offer.id, person.id, coach.id)
    session.execute(text("DELETE FROM offers WHERE id = :id"), {"id": gone.id})
    assert _count(session, Exposure.offer_id == gone.id) == 0
    assert _count(session, Exposure.offer_id == kept.id) == 1


def test_a_deleted_account_leaves_its_shown_pairs_without_a_reader(session: Session) -> None:
    coach = make_user(session)
    reader = make_user(session, role="facilitator")
    person = make_candidate(session, coach=coach)
    offer = make_offer(session)
    session.flush()
    _shown(session, offer.id, person.id, reader.id)
    _shown(session, offer.id, person.id, coach.id)
    session.execute(text("DELETE FROM users WHERE id = :id"), {"id": reader.id})
    assert _count(session, Exposure.shown_to == reader.id) == 0
    assert _count(session, Exposure.shown_to.is_(None)) == 1
    assert _count(session, Exposure.shown_to == coach.id) == 1


def test_a_deleted_person_takes_their_shown_pairs_and_none_can_follow(session: Session) -> None:
    coach = make_user(session)
    person = make_candidate(session, coach=coach)
    offer = make_offer(session)
    session.flush()
    _shown(session, offer.id, person.id, coach.id)
    person_id = person.id
    session.execute(text("DELETE FROM candidates WHERE id = :id"), {"id": person_id})
    assert _count(session, Exposure.candidate_id == person_id) == 0
    session.expunge_all()
    with pytest.raises(IntegrityError), session.begin_nested():
        _shown(session, offer.id, person_id, coach.id)
