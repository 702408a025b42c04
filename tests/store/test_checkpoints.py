"""SQLite's write-ahead log is checkpointed off the commit path when the owner asks for it.

A commit that fills the log past SQLite's automatic-checkpoint threshold (1,000 pages)
otherwise copies the log into the database file itself, under the writer lock; the web
service turns that off and checkpoints on a thread of its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from patrolgate.store import Database, create_database

#: Enough 8 KiB rows that one transaction logs more than SQLite's 1,000-page threshold.
BIG_ROWS = 600


def write_scratch(database: Database, rows: int) -> None:
    """One write transaction of ``rows`` 8 KiB blobs in a scratch table."""
    with database.transaction() as session:
        connection = session.connection()
        connection.exec_driver_sql("CREATE TABLE IF NOT EXISTS scratch (body BLOB)")
        connection.exec_driver_sql(
            "INSERT INTO scratch (body) VALUES (?)", [(bytes(8192),) for _ in range(rows)]
        )


def sqlite_database(path: Path, *, background: bool) -> Database:
    database = create_database(f"sqlite:///{path}", serving=background)
    database.migrate()
    return database


def test_commits_leave_the_log_to_the_background_checkpoint(tmp_path: Path) -> None:
    database = sqlite_database(tmp_path / "background.db", background=True)
    try:
        assert database.checkpoints_in_background
        database.checkpoint()  # the migrations' pages
        write_scratch(database, BIG_ROWS)
        write_scratch(database, 1)
        done = database.checkpoint()
        assert done is not None and not done.busy
        # Nothing was copied at commit: the log still holds both transactions' pages, and
        # this checkpoint copied every one of them.
        assert done.logged > 1000
        assert done.copied == done.logged
        # Once copied, the next writer reuses the log from its start.
        write_scratch(database, 1)
        again = database.checkpoint()
        assert again is not None and 0 < again.logged < 20
    finally:
        database.dispose()


def test_without_background_checkpoints_the_commit_checkpoints(tmp_path: Path) -> None:
    database = sqlite_database(tmp_path / "automatic.db", background=False)
    try:
        assert not database.checkpoints_in_background
        write_scratch(database, BIG_ROWS)  # its commit runs SQLite's automatic checkpoint
        write_scratch(database, 1)  # which lets this one restart the log
        done = database.checkpoint()
        assert done is not None and done.logged < 20
    finally:
        database.dispose()


def test_postgresql_has_no_checkpoint_to_run(database: Database) -> None:
    if database.is_sqlite:
        pytest.skip("PostgreSQL only")
    assert database.checkpoint() is None
