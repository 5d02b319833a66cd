"""Fuzzing of every importer and every write route (issue 21): whatever comes in, never a 500 (nor
an exception other than the service's own errors), never a partial write, always a French error.

- **Importers**: offer files (Orne emploi CSV, France Travail JSON) and candidate files, as bytes:
  valid rows with some cells replaced by hostile values (control characters, formulas, long
  texts, wrong types, separators, quotes), the shipped France Travail sample with fields replaced
  by arbitrary JSON, and those files mutated byte by byte (flips, insertions of hostile tokens,
  cuts), in UTF-8, UTF-8 with BOM, Windows-1252 or UTF-16. Each is imported straight through the
  service function (dry run or not, all-or-nothing or partial) inside a savepoint: either it is
  accepted, or it raises :class:`~service.errors.AppError` with French messages and the row
  counts of every table an import writes are unchanged.
- **Write routes**: every ``POST``/``PUT``/``PATCH`` of the OpenAPI document with a JSON body gets
  bodies built from its own field names with hostile values (and whole bodies of the wrong
  shape); the answer is never a 5xx, is the API's JSON error shape with a French message when
  refused, and a refused request changes no row.

Bounded in time: a fixed number of examples per property, derandomised so that every run tries
the same inputs (the whole file runs in well under a minute on the development machine). The
``fuzz`` marker selects them (``pytest -m fuzz``); ``make test`` runs them with the rest.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
import schemathesis
from factories import Actor, make_buyer, make_candidate, make_company, make_contract, make_lot
from factories import make_offer as make_offer_row
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from importing import (
    CANDIDATE_HEADER,
    OFFER_HEADER,
    candidate_line,
    do_import_candidates,
    do_import_offers,
    fake_titles,
    offer_line,
)
from schemathesis import GenerationMode
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fixtures import REFERENTIALS_DIR
from service.config import Settings
from service.errors import AppError
from service.main import create_app
from service.models.accounts import User
from service.models.imports import RefusedOffer
from service.models.offers import Offer, OfferLicence
from service.models.outreach import OutreachEvent
from service.models.people import Candidate, CandidateJob, CandidateLicence, CandidateReporting
from service.models.procurement import Buyer, Company, Contract, Lot
from service.models.workflow import Placement, PlacementHours, Proposal
from service.referentials.titles import get_title_normaliser

pytestmark = pytest.mark.fuzz

FUZZ = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
        HealthCheck.data_too_large,
    ],
)

SAMPLE_JSON = (
    REFERENTIALS_DIR.parent / "samples" / "france_travail_offers_sample.json"
).read_bytes()

# Values that broke, or could break, a reader: formulas, control characters, lone surrogates,
# separators and quotes, texts longer than any column, numbers out of range, dates that are not.
HOSTILE = [
    "",
    " ",
    "=1+2",
    '=HYPERLINK("http://x","y")',
    "@SUM(A1)",
    "+33",
    "-",
    "-1",
    "\x00",
    "a\x00b",
    "\x1b[31m",
    "\x7f",
    "\ufeff",
    "\u202e",
    '"',
    '""',
    ";",
    ",",
    "\t",
    "\n",
    "\r\n",
    "x" * 65,
    "y" * 301,
    "é" * 2006,
    "9" * 40,
    "1e309",
    "NaN",
    "inf",
    "0",
    "-0,5",
    "31/02/2027",
    "0000-00-00",
    "99/99/9999",
    "[[[[[[[[[[",
    "{}",
    "null",
    "61001",
    "F1703",
    "Z9999",
    "CDD",
    "oui",
    "Alençon",
    "coach-a",
]

_FRENCH_WORD = re.compile(
    r"[àâçéèêëîïôûùüœ]|\b(le|la|les|de|du|des|un|une|est|pas|ou|au|aux|et|en|ligne|fichier|"
    r"colonne|valeur|champ|attendue?s?|inconnue?s?|invalides?|manquante?s?|trop|plus|doit|"
    r"nombre|texte|date|objet|liste)\b",
    re.IGNORECASE,
)


def _is_french(text: str) -> bool:
    """The sentence around the quoted values (« … », which echo the input) reads French."""
    frame = re.sub(r"«.*?»", "", text, flags=re.DOTALL)
    return bool(frame.strip()) and _FRENCH_WORD.search(frame) is not None


def _assert_french_error(exc: AppError) -> None:
    assert exc.status_code in (404, 409, 413, 422), exc.status_code
    assert _is_french(exc.detail), exc.detail
    for e in exc.errors or []:
        assert _is_french(str(e["message"])), e


_TABLES: tuple[Any, ...] = (
    Offer,
    OfferLicence,
    Company,
    Buyer,
    Contract,
    Lot,
    Candidate,
    CandidateJob,
    CandidateLicence,
    CandidateReporting,
    RefusedOffer,
    Placement,
    PlacementHours,
    Proposal,
    User,
)


def _counts(session: Session) -> dict[str, int]:
    """Row counts of every table an import or a write route touches, and the sums of the rows'
    versions, in one query (the fuzzers ask before and after every example)."""
    columns: list[Any] = [
        select(func.count()).select_from(m).scalar_subquery().label(m.__tablename__)
        for m in _TABLES
    ]
    columns += [
        select(func.coalesce(func.sum(m.version), 0))
        .scalar_subquery()
        .label(f"{m.__tablename__}_versions")
        for m in (Offer, Candidate, Company, Buyer, Contract, Lot, Placement, User)
    ]
    row = session.execute(select(*columns)).one()
    return {name: int(value) for name, value in row._mapping.items()}


# --------------------------------------------------------------------------- file strategies

_cell = st.one_of(
    st.sampled_from(HOSTILE),
    st.sampled_from(HOSTILE),
    st.text(max_size=12),
    st.text(st.characters(max_codepoint=0x9F), max_size=6),
)

_ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "utf-16", "utf-16-le"]


def _encode(text: str, encoding: str) -> bytes:
    # A lone surrogate or a character Windows-1252 lacks cannot be written in that encoding:
    # the file then carries the bytes a careless exporter would write instead.
    return text.encode(encoding, errors="surrogatepass" if "16" in encoding else "replace")


def _csv_file(header: str, line: Callable[..., str], fields: list[str]) -> st.SearchStrategy[bytes]:
    """A header and 1–3 valid rows, one or two cells of each replaced by a hostile value or with
    one before or after them (so that the rest of the row stays valid), in some encoding."""
    defaults = {
        name: param.default
        for name, param in inspect.signature(line).parameters.items()
        if isinstance(param.default, str)
    }

    @st.composite
    def build(draw: st.DrawFn) -> bytes:
        rows = []
        key = "ext" if "ext" in fields else "ref"
        for i in range(draw(st.integers(1, 3))):
            cells = {key: f"R-{i}"}
            for name in draw(st.lists(st.sampled_from(fields), min_size=1, max_size=2)):
                value = draw(_cell)
                where = draw(st.sampled_from(["replace", "before", "after"]))
                valid = cells.get(name, defaults.get(name, ""))
                cells[name] = {
                    "replace": value,
                    "before": value + valid,
                    "after": valid + value,
                }[where]
            rows.append(line(**cells))
        sep = draw(st.sampled_from([";", ",", "\t"]))
        text = header + "".join(rows)
        text = text.replace(";", sep) if sep != ";" else text
        return _encode(text, draw(st.sampled_from(_ENCODINGS)))

    return build()


_OFFER_FIELDS = [
    "ref",
    "title",
    "rome",
    "commune",
    "contract",
    "hours",
    "start",
    "duration",
    "positions",
    "siret",
    "company",
    "licences",
    "lot",
]
_CANDIDATE_FIELDS = [
    "ext",
    "coach",
    "commune",
    "jobs",
    "licences",
    "vehicle",
    "km",
    "stage",
    "assessed",
    "available",
    "sex",
    "birth",
]

offer_csv = _csv_file(OFFER_HEADER, offer_line, _OFFER_FIELDS)
candidate_csv = _csv_file(CANDIDATE_HEADER, candidate_line, _CANDIDATE_FIELDS)

_json_value = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(HOSTILE)
    | st.text(max_size=10),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


@st.composite
def offer_json(draw: st.DrawFn) -> bytes:
    """The France Travail sample's first offers, some fields replaced by arbitrary JSON."""
    payload = json.loads(SAMPLE_JSON)
    offers = payload["resultats"] if isinstance(payload, dict) else payload
    offers = offers[: draw(st.integers(1, 3))]
    for offer in offers:
        keys = draw(st.lists(st.sampled_from(sorted(offer)), max_size=3, unique=True))
        for key in keys:
            offer[key] = draw(_json_value)
    body: Any = offers if draw(st.booleans()) else {"resultats": offers}
    if draw(st.integers(0, 9)) == 0:
        body = draw(_json_value)  # not an offer list at all
    return json.dumps(body, ensure_ascii=draw(st.booleans())).encode()


_TOKENS = [t.encode("utf-8", errors="surrogatepass") for t in HOSTILE] + [
    b"\xff",
    b"\xfe\xff",
    b"\x00\x00",
    b"\xc3",
    b"[" * 40,
    b"{" * 40,
    b'[{"a":' * 3000,
    b'"',
    b"\\u0000",
    b"\\ud800",
]


@st.composite
def mutated(draw: st.DrawFn, base: st.SearchStrategy[bytes]) -> bytes:
    """A file, then 1–4 byte-level mutations: flip, insert a hostile token, cut a range."""
    data = bytearray(draw(base))
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "insert", "insert", "cut", "truncate"]))
        if kind == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "insert":
            data[at:at] = draw(st.sampled_from(_TOKENS))
        elif kind == "cut":
            del data[at : at + draw(st.integers(1, 40))]
        else:
            del data[at:]
    return bytes(data)


def _seeded(seeds: list[bytes], **fixed: Any) -> Callable[[Any], Any]:
    """``@example`` for each seed file, with the other arguments ``fixed``."""

    def decorate(test: Any) -> Any:
        for seed in reversed(seeds):
            test = example(data=seed, **fixed)(test)
        return test

    return decorate


def _import_property(session: Session, run: Callable[[], object]) -> None:
    savepoint = session.begin_nested()
    try:
        before = _counts(session)
        try:
            run()
            event("accepted")
        except AppError as exc:
            codes = sorted({str(e["code"]) for e in exc.errors or []}) or [type(exc).__name__]
            event(f"refused: {', '.join(codes[:2])}")
            _assert_french_error(exc)
            assert _counts(session) == before, "a refused file changed rows"
    finally:
        savepoint.rollback()


# --------------------------------------------------------------------------- importers


def _sample_with(**fields: Any) -> bytes:
    payload = json.loads(SAMPLE_JSON)
    offers = payload["resultats"] if isinstance(payload, dict) else payload
    offers[0].update(fields)
    return json.dumps(offers).encode()


# The corpus the fuzzer starts from: the findings of issue 21, each once.
_OFFER_SEEDS = [
    (OFFER_HEADER + offer_line("O" * 200)).encode(),
    (OFFER_HEADER + offer_line("OE-1", "Maçon " + "x" * 2000)).encode(),
    (OFFER_HEADER + offer_line("=1+2", '=HYPERLINK("http://x","y") maçon')).encode(),
    _sample_with(intitule="Maçon\u0000 H/F"),
    _sample_with(id="A" * 200),
    b"[" * 100_000 + b"]" * 100_000,
    (OFFER_HEADER + offer_line()).encode("utf-16"),
]


@FUZZ
@given(
    data=st.one_of(offer_csv, offer_json(), mutated(offer_csv), mutated(offer_json())),
    dry_run=st.booleans(),
    accept_valid=st.booleans(),
)
@_seeded(_OFFER_SEEDS, dry_run=False, accept_valid=False)
@_seeded(_OFFER_SEEDS[:2], dry_run=False, accept_valid=True)
def test_offer_imports_never_fail_badly(
    session: Session, data: bytes, dry_run: bool, accept_valid: bool
) -> None:
    name = "offres.json" if data.lstrip()[:1] in (b"[", b"{") else "offres.csv"
    _import_property(
        session,
        lambda: do_import_offers(
            session, data, filename=name, dry_run=dry_run, accept_valid=accept_valid
        ),
    )


@FUZZ
@given(data=st.one_of(candidate_csv, mutated(candidate_csv)), dry_run=st.booleans())
@_seeded([(CANDIDATE_HEADER + candidate_line("P" * 300)).encode()], dry_run=False)
def test_candidate_imports_never_fail_badly(
    session: Session, coach: Actor, data: bytes, dry_run: bool
) -> None:
    _import_property(session, lambda: do_import_candidates(session, data, dry_run=dry_run))


@settings(FUZZ, max_examples=30)
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_never_fail_badly(session: Session, data: bytes) -> None:
    _import_property(session, lambda: do_import_offers(session, data, filename="x.csv"))
    _import_property(session, lambda: do_import_candidates(session, data))


# --------------------------------------------------------------------------- write routes


@pytest.fixture
def api(app: FastAPI) -> Iterator[FastAPI]:
    app.dependency_overrides[get_title_normaliser] = lambda: fake_titles
    try:
        yield app
    finally:
        app.dependency_overrides.pop(get_title_normaliser, None)


def _write_routes(app: FastAPI) -> list[tuple[str, str, list[str]]]:
    """Every write route with a JSON body: method, path, the body's field names."""
    doc = app.openapi()
    schemas = doc.get("components", {}).get("schemas", {})
    out = []
    for path, ops in sorted(doc["paths"].items()):
        for method, op in sorted(ops.items()):
            if method not in ("post", "put", "patch"):
                continue
            content = op.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            if schema is None:
                continue
            ref = schema.get("$ref", "")
            props = schemas.get(ref.rsplit("/", 1)[-1], {}).get("properties", {}) if ref else {}
            out.append((method.upper(), path, sorted(props) or ["items"]))
    return out


@pytest.fixture
def world(session: Session, coach: Actor) -> dict[str, int]:
    """One row of each resource, so that routes with an id in their path reach their body."""
    buyer = make_buyer(session)
    company = make_company(session)
    contract = make_contract(session, buyer=buyer)
    lot = make_lot(session, contract=contract, company_id=company.id)
    offer = make_offer_row(session, lot_id=lot.id)
    person = make_candidate(session, coach=coach)
    placement = Placement(
        candidate_id=person.id,
        lot_id=lot.id,
        delivery_mode="direct_hire",
        contract_type="CDD",
        start_date=date(2026, 3, 1),
    )
    proposal = Proposal(
        candidate_id=person.id, offer_id=offer.id, proposed_by=coach.user.id, state="proposed"
    )
    event = OutreachEvent(kind="autre", title="Réunion", held_on=date(2026, 3, 1), place="Sées")
    session.add_all([placement, proposal, event])
    session.flush()
    return {
        "event_id": event.id,
        "buyer_id": buyer.id,
        "company_id": company.id,
        "contract_id": contract.id,
        "lot_id": lot.id,
        "offer_id": offer.id,
        "candidate_id": person.id,
        "placement_id": placement.id,
        "proposal_id": proposal.id,
        "user_id": coach.user.id,
    }


_body_value = st.one_of(st.sampled_from(HOSTILE), _json_value)

# The routes' schema: a body that follows it reaches the service's own rules, where a hostile
# value in one field is the interesting case.
_SCHEMA = schemathesis.openapi.from_dict(create_app(Settings(database_url="sqlite://")).openapi())


def _valid_body(method: str, path: str) -> st.SearchStrategy[Any]:
    operation = _SCHEMA[path][method]
    return operation.as_strategy(generation_mode=GenerationMode.POSITIVE).map(lambda c: c.body)


@st.composite
def _body(draw: st.DrawFn, method: str, path: str, fields: list[str], world: dict[str, int]) -> Any:
    """A body following the route's schema with one to three fields made hostile, or a body of
    hostile fields only, or any JSON at all."""
    shape = draw(st.integers(0, 9))
    if shape == 0:
        return draw(_json_value)
    if shape <= 2:
        return draw(st.dictionaries(st.sampled_from(fields), _body_value, max_size=len(fields)))
    body = draw(_valid_body(method, path))
    if isinstance(body, dict):
        # Ids of rows that exist and the current version, so that the body gets past them.
        body.update({k: world[k] for k in body if k in world})
        if "version" in body:
            body["version"] = 1
    if isinstance(body, dict) and fields:
        for key in draw(st.lists(st.sampled_from(fields), min_size=1, max_size=3, unique=True)):
            body[key] = draw(_body_value)
    return body


def test_every_write_route_with_a_json_body_is_fuzzed(app: FastAPI) -> None:
    routes = {(m, p) for m, p, _ in _write_routes(app)}
    assert ("POST", "/offers") in routes and ("PUT", "/placements/{placement_id}/hours") in routes
    assert len(routes) >= 20


@FUZZ
@given(st.data())
def test_write_routes_never_fail_badly(
    api: FastAPI,
    client: TestClient,
    session: Session,
    facilitator: Actor,
    admin: Actor,
    coach: Actor,
    world: dict[str, int],
    data: st.DataObject,
) -> None:
    method, path, fields = data.draw(st.sampled_from(_write_routes(api)), label="route")
    # An id this fixture does not make (a route added later) is 1: a 404 is an answer too.
    url = re.sub(r"\{(\w+)\}", lambda m: str(world.get(m.group(1), 1)), path)
    body = data.draw(_body(method, path, fields, world), label="body")
    # Each route as the role that may use it (the access matrix tests who is refused what).
    caller = admin if path.startswith("/users") else facilitator
    if (method, path) == ("POST", "/proposals"):
        caller = coach
    raw = json.dumps(body, ensure_ascii=False).encode("utf-8", errors="surrogatepass")
    before = _counts(session)
    response = client.request(
        method,
        url,
        content=raw,
        headers={**caller.headers, "content-type": "application/json"},
    )
    event(f"{response.status_code} {method} {path}")
    assert response.status_code < 500, (method, url, body, response.text)
    if response.status_code >= 400:
        answer = response.json()
        assert set(answer) >= {"error", "detail"}, answer
        assert _is_french(answer["detail"]), (method, url, body, answer)
        assert _counts(session) == before, (method, url, body, "a refused request changed rows")
