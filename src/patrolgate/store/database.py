"""Engine, sessions and migrations for SQLite (embedded default) and PostgreSQL (multi-user)."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from patrolgate.store.intake_layout import EVENT_SCHEMA, bring_about
from patrolgate.store.log_flusher import LogFlusher

MIGRATIONS = Path(__file__).parent / "migrations"


def event_store_path(database_file: str) -> Path:
    """The event store beside an SQLite database file: ``patrolgate.db`` ->
    ``patrolgate.events.db`` (imports write there, under a writer lock of its own)."""
    path = Path(database_file.split("?", 1)[0])
    suffix = path.suffix if path.suffix else ""
    return path.with_name(f"{path.name[: len(path.name) - len(suffix)]}.events{suffix}")


def _attach_event_store(event_file: Path, *, read_only: bool) -> Any:
    """A connect listener attaching the event store (read-only for every connection that may
    hold the workflow's writer lock: ``BEGIN IMMEDIATE`` would lock every database attached
    for writing, so an import's long transaction would hold up the workflow's)."""
    uri = event_file.resolve().as_uri() + ("?mode=ro" if read_only else "")

    def attach(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"ATTACH DATABASE ? AS {EVENT_SCHEMA}", (uri,))
        cursor.close()

    return attach


def _create_event_file(event_file: Path) -> None:
    """Create the event store file in write-ahead-log mode, once, before anyone attaches it."""
    connection = sqlite3.connect(event_file, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
    finally:
        connection.close()


#: Connections kept open, and how many more a burst may open (SQLAlchemy's QueuePool).
POOL_SIZE = 20
POOL_OVERFLOW = 30


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while one writer commits; FULL sync keeps every commit on disk.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _serving_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Nothing that waits for the disk runs under the writer lock (see create_database):
    # SQLite's automatic checkpoint runs inside the commit that fills the log past 1,000
    # pages, copying the log into the database file and syncing it (measured on the API
    # benchmark: 35-480 ms, about once a second at 100 transitions/s); and FULL syncs the
    # log in every commit. The service checkpoints on a thread of its own, and
    # Database.transaction flushes the log after the lock is released (LogFlusher).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


#: A pooled PostgreSQL connection idle longer than this (seconds) is pinged before use.
PING_AFTER_IDLE = 10.0


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it has lain idle a while.

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout: on a busy service that is a
    round trip before each request's every session, for connections used milliseconds
    ago. A connection that went stale (the server restarted, a firewall dropped it) did so
    while idle, so this pings those; a dead one raises ``DisconnectionError``, and the pool
    replaces it and tries again (SQLAlchemy's documented checkout-event recipe).
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError(f"pooled connection lost while idle: {error}") from error


class WriterLock:
    """Serialises SQLite write transactions: a lock per process, ``flock`` across processes.

    SQLite lets one writer in at a time; a second writer gets SQLITE_BUSY, and the busy
    handler sleeps and polls (1, 2, 5, 10 … 100 ms), so under load a waiting writer sleeps
    long after the holder committed, and the tail latency explodes. Waiting here instead,
    on a thread lock and then on an exclusive ``flock`` of a file beside the database,
    wakes the next writer as soon as the holder releases. Re-entrant per thread, so a
    nested transaction cannot deadlock on it.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._thread_lock = threading.RLock()
        self._depth = threading.local()
        self._fd: int | None = None
        self._fd_lock = threading.Lock()
        self._pid = os.getpid()

    @classmethod
    def beside(cls, database_file: str) -> WriterLock:
        """The lock of the SQLite database in ``database_file``: a file next to it."""
        return cls(Path(database_file.split("?", 1)[0] + ".writer-lock"))

    def _file(self) -> int | None:
        if self.path is None:
            return None
        with self._fd_lock:
            if self._fd is None or self._pid != os.getpid():  # a forked child opens its own
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                self._pid = os.getpid()
            return self._fd

    @contextmanager
    def held(self) -> Iterator[None]:
        """Hold the writer lock (within this process and across processes)."""
        with self._thread_lock:
            depth = getattr(self._depth, "value", 0)
            self._depth.value = depth + 1
            fd = self._file() if depth == 0 else None
            try:
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX)  # blocks without the GIL
                try:
                    yield
                finally:
                    if fd is not None:
                        fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                self._depth.value = depth

    def close(self) -> None:
        """Close the lock file (the lock itself is released when each holder leaves)."""
        with self._fd_lock:
            if self._fd is not None and self._pid == os.getpid():
                os.close(self._fd)
            self._fd = None


@dataclass(frozen=True)
class Checkpoint:
    """What one SQLite checkpoint did: pages (frames) in the log, and how many of them are
    now in the database file; ``busy`` when another checkpoint was running."""

    busy: bool
    logged: int
    copied: int


@dataclass
class Database:
    """One database: its engine and a session factory."""

    engine: Engine
    sessions: sessionmaker[Session]
    #: SQLite only: write transactions wait on this rather than on SQLite's busy handler.
    writer_lock: WriterLock | None = field(default=None, repr=False)
    #: Sessions for reading only (see :meth:`reads`); ``sessions`` when not set.
    read_sessions: sessionmaker[Session] | None = field(default=None, repr=False)
    #: SQLite serving mode: flushes the log after each commit, outside the writer lock.
    log_flusher: LogFlusher | None = field(default=None, repr=False)
    #: SQLite file: the event store's file, its engine (the file as its main database) and
    #: writer lock; None elsewhere (PostgreSQL, in-memory SQLite: events in the database).
    event_file: Path | None = field(default=None, repr=False)
    event_engine: Engine | None = field(default=None, repr=False)
    event_lock: WriterLock | None = field(default=None, repr=False)
    _event_sessions: sessionmaker[Session] | None = field(default=None, repr=False)

    @property
    def checkpoints_in_background(self) -> bool:
        """SQLite serving mode: commits leave the write-ahead log alone and the owner calls
        :meth:`checkpoint` on a thread of its own (see :func:`create_database`)."""
        return self.log_flusher is not None

    def reads(self) -> Session:
        """A session that only reads. On PostgreSQL its statements run in autocommit, so
        a read costs its own round trips and no ``BEGIN`` and ``ROLLBACK`` around them;
        each statement sees what was committed when it began, as in a read-committed
        transaction. Never write through it: nothing would be atomic."""
        return (self.read_sessions or self.sessions)()

    @property
    def url(self) -> str:
        """The URL, password hidden."""
        return self.engine.url.render_as_string(hide_password=True)

    @property
    def is_sqlite(self) -> bool:
        """Whether this is the embedded SQLite database."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits together at the end, or not at all.

        On SQLite the transaction takes the write lock at its start (``BEGIN IMMEDIATE``),
        after waiting its turn on :class:`WriterLock`, so it never fails or sleeps midway
        to upgrade a read lock; PostgreSQL serialises writers on row locks. In serving mode
        the commit is flushed to disk after the lock is released, before this returns or,
        within :func:`~patrolgate.store.log_flusher.deferred_flushes`, before the caller
        answers.
        """
        if self.writer_lock is None:
            with self.sessions.begin() as session:
                yield session
            return
        with self.writer_lock.held(), self.sessions.begin() as session:
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session
        if self.log_flusher is not None:
            self.log_flusher.after_commit()

    @contextmanager
    def event_transaction(self) -> Iterator[Session]:
        """A write transaction on the imported data (events, import runs, unit pings).

        On an SQLite file it runs on the event store's own file, under that file's writer
        lock, so a million-row import never holds the workflow's writer lock (the service
        attaches the file read-only); elsewhere it is :meth:`transaction`.
        """
        if self.event_engine is None or self._event_sessions is None:
            with self.transaction() as session:
                yield session
            return
        assert self.event_lock is not None
        with self.event_lock.held(), self._event_sessions.begin() as session:
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session

    def checkpoint(self) -> Checkpoint | None:
        """SQLite: copy what the write-ahead log holds into the database file, as far as
        it can without waiting for any reader or writer (a *passive* checkpoint; writers
        go on appending meanwhile, and the log is reused from its start once all of it is
        copied). ``None`` on PostgreSQL, which checkpoints by itself."""
        if not self.is_sqlite:
            return None
        with self.engine.connect() as connection:
            busy, logged, copied = connection.exec_driver_sql(
                "PRAGMA wal_checkpoint(PASSIVE)"
            ).one()
        return Checkpoint(busy=bool(busy), logged=int(logged), copied=int(copied))

    def migrate(self) -> None:
        """Bring the schema to the latest Alembic revision (idempotent).

        On an SQLite file the migration's connection attaches the event store for writing
        (every other connection attaches it read-only), under both writer locks.
        """
        engine = self.engine
        if self.event_file is not None:
            engine = create_engine(self.engine.url, poolclass=NullPool)
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "connect", _attach_event_store(self.event_file, read_only=False))
        locks = [lock for lock in (self.writer_lock, self.event_lock) if lock is not None]
        try:
            with contextlib.ExitStack() as held:
                for lock in locks:
                    held.enter_context(lock.held())
                with engine.begin() as connection:
                    config = Config()
                    config.set_main_option("script_location", str(MIGRATIONS))
                    config.attributes["connection"] = connection
                    command.upgrade(config, "head")
                    # Idempotent: puts right a database a placeholder 0006 stamped past it.
                    bring_about(connection)
        finally:
            if engine is not self.engine:
                engine.dispose()

    def table_schemas(self) -> list[str | None]:
        """Where tables live: the default schema (None), and on SQLite the event store."""
        return [None] if self.event_file is None else [None, EVENT_SCHEMA]

    def table_names(self) -> list[str]:
        """Names of the tables that exist now (the event store's included)."""
        inspector = inspect(self.engine)
        return sorted(
            name for schema in self.table_schemas() for name in inspector.get_table_names(schema)
        )

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()
        if self.event_engine is not None:
            self.event_engine.dispose()
        for lock in (self.writer_lock, self.event_lock):
            if lock is not None:
                lock.close()


def create_database(url: str, *, echo: bool = False, serving: bool = False) -> Database:
    """Build the engine for ``url``, creating the SQLite folder when needed.

    ``serving`` (an SQLite file; the web service's mode): nothing that waits for the disk
    runs while a transaction holds the writer lock. Commits neither checkpoint the
    write-ahead log nor flush it; :meth:`Database.transaction` flushes it once the lock is
    released, grouping concurrent commits into one flush (:mod:`.log_flusher`), and the
    caller promises to call :meth:`Database.checkpoint` often (the web service: every
    quarter second) from a thread that serves no request (without that the log grows).
    """
    connect_args: dict[str, Any] = {}
    writer_lock: WriterLock | None = None
    log_flusher: LogFlusher | None = None
    event_file: Path | None = None
    # One pooled connection per thread that may hold one at once: the web service's
    # request threads (PATROLGATE_REQUEST_THREADS), its sweeper and forecast refits, and
    # the CLI's or tests' own threads, with room to spare.
    pool: dict[str, Any] = {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            writer_lock = WriterLock.beside(path)
            event_file = event_store_path(path)
            if serving:
                log_flusher = LogFlusher(Path(path.split("?", 1)[0] + "-wal"))
        else:
            pool = {}  # an in-memory database lives in one connection's pool
            writer_lock = WriterLock(None)
        connect_args = {"timeout": 30, "uri": True}
        # A file on this machine cannot drop the connection: no ping per checkout.
        pool["pool_pre_ping"] = False
    else:
        # Last in, first out: the connections a steady load needs stay hot (no pings), the
        # rest lie idle and are pinged when a burst needs them again.
        pool["pool_use_lifo"] = True
    engine = create_engine(url, echo=echo, connect_args=connect_args, **pool)
    event_engine = None
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        if log_flusher is not None:
            event.listen(engine, "connect", _serving_pragmas)
        if event_file is not None:
            _create_event_file(event_file)
            event.listen(engine, "connect", _attach_event_store(event_file, read_only=True))
            event_engine = create_engine(
                f"sqlite:///{event_file}", connect_args={"timeout": 30}, pool_pre_ping=False
            )
            event.listen(event_engine, "connect", _sqlite_pragmas)
    else:
        _ping_when_idle(engine)
    read_sessions = None
    if engine.dialect.name == "postgresql":
        autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")
        read_sessions = sessionmaker(autocommit, expire_on_commit=False)
    return Database(
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        writer_lock=writer_lock,
        read_sessions=read_sessions,
        log_flusher=log_flusher,
        event_file=event_file,
        event_engine=event_engine,
        event_lock=WriterLock.beside(str(event_file)) if event_file is not None else None,
        _event_sessions=(
            sessionmaker(event_engine, expire_on_commit=False) if event_engine else None
        ),
    )
