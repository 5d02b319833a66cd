"""Record what was shown: every (person, offer) pair on a shortlist page, in a digest or among
a person's best offers, with its rank, score and the scorer that ranked it.

The outcome history (:mod:`service.reports.history_export`) needs them to say who could have
been proposed (shown at least once, best rank, first day); batch lists are read from their
matches. A shortlist is recorded once a day per reader (:mod:`service.scoring.shortlists`):
seen again, unchanged, it adds nothing that the history or a person's access export could use.
A read-only request queues its rows after its reads, in the same write as its audit entry
(:func:`service.db.after_reads`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import partial

from sqlalchemy.orm import Session

from service.db import after_reads, is_read_only, utcnow
from service.kit.repository import on_commit
from service.models.accounts import User
from service.scoring.repository import ExposureRepository

__all__ = ["record_exposures"]


def record_exposures(
    session: Session,
    user: User | None,
    channel: str,
    shown: Iterable[tuple[int, int, int, float, str, str | None]],
    *,
    then: Callable[[], None] | None = None,
) -> None:
    """Record pairs shown to ``user`` through ``channel``: (offer id, person id, rank, score,
    model version, the explanation shown or ``None``) each; ``then()`` once they are
    committed."""
    at = utcnow()
    rows = [
        {
            "channel": channel,
            "offer_id": offer_id,
            "candidate_id": candidate_id,
            "rank": rank,
            "score": score,
            "model_version": model_version,
            "shown_at": at,
            "shown_to": user.id if user else None,
            "explanation": explanation,
        }
        for offer_id, candidate_id, rank, score, model_version, explanation in shown
    ]
    if not rows:
        return

    def write(writer: Session, *, queued: bool) -> None:
        repo = ExposureRepository(writer)
        if queued:
            repo.queue_rows(rows)
        else:
            repo.insert_rows(rows)
        if then is not None:
            on_commit(writer, then)

    if is_read_only(session):
        after_reads(session, partial(write, queued=True))
    else:
        write(session, queued=False)
