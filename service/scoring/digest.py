"""Per-coach digest: the batch's new matches for a coach's caseload since their last digest.

Matches are grouped by offer, best first, each with its French explanation. Reading the digest
moves the coach's mark (``digest_marks.last_match_id``) to the newest match shown, unless
``peek``; every read is audited. When an offer was scored again (changed since), only its latest
match per person is shown.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.accounts.audit import audit
from service.models.accounts import User
from service.models.offers import Offer
from service.models.people import Candidate, display_name
from service.models.scoring import Match
from service.referentials.service import Referentials
from service.scoring.exposures import record_exposures
from service.scoring.repository import DigestRepository
from service.scoring.schemas import DigestMatch, DigestOffer, DigestRead

__all__ = ["coach_digest", "format_digest"]


def coach_digest(
    session: Session,
    coach: User,
    *,
    refs: Referentials,
    peek: bool = False,
    actor: User | None = None,
    since: int | None = None,
) -> DigestRead:
    """The coach's new matches since their last digest; marks them read unless ``peek``.

    ``actor`` is who reads (the coach through the API; ``None`` for the command line).
    ``since`` (the e-mailed digest's own mark): the matches after it, the coach's mark left
    where it is.
    """
    repo = DigestRepository(session)
    mark = repo.mark(coach.id)
    mailed = since is not None
    if since is None:
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
                name=display_name(c.first_name, c.last_name, c.external_id),
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
    # what the coach is shown now: the latest match of each (offer, person)
    record_exposures(
        session,
        coach,
        "digest",
        ((o.id, c.id, m.rank, m.score, m.model_version, None) for m, c, o in latest.values()),
    )
    last = max((m.id for m, _, _ in rows), default=since)
    previous = mark.read_at if mark else None
    if not peek and not mailed:
        repo.advance_mark(coach.id, last)
    n = sum(len(g.matches) for g in offers)
    audit(
        session,
        actor,
        "digest_mail" if mailed else "digest_peek" if peek else "digest_read",
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
