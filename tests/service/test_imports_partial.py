"""Partial acceptance of offer files: the valid offers only when asked, the refused ones said and
kept until resolved; without the flag, and for a whole-file problem, nothing changes."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from factories import Actor
from fastapi import FastAPI
from fastapi.testclient import TestClient
from importing import OFFER_HEADER, do_import_offers, fake_titles, offer_line, snapshot
from sqlalchemy import select
from sqlalchemy.orm import Session

from fixtures import REFERENTIALS_DIR
from service.errors import InvalidInput
from service.imports.offer_import import dismiss_refused, list_refused
from service.kit.crud import Pagination
from service.models.accounts import AuditEntry
from service.models.imports import RefusedOffer
from service.models.offers import Offer
from service.referentials.titles import get_title_normaliser

SAMPLE = json.loads(
    (REFERENTIALS_DIR.parent / "samples" / "france_travail_offers_sample.json").read_text("utf-8")
)


def _ft(*changes: dict[str, Any]) -> bytes:
    """The real sample, then one variant of its second offer per ``changes``."""
    items = copy.deepcopy(SAMPLE)
    for change in changes:
        offer = copy.deepcopy(SAMPLE[1])
        offer.update(change)
        items.append(offer)
    return json.dumps(items).encode()


BAD = {"id": "NOWHERE", "lieuTravail": {"libelle": "Normandie"}, "dureeTravailLibelle": "60H"}
ODD = {"id": "DIN1", "typeContrat": "DIN"}


def test_without_the_flag_nothing_is_imported_and_the_way_out_is_said(session: Session) -> None:
    before = snapshot(session)
    with pytest.raises(InvalidInput) as refused:
        do_import_offers(session, _ft(BAD, ODD), filename="ft.json")
    assert "rien n'a été importé" in refused.value.detail
    assert "--accept-valid" in refused.value.detail
    assert {e["code"] for e in refused.value.errors or []} == {
        "unknown_commune",
        "bad_weekly_hours",
    }
    assert snapshot(session) == before


def test_the_valid_offers_are_imported_and_the_refused_ones_listed(session: Session) -> None:
    data = _ft(BAD, ODD)
    dry = do_import_offers(session, data, filename="ft.json", dry_run=True, accept_valid=True)
    assert dry.created == 21 and [r.external_id for r in dry.refused] == ["NOWHERE"]
    assert session.scalars(select(RefusedOffer)).all() == []

    report = do_import_offers(session, data, filename="ft.json", accept_valid=True)
    assert report.created == 21 and report.rows == 21
    [refused] = report.refused
    assert (refused.line, refused.external_id) == (21, "NOWHERE")
    assert refused.title == SAMPLE[1]["intitule"]
    assert {e.code for e in refused.errors} == {"unknown_commune", "bad_weekly_hours"}
    assert report.warnings[0].startswith("Import partiel : 1 offre(s) refusée(s)")
    assert session.scalar(select(Offer).where(Offer.external_id == "NOWHERE")) is None
    din = session.scalar(select(Offer).where(Offer.external_id == "DIN1"))
    assert din is not None and din.contract_type == "CDI"
    [kept] = session.scalars(select(RefusedOffer)).all()
    assert (kept.status, kept.external_id, kept.times_seen) == ("pending", "NOWHERE", 1)
    assert {e["code"] for e in kept.errors} == {"unknown_commune", "bad_weekly_hours"}
    entry = session.scalars(
        select(AuditEntry).where(AuditEntry.action == "import").order_by(AuditEntry.id.desc())
    ).first()
    assert entry is not None and entry.detail is not None and entry.detail["refused"] == 1

    # Re-importing changes nothing; the refused offer is seen once more.
    again = do_import_offers(session, data, filename="ft.json", accept_valid=True)
    assert again.unchanged == 21 and again.created == again.updated == 0
    session.refresh(kept)
    assert kept.times_seen == 2 and kept.status == "pending"

    # Corrected at the source, it is imported and resolved.
    fixed = {"id": "NOWHERE", "lieuTravail": SAMPLE[1]["lieuTravail"]}
    done = do_import_offers(session, _ft(fixed, ODD), filename="ft2.json", accept_valid=True)
    assert done.created == 1 and done.refused == []
    session.refresh(kept)
    assert kept.status == "resolved" and kept.resolved_at is not None


def test_a_refused_offer_can_be_set_aside(session: Session, facilitator: Any) -> None:
    do_import_offers(session, _ft(BAD), filename="ft.json", accept_valid=True)
    rows, total = list_refused(session, status="pending", page=Pagination(limit=10, offset=0))
    assert total == 1 and rows[0].external_id == "NOWHERE"
    out = dismiss_refused(session, facilitator.user, rows[0].id)
    assert out.status == "dismissed"
    assert list_refused(session, status="pending", page=Pagination(limit=10, offset=0))[1] == 0


def test_unknown_lot_refuses_that_offer_only(session: Session) -> None:
    text = OFFER_HEADER + offer_line("OE-1") + offer_line("OE-2", lot="LOT-INCONNU")
    report = do_import_offers(session, text, accept_valid=True)
    assert report.created == 1
    assert [(r.line, r.external_id) for r in report.refused] == [(3, "OE-2")]
    assert report.refused[0].errors[0].code == "unknown_lot"


def test_csv_rows_that_cannot_be_read_are_listed_without_a_reference(session: Session) -> None:
    text = OFFER_HEADER + offer_line("OE-1") + "OE-2;Maçon\n"
    report = do_import_offers(session, text, accept_valid=True)
    assert report.created == 1
    assert [(r.line, r.external_id) for r in report.refused] == [(3, "")]
    [kept] = session.scalars(select(RefusedOffer)).all()
    assert kept.ref == "offres.csv#3" and kept.external_id is None


def test_a_file_problem_still_refuses_the_whole_file(session: Session) -> None:
    before = snapshot(session)
    with pytest.raises(InvalidInput) as refused:
        do_import_offers(session, b"[{]", filename="ft.json", accept_valid=True)
    assert "--accept-valid" not in refused.value.detail
    assert snapshot(session) == before


def test_api_partial_import_then_the_refused_list(
    app: FastAPI, client: TestClient, facilitator: Actor, admin: Actor
) -> None:
    app.dependency_overrides[get_title_normaliser] = lambda: fake_titles
    try:
        files = {"file": ("ft.json", _ft(BAD, ODD), "application/json")}
        r = client.post("/imports/offers", files=files, headers=facilitator.headers)
        assert r.status_code == 422 and "accept_valid=true" in r.json()["detail"]
        r = client.post(
            "/imports/offers",
            files=files,
            params={"accept_valid": "true"},
            headers=facilitator.headers,
        )
    finally:
        app.dependency_overrides.pop(get_title_normaliser, None)
    body = r.json()
    assert r.status_code == 200 and body["created"] == 21
    assert [x["external_id"] for x in body["refused"]] == ["NOWHERE"]
    listed = client.get("/imports/refused-offers", headers=facilitator.headers).json()
    assert listed["total"] == 1 and listed["items"][0]["origin"] == "ft.json"
    rid = listed["items"][0]["id"]
    r = client.post(f"/imports/refused-offers/{rid}/dismiss", headers=facilitator.headers)
    assert r.status_code == 200 and r.json()["status"] == "dismissed"
    r = client.post(f"/imports/refused-offers/{rid}/dismiss", headers=facilitator.headers)
    assert r.status_code == 409
    assert client.get("/imports/refused-offers", headers=facilitator.headers).json()["total"] == 0
    everything = client.get(
        "/imports/refused-offers", params={"status": "all"}, headers=facilitator.headers
    ).json()
    assert everything["total"] == 1
    assert client.get("/imports/feed-runs", headers=admin.headers).json()["total"] == 0
