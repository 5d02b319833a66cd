"""Engine, declarative base, per-request session and migration helpers."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import threading
import weakref
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import anyio
import anyio.to_thread
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from anyio.lowlevel import RunVar
from fastapi import Depends, Request
from sqlalchemy import (
    Connection,
    DateTime,
    Engine,
    MetaData,
    create_engine,
    event,
    make_url,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Base",
    "DatabaseNotAtHead",
    "ReadOnlySessionError",
    "SessionDep",
    "UTCDateTime",
    "after_reads",
    "alembic_config",
    "check_at_head",
    "current_revision",
    "get_session",
    "group_writer",
    "head_revision",
    "is_read_only",
    "make_engine",
    "make_read_sessionmaker",
    "make_sessionmaker",
    "request_sessions",
    "session_dependency",
    "take_queued",
    "utcnow",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC timestamp on every backend (SQLite keeps naive UTC text)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: give a timezone")
        value = value.astimezone(UTC)
        return value if dialect.name == "postgresql" else value.replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINT and transactional DDL: let SQLAlchemy
    # emit BEGIN itself (https://docs.sqlalchemy.org/en/20/dialects/sqlite.html#pysqlite-serializable).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # Concurrent requests: WAL lets readers run beside the writer, and a writer waits for the
    # lock (busy timeout) instead of failing at once.
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


_IMMEDIATE = "clausematch_sqlite_immediate"


def _sqlite_begin(conn: Any) -> None:
    # Sessions from make_sessionmaker nearly always write (at least an audit entry). A deferred
    # BEGIN would read first and then fail with "database is locked" when upgrading to write
    # after another transaction wrote; IMMEDIATE takes the write lock up front and so waits
    # (busy timeout) instead. Plain connections (health check, read-only tools) stay deferred:
    # with WAL they read beside a writer.
    immediate = conn.get_execution_options().get(_IMMEDIATE, False)
    if not immediate:
        conn.exec_driver_sql("BEGIN")
        return
    # Writers of this process queue on a Python lock first: SQLite's busy handler polls with
    # growing sleeps, which under 20 concurrent requests left some waiting for seconds. The
    # busy timeout still covers writers in other processes (a CLI import).
    lock = _writer_lock(conn.engine.url.database or "")
    lock.acquire()
    conn.info[_HOLDS_LOCK] = lock
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        _release_writer_lock(conn)
        raise


_HOLDS_LOCK = "clausematch_writer_lock"
_WRITER_LOCKS: dict[str, threading.Lock] = {}
_WRITER_LOCKS_GUARD = threading.Lock()


def _writer_lock(database: str) -> threading.Lock:
    with _WRITER_LOCKS_GUARD:
        return _WRITER_LOCKS.setdefault(database, threading.Lock())


def _release_writer_lock(conn: Any, *_: Any) -> None:
    lock = conn.info.pop(_HOLDS_LOCK, None)
    if lock is not None:
        lock.release()


def _release_on_checkin(_: Any, record: Any) -> None:
    # A connection back in the pool holds no transaction (Connection.info is the record's info).
    lock = record.info.pop(_HOLDS_LOCK, None)
    if lock is not None:
        lock.release()


_WRITE_TURNS: RunVar[dict[str, anyio.Semaphore]] = RunVar("clausematch_sqlite_write_turns")


def _write_turn(factory: sessionmaker[Session]) -> anyio.Semaphore | None:
    """The event-loop semaphore that gives this process's SQLite write transactions their turn, or
    ``None`` on another database (PostgreSQL takes concurrent writers).

    A write transaction holds the writer lock (``_sqlite_begin``) from its first statement to
    its commit, and that commit runs in another call to the thread pool than the handler's.
    Requests that waited for the writer lock inside the pool's threads could take every
    thread (two by default), and the commit that would free the lock never got one: the
    process hung for good, and the other workers' writers failed with "database is locked"
    after the busy timeout (issue 21). Waiting here, on the event loop, holds no thread."""
    bind = factory.kw.get("bind")
    if bind is None or bind.dialect.name != "sqlite":
        return None
    url = bind.engine.url if isinstance(bind, Connection) else bind.url
    try:
        turns = _WRITE_TURNS.get()
    except LookupError:
        turns = {}
        _WRITE_TURNS.set(turns)
    return turns.setdefault(url.database or "", anyio.Semaphore(1))


# Connections kept open: one per request being served (the thread pool runs up to 40), so
# that a busy service does not open and close connections (and, on SQLite, re-run its
# pragmas) for every request beyond the default five.
POOL_SIZE = 20
POOL_OVERFLOW = 20


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys and working savepoints."""
    options: dict[str, Any] = {}
    if make_url(url).database not in (None, "", ":memory:"):
        options = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
    engine = create_engine(url, echo=echo, pool_pre_ping=not url.startswith("sqlite"), **options)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        # The in-process writer lock ends with the transaction, however it ends.
        event.listen(engine, "commit", _release_writer_lock)
        event.listen(engine, "rollback", _release_writer_lock)
        event.listen(engine.pool, "checkin", _release_on_checkin)
    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    # Objects stay readable after the commit that ends the request. On SQLite its transactions
    # take the write lock when they begin (see _sqlite_begin).
    bind = engine.execution_options(**{_IMMEDIATE: True})
    return sessionmaker(bind=bind, expire_on_commit=False, autoflush=False)


# ----------------------------------------------------------------------- read-only requests
#
# A GET only reads, but it still writes its audit entries (and a web page its session's
# last-seen time). Were the whole request one write transaction, every request would hold
# SQLite's write lock while it ranks and renders, and requests would run one at a time even
# across worker processes. So a GET reads in a plain (deferred) transaction, which on SQLite
# with WAL runs beside writers, and what it must write is queued with :func:`after_reads`
# and written when the reads are done, in one short write transaction of its own, before the
# response leaves (a failed audit write fails the request). Any other write in a read-only
# session is a programming error and raises :class:`ReadOnlySessionError`.

_READ_ONLY = "clausematch_read_only"
_AFTER_READS = "clausematch_after_reads"
READ_METHODS = frozenset({"GET", "HEAD"})


class ReadOnlySessionError(RuntimeError):
    """A write was attempted in a read-only request session (use :func:`after_reads`)."""


def _refuse_flush(session: Session, *_: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise ReadOnlySessionError(
            "write in a read-only (GET) session: queue it with service.db.after_reads"
        )


def _refuse_dml(state: Any) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise ReadOnlySessionError(
            "write in a read-only (GET) session: queue it with service.db.after_reads"
        )


def make_read_sessionmaker(bind: Engine | Connection, **options: Any) -> sessionmaker[Session]:
    """Sessions for read-only requests: deferred transactions, writes only via after_reads."""
    options = {"expire_on_commit": False, "autoflush": False, **options}
    factory = sessionmaker(bind=bind, info={_READ_ONLY: True}, **options)
    event.listen(factory, "before_flush", _refuse_flush)
    event.listen(factory, "do_orm_execute", _refuse_dml)
    return factory


def is_read_only(session: Session) -> bool:
    return bool(session.info.get(_READ_ONLY, False))


Writer = Callable[[Session], object]


def after_reads(session: Session, write: Writer) -> None:
    """Run ``write(s)`` in this request's transaction, or, for a read-only session, in a short
    write transaction once its reads are done (see :func:`get_session`)."""
    if is_read_only(session):
        session.info.setdefault(_AFTER_READS, []).append(write)
    else:
        write(session)


def write_queued(writer_factory: sessionmaker[Session], writes: list[Writer]) -> None:
    """Run ``writes`` in one transaction of ``writer_factory``."""
    if not writes:
        return
    with writer_factory() as writer:
        for write in writes:
            write(writer)
        writer.commit()


class GroupWriter:
    """Group commit of what read-only requests queued (audit entries above all).

    A request hands over its writes and awaits them on the event loop (no thread is held);
    whatever other requests handed over meanwhile goes in the same write transaction. So each
    request still answers only once its audit entry is committed, but under load one
    transaction carries many entries, and on SQLite the processes of the service take the
    write lock far less often. When a transaction of several requests fails, each request's
    writes are retried alone, so that one request's failure is its own."""

    def __init__(self, writer_factory: sessionmaker[Session]) -> None:
        self._factory = writer_factory
        self._pending: list[tuple[list[Writer], asyncio.Future[None]]] = []
        self._flushing = False
        self._task: asyncio.Task[None] | None = None
        self.n_transactions = 0
        self.n_requests = 0

    async def write(self, writes: list[Writer]) -> None:
        loop = asyncio.get_running_loop()
        done: asyncio.Future[None] = loop.create_future()
        self._pending.append((writes, done))
        if not self._flushing:
            self._flushing = True
            self._task = loop.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending, []
                self.n_transactions += 1
                self.n_requests += len(batch)
                try:
                    await self._write([w for writes, _ in batch for w in writes])
                except Exception as exc:
                    if len(batch) == 1:
                        _settle(batch[0][1], exc)
                        continue
                    for writes, done in batch:
                        try:
                            await self._write(writes)
                        except Exception as alone:
                            _settle(done, alone)
                        else:
                            _settle(done, None)
                else:
                    for _, done in batch:
                        _settle(done, None)
        finally:
            self._flushing = False

    async def _write(self, writes: list[Writer]) -> None:
        turn = _write_turn(self._factory)
        if turn is None:
            await anyio.to_thread.run_sync(write_queued, self._factory, writes)
            return
        async with turn:
            await anyio.to_thread.run_sync(write_queued, self._factory, writes)


_GROUP_WRITERS: weakref.WeakKeyDictionary[sessionmaker[Session], GroupWriter] = (
    weakref.WeakKeyDictionary()
)


def group_writer(writer_factory: sessionmaker[Session]) -> GroupWriter:
    """The one :class:`GroupWriter` of ``writer_factory`` in this process (what read requests
    queued is written by it, whichever route they came through)."""
    found = _GROUP_WRITERS.get(writer_factory)
    if found is None:
        found = _GROUP_WRITERS[writer_factory] = GroupWriter(writer_factory)
    return found


def take_queued(session: Session) -> list[Writer]:
    """What ``session``'s request queued with :func:`after_reads`, handed over (once)."""
    queued: list[Writer] = session.info.pop(_AFTER_READS, [])
    return queued


def _settle(done: asyncio.Future[None], error: BaseException | None) -> None:
    if done.done():  # the request was cancelled meanwhile (its writes were still made)
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)


def _finish(session: Session) -> None:
    """Commit and close ``session`` (its connection goes back to the pool)."""
    try:
        session.commit()
    finally:
        session.close()


Factories = Callable[[Request], "tuple[sessionmaker[Session], sessionmaker[Session]]"]


def session_dependency(factories: Factories) -> Callable[[Request], AsyncIterator[Session]]:
    """A request-session dependency whose ``(read, write)`` session makers ``factories`` gives.

    The session of one request is committed after the handler and rolled back if it raises.
    GET and HEAD requests read in a ``read`` session; what they queued with
    :func:`after_reads` is then written in one ``write`` transaction. Other methods get a
    ``write`` session.

    An async dependency: creating a session does no I/O (it connects at its first query, in
    the handler's thread), so only the commit at the end goes through the thread pool — one
    round trip per request instead of two. The clean-up is shielded from cancellation (a
    client that hangs up) so that a connection always goes back to the pool."""

    async def request_session(request: Request) -> AsyncIterator[Session]:
        read, write = factories(request)
        read_only = request.method in READ_METHODS
        # A write request waits for its turn on SQLite here, before its first statement, not
        # in a thread of the pool (see _write_turn).
        turn = None if read_only else _write_turn(write)
        if turn is not None:
            await turn.acquire()
        try:
            session = (read if read_only else write)()
            try:
                yield session
            except BaseException:
                with anyio.CancelScope(shield=True):
                    await anyio.to_thread.run_sync(session.close)  # rolls back
                raise
            with anyio.CancelScope(shield=True):
                if read_only and not session.in_transaction():
                    # The handler already ended its reads (or made none): nothing to commit,
                    # and closing a session that holds no connection does no I/O.
                    session.close()
                else:
                    await anyio.to_thread.run_sync(_finish, session)
        finally:
            if turn is not None:
                turn.release()
        with anyio.CancelScope(shield=True):
            queued = take_queued(session)
            if read_only and queued:
                await group_writer(write).write(queued)

    return request_session


get_session = session_dependency(
    lambda request: (request.app.state.read_sessionmaker, request.app.state.sessionmaker)
)
get_session.__doc__ = (
    "One session per request (see :func:`session_dependency`), from the application's two "
    "session makers (:func:`request_sessions`)."
)


@contextlib.contextmanager
def request_sessions(
    app: Any, read: sessionmaker[Session], write: sessionmaker[Session]
) -> Iterator[None]:
    """Requests to ``app`` get their sessions from ``read`` (GET, HEAD) and ``write`` (other
    methods, and what read requests queued) while this lasts; the routes' session dependency
    and the shortlists' fast route (:mod:`service.scoring.fast_route`) both take them from the
    application's state. Tests bind them to a transaction they roll back."""
    state = app.state
    before = (state.read_sessionmaker, state.sessionmaker)
    state.read_sessionmaker, state.sessionmaker = read, write
    try:
        yield
    finally:
        state.read_sessionmaker, state.sessionmaker = before


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


# --------------------------------------------------------------------------- migrations


class DatabaseNotAtHead(RuntimeError):
    """The database schema is missing or older than the code."""


def alembic_config(url: str) -> Config:
    """Alembic configuration for ``url`` (no ini file needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@functools.cache
def head_revision() -> str | None:
    """The latest migration of this code (read once: it cannot change while the code runs;
    reading Alembic's scripts took ~15 ms of every /health)."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return script.get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_at_head(engine: Engine) -> str:
    """The current revision; raises :class:`DatabaseNotAtHead` when it is not the head."""
    current = current_revision(engine)
    head = head_revision()
    if current != head:
        raise DatabaseNotAtHead(
            f"La base de données n'est pas à jour (révision {current or 'aucune'}, attendue "
            f"{head}) : lancez `clausematch db upgrade`. / The database is not up to date "
            f"(revision {current or 'none'}, expected {head}): run `clausematch db upgrade`."
        )
    return current or ""
