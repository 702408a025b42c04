"""Group commit in SQLite serving mode: a commit is flushed to disk after the writer lock is
released, and reported only once it is; concurrent commits share flushes."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

import patrolgate.store.log_flusher as log_flusher_module
from patrolgate.store import Database, create_database
from patrolgate.store.log_flusher import LogFlusher, deferred_flushes


class FlushLog:
    """Every ``fdatasync`` the flusher makes: the file's inode, start and end, thread."""

    def __init__(self, delay: float = 0.0) -> None:
        self.delay = delay
        self.calls: list[tuple[int, float, float, str]] = []
        self._lock = threading.Lock()

    def __call__(self, descriptor: int) -> None:
        began = time.monotonic()
        time.sleep(self.delay)
        os.fdatasync(descriptor)
        with self._lock:
            self.calls.append(
                (
                    os.fstat(descriptor).st_ino,
                    began,
                    time.monotonic(),
                    threading.current_thread().name,
                )
            )


@pytest.fixture
def flush_log(monkeypatch: pytest.MonkeyPatch) -> FlushLog:
    log = FlushLog()
    monkeypatch.setattr(log_flusher_module, "fdatasync", log)
    return log


@pytest.fixture
def serving(tmp_path: Path) -> Iterator[Database]:
    database = create_database(f"sqlite:///{tmp_path / 'serving.db'}", serving=True)
    database.migrate()
    try:
        yield database
    finally:
        database.dispose()


def add_row(database: Database, value: int) -> None:
    with database.transaction() as session:
        connection = session.connection()
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS scratch (value INTEGER)")
        connection.exec_driver_sql("INSERT INTO scratch (value) VALUES (?)", (value,))


def test_serving_mode_on_sqlite_only(tmp_path: Path) -> None:
    plain = create_database(f"sqlite:///{tmp_path / 'plain.db'}")
    assert plain.log_flusher is None and not plain.checkpoints_in_background
    memory = create_database("sqlite:///:memory:", serving=True)
    assert memory.log_flusher is None  # no file, no log to flush
    for database in (plain, memory):
        database.dispose()


def test_a_commit_is_flushed_before_the_transaction_returns(
    serving: Database, flush_log: FlushLog
) -> None:
    with serving.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL
    add_row(serving, 1)
    log_file = Path(str(serving.engine.url.database) + "-wal")
    assert [inode for inode, *_ in flush_log.calls] == [log_file.stat().st_ino]


def test_deferred_commits_are_flushed_once_when_the_caller_waits(
    serving: Database, flush_log: FlushLog
) -> None:
    assert serving.log_flusher is not None
    with deferred_flushes() as deferred:
        add_row(serving, 1)
        add_row(serving, 2)
        assert flush_log.calls == []  # nothing waited for the disk yet
        assert deferred.owed == {serving.log_flusher: 2}
        deferred.wait()
    assert len(flush_log.calls) == 1  # one flush for both commits
    assert deferred.owed == {}
    add_row(serving, 3)  # outside the block: flushed at once again
    assert len(flush_log.calls) == 2


def test_concurrent_commits_share_flushes_and_each_waits_for_one_after_it(
    serving: Database, flush_log: FlushLog
) -> None:
    flush_log.delay = 0.05  # a slow disk
    committed: dict[str, float] = {}
    returned: dict[str, float] = {}

    @event.listens_for(serving.sessions, "after_commit")
    def _committed(_session: object) -> None:
        committed[threading.current_thread().name] = time.monotonic()

    def writer(value: int) -> None:
        add_row(serving, value)
        returned[threading.current_thread().name] = time.monotonic()

    threads = [threading.Thread(target=writer, args=(n,), name=f"w{n}") for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(returned) == 8
    assert len(flush_log.calls) < 8  # commits made during a flush share the next one
    for name, at in committed.items():
        # Some flush began after this commit and ended before its transaction returned.
        assert any(
            at <= began and ended <= returned[name] for _, began, ended, _ in flush_log.calls
        )
    with serving.engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM scratch").scalar() == 8


def test_a_missing_log_needs_no_flush(tmp_path: Path) -> None:
    flusher = LogFlusher(tmp_path / "missing-dir" / "log")
    ticket = flusher.ticket()
    flusher.flush_through(ticket)  # no log file: nothing to flush, and no error
    assert flusher.flushes == 1
