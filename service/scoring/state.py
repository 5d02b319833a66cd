"""The engine's state kept in memory by the service, and how it follows the database.

The :class:`~matching.engine.MatchingState` (prepared arrays, commune distance table, reach
index) is built once at start-up. Before answering, a scoring request calls
:meth:`ScoringState.sync`: two change counters (``data_versions``, moved by database triggers at
the commit of any transaction that changed a person or an offer) tell whether anything changed
since the state was built — whoever wrote it, this process, a ``clausematch import`` in another
process, another worker or an SQL session — in one small query, whatever the size of the pool.
Only then are the rows' versions compared and the changed rows read
and applied incrementally (``with_candidates`` / ``with_offers`` / ``without_*``), under a lock,
and the new immutable state swapped in; requests already running keep the one they started with.
A request never rebuilds the state from scratch.

Engine ids are the database primary keys as strings: stable, and not the pseudonymous external id
either (a shortlist shown to another coach carries only this internal id).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from datetime import date
from itertools import chain
from pathlib import Path
from typing import Any, Protocol, TypeVar, cast

from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import ORMExecuteState, Session, SessionTransaction

from matching import columns as col
from matching.engine import MatchingState
from matching.fields import TravelTolerance
from matching.referentials import CommuneIndex, RomeReferential
from matching.scoring import Scorer, WeightedScorer
from service.models.offers import Offer, OfferLicence
from service.models.people import Candidate, CandidateJob, CandidateLicence
from service.scoring.frames import candidate_frames, offer_frame
from service.scoring.repository import ScoringRepository
from training.registry import active_version, load_active_scorer, scorer_label

__all__ = [
    "ScoringState",
    "active_scorer",
    "current_scorer_label",
    "travel_tolerance",
    "weighted_scorer",
]


T = TypeVar("T")

log = logging.getLogger("clausematch.scoring")


# What the engine reads, by change counter (service.models.scoring.DATA_VERSION_GROUPS).
_GROUP_OF: dict[type, str] = {
    Candidate: "candidates",
    CandidateJob: "candidates",
    CandidateLicence: "candidates",
    Offer: "offers",
    OfferLicence: "offers",
}
_WATCHED = tuple(_GROUP_OF)


_DIRTY_KEY = "clausematch.scoring_dirty"

# Memo entries that depend only on one offer's ranking (the key's second item is the offer):
# kept across a change that cannot reach that offer (ScoringState._carry_memo).
_CARRIED = frozenset({"shortlist", "shortlist_pseudonymous"})


class _HasScoringSettings(Protocol):
    @property
    def models_dir(self) -> Path: ...
    @property
    def weight_skills(self) -> float: ...
    @property
    def weight_mobility(self) -> float: ...
    @property
    def weight_readiness(self) -> float: ...


class _HasToleranceSettings(Protocol):
    @property
    def travel_tolerance_km(self) -> float: ...
    @property
    def travel_tolerance_share(self) -> float: ...


def travel_tolerance(settings: _HasToleranceSettings) -> TravelTolerance:
    """The engine's travel tolerance from the settings (``CLAUSEMATCH_TRAVEL_TOLERANCE_*``)."""
    return TravelTolerance(km=settings.travel_tolerance_km, share=settings.travel_tolerance_share)


def active_scorer(settings: _HasScoringSettings) -> Scorer:
    """The active trained model's scorer, else the transparent weights of the settings."""
    trained = load_active_scorer(settings.models_dir)
    if trained is not None:
        return trained
    return weighted_scorer(settings)


def current_scorer_label(settings: _HasScoringSettings) -> str:
    """What scores now, as recorded on every match: the active model's version, else the
    weights' label (what a model's promotion figures must have been measured against)."""
    return active_version(settings.models_dir) or scorer_label(weighted_scorer(settings))


def weighted_scorer(settings: _HasScoringSettings) -> WeightedScorer:
    """The transparent weights of the settings (named by their values)."""
    weights = {
        col.COMPONENT_SKILLS: settings.weight_skills,
        col.COMPONENT_MOBILITY: settings.weight_mobility,
        col.COMPONENT_READINESS: settings.weight_readiness,
    }
    # The version names the weights, so every recorded score says which ones produced it.
    version = "-".join(f"{w:g}" for w in weights.values())
    return WeightedScorer(weights, version=version)


class ScoringState:
    """The in-memory engine state of one service process, kept in step with the database."""

    def __init__(
        self,
        *,
        rome: RomeReferential,
        communes: CommuneIndex,
        scorer_provider: Callable[[], Scorer] | None = None,
        scorer_key: Callable[[], object] | None = None,
        max_age_s: float = 1.0,
        cache_size: int = 1024,
        tolerance: TravelTolerance | None = None,
    ) -> None:
        """``scorer_key`` names the scorer ``scorer_provider`` would give now (e.g. the active
        model version): when it changes, the next database check loads the new scorer.
        ``tolerance``: how far beyond a declared travel range a job is still ranked (see
        :func:`travel_tolerance`; default the engine's)."""
        self.max_age_s = max_age_s
        self.tolerance = tolerance if tolerance is not None else TravelTolerance()
        self._scorer_key = scorer_key
        self._current_key = scorer_key() if scorer_key is not None else None
        self._rome = rome
        self._communes = communes
        self._scorer_provider = scorer_provider or WeightedScorer
        self._lock = threading.Lock()
        self._state: MatchingState | None = None
        self._signatures: tuple[int, int] | None = None
        self._candidate_versions: dict[int, tuple[int, str]] = {}
        self._offer_versions: dict[int, tuple[int, str]] = {}
        self.n_full_builds = 0
        self.n_incremental_updates = 0
        self._dirty = False
        # Groups this process wrote to, maybe not committed yet: compared row by row at the
        # next sync whatever the counters say (a transaction that reads what it just wrote —
        # an import running its batch — sees it; PostgreSQL moves the counters at commit).
        self._local: set[str] = set()
        # Per state: two states in one process (tests) each follow the same sessions.
        self._dirty_key = f"{_DIRTY_KEY}.{id(self)}"
        self._local_lock = threading.Lock()
        self._checked_at = float("-inf")
        self._watcher: tuple[threading.Thread, threading.Event] | None = None
        self._watched_at = float("-inf")
        self.n_watch_checks = 0
        self.cache_size = cache_size
        self._memo: OrderedDict[Hashable, object] = OrderedDict()
        self._memo_state: MatchingState | None = None
        self._memo_lock = threading.Lock()
        self.n_memo_hits = 0
        self.n_memo_misses = 0
        self.n_memo_carried = 0
        # Any ORM write to what the engine reads, in this process, marks the state dirty.
        event.listen(Session, "after_flush", self._on_flush)
        event.listen(Session, "after_commit", self._on_commit)
        event.listen(Session, "do_orm_execute", self._on_execute)
        event.listen(Session, "after_transaction_end", self._on_end)

    def close(self) -> None:
        """Stop watching this process's sessions and the database (the app's shutdown)."""
        if self._watcher is not None:
            thread, stop = self._watcher
            stop.set()
            thread.join(timeout=5)
            self._watcher = None
        for name, fn in (
            ("after_flush", self._on_flush),
            ("after_commit", self._on_commit),
            ("do_orm_execute", self._on_execute),
            ("after_transaction_end", self._on_end),
        ):
            if event.contains(Session, name, fn):
                event.remove(Session, name, fn)

    # A flushed change is marked at once (the flushing transaction sees it) and again at its
    # commit (a request that synced in between saw the database without it); a transaction
    # that wrote and did not commit is marked again (the state may hold what it undid).
    def _on_flush(self, session: Session, _: object) -> None:
        groups = {
            _GROUP_OF[type(obj)]
            for obj in chain(session.new, session.dirty, session.deleted)
            if isinstance(obj, _WATCHED)
        }
        if groups:
            self._mark_local(session, groups)

    def _on_execute(self, state: ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            groups = {_GROUP_OF[m.class_] for m in state.all_mappers if m.class_ in _GROUP_OF}
            if groups:
                self._mark_local(state.session, groups)

    def _mark_local(self, session: Session, groups: set[str]) -> None:
        with self._local_lock:
            self._local |= groups
        self._dirty = True
        session.info.setdefault(self._dirty_key, set()).update(groups)

    def _on_commit(self, session: Session) -> None:
        if session.info.pop(self._dirty_key, None):
            self._dirty = True

    def _on_end(self, session: Session, transaction: SessionTransaction) -> None:
        groups = session.info.get(self._dirty_key)
        if groups:  # ended without a commit (a rollback, of the whole or of a savepoint)
            if transaction.parent is None:
                session.info.pop(self._dirty_key, None)
            with self._local_lock:
                self._local |= groups
            self._dirty = True

    @property
    def scorer(self) -> Scorer:
        if self._state is None:
            return self._scorer_provider()
        return self._state.scorer

    def build(self, session: Session) -> MatchingState:
        """Read every candidate and open offer and build the state (at start-up)."""
        with self._lock:
            return self._build_locked(session)

    def _build_locked(self, session: Session) -> MatchingState:
        repo = ScoringRepository(session)
        # Read before the rows: a change committed meanwhile moves the counters past these.
        signatures = repo.data_versions()
        candidates, jobs, _ = candidate_frames(session)
        offers, _ = offer_frame(session)
        self._state = MatchingState.build(
            candidates,
            jobs,
            offers,
            rome=self._rome,
            communes=self._communes,
            scorer=self._scorer_provider(),
            tolerance=self.tolerance,
        )
        self._candidate_versions = repo.versions(Candidate)
        self._offer_versions = repo.versions(Offer)
        self._forget_memo()
        self._signatures = signatures
        self._checked_at = time.monotonic()
        self.n_full_builds += 1
        return self._state

    def mark_dirty(self) -> None:
        """Something was written: the next :meth:`sync` checks the database whatever its age."""
        self._dirty = True

    def watch(self, session_factory: Callable[[], Session]) -> None:
        """Look for other processes' writes in a background thread, every ``max_age_s``
        seconds, instead of in the requests.

        The check reads the two change counters (under a millisecond; the aggregate over
        every person it replaced took 40–70 ms at 100,000 people on PostgreSQL, and delayed
        the request that made it and every one queued behind it). The thread only *marks* the
        state dirty when the database moved on (or another model was activated); the next
        request then applies the changes in its own session, as with this process's writes.
        Requests check for themselves again if the thread has not checked for three periods
        (database unreachable, thread stopped)."""
        if self.max_age_s <= 0 or self._watcher is not None:
            return
        stop = threading.Event()
        self._watched_at = time.monotonic()

        def run() -> None:
            while not stop.wait(self.max_age_s):
                self._watch_once(session_factory)

        thread = threading.Thread(target=run, name="clausematch-scoring-watch", daemon=True)
        self._watcher = (thread, stop)
        thread.start()

    def _watch_once(self, session_factory: Callable[[], Session]) -> None:
        try:
            with session_factory() as session:
                seen = ScoringRepository(session).data_versions()
        except SQLAlchemyError:
            log.warning("scoring watch: database check failed; requests check themselves")
            return
        key_moved = self._scorer_key is not None and self._scorer_key() != self._current_key
        if seen != self._signatures or key_moved:
            self._dirty = True
        self._watched_at = time.monotonic()
        self.n_watch_checks += 1

    def sync(self, session: Session, *, max_age_s: float | None = None) -> MatchingState:
        """The current state, after applying what changed in the database since the last check.

        With ``max_age_s > 0`` the database is checked at most that often, unless
        :meth:`mark_dirty` was called (this process's own writes call it, through a session
        event registered by the app): another process's writes are then seen within
        ``max_age_s`` seconds, and most requests send no query for the check at all.
        """
        fresh = self._fresh(self.max_age_s if max_age_s is None else max_age_s)
        if fresh is not None:
            return fresh
        state = self._state
        now = time.monotonic()
        self._dirty = False
        with self._local_lock:
            local, self._local = self._local, set()
        self._checked_at = now
        if self._scorer_key is not None and state is not None:
            key = self._scorer_key()
            if key != self._current_key:
                self._current_key = key
                self.use_scorer(self._scorer_provider)
                state = self._state
        repo = ScoringRepository(session)
        signatures = repo.data_versions()
        if state is not None and signatures == self._signatures and not local:
            return state
        with self._lock:
            if self._state is None:
                return self._build_locked(session)
            if signatures == self._signatures and not local:
                return self._state
            old = state = self._state
            seen = self._signatures_or_empty()
            # Offers whose rankings may differ in the new state; the others' are kept.
            affected: set[str] = set()
            if signatures[0] != seen[0] or "candidates" in local:
                state, people = self._sync_candidates(repo, state)
                if people:
                    affected.update(old.offers_within_reach(people))
                    affected.update(state.offers_within_reach(people))
            if signatures[1] != seen[1] or "offers" in local:
                state, offers = self._sync_offers(repo, state)
                affected.update(offers)
            self._state = state
            # The kept lists are plain tuples: the replaced state is freed all the same.
            self._carry_memo(old, state, affected)
            self._signatures = signatures
            self.n_incremental_updates += 1
            return state

    def current(self) -> MatchingState | None:
        """The state, when :meth:`sync` would answer it without a query; else ``None``.

        Never reads the database: a caller on the event loop uses it (with :meth:`peek`) to
        answer from memory, and goes to a thread to :meth:`sync` when it gets ``None``."""
        return self._fresh(self.max_age_s)

    def _fresh(self, max_age_s: float) -> MatchingState | None:
        """The state if nothing says it may be behind (no write of this process since, a
        database check younger than ``max_age_s`` or a watcher that looked recently)."""
        state = self._state
        if state is None or self._dirty or max_age_s <= 0:
            return None
        now = time.monotonic()
        watched = self._watcher is not None and now - self._watched_at < 3 * self.max_age_s
        if watched or now - self._checked_at < max_age_s:
            return state
        return None

    def peek(self, state: MatchingState, key: Hashable) -> tuple[bool, Any]:
        """``(True, value)`` if :meth:`memo` holds ``key`` for ``state``, else ``(False, None)``;
        never computes."""
        with self._memo_lock:
            if self._memo_state is state and key in self._memo:
                self._memo.move_to_end(key)
                self.n_memo_hits += 1
                return True, self._memo[key]
        return False, None

    def memo(self, state: MatchingState, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()``, remembered for ``state`` under ``key`` (least recently used first out).

        Only for pure functions of the engine state and ``key`` (a ranking, its explanations):
        states are immutable and every change makes a new one, which keeps only the lists the
        change cannot have touched (:meth:`_carry_memo`). Two
        requests that miss at once both compute; the first to finish is kept.

        Only the current state's answers are kept: an answer for a state already replaced (its
        request began before the change) is returned, not remembered. Remembered, it emptied
        the current state's memo and kept the replaced state's arrays alive beside the current
        ones until the next miss."""
        if self.cache_size <= 0:
            return compute()
        with self._memo_lock:
            if self._memo_state is state and key in self._memo:
                self._memo.move_to_end(key)
                self.n_memo_hits += 1
                return cast(T, self._memo[key])
            self.n_memo_misses += 1
        value = compute()
        with self._memo_lock:
            if state is not self._state:
                return value  # computed on a state already replaced: not kept
            if self._memo_state is not state:
                self._memo.clear()
                self._memo_state = state
            self._memo.setdefault(key, value)
            while len(self._memo) > self.cache_size:
                self._memo.popitem(last=False)
        return value

    def _carry_memo(self, old: MatchingState, new: MatchingState, affected: set[str]) -> None:
        """Keep, for ``new``, the rankings remembered for ``old`` of the offers not in
        ``affected``: an offer that changed, or that a changed person could reach, is ranked
        again; the others rank the same people the same way (a person's ranking, a coach's
        caseload and the rest are computed again)."""
        with self._memo_lock:
            if self._memo_state is not old:
                return
            kept: OrderedDict[Hashable, object] = OrderedDict(
                (key, value)
                for key, value in self._memo.items()
                if isinstance(key, tuple) and key[0] in _CARRIED and key[1] not in affected
            )
            self.n_memo_carried += len(kept)
            self._memo = kept
            self._memo_state = new

    def use_scorer(self, scorer_provider: Callable[[], Scorer]) -> None:
        """Score with another scorer from now on (a newly activated model)."""
        with self._lock:
            self._scorer_provider = scorer_provider
            if self._state is not None:
                self._state = self._state.with_scorer(scorer_provider())
                self._forget_memo()

    def _forget_memo(self) -> None:
        """Drop the answers of a replaced state: the state is freed as soon as the requests
        still reading it end, not at the next miss."""
        with self._memo_lock:
            self._memo.clear()
            self._memo_state = None

    def _signatures_or_empty(self) -> tuple[int, int]:
        return self._signatures or (-1, -1)

    def _sync_candidates(
        self, repo: ScoringRepository, state: MatchingState
    ) -> tuple[MatchingState, list[str]]:
        """The state with the people changed since the last sync, and those people's ids."""
        now = repo.versions(Candidate)
        old = self._candidate_versions
        changed = [i for i, v in now.items() if old.get(i) != v]
        frames = candidate_frames(repo.session, ids=changed) if changed else None
        kept = set() if frames is None else set(frames[0][col.CANDIDATE_ID])
        in_state = set(state.pool.ids.tolist())
        # People deleted, or now marked « ne pas proposer », leave the state.
        gone = [str(i) for i in old if i not in now and str(i) in in_state]
        gone += [str(i) for i in changed if str(i) not in kept and str(i) in in_state]
        if gone:
            state = state.without_candidates(gone)
        if frames is not None and len(frames[0]):
            state = state.with_candidates(frames[0], frames[1])
        self._candidate_versions = now
        return state, [*gone, *(str(i) for i in changed)]

    def _sync_offers(
        self, repo: ScoringRepository, state: MatchingState
    ) -> tuple[MatchingState, list[str]]:
        """The state with the offers changed since the last sync, and those offers' ids."""
        now = repo.versions(Offer)
        old = self._offer_versions
        changed = [i for i, v in now.items() if old.get(i) != v]
        in_state = set(state.offers.ids.tolist())
        frame = offer_frame(repo.session, ids=changed)[0] if changed else None
        kept = set() if frame is None else set(frame[col.OFFER_ID])
        # Offers deleted, closed or without a ROME code leave the state.
        drop = [str(i) for i in old if i not in now and str(i) in in_state]
        drop += [str(i) for i in changed if str(i) not in kept and str(i) in in_state]
        if drop:
            state = state.without_offers(drop)
        if frame is not None and len(frame):
            state = state.with_offers(frame)
        self._offer_versions = now
        return state, [*drop, *(str(i) for i in changed)]

    @staticmethod
    def today() -> date:
        """The service's clock (the engine has none): dates are passed in explicitly."""
        return date.today()
