"""Shortlists, best offers of a person and "Pourquoi pas ?" through the API."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from factories import Actor, audit_entries, make_candidate, make_offer, make_user
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, event
from sqlalchemy.orm import Session

from service.scoring.schemas import ShortlistRead


def _people(session: Session, coach: Actor, other: Actor) -> dict[str, int]:
    """Three people around Alençon; the best one for a mason offer belongs to ``other``."""
    near_mason = make_candidate(session, coach=other, commune_insee="61001")
    far_mason = make_candidate(
        session, coach=coach, commune_insee="61169", max_distance_km=80.0
    )  # Flers, 60 km road
    cleaner = make_candidate(session, coach=coach, jobs=((None, "K2204", 1.0),))
    no_licence = make_candidate(session, coach=coach, licences=())
    session.flush()
    return {
        "near": near_mason.id,
        "far": far_mason.id,
        "cleaner": cleaner.id,
        "no_licence": no_licence.id,
    }


def test_shortlist_ranks_and_hides_other_coaches_people(
    client: TestClient, session: Session, coach: Actor, other_coach: Actor
) -> None:
    ids = _people(session, coach, other_coach)
    offer = make_offer(session, required_licences=("PERMIS_B",))
    session.flush()
    resp = client.get(f"/offers/{offer.id}/shortlist?k=10", headers=coach.headers)
    assert resp.status_code == 200, resp.text
    body = resp.json()
    ranked = [item["candidate_id"] for item in body["items"]]
    assert ranked[0] == ids["near"]  # same job, same town
    assert ids["no_licence"] not in ranked  # permis B required
    # no target job related to a mason's, whose job asks for a qualification
    assert ids["cleaner"] not in ranked
    assert ids["far"] in ranked
    first = body["items"][0]
    assert first["external_id"] is None and not first["is_own_caseload"]
    assert first["coach"] == other_coach.user.username
    assert first["commune"] == "Alençon"
    assert "Même métier" in first["explanation"]
    own = next(i for i in body["items"] if i["candidate_id"] == ids["far"])
    assert own["external_id"] is not None and own["is_own_caseload"]
    assert all(0 <= i["score"] <= 1 for i in body["items"])
    assert body["model_version"].startswith("weighted")
    assert audit_entries(session, action="shortlist", entity_id=offer.id)
    # Sent without re-validation: the body must still be exactly a ShortlistRead.
    assert ShortlistRead.model_validate(body).model_dump(mode="json") == body


def test_scope_mine_keeps_only_the_coachs_caseload(
    client: TestClient, session: Session, coach: Actor, other_coach: Actor
) -> None:
    ids = _people(session, coach, other_coach)
    offer = make_offer(session)
    session.flush()
    body = client.get(f"/offers/{offer.id}/shortlist?k=10&scope=mine", headers=coach.headers).json()
    ranked = [i["candidate_id"] for i in body["items"]]
    assert ids["near"] not in ranked
    assert ranked[0] == ids["far"] or ranked[0] == ids["no_licence"]
    assert [i["rank"] for i in body["items"]] == list(range(1, len(ranked) + 1))
    assert all(i["external_id"] for i in body["items"])
    assert all(i["explanation"] for i in body["items"])
    assert ShortlistRead.model_validate(body).model_dump(mode="json") == body


def test_facilitator_sees_everyone_in_full(
    client: TestClient, session: Session, coach: Actor, other_coach: Actor
) -> None:
    _people(session, coach, other_coach)
    facilitator = make_user(session, role="facilitator")
    offer = make_offer(session)
    session.flush()
    body = client.get(f"/offers/{offer.id}/shortlist", headers=facilitator.headers).json()
    assert body["items"] and all(i["external_id"] for i in body["items"])


def test_the_state_follows_changes_without_rebuilding(
    app: FastAPI, client: TestClient, session: Session, coach: Actor, other_coach: Actor
) -> None:
    ids = _people(session, coach, other_coach)
    offer = make_offer(session)
    session.flush()
    builds = app.state.scoring.n_full_builds
    first = client.get(f"/offers/{offer.id}/shortlist", headers=coach.headers).json()
    assert first["items"][0]["candidate_id"] == ids["near"]
    # The best person leaves the programme: they drop out of the next shortlist.
    from service.models.people import Candidate

    person = session.get(Candidate, ids["near"])
    assert person is not None
    person.is_active = False
    session.flush()
    after = client.get(f"/offers/{offer.id}/shortlist", headers=coach.headers).json()
    assert ids["near"] not in [i["candidate_id"] for i in after["items"]]
    assert app.state.scoring.n_full_builds == builds


def test_offers_for_a_person(
    client: TestClient, session: Session, coach: Actor, other_coach: Actor
) -> None:
    ids = _people(session, coach, other_coach)
    mason = make_offer(session)
    cleaning = make_offer(session, code_rome="K2204", code_ogr=None, intitule="Agent de propreté")
    session.flush()
    body = client.get(f"/candidates/{ids['cleaner']}/offers", headers=coach.headers).json()
    assert [i["offer_id"] for i in body["items"]][:1] == [cleaning.id]
    assert mason.id in [i["offer_id"] for i in body["items"]] or len(body["items"]) == 1
    # Another coach's person is not found for this coach.
    resp = client.get(f"/candidates/{ids['near']}/offers", headers=coach.headers)
    assert resp.status_code == 404
    assert audit_entries(session, action="read_offers_for", entity_id=ids["cleaner"])


def test_why_not_gives_every_reason_in_french(
    client: TestClient, session: Session, coach: Actor, other_coach: Actor
) -> None:
    ids = _people(session, coach, other_coach)
    offer = make_offer(session, required_licences=("PERMIS_C",), has_nights=True)
    session.flush()
    body = client.get(
        f"/candidates/{ids['no_licence']}/why-not/{offer.id}", headers=coach.headers
    ).json()
    assert body["is_excluded"]
    codes = {r["code"] for r in body["reasons"]}
    assert {"missing_licence", "nights"} <= codes
    assert any("permis C" in r["message"] for r in body["reasons"])
    ok = make_offer(session)
    session.flush()
    body = client.get(f"/candidates/{ids['far']}/why-not/{ok.id}", headers=coach.headers).json()
    assert not body["is_excluded"] and "classée" in body["summary"]


def test_bad_requests(client: TestClient, session: Session, coach: Actor) -> None:
    offer = make_offer(session, status="closed")
    session.flush()
    resp = client.get(f"/offers/{offer.id}/shortlist", headers=coach.headers)
    assert resp.status_code == 422 and "clôturée" in resp.json()["detail"]
    resp = client.get("/offers/999999/shortlist", headers=coach.headers)
    assert resp.status_code == 404 and resp.json()["error"] == "NotFound"
    resp = client.get(f"/offers/{offer.id}/shortlist?k=0", headers=coach.headers)
    assert resp.status_code == 422
    resp = client.get(f"/offers/{offer.id}/shortlist?scope=everyone", headers=coach.headers)
    assert resp.status_code == 422


def test_admin_reads_no_shortlist(client: TestClient, session: Session) -> None:
    admin = make_user(session, role="admin")
    offer = make_offer(session, start_date=date(2026, 12, 1))
    session.flush()
    assert client.get(f"/offers/{offer.id}/shortlist", headers=admin.headers).status_code == 403


def test_ended_offers_are_not_ranked(
    client: TestClient, session: Session, coach: Actor, other_coach: Actor
) -> None:
    ids = _people(session, coach, other_coach)
    ended = make_offer(session, start_date=date(2025, 1, 6), end_date=date(2025, 6, 30))
    live = make_offer(session)
    session.flush()
    resp = client.get(f"/offers/{ended.id}/shortlist", headers=coach.headers)
    assert resp.status_code == 422 and "terminée" in resp.json()["detail"]
    body = client.get(f"/candidates/{ids['far']}/offers", headers=coach.headers).json()
    offered = [i["offer_id"] for i in body["items"]]
    assert live.id in offered and ended.id not in offered


def test_a_remembered_ranking_is_still_scoped_per_caller(
    app: FastAPI, client: TestClient, session: Session, coach: Actor, other_coach: Actor
) -> None:
    ids = _people(session, coach, other_coach)
    facilitator = make_user(session, role="facilitator")
    offer = make_offer(session)
    session.flush()
    url = f"/offers/{offer.id}/shortlist?k=10"
    scoring = app.state.scoring
    as_coach = client.get(url, headers=coach.headers).json()
    hits = scoring.n_memo_hits
    as_facilitator = client.get(url, headers=facilitator.headers).json()
    assert scoring.n_memo_hits == hits + 1  # the same ranking, not computed again
    assert [i["candidate_id"] for i in as_coach["items"]] == [
        i["candidate_id"] for i in as_facilitator["items"]
    ]
    near_for = {
        who: next(i for i in body["items"] if i["candidate_id"] == ids["near"])
        for who, body in (("coach", as_coach), ("facilitator", as_facilitator))
    }
    assert near_for["coach"]["external_id"] is None
    assert near_for["facilitator"]["external_id"] is not None
    # A change of coach is a change of the person: the list is ranked and named again at once.
    from service.models.people import Candidate

    person = session.get(Candidate, ids["near"])
    assert person is not None
    person.coach_id = coach.id
    session.flush()
    again = client.get(url, headers=coach.headers).json()
    near = next(i for i in again["items"] if i["candidate_id"] == ids["near"])
    assert near["external_id"] is not None and near["is_own_caseload"]
    assert near["coach"] == coach.user.username


def test_a_job_just_beyond_the_declared_range_is_shown_flagged(
    client: TestClient, session: Session, coach: Actor
) -> None:
    # Sées → Alençon is 26 road km: beyond the 22 km declared, within 22 + 5 km of tolerance.
    person = make_candidate(session, coach=coach, commune_insee="61464", max_distance_km=22.0)
    offer = make_offer(session)
    session.flush()
    body = client.get(f"/offers/{offer.id}/shortlist", headers=coach.headers).json()
    (item,) = [i for i in body["items"] if i["candidate_id"] == person.id]
    assert item["beyond_range"] and "pour 22 km déclarés" in item["explanation"]
    why = client.get(f"/candidates/{person.id}/why-not/{offer.id}", headers=coach.headers).json()
    assert not why["is_excluded"]
    (reason,) = why["reasons"]
    assert reason["code"] == "beyond_range" and not reason["is_excluding"]
    assert "dans la tolérance" in reason["message"] and "trajet dépasse" in why["summary"]


# Words of the full explanation that the pseudonymous view must not carry (issue 21, finding 6).
_PRIVATE_WORDS = (
    "permis",
    "voiture",
    "véhicule",
    "transport",
    "vélo",
    "à pied",
    "deux-roues",
    "prêt à l'emploi",
    "en parcours",
    "diagnostic",
    "disponible",
    "évaluation",
    "expérience",
    "compétence",
    "déclaré",
)


def test_other_coaches_people_are_explained_from_the_pseudonymous_view_only(
    client: TestClient, session: Session, coach: Actor, other_coach: Actor
) -> None:
    ids = _people(session, coach, other_coach)
    # Just beyond the declared range too: the flag would tell the declared range.
    beyond = make_candidate(session, coach=other_coach, commune_insee="61464", max_distance_km=22.0)
    offer = make_offer(session, required_licences=("PERMIS_B",))
    session.flush()
    body = client.get(f"/offers/{offer.id}/shortlist?k=10", headers=coach.headers).json()
    others = [i for i in body["items"] if not i["is_own_caseload"]]
    assert {i["candidate_id"] for i in others} >= {ids["near"], beyond.id}
    for item in others:
        text = item["explanation"].lower()
        assert not [w for w in _PRIVATE_WORDS if w in text], item["explanation"]
        assert item["components"] is None and item["contributions"] is None
        assert item["beyond_range"] is None
    near = next(i for i in others if i["candidate_id"] == ids["near"])
    assert near["explanation"].startswith("Même métier") and "Alençon" in near["explanation"]
    # The same people in full for their own coach and for the facilitator.
    full = client.get(f"/offers/{offer.id}/shortlist?k=10", headers=other_coach.headers).json()
    mine = next(i for i in full["items"] if i["candidate_id"] == ids["near"])
    assert "permis B" in mine["explanation"] and mine["components"] is not None
    assert ShortlistRead.model_validate(body).model_dump(mode="json") == body


def test_remembered_rankings_are_not_walked_by_the_garbage_collector(
    app: FastAPI, client: TestClient, session: Session, coach: Actor, other_coach: Actor
) -> None:
    """Thousands of memoised lists must not make every full collection walk their rows."""
    import gc

    _people(session, coach, other_coach)
    offer = make_offer(session)
    session.flush()
    body = client.get(f"/offers/{offer.id}/shortlist?k=10", headers=coach.headers).json()
    assert body["items"]
    scoring = app.state.scoring
    gc.collect()
    gc.collect()
    remembered = [v[1] for k, v in scoring._memo.items() if k[0] == "shortlist"]  # rows
    assert remembered and all(len(v) for v in remembered)
    assert not any(gc.is_tracked(row) for rows in remembered for row in rows)
    # What start-up loaded was set aside from the collector's passes.
    assert gc.get_freeze_count() > 0


def test_rankings_out_of_reach_of_a_change_are_kept_and_the_same(
    app: FastAPI, client: TestClient, session: Session, coach: Actor
) -> None:
    """After a change, the shortlists the service keeps (offers no changed person or offer can
    reach) are exactly what a state built from scratch ranks."""
    from fixtures import REFERENTIALS_DIR
    from service.referentials.service import load_referentials
    from service.scoring.state import ScoringState

    facilitator = make_user(session, role="facilitator")
    towns = ("61001", "61006", "61169", "61214", "61293")  # Alençon, Argentan, Flers, L'Aigle...
    people = [
        make_candidate(session, coach=coach, commune_insee=town, max_distance_km=8.0)
        for town in towns
        for _ in range(3)
    ]
    offers = [make_offer(session, commune_insee=town) for town in towns for _ in range(2)]
    session.flush()
    scoring = app.state.scoring

    def lists() -> dict[int, list[tuple[int, float, str]]]:
        out = {}
        for offer in offers:
            body = client.get(
                f"/offers/{offer.id}/shortlist?k=5", headers=facilitator.headers
            ).json()
            out[offer.id] = [
                (i["candidate_id"], i["score"], i["explanation"]) for i in body["items"]
            ]
        return out

    lists()  # remembered
    # One person of Alençon moves to Flers, an offer of L'Aigle changes its job.
    people[0].commune_insee = "61169"
    offers[6].code_rome, offers[6].code_ogr = "K2204", None
    session.flush()
    carried, hits, misses = scoring.n_memo_carried, scoring.n_memo_hits, scoring.n_memo_misses
    served = lists()
    assert scoring.n_memo_carried > carried  # some rankings were kept...
    assert scoring.n_memo_hits > hits  # ...and served as they were...
    assert scoring.n_memo_misses > misses  # ...and the reachable ones ranked again

    refs = load_referentials(REFERENTIALS_DIR)
    fresh = ScoringState(rome=refs.rome, communes=refs.communes, max_age_s=0)
    try:
        state = fresh.build(session)
        today = fresh.today()
        for offer in offers:
            ranked = state.shortlist(str(offer.id), 5, as_of=today)
            expected = [
                (int(c), round(float(s), 4), str(e))
                for c, s, e in zip(
                    ranked["candidate_id"], ranked["score"], ranked["explanation"], strict=True
                )
            ]
            assert served[offer.id] == expected, offer.id
    finally:
        fresh.close()


@pytest.mark.usefixtures("steady_memory")
def test_a_remembered_list_is_answered_from_memory_without_a_query(
    app: FastAPI,
    client: TestClient,
    session: Session,
    coach: Actor,
    other_coach: Actor,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A list remembered for the current state is answered on the event loop with no query
    (names, coaches and the offer's columns are remembered with the ranking); a change to a
    person's name makes a new state, whose list names them anew."""
    from service.scoring import endpoints

    ids = _people(session, coach, other_coach)
    facilitator = make_user(session, role="facilitator")
    offer = make_offer(session)
    session.flush()
    url = f"/offers/{offer.id}/shortlist?k=10"
    threads: list[object] = []
    real = endpoints.run_in_threadpool

    async def counted(fn: Any, *args: Any) -> Any:
        threads.append(fn)
        return await real(fn, *args)

    monkeypatch.setattr(endpoints, "run_in_threadpool", counted)
    first = client.get(url, headers=facilitator.headers)
    assert first.status_code == 200 and len(threads) == 1  # ranked in a thread

    statements: list[str] = []

    def spy(conn: object, cursor: object, statement: str, *_: object) -> None:
        statements.append(statement)

    bind = session.get_bind()
    engine = bind.engine if isinstance(bind, Connection) else bind
    event.listen(engine, "before_cursor_execute", spy)
    try:
        again = client.get(url, headers=facilitator.headers)
    finally:
        event.remove(engine, "before_cursor_execute", spy)
    assert again.status_code == 200 and len(threads) == 1  # answered on the event loop
    assert again.json()["items"] == first.json()["items"]
    read = [s for s in statements if re.search(r"\bFROM (candidates|offers|users)\b", s)]
    assert read == []
    # Its audit entry and shown pairs were written all the same.
    assert [e.action for e in audit_entries(session)][-2:] == ["shortlist", "shortlist"]

    from service.models.people import Candidate

    person = session.get(Candidate, ids["near"])
    assert person is not None
    person.first_name = "Renommée"
    session.flush()
    renamed = client.get(url, headers=facilitator.headers).json()
    near = next(i for i in renamed["items"] if i["candidate_id"] == ids["near"])
    assert near["name"].startswith("Renommée")
