"""Offer imports into the database: all or nothing, upsert by external id, dry run, API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from factories import SIRETS, Actor, audit_entries, make_lot
from fastapi import FastAPI
from fastapi.testclient import TestClient
from importing import (
    OFFER_HEADER,
    do_import_offers,
    fake_titles,
    offer_line,
    snapshot,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from fixtures import REFERENTIALS_DIR
from service.config import Settings
from service.errors import InvalidInput, PayloadTooLarge
from service.imports.reading import ImportLimits
from service.kit.deps import get_app_settings
from service.models.offers import Offer, OfferLicence
from service.models.procurement import Company
from service.referentials.titles import get_title_normaliser, title_normaliser

SAMPLE_JSON = REFERENTIALS_DIR.parent / "samples" / "france_travail_offers_sample.json"

GOOD = (
    OFFER_HEADER
    + offer_line("OE-1", siret=SIRETS[0], company="Bâtiments du Bocage")
    + (offer_line("OE-2", "Cariste", commune="Flers", licences="CACES R489 cat 3", positions="2"))
)


def _offers(session: Session) -> dict[str, Offer]:
    return {o.external_id: o for o in session.scalars(select(Offer))}


def test_creates_offers_companies_and_licences(session: Session) -> None:
    report = do_import_offers(session, GOOD)
    assert (report.created, report.updated, report.unchanged) == (2, 0, 0)
    assert report.companies_created == 1 and report.format == "csv"
    offers = _offers(session)
    assert set(offers) == {"OE-1", "OE-2"}
    one = offers["OE-1"]
    assert one.code_rome == "F1703" and one.commune_insee == "61001"
    assert one.source == "orne_emploi" and one.status == "open" and one.version == 1
    company = session.scalars(select(Company).where(Company.siret == SIRETS[0])).one()
    assert one.company_id == company.id and company.name == "Bâtiments du Bocage"
    codes = set(session.scalars(select(OfferLicence.code)))
    assert codes == {"PERMIS_B", "CACES_R489_3"}
    (entry,) = audit_entries(session, action="import")
    assert entry.entity_type == "offers" and entry.detail is not None
    assert entry.detail["created"] == 2


def test_links_lots_by_reference_and_refuses_an_unknown_one(session: Session) -> None:
    lot = make_lot(session, reference="M2026-12-LOT3")
    do_import_offers(session, OFFER_HEADER + offer_line("OE-9", lot="M2026-12-LOT3"))
    assert _offers(session)["OE-9"].lot_id == lot.id
    before = snapshot(session)
    with pytest.raises(InvalidInput) as info:
        do_import_offers(session, OFFER_HEADER + offer_line("OE-10", lot="M2026-12-LOT99"))
    assert info.value.errors is not None
    assert [(e["line"], e["column"], e["code"]) for e in info.value.errors] == [
        (2, "lot", "unknown_lot")
    ]
    assert snapshot(session) == before


def test_reimport_changes_nothing(session: Session) -> None:
    do_import_offers(session, GOOD)
    before = snapshot(session)
    report = do_import_offers(session, GOOD)
    assert (report.created, report.updated, report.unchanged) == (0, 0, 2)
    after = snapshot(session)
    assert after.pop("audit_log") == before.pop("audit_log") + 1  # the import entry only
    assert after == before


def test_a_changed_row_updates_its_offer_only(session: Session) -> None:
    do_import_offers(session, GOOD)
    versions = {k: o.version for k, o in _offers(session).items()}
    changed = GOOD.replace("Flers;CDD;35", "Flers;CDD;24")
    report = do_import_offers(session, changed.replace("CACES R489 cat 3", "C"))
    assert (report.created, report.updated, report.unchanged) == (0, 1, 1)
    session.expire_all()
    offers = _offers(session)
    assert offers["OE-2"].weekly_hours == 24 and offers["OE-2"].version == versions["OE-2"] + 1
    assert offers["OE-1"].version == versions["OE-1"]
    codes = set(
        session.scalars(select(OfferLicence.code).where(OfferLicence.offer_id == offers["OE-2"].id))
    )
    assert codes == {"PERMIS_C"}


def test_dry_run_writes_nothing_and_says_what_it_would_do(session: Session) -> None:
    do_import_offers(session, OFFER_HEADER + offer_line("OE-1"))
    before = snapshot(session)
    text = OFFER_HEADER + offer_line("OE-1", hours="20") + offer_line("OE-3", "Plaquiste")
    report = do_import_offers(
        session, text + offer_line("OE-4", siret=SIRETS[3], company="X"), dry_run=True
    )
    assert report.dry_run and report.created_ids == ["OE-3", "OE-4"]
    assert report.updated_ids == ["OE-1"] and report.unchanged_ids == []
    assert report.companies_created == 1
    assert snapshot(session) == before


def test_france_travail_sample(session: Session) -> None:
    report = do_import_offers(session, SAMPLE_JSON.read_bytes(), filename="ft.json")
    assert report.format == "france_travail" and report.created == 20
    offers = _offers(session)
    assert offers["200GRGP"].code_rome == "D1208" and offers["200GRGP"].source == "france_travail"
    again = do_import_offers(session, SAMPLE_JSON.read_bytes(), filename="ft.json")
    assert again.unchanged == 20 and again.created == again.updated == 0


_LONG = "x" * (10 * 1024 * 1024)
BAD_FILES: dict[str, tuple[bytes, str]] = {
    "wrong encoding": (
        (OFFER_HEADER + offer_line()).encode("utf-8") + b"\x81\x8d\x90\n",
        "bad_encoding",
    ),
    "binary": (b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4, "binary_file"),
    "wrong separator": (
        (OFFER_HEADER + offer_line()).replace(";", "|").encode(),
        "missing_columns",
    ),
    "rows with another separator": (
        (OFFER_HEADER + offer_line().replace(";", ",")).encode(),
        "wrong_field_count",
    ),
    "missing column": (
        "Référence;Intitulé;Commune\nOE-1;Maçon;Alençon\n".encode(),
        "missing_columns",
    ),
    "extra value in a row": (
        (OFFER_HEADER + offer_line().rstrip("\n") + ";en trop\n").encode(),
        "wrong_field_count",
    ),
    "empty file": (b"", "empty_file"),
    "blank file": (b"\n \n", "empty_file"),
    "header only": (OFFER_HEADER.encode(), "header_only"),
    "duplicated ids": (
        (OFFER_HEADER + offer_line("OE-1") + offer_line("OE-1", "Cariste")).encode(),
        "duplicate_id",
    ),
    "unknown commune": (
        (OFFER_HEADER + offer_line(commune="Atlantide")).encode(),
        "unknown_commune",
    ),
    "impossible date": ((OFFER_HEADER + offer_line(start="31/02/2027")).encode(), "bad_start_date"),
    "non-numeric hours": (
        (OFFER_HEADER + offer_line(hours="trente-cinq")).encode(),
        "bad_weekly_hours",
    ),
    "a 10 MB line": ((OFFER_HEADER + offer_line(title=_LONG)).encode(), "field_too_long"),
    "bad json": (b'[{"id": 1,,}]', "bad_json"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_a_bad_file_changes_nothing(session: Session, case: str) -> None:
    do_import_offers(session, GOOD)
    before = snapshot(session)
    data, code = BAD_FILES[case]
    with pytest.raises(InvalidInput) as info:
        do_import_offers(session, data, filename="x.json" if case == "bad json" else "x.csv")
    errors = info.value.errors
    assert errors, "every refusal lists its reasons"
    assert code in {e["code"] for e in errors}, errors
    assert all(e["message"] for e in errors)
    assert "rien n'a été importé" in info.value.detail
    assert snapshot(session) == before


def test_every_bad_row_is_reported_and_nothing_is_written(session: Session) -> None:
    text = (
        OFFER_HEADER
        + offer_line("OE-1")
        + offer_line("OE-2", commune="Atlantide")
        + offer_line("OE-3", start="31/02/2027", hours="beaucoup")
    )
    before = snapshot(session)
    with pytest.raises(InvalidInput) as info:
        do_import_offers(session, text)
    errors = info.value.errors or []
    assert [(e["line"], e["column"], e["code"]) for e in errors] == [
        (3, "Commune", "unknown_commune"),
        (4, "Date de début", "bad_start_date"),
        (4, "Durée hebdomadaire", "bad_weekly_hours"),
    ]
    assert snapshot(session) == before


def test_a_file_far_over_the_limit_is_refused(session: Session) -> None:
    before = snapshot(session)
    big = OFFER_HEADER + offer_line() * 2000
    with pytest.raises(PayloadTooLarge) as info:
        do_import_offers(session, big, limits=ImportLimits(max_bytes=10_000))
    assert info.value.errors and info.value.errors[0]["code"] == "file_too_large"
    with pytest.raises(InvalidInput) as rows:
        do_import_offers(session, big, limits=ImportLimits(max_rows=100))
    assert rows.value.errors and rows.value.errors[0]["code"] == "too_many_rows"
    assert snapshot(session) == before


# --------------------------------------------------------------------------- API


@pytest.fixture
def api(app: FastAPI) -> Iterator[FastAPI]:
    app.dependency_overrides[get_title_normaliser] = lambda: fake_titles
    try:
        yield app
    finally:
        app.dependency_overrides.pop(get_title_normaliser, None)


def _upload(
    client: TestClient, actor: Actor, data: bytes, *, name: str = "offres.csv", **params: str
) -> tuple[int, dict[str, object]]:
    r = client.post(
        "/imports/offers",
        files={"file": (name, data, "text/csv")},
        params=params,
        headers=actor.headers,
    )
    body: dict[str, object] = r.json()
    return r.status_code, body


def test_api_import_then_batch(
    api: FastAPI, client: TestClient, facilitator: Actor, session: Session
) -> None:
    status, body = _upload(client, facilitator, GOOD.encode(), dry_run="true")
    assert status == 200 and body["created_ids"] == ["OE-1", "OE-2"]
    assert session.scalars(select(Offer)).first() is None
    status, body = _upload(client, facilitator, GOOD.encode())
    assert status == 200 and body["created"] == 2
    batch = body["batch"]
    assert isinstance(batch, dict) and batch["status"] in {"completed", "nothing_to_do"}
    status, body = _upload(client, facilitator, GOOD.encode())
    assert status == 200 and body["unchanged"] == 2 and body["batch"] is None


def test_api_bad_file_answers_422_with_every_row(
    api: FastAPI, client: TestClient, facilitator: Actor, session: Session
) -> None:
    text = OFFER_HEADER + offer_line("OE-1", commune="Atlantide") + offer_line("OE-2", hours="x")
    status, body = _upload(client, facilitator, text.encode())
    assert status == 422 and body["error"] == "InvalidInput"
    assert isinstance(body["detail"], str)
    assert body["errors"] == [
        {
            "line": 2,
            "column": "Commune",
            "code": "unknown_commune",
            "message": "Commune inconnue : « Atlantide ».",
        },
        {
            "line": 3,
            "column": "Durée hebdomadaire",
            "code": "bad_weekly_hours",
            "message": body["errors"][1]["message"],  # type: ignore[index]
        },
    ]
    assert session.scalars(select(Offer)).first() is None


def test_api_too_large_answers_413(
    api: FastAPI, client: TestClient, facilitator: Actor, settings: Settings
) -> None:
    small = settings.model_copy(update={"import_max_bytes": 2_000})
    api.dependency_overrides[get_app_settings] = lambda: small
    try:
        status, body = _upload(client, facilitator, (OFFER_HEADER + offer_line() * 100).encode())
    finally:
        api.dependency_overrides.pop(get_app_settings, None)
    assert status == 413 and body["error"] == "PayloadTooLarge"
    assert body["errors"][0]["code"] == "file_too_large"  # type: ignore[index]


def test_an_insee_code_that_is_also_a_postal_code_is_that_commune(session: Session) -> None:
    # 61230 is Longny les Villages' INSEE code and the postal code of five other communes.
    do_import_offers(session, OFFER_HEADER + offer_line("OE-61230", commune="61230"))
    assert _offers(session)["OE-61230"].commune_insee == "61230"


def test_a_vague_title_asks_for_the_rome_code_with_guesses(session: Session) -> None:
    """With the real index: "Vendeur" names no trade; the facilitator is asked for the code."""
    normalise = title_normaliser(REFERENTIALS_DIR)
    before = snapshot(session)
    vague = OFFER_HEADER + offer_line("OE-1", "Maçon H/F") + offer_line("OE-2", "Vendeur (H/F)")
    with pytest.raises(InvalidInput) as info:
        do_import_offers(session, vague, normalise_titles=normalise)
    errors = info.value.errors or []
    assert [(e["line"], e["column"], e["code"]) for e in errors] == [(3, "Intitulé", "vague_title")]
    message = str(errors[0]["message"])
    assert "« Vendeur (H/F) » à préciser" in message and "code ROME" in message
    assert "pistes : D" in message  # the best guesses, as alternatives
    assert snapshot(session) == before
    # With the code given, the same rows are imported; the precise title is read.
    fixed = (
        OFFER_HEADER + offer_line("OE-1", "Maçon H/F") + offer_line("OE-2", "Vendeur", rome="D1106")
    )
    do_import_offers(session, fixed, normalise_titles=normalise)
    offers = _offers(session)
    assert (offers["OE-1"].code_rome, offers["OE-2"].code_rome) == ("F1703", "D1106")
