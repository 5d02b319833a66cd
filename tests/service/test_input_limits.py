"""Findings 3 and 4 of issue 21, UTF-16, and formula-like ids and titles at import.

- a 200 KB ``[[[…]]]`` used to raise ``RecursionError``: a plain-text 500 from the API, a
  traceback from the command line;
- a 300-character person id, a 200-character offer id and a 2,006-character title were accepted
  into ``VARCHAR(64)`` / ``VARCHAR(300)`` columns and NUL bytes stored from JSON: SQLite took them,
  PostgreSQL would have answered with a database error;
- a UTF-16 CSV was refused as "not a text file";
- ids and titles starting with ``=``, ``+``, ``-`` or ``@`` were accepted.

Every refusal is French, names the row and column, and changes nothing (row counts compared).
These tests run on SQLite and, when set, PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from factories import Actor, make_buyer
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from importing import (
    CANDIDATE_HEADER,
    OFFER_HEADER,
    candidate_line,
    do_import_candidates,
    do_import_offers,
    fake_titles,
    offer_line,
    snapshot,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import service.cli
from fixtures import REFERENTIALS_DIR
from service.config import get_settings
from service.db import alembic_config
from service.errors import InvalidInput
from service.kit.json_guard import MAX_JSON_DEPTH, json_depth_problem
from service.models.imports import RefusedOffer
from service.models.offers import Offer
from service.models.procurement import Buyer
from service.referentials.titles import get_title_normaliser

DEEP = ("[" * 100_000 + "]" * 100_000).encode()  # 200 KB
SAMPLE_JSON = REFERENTIALS_DIR.parent / "samples" / "france_travail_offers_sample.json"


def _refusal(session: Session, data: str | bytes, **kwargs: object) -> list[dict[str, object]]:
    before = snapshot(session)
    with pytest.raises(InvalidInput) as info:
        do_import_offers(session, data, **kwargs)  # type: ignore[arg-type]
    assert snapshot(session) == before
    assert "rien n'a été importé" in info.value.detail
    return info.value.errors or []


def _codes(errors: list[dict[str, object]]) -> list[tuple[object, object, object]]:
    return [(e["line"], e["column"], e["code"]) for e in errors]


# --------------------------------------------------------------------------- depth (finding 3)


def test_the_depth_scan_ignores_brackets_in_strings_and_stops_early() -> None:
    assert json_depth_problem('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}') is None
    assert json_depth_problem('[{"a": "\\"[[[["}]') is None
    assert json_depth_problem('["\\\\", [[["x"]]]]', 3) is not None  # "\\" then 4 levels
    assert json_depth_problem('["\\\\\\"[[[[", 1]', 1) is None  # an escaped quote
    deep = "[" * (MAX_JSON_DEPTH + 1)
    assert json_depth_problem(deep + "]" * (MAX_JSON_DEPTH + 1)) is not None
    assert json_depth_problem("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is None
    problem = json_depth_problem(DEEP.decode())
    assert problem is not None and problem.startswith("JSON trop imbriqué")
    assert json_depth_problem(SAMPLE_JSON.read_text()) is None


def _depth(value: object) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


_tricky = st.text(alphabet='[]{}"\\\n é', max_size=6)
_nested = st.recursive(
    st.none() | st.integers() | _tricky,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_tricky, inner, max_size=3),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None, database=None, derandomize=True)
@given(value=_nested, limit=st.integers(1, 6), ascii_only=st.booleans())
def test_the_depth_scan_agrees_with_the_parsed_depth(
    value: object, limit: int, ascii_only: bool
) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert (json_depth_problem(text, limit) is not None) == (_depth(value) > limit)
    assert (json_depth_problem(text.encode(), limit) is not None) == (_depth(value) > limit)


def test_a_deeply_nested_offer_file_is_refused_in_french(session: Session) -> None:
    errors = _refusal(session, DEEP, filename="offres.json")
    assert _codes(errors) == [(None, None, "json_too_deep")]
    nested = json.dumps([{"id": "X", "intitule": "Maçon", "lieuTravail": {"a": [[[[[[]]]]]]}}])
    assert "json_too_deep" not in {e["code"] for e in _refusal(session, nested)}


@pytest.fixture
def api(app: FastAPI) -> Iterator[FastAPI]:
    app.dependency_overrides[get_title_normaliser] = lambda: fake_titles
    try:
        yield app
    finally:
        app.dependency_overrides.pop(get_title_normaliser, None)


def test_api_deep_json_file_answers_422_json(
    api: FastAPI, client: TestClient, facilitator: Actor, session: Session
) -> None:
    before = snapshot(session)
    r = client.post(
        "/imports/offers",
        files={"file": ("offres.json", DEEP, "application/json")},
        headers=facilitator.headers,
    )
    assert r.status_code == 422 and r.headers["content-type"] == "application/json"
    body = r.json()
    assert body["error"] == "InvalidInput" and "JSON trop imbriqué" in body["detail"]
    assert body["errors"][0]["code"] == "json_too_deep"
    assert snapshot(session) == before


@pytest.mark.parametrize("route", ["/offers", "/candidates", "/buyers", "/proposals"])
def test_api_deep_json_bodies_answer_422_json(
    client: TestClient, facilitator: Actor, session: Session, route: str
) -> None:
    before = snapshot(session)
    r = client.post(
        route, content=DEEP, headers={**facilitator.headers, "content-type": "application/json"}
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "InvalidInput"
    assert r.json()["detail"].startswith("JSON trop imbriqué")
    big = b'{"name": "' + b"x" * (1024 * 1024 + 1) + b'"}'
    r = client.post(
        route, content=big, headers={**facilitator.headers, "content-type": "application/json"}
    )
    assert r.status_code == 413 and r.json()["error"] == "PayloadTooLarge"
    assert "trop volumineux" in r.json()["detail"]
    assert snapshot(session) == before


@pytest.mark.parametrize(
    "url", ["/candidates?q=%00", "/offers?q=a%00b", "/candidates/1%00", "/personnes?q=%00"]
)
def test_a_nul_byte_in_the_address_is_refused_in_french(
    client: TestClient, facilitator: Actor, url: str
) -> None:
    """Found by the schema-driven test on PostgreSQL: ``?q=%00`` reached the database (500)."""
    r = client.get(url, headers=facilitator.headers)
    assert r.status_code == 422, r.text
    assert r.json() == {
        "error": "InvalidInput",
        "detail": "adresse refusée : elle contient un caractère nul (%00)",
    }


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, empty_database_url: str) -> Iterator[str]:
    monkeypatch.setattr(service.cli, "_COMMAND_MODULES", ("imports",))
    monkeypatch.setenv("CLAUSEMATCH_DATABASE_URL", empty_database_url)
    get_settings.cache_clear()
    command.upgrade(alembic_config(empty_database_url), "head")
    yield empty_database_url
    get_settings.cache_clear()


def test_cli_deep_json_file_is_one_french_line_and_exit_1(
    cli: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "offres.json"
    path.write_bytes(DEEP)
    assert service.cli.main(["import", "offers", str(path)]) == 1
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "JSON trop imbriqué" in lines[0], captured.err
    assert "Traceback" not in captured.err + captured.out


# --------------------------------------------------------------------------- lengths (finding 4)


def test_offer_ids_and_titles_longer_than_their_columns_are_row_errors(session: Session) -> None:
    text = (
        OFFER_HEADER
        + offer_line("OE-1")
        + offer_line("O" * 200)
        + offer_line("OE-3", "Maçon " + "x" * 2000)
        + offer_line("OE-4", lot="L" * 65)
    )
    errors = _refusal(session, text)
    assert _codes(errors) == [
        (3, "Référence", "text_too_long"),
        (4, "Intitulé", "text_too_long"),
        (5, "Lot", "text_too_long"),
    ]
    assert errors[0]["message"] == "Référence de l'offre : 200 caractères, au plus 64."
    assert errors[1]["message"] == "Intitulé : 2006 caractères, au plus 300."


def test_nul_and_control_characters_from_json_are_row_errors(session: Session) -> None:
    offers = json.loads(SAMPLE_JSON.read_text())
    offers = offers["resultats"] if isinstance(offers, dict) else offers
    offers[0]["intitule"] = "Maçon\u0000 H/F"
    offers[1]["id"] = "A" * 200
    offers[2]["intitule"] = "Cariste \u001b[31m"
    offers[3]["intitule"] = "Agent \ud800"
    errors = _refusal(session, json.dumps(offers), filename="offres.json")
    found = {(e["line"], e["column"], e["code"]) for e in errors}
    assert {
        (1, "intitule", "forbidden_character"),
        (2, "id", "text_too_long"),
        (3, "intitule", "forbidden_character"),
        (4, "intitule", "forbidden_character"),
    } <= found
    first = next(e for e in errors if e["line"] == 1)
    assert first["message"] == (
        "Intitulé : caractère de contrôle interdit (U+0000, position 6) ; retirez-le."
    )


def test_a_person_id_of_300_characters_and_a_control_character_in_a_name(
    session: Session, coach: Actor
) -> None:
    header = CANDIDATE_HEADER.replace("\n", ";Nom\n")
    text = (
        header
        + candidate_line("P-1").replace("\n", ";Martin\n")
        + candidate_line("P" * 300).replace("\n", ";Martin\n")
        + candidate_line("P-3").replace("\n", ";Mar\x07tin\n")
    )
    before = snapshot(session)
    with pytest.raises(InvalidInput) as info:
        do_import_candidates(session, text)
    assert snapshot(session) == before
    assert _codes(info.value.errors or []) == [
        (3, "Identifiant", "text_too_long"),
        (4, "Nom", "bad_last_name"),  # the name's own declared rule says it first
    ]


def test_refused_offers_are_kept_cut_to_their_columns(session: Session) -> None:
    text = OFFER_HEADER + offer_line("OE-1") + offer_line("O" * 200, "Maçon " + "y" * 400)
    report = do_import_offers(session, text, accept_valid=True)
    assert report.created == 1 and len(report.refused) == 1
    kept = session.scalars(select(RefusedOffer)).one()
    assert kept.external_id is not None and len(kept.external_id) == 64
    assert kept.title is not None and len(kept.title) == 300 and kept.title.endswith("…")


def test_every_other_write_meets_the_same_rule_at_flush(
    client: TestClient, facilitator: Actor, session: Session
) -> None:
    before = session.scalar(select(func.count()).select_from(Buyer))
    r = client.post("/buyers", json={"name": "Ville\u0001 de Flers"}, headers=facilitator.headers)
    assert r.status_code == 422, r.text
    assert r.json() == {
        "error": "InvalidInput",
        "detail": "name : caractère de contrôle interdit (U+0001, position 6) ; retirez-le.",
    }
    assert session.scalar(select(func.count()).select_from(Buyer)) == before
    buyer = make_buyer(session)
    buyer.name = "B" * 201
    with pytest.raises(InvalidInput, match="name : 201 caractères, au plus 200"):
        session.flush()
    session.rollback()


# --------------------------------------------------------------------------- formulas (finding 1)


def test_ids_and_titles_that_a_spreadsheet_would_run_are_refused(
    session: Session, coach: Actor
) -> None:
    text = (
        OFFER_HEADER
        + offer_line("=1+2")
        + offer_line("OE-2", '=HYPERLINK("http://x","y") maçon')
        + offer_line("OE-3", "@SUM(A1) maçon")
        + offer_line("OE-4", lot="+L1")
        + offer_line("-OE-5")
        + offer_line("OE-6", "Maçon - Alençon")  # a dash inside a title is fine
    )
    errors = _refusal(session, text)
    assert _codes(errors) == [
        (2, "Référence", "formula_like"),
        (3, "Intitulé", "formula_like"),
        (4, "Intitulé", "formula_like"),
        (5, "Lot", "formula_like"),
        (6, "Référence", "formula_like"),
    ]
    assert errors[0]["message"] == (
        "Référence de l'offre « =1+2 » : ne peut pas commencer par « = » (un tableur le lirait "
        "comme une formule) ; retirez ce caractère."
    )
    with pytest.raises(InvalidInput) as info:
        do_import_candidates(session, CANDIDATE_HEADER + candidate_line("@P-1"))
    assert _codes(info.value.errors or []) == [(2, "Identifiant", "formula_like")]


# --------------------------------------------------------------------------- UTF-16


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_files_are_read_like_utf8(session: Session, encoding: str) -> None:
    text = OFFER_HEADER + offer_line("OE-1") + offer_line("OE-2", "Cariste", commune="Flers")
    report = do_import_offers(session, text.encode(encoding))
    assert report.created == 2
    titles = set(session.scalars(select(Offer.intitule)))
    assert titles == {"Maçon H/F", "Cariste"}


def test_a_broken_utf16_file_is_named_as_such(session: Session) -> None:
    data = "Référence;Intitulé\n".encode("utf-16") + b"\x00\xd8"  # a lone high surrogate
    errors = _refusal(session, data)
    assert errors[0]["code"] == "bad_encoding"
    assert str(errors[0]["message"]).startswith("Fichier en UTF-16 illisible")
