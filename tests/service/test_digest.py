"""Per-coach digest: new matches of one's caseload, grouped by offer, marked read, audited."""

from __future__ import annotations

from factories import Actor, audit_entries, make_candidate, make_offer
from fastapi.testclient import TestClient
from importing import do_batch, refs
from sqlalchemy.orm import Session

from service.models.scoring import DigestMark
from service.scoring.digest import coach_digest, format_digest


def _setup(session: Session, coach: Actor, other_coach: Actor) -> tuple[list[int], list[int]]:
    mine = [
        make_candidate(session, coach=coach, first_name=first, last_name="Martin").id
        for first in ("Anaïs", "Bruno")
    ]
    make_candidate(session, coach=other_coach, first_name="Zéphyrine", last_name="Quennehen")
    offers = [make_offer(session, open_positions=2).id for _ in range(2)]
    assert do_batch(session).status == "completed"
    return mine, offers


def test_digest_groups_new_matches_by_offer_and_marks_them_read(
    client: TestClient, session: Session, coach: Actor, other_coach: Actor
) -> None:
    mine, offers = _setup(session, coach, other_coach)
    peek = client.get("/coaches/me/digest", params={"peek": "true"}, headers=coach.headers)
    assert peek.status_code == 200
    body = peek.json()
    assert body["peek"] and body["since_match_id"] == 0
    assert sorted(g["offer_id"] for g in body["offers"]) == sorted(offers)
    for group in body["offers"]:
        ids = [m["candidate_id"] for m in group["matches"]]
        assert sorted(ids) == sorted(mine)  # only my caseload
        scores = [m["score"] for m in group["matches"]]
        assert scores == sorted(scores, reverse=True)
        assert all("Maçon" in m["explanation"] for m in group["matches"])
        assert sorted(m["name"] for m in group["matches"]) == ["Anaïs Martin", "Bruno Martin"]
    # the other coach's person is in the batch lists, never in this coach's digest
    assert "Zéphyrine" not in peek.text and "Quennehen" not in peek.text
    assert body["n_matches"] == 4
    assert session.get(DigestMark, coach.id) is None

    read = client.get("/coaches/me/digest", headers=coach.headers).json()
    assert read["n_matches"] == 4 and not read["peek"]
    session.expire_all()
    mark = session.get(DigestMark, coach.id)
    assert mark is not None and mark.last_match_id == read["last_match_id"] > 0

    empty = client.get("/coaches/me/digest", headers=coach.headers).json()
    assert empty["n_matches"] == 0 and empty["offers"] == []
    assert empty["since_match_id"] == read["last_match_id"]

    actions = [e.action for e in audit_entries(session, entity_type="user", entity_id=coach.id)]
    assert actions == ["digest_peek", "digest_read", "digest_read"]


def test_only_what_is_new_since_the_last_digest(
    session: Session, coach: Actor, other_coach: Actor
) -> None:
    _, offers = _setup(session, coach, other_coach)
    first = coach_digest(session, coach.user, refs=refs())
    assert len(first.offers) == 2
    # A third offer arrives and is scored: the next digest shows it alone.
    third = make_offer(session, intitule="Maçon VRD", open_positions=1)
    assert do_batch(session).status == "completed"
    second = coach_digest(session, coach.user, refs=refs())
    assert [g.offer_id for g in second.offers] == [third.id]
    assert len(second.offers[0].matches) <= 3
    text = format_digest(second)
    assert "Maçon VRD" in text and "nouvelle(s) proposition(s)" in text
    assert "Rien de nouveau" in format_digest(coach_digest(session, coach.user, refs=refs()))
    other = coach_digest(session, other_coach.user, refs=refs(), peek=True)
    assert {len(g.matches) for g in other.offers} == {1}
    assert offers


def test_cli_digest(session: Session, coach: Actor, other_coach: Actor, capsys: object) -> None:
    _setup(session, coach, other_coach)
    digest = coach_digest(session, coach.user, refs=refs(), peek=True)
    text = format_digest(digest)
    assert text.startswith("Résumé pour coach-a : 4 nouvelle(s) proposition(s) sur 2 offre(s)")
    assert text.count("  • ") == 4 and "Offre O" in text and ", Alençon, début le " in text
    # a text that leaves the service (terminal, e-mail) names nobody: follow-up ids only
    assert "Martin" not in text and "Anaïs" not in text
