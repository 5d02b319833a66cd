"""Per-coach digest: the batch's new matches for a coach's caseload since their last digest.

Matches are grouped by offer, best first, each with its French explanation. Reading the digest
moves the coach's mark (``digest_marks.last_match_id``) to the newest match shown, unless
``peek``; every read is audited. When an offer was scored again (changed since), only its latest
match per person is shown.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from service.batch import BATCH_LOCK
from service.db import after_reads, utcnow
from service.models import Candidate, Match, MatchRun, Offer, User
from service.models_batch import DigestMark
from service.referentials import Referentials
from service.services import audit

__all__ = ["DigestRead", "DigestRepository", "coach_digest", "format_digest"]


class DigestMatch(BaseModel):
    candidate_id: int
    external_id: str = Field(description="identifiant du suivi (votre propre suivi)")
    rank: int
    score: float
    components: dict[str, float]
    explanation: str
    run_id: int


class DigestOffer(BaseModel):
    offer_id: int
    offer_external_id: str
    intitule: str
    code_rome: str | None
    commune_insee: str
    commune: str
    start_date: date
    open_positions: int
    matches: list[DigestMatch]


class DigestRead(BaseModel):
    coach_id: int
    coach: str
    since_match_id: int = Field(description="dernière correspondance déjà lue")
    last_match_id: int = Field(description="dernière correspondance de ce résumé")
    previous_read_at: datetime | None
    peek: bool
    n_matches: int
    offers: list[DigestOffer]


class DigestRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def mark(self, coach_id: int) -> DigestMark | None:
        return self.session.get(DigestMark, coach_id)

    def wait_for_batches(self) -> None:
        """On PostgreSQL, wait until no batch is writing: match ids are taken from a sequence
        when a batch inserts them, so a digest read while one is still uncommitted could move
        the mark past ids that appear later. SQLite has one writer: no such gap."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(select(func.pg_advisory_xact_lock_shared(BATCH_LOCK)))

    def new_matches(self, coach_id: int, after_id: int) -> list[tuple[Match, Candidate, Offer]]:
        stmt = (
            select(Match, Candidate, Offer)
            .join(Candidate, Candidate.id == Match.candidate_id)
            .join(Offer, Offer.id == Match.offer_id)
            .join(MatchRun, MatchRun.id == Match.run_id)
            .where(
                Candidate.coach_id == coach_id,
                Match.id > after_id,
                MatchRun.status == "completed",
            )
            .order_by(Offer.id, Match.id)
        )
        return [(m, c, o) for m, c, o in self.session.execute(stmt)]

    def advance_mark(self, coach_id: int, last_match_id: int) -> None:
        """Move the coach's mark to ``last_match_id`` (never backwards), read now.

        Queued after the reads when the request only reads (:func:`service.db.after_reads`):
        two digests read at once both leave the mark at the furthest match either saw."""
        read_at = utcnow()

        def write(writer: Session) -> None:
            mark = writer.get(DigestMark, coach_id)
            if mark is None:
                writer.add(
                    DigestMark(coach_id=coach_id, last_match_id=last_match_id, read_at=read_at)
                )
            else:
                mark.last_match_id = max(mark.last_match_id, last_match_id)
                mark.read_at = read_at
            writer.flush()

        after_reads(self.session, write)

    def active_coaches(self, username: str | None = None) -> list[User]:
        stmt = select(User).where(User.role == "coach", User.is_active).order_by(User.username)
        if username is not None:
            stmt = stmt.where(User.username == username)
        return list(self.session.scalars(stmt))


def coach_digest(
    session: Session,
    coach: User,
    *,
    refs: Referentials,
    peek: bool = False,
    actor: User | None = None,
) -> DigestRead:
    """The coach's new matches since their last digest; marks them read unless ``peek``.

    ``actor`` is who reads (the coach through the API; ``None`` for the command line).
    """
    repo = DigestRepository(session)
    mark = repo.mark(coach.id)
    since = mark.last_match_id if mark else 0
    repo.wait_for_batches()
    rows = repo.new_matches(coach.id, since)
    latest: dict[tuple[int, int], tuple[Match, Candidate, Offer]] = {}
    for m, c, o in rows:
        latest[(o.id, c.id)] = (m, c, o)  # rows come by match id: the last one wins
    groups: dict[int, DigestOffer] = {}
    for m, c, o in latest.values():
        group = groups.get(o.id)
        if group is None:
            commune = refs.communes.by_insee(o.commune_insee)
            group = groups[o.id] = DigestOffer(
                offer_id=o.id,
                offer_external_id=o.external_id,
                intitule=o.intitule,
                code_rome=o.code_rome,
                commune_insee=o.commune_insee,
                commune=commune.nom if commune else o.commune_insee,
                start_date=o.start_date,
                open_positions=o.open_positions,
                matches=[],
            )
        group.matches.append(
            DigestMatch(
                candidate_id=c.id,
                external_id=c.external_id,
                rank=m.rank,
                score=round(m.score, 4),
                components=dict(m.components or {}),
                explanation=m.explanation,
                run_id=m.run_id,
            )
        )
    offers = sorted(groups.values(), key=lambda g: (-max(x.score for x in g.matches), g.offer_id))
    for g in offers:
        g.matches.sort(key=lambda x: (-x.score, x.candidate_id))
    last = max((m.id for m, _, _ in rows), default=since)
    previous = mark.read_at if mark else None
    if not peek:
        repo.advance_mark(coach.id, last)
    n = sum(len(g.matches) for g in offers)
    audit(
        session,
        actor,
        "digest_peek" if peek else "digest_read",
        "user",
        coach.id,
        {"offers": len(offers), "matches": n, "since_match_id": since, "last_match_id": last},
    )
    return DigestRead(
        coach_id=coach.id,
        coach=coach.username,
        since_match_id=since,
        last_match_id=last,
        previous_read_at=previous,
        peek=peek,
        n_matches=n,
        offers=offers,
    )


def format_digest(digest: DigestRead) -> str:
    """The digest as French text (command line, e-mail body)."""
    lines = [f"Résumé pour {digest.coach}"]
    if not digest.offers:
        lines.append("  Rien de nouveau pour votre suivi depuis le dernier résumé.")
        return "\n".join(lines)
    lines[0] += (
        f" : {digest.n_matches} nouvelle(s) proposition(s) sur {len(digest.offers)} offre(s)"
    )
    for g in digest.offers:
        lines.append("")
        lines.append(
            f"Offre {g.offer_external_id} — {g.intitule} ({g.code_rome or '?'}), {g.commune}, "
            f"début le {g.start_date.strftime('%d/%m/%Y')}, {g.open_positions} poste(s)"
        )
        for m in g.matches:
            score = f"{m.score:.2f}".replace(".", ",")
            lines.append(f"  • {m.external_id} (n° {m.candidate_id}) — score {score}")
            lines.append(f"    {m.explanation}")
    return "\n".join(lines)
