"""Shortlists, best offers for a person, and "Pourquoi pas ?": the service side of the engine.

Scoping (see the README's access matrix): a facilitator sees every candidate in full; a coach
sees their own caseload in full and, in a shortlist over the whole pool (``scope=all``), other
coaches' candidates without identifying details: internal id, their coach, commune, score and
explanation, so the coach can ask a colleague. An admin reads no candidate data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from functools import partial
from typing import Any, NamedTuple, TypeVar, cast

import numpy as np
import pandas as pd
from sqlalchemy.orm import Session

from matching import columns as col
from matching.engine import MatchingState
from matching.explain import explain_pairs, explain_pairs_pseudonymous
from matching.ranking import as_day
from service.accounts.audit import audit
from service.errors import Conflict, InvalidInput, NotFound
from service.models.accounts import User
from service.models.offers import Offer
from service.models.people import Candidate, display_name
from service.offers.repository import OfferRepository
from service.people.service import visible_candidate
from service.referentials.service import Referentials
from service.scoring.exposures import record_exposures
from service.scoring.repository import OfferHeader, ShortlistRepository
from service.scoring.schemas import (
    CandidateOffersRead,
    OfferItem,
    Reason,
    Scope,
    ShortlistRead,
    WhyNotRead,
)
from service.scoring.state import ScoringState
from training.registry import scorer_label

__all__ = [
    "CaseloadOffer",
    "NotInMemory",
    "caseload_offers",
    "offers_for_candidate",
    "shortlist_for_offer",
    "shortlist_payload",
    "why_not",
]


MAX_K = 200

T = TypeVar("T")


def _check_k(k: int) -> None:
    if not 1 <= k <= MAX_K:
        raise InvalidInput(f"k : entre 1 et {MAX_K}")


def _scorer_version(state: MatchingState) -> str:
    return scorer_label(state.scorer)


class _Header(NamedTuple):
    """An offer's columns shown with its shortlist (kept in the memo with the list)."""

    id: int
    external_id: str
    intitule: str
    status: str
    end_date: date | None


class _Row(NamedTuple):
    """One ranked row, JSON-ready (components as plain dicts): kept in the per-state memo."""

    id: int
    rank: int
    score: float
    distance_km: float
    beyond_range: bool
    explanation: str
    components: dict[str, float]
    contributions: dict[str, float]


# A ranked row as kept in the per-state memo: a plain tuple of numbers, text and tuples of
# numbers, which the garbage collector stops tracking (a _Row holds two dicts: thousands of
# memoised lists made every full collection walk hundreds of thousands of objects).
_Packed = tuple[int, int, float, float, bool, str, tuple[float, ...], tuple[float, ...]]
_KEYS = ("skills", "mobility", "readiness")


def _pack(rows: Iterator[_Row]) -> tuple[_Packed, ...]:
    return tuple(
        (
            r.id,
            r.rank,
            r.score,
            r.distance_km,
            r.beyond_range,
            r.explanation,
            tuple(r.components.values()),
            tuple(r.contributions.values()),
        )
        for r in rows
    )


def _rows(ranked: pd.DataFrame, id_column: str = col.CANDIDATE_ID) -> Iterator[_Row]:
    """Each ranked row, read column-wise (no per-row pandas objects)."""
    comps = ranked[list(col.COMPONENTS)].to_numpy(dtype=float)
    contribs = ranked[[f"contribution_{c}" for c in col.COMPONENTS]].to_numpy(dtype=float)
    columns = zip(
        ranked[id_column].to_numpy(),
        ranked[col.RANK].to_numpy(dtype=int),
        ranked[col.SCORE].to_numpy(dtype=float),
        ranked["distance_km"].to_numpy(dtype=float),
        ranked[col.BEYOND_RANGE].to_numpy(dtype=bool),
        ranked[col.EXPLANATION].to_numpy(),
        comps,
        contribs,
        strict=True,
    )
    for rid, rank, score, dist, beyond, text, c, k in columns:
        yield _Row(
            int(rid),
            int(rank),
            round(float(score), 4),
            round(float(dist), 1),
            bool(beyond),
            str(text),
            {"skills": float(c[0]), "mobility": float(c[1]), "readiness": float(c[2])},
            {"skills": float(k[0]), "mobility": float(k[1]), "readiness": float(k[2])},
        )


_NAMES_CACHE: dict[int, dict[str, str]] = {}


def _commune_names(refs: Referentials) -> dict[str, str]:
    """INSEE code → commune name, built once per referential object."""
    names = _NAMES_CACHE.get(id(refs))
    if names is None:
        frame = refs.communes.communes
        names = dict(zip(frame["code_insee"], frame["nom"], strict=True))
        _NAMES_CACHE[id(refs)] = names
    return names


def _is_live(offer: Offer, today: date) -> bool:
    return offer.end_date is None or offer.end_date >= today


def _offer_in_state(state: MatchingState, offer: Offer | OfferHeader, today: date) -> str:
    if offer.end_date is not None and offer.end_date < today:
        raise InvalidInput(
            f"l'offre {offer.id} est terminée depuis le {offer.end_date:%d/%m/%Y} : "
            "elle ne peut plus être pourvue"
        )
    oid = str(offer.id)
    if state.offers.lookup([oid])[0] < 0:
        why = (
            "elle est clôturée"
            if offer.status != "open"
            else "son métier (code ROME) n'est pas renseigné"
        )
        raise InvalidInput(f"l'offre {offer.id} ne peut pas être classée : {why}")
    return oid


def _mine_rows(
    state: MatchingState, oid: str, caseload: frozenset[str], *, k: int, today: date
) -> tuple[_Packed, ...]:
    """The best ``k`` of ``caseload`` for offer ``oid``, explained."""
    ranked = state.shortlist(oid, len(state.pool) or 1, as_of=today, explain=False)
    ranked = ranked[ranked[col.CANDIDATE_ID].isin(caseload)].head(k).copy()
    ranked[col.RANK] = range(1, len(ranked) + 1)
    idx_c = state.pool.index_of(ranked[col.CANDIDATE_ID].tolist())
    idx_o = state.offers.index_of([oid] * len(ranked))
    ranked[col.EXPLANATION] = explain_pairs(
        state.pool,
        state.offers,
        affinity=state.affinity,
        distances=state.distances,
        candidate_idx=idx_c,
        offer_idx=idx_o,
        distance_km=ranked["distance_km"].to_numpy(dtype="float32"),
        as_of_day=as_day(today),
    )
    return _pack(_rows(ranked))


def shortlist_for_offer(
    session: Session,
    scoring: ScoringState,
    refs: Referentials,
    user: User,
    offer_id: int,
    *,
    k: int,
    scope: Scope,
    today: date,
) -> ShortlistRead:
    """Top-``k`` candidates of an offer, scoped to what ``user`` may see."""
    return ShortlistRead.model_validate(
        shortlist_payload(session, scoring, refs, user, offer_id, k=k, scope=scope, today=today)
    )


class NotInMemory(Exception):
    """:func:`shortlist_payload` with ``memory_only``: the answer needs the database."""


def shortlist_payload(
    session: Session,
    scoring: ScoringState,
    refs: Referentials,
    user: User,
    offer_id: int,
    *,
    k: int,
    scope: Scope,
    today: date,
    memory_only: bool = False,
) -> dict[str, Any]:
    """:func:`shortlist_for_offer` as JSON-ready data (a :class:`ShortlistRead`'s fields).

    The API sends it as it is: the most asked-for answer skips building and re-validating
    twenty pydantic objects (``tests/service/test_api_shortlists.py`` checks the shape).

    With ``memory_only``, answers only from the engine state and the rankings remembered for
    it, with no query and no computing, or raises :class:`NotInMemory` having done nothing:
    the API tries that on the event loop and goes to a thread otherwise. The entries the
    answer needs (audit, shown pairs) are queued either way, and written before it leaves."""
    _check_k(k)
    repo = ShortlistRepository(session)
    if memory_only:
        current = scoring.current()
        if current is None:
            raise NotInMemory
        state = current
    else:
        state = scoring.sync(session)

    def remember(key: tuple[Any, ...], compute: Callable[[], T]) -> T:
        if not memory_only:
            return scoring.memo(state, key, compute)
        found, value = scoring.peek(state, key)
        if not found:
            raise NotInMemory
        return cast(T, value)

    def header() -> _Header:
        # The offer's few columns shown with its list, read with it once per state (any
        # change to the offer makes a new state, which reads them again).
        offer = repo.offer_header(offer_id)
        if offer is None:
            raise NotFound(f"offre {offer_id} introuvable")
        _offer_in_state(state, offer, today)
        return _Header(offer.id, offer.external_id, offer.intitule, offer.status, offer.end_date)

    oid = str(offer_id)
    names = _commune_names(refs)
    mine_only = user.role == "coach" and scope == "mine"
    if mine_only:
        # A coach's caseload is the people whose coach_id is theirs: a change of coach is a
        # change of the person, which makes a new state. So the caseload (tens of thousands
        # of ids in a large Département) is read once per state and coach, not per request,
        # and so is the coach's ranking of an offer.
        caseload = remember(
            ("caseload", user.id),
            lambda: frozenset(str(i) for i in repo.caseload_ids(user.id)),
        )
        offer, packed, shown, full, recorded = remember(
            ("shortlist_mine", oid, user.id, k, today),
            lambda: _with_people(
                repo, names, header(), _mine_rows(state, oid, caseload, k=k, today=today)
            ),
        )
    else:
        # The engine's answer for (state, offer, k, day) is the same for every caller: ranked
        # and explained once per state. Who may see which details is decided below, per request.
        offer, packed, shown, full, recorded = remember(
            ("shortlist", oid, k, today),
            lambda: _with_people(
                repo, names, header(), _pack(_rows(state.shortlist(oid, k, as_of=today)))
            ),
        )
    # A person erased or deleted since the list was ranked is not shown (their row is gone).
    listed = [
        (row, person, item)
        for row, person, item in zip(packed, shown, full, strict=True)
        if person is not None
    ]
    pseudonymous: dict[int, str] = {}
    if user.role != "facilitator" and any(p[_COACH] != user.id for _, p, _ in listed):
        pseudonymous = remember(
            ("shortlist_pseudonymous", oid, k, today),
            lambda: _pseudonymous_explanations(state, oid, [row for row, _, _ in listed]),
        )
    items: list[dict[str, Any]] = []
    for (rid, rank, score, km, _, _, _, _), person, item in listed:
        _, _, _, _, coach_id, commune, coach = person
        if coach_id == user.id:
            items.append({**item, "is_own_caseload": True})
        elif user.role == "facilitator":
            items.append(item)  # the remembered full view, sent as it is
        else:
            # The documented pseudonymous view (service/README_ACCESS.md): commune, score and
            # an explanation built from the job relation and the distance only.
            items.append(
                {
                    "rank": rank,
                    "candidate_id": item["candidate_id"],
                    "external_id": None,
                    "name": None,
                    "is_own_caseload": False,
                    "coach": coach or "",
                    "commune_insee": commune,
                    "commune": item["commune"],
                    "score": score,
                    "components": None,
                    "contributions": None,
                    "distance_km": km,
                    "beyond_range": None,
                    "explanation": pseudonymous[rid],
                }
            )
    version = _scorer_version(state)
    if user.id not in recorded:
        # What this caller is shown of this list today is recorded once: the same list again
        # (a reload, a return to the page) shows the same pairs, ranks, scores and
        # explanations, and only its read is audited (below). Marked once committed, so that
        # a failed write is made again by the next view.
        record_exposures(
            session,
            user,
            "shortlist",
            (
                (
                    offer.id,
                    item["candidate_id"],
                    item["rank"],
                    item["score"],
                    version,
                    item["explanation"],
                )
                for item in items
            ),
            then=partial(recorded.add, user.id),
        )
    audit(
        session,
        user,
        "shortlist",
        "offer",
        offer.id,
        {"k": k, "scope": scope, "candidates": len(items)},
    )
    return {
        "offer_id": offer.id,
        "offer_external_id": offer.external_id,
        "intitule": offer.intitule,
        "scope": "mine" if mine_only else "all",
        "k": k,
        "as_of": today.isoformat(),
        "model_version": version,
        "items": items,
    }


# Who a ranked row is, as kept in the memo beside the row: (id, external id, first name, last
# name, coach id, commune, coach's username); ``None`` for a person no longer in the database.
_Person = tuple[int, str, str | None, str | None, int | None, str, str | None]
_COACH = 4


def _with_people(
    repo: ShortlistRepository, names: dict[str, str], header: _Header, packed: tuple[_Packed, ...]
) -> tuple[
    _Header,
    tuple[_Packed, ...],
    tuple[_Person | None, ...],
    tuple[dict[str, Any], ...],
    set[int],
]:
    """A ranked list with its offer's header, the people it names (read once per state),
    each row's item in the full view, ready to send, and the accounts whose view of it is
    recorded (:func:`record_exposures`; the list is for one day: once a day each).

    Kept in the per-state memo, so that a request served from it sends no query at all and
    builds nothing for a caller who may see every row in full. The people's columns (names,
    coach, commune) belong to the ``candidates`` group: a change to any of them makes a new
    state, which drops the lists of the offers within that person's reach
    (:meth:`ScoringState._carry_memo`); a coach's username never changes. The items are
    shared by the requests that send them: never changed after this."""
    found = repo.people_with_coach([p[0] for p in packed])
    shown: list[_Person | None] = []
    full: list[dict[str, Any]] = []
    for rid, rank, score, km, beyond, text, parts, shares in packed:
        person = found.get(rid)
        if person is None:
            shown.append(None)
            full.append({})
            continue
        shown.append(
            (
                person.id,
                person.external_id,
                person.first_name,
                person.last_name,
                person.coach_id,
                person.commune_insee,
                person.username,
            )
        )
        full.append(
            {
                "rank": rank,
                "candidate_id": person.id,
                "external_id": person.external_id,
                "name": display_name(person.first_name, person.last_name, person.external_id),
                "is_own_caseload": False,
                "coach": person.username or "",
                "commune_insee": person.commune_insee,
                "commune": names.get(person.commune_insee, person.commune_insee),
                "score": score,
                "components": dict(zip(_KEYS, parts, strict=True)),
                "contributions": dict(zip(_KEYS, shares, strict=True)),
                "distance_km": km,
                "beyond_range": beyond,
                "explanation": text,
            }
        )
    return header, packed, tuple(shown), tuple(full), set()


def _check_rankable(person: Candidate) -> None:
    if person.do_not_propose:
        raise Conflict(
            f"personne {person.id} : marquée « ne pas proposer », elle n'est classée sur aucune "
            "offre"
        )


def _pseudonymous_explanations(
    state: MatchingState, oid: str, rows: list[_Packed]
) -> dict[int, str]:
    """Person id → the explanation another coach may read (job relation and distance only)."""
    idx_c = state.pool.index_of([str(r[0]) for r in rows])
    idx_o = state.offers.index_of([oid] * len(rows))
    texts = explain_pairs_pseudonymous(
        state.pool,
        state.offers,
        affinity=state.affinity,
        distances=state.distances,
        candidate_idx=idx_c,
        offer_idx=idx_o,
        distance_km=np.asarray([r[3] for r in rows], dtype=np.float32),
    )
    return {r[0]: text for r, text in zip(rows, texts, strict=True)}


def offers_for_candidate(
    session: Session,
    scoring: ScoringState,
    refs: Referentials,
    user: User,
    candidate_id: int,
    *,
    k: int,
    today: date,
) -> CandidateOffersRead:
    """Best open offers for one person of the caller's caseload (audited as a read)."""
    _check_k(k)
    person = visible_candidate(session, user, candidate_id, with_profile=False)
    _check_rankable(person)
    state = scoring.sync(session)
    # Offers that have already ended are still "open" until someone closes them: ask for more
    # and drop those (the engine has no clock).
    ranked = scoring.memo(
        state,
        ("offers_for", person.id, 2 * k + 10, today),
        lambda: state.offers_for(str(person.id), 2 * k + 10, as_of=today),
    )
    offer_ids = [int(o) for o in ranked[col.OFFER_ID]]
    offers = ShortlistRepository(session).offers_by_id(offer_ids)
    live = [_is_live(offers[int(o)], today) for o in ranked[col.OFFER_ID]]
    # A boolean Series, not a list: an empty list would select no columns, not no rows.
    ranked = ranked[pd.Series(live, index=ranked.index, dtype=bool)].head(k).copy()
    ranked[col.RANK] = range(1, len(ranked) + 1)
    names = _commune_names(refs)
    items = []
    for row in _rows(ranked, col.OFFER_ID):
        offer = offers[row.id]
        items.append(
            OfferItem(
                rank=row.rank,
                offer_id=offer.id,
                offer_external_id=offer.external_id,
                intitule=offer.intitule,
                code_rome=offer.code_rome,
                commune_insee=offer.commune_insee,
                commune=names.get(offer.commune_insee, offer.commune_insee),
                start_date=offer.start_date,
                score=row.score,
                components=row.components,
                contributions=row.contributions,
                distance_km=row.distance_km,
                beyond_range=row.beyond_range,
                explanation=row.explanation,
            )
        )
    version = _scorer_version(state)
    record_exposures(
        session,
        user,
        "offers_for",
        ((i.offer_id, person.id, i.rank, i.score, version, i.explanation) for i in items),
    )
    audit(session, user, "read_offers_for", "candidate", person.id, {"k": k})
    return CandidateOffersRead(
        candidate_id=person.id, k=k, as_of=today, model_version=version, items=items
    )


def why_not(
    session: Session,
    scoring: ScoringState,
    user: User,
    candidate_id: int,
    offer_id: int,
    *,
    today: date,
) -> WhyNotRead:
    """Every reason a person is excluded from an offer, or their place when they are not."""
    person = visible_candidate(session, user, candidate_id, with_profile=False)
    _check_rankable(person)
    offer = OfferRepository(session).find(offer_id)
    if offer is None:
        raise NotFound(f"offre {offer_id} introuvable")
    state = scoring.sync(session)
    oid = _offer_in_state(state, offer, today)
    reasons = state.why_not(str(person.id), oid)
    excluding = [r for r in reasons if r.is_excluding]
    if excluding:
        summary = (
            f"Cette personne n'est pas proposée pour cette offre : {len(excluding)} "
            "contrainte(s) l'excluent."
        )
    else:
        ranked = state.shortlist(oid, len(state.pool), as_of=today, explain=False)
        hit = ranked[ranked[col.CANDIDATE_ID] == str(person.id)]
        if len(hit):
            summary = (
                f"Aucune contrainte ne l'exclut : cette personne est classée "
                f"{int(hit[col.RANK].iloc[0])}e sur {len(ranked)} (score "
                f"{float(hit[col.SCORE].iloc[0]):.2f})."
            )
            if reasons:
                summary += " Son trajet dépasse celui qu'elle a déclaré (dans la tolérance)."
        else:
            summary = "Aucune contrainte ne l'exclut."
    audit(session, user, "why_not", "candidate", person.id, {"offer_id": offer.id})
    return WhyNotRead(
        candidate_id=person.id,
        offer_id=offer.id,
        is_excluded=bool(excluding),
        reasons=[
            Reason(code=(r.code.name or "").lower(), message=r.message, is_excluding=r.is_excluding)
            for r in reasons
        ],
        summary=summary,
    )


CASELOAD_DEPTH = 500
"""How deep in each offer's ranking :func:`caseload_offers` looks for the coach's people."""


class CaseloadOffer(NamedTuple):
    """An offer with the coach's people it ranks, best first."""

    offer_id: int
    people: list[tuple[int, str, float]]
    """(person id, name, score) of the best few."""
    total: int
    """How many people of the caseload the offer ranks."""


def caseload_offers(
    session: Session,
    scoring: ScoringState,
    user: User,
    offer_ids: list[int],
    *,
    today: date,
    per_offer: int = 3,
) -> list[CaseloadOffer]:
    """The offers among ``offer_ids`` that rank at least one person of the coach's caseload
    (within the best :data:`CASELOAD_DEPTH`), best score first, each with its best
    ``per_offer`` people (audited as one read)."""
    repo = ShortlistRepository(session)
    state = scoring.sync(session)
    wanted = [str(i) for i in offer_ids]
    known = [o for o, i in zip(wanted, state.offers.lookup(wanted), strict=True) if i >= 0]
    out: list[CaseloadOffer] = []
    if known:
        ranked = state.top_k_per_offer(as_of=today, k=CASELOAD_DEPTH, offer_ids=known)
        mine = {str(i) for i in repo.caseload_ids(user.id)}
        ids = state.pool.ids[ranked.candidate_idx].astype(str)
        keep = pd.Series(ids).isin(mine).to_numpy()
        offers = state.offers.ids[ranked.offer_idx[keep]].astype(str)
        people, scores = ids[keep], ranked.score[keep]
        chosen: dict[str, list[tuple[int, float]]] = {}
        for oid, pid, score in zip(offers, people, scores, strict=True):
            chosen.setdefault(oid, []).append((int(pid), float(score)))
        shown = {pid for rows in chosen.values() for pid, _ in rows[:per_offer]}
        names = repo.people_with_coach(sorted(shown))
        for oid, rows in chosen.items():
            best = [
                (
                    pid,
                    display_name(
                        names[pid].first_name, names[pid].last_name, names[pid].external_id
                    ),
                    round(score, 4),
                )
                for pid, score in rows[:per_offer]
            ]
            out.append(CaseloadOffer(int(oid), best, len(rows)))
        out.sort(key=lambda c: (-c.people[0][2], c.offer_id))
    audit(
        session,
        user,
        "caseload_offers",
        "user",
        user.id,
        {"offers": len(offer_ids), "with_people": len(out)},
    )
    return out
