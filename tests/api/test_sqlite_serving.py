"""The web service on SQLite writes nothing to disk under the writer lock: it checkpoints
the write-ahead log on its own thread, and answers a change only once the change's commit
is flushed (group commit: see patrolgate.store.log_flusher)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import patrolgate.server.app as app_module
import patrolgate.store.log_flusher as log_flusher_module
from patrolgate.accounts import Accounts
from patrolgate.server import create_app
from patrolgate.settings import Settings
from patrolgate.store import Database

#: Enough 8 KiB rows that one transaction logs more than SQLite's 1,000-page threshold.
BIG_ROWS = 600


def write_scratch(database: Database, rows: int) -> None:
    """One write transaction of ``rows`` 8 KiB blobs in a scratch table."""
    with database.transaction() as session:
        session.connection().exec_driver_sql("CREATE TABLE IF NOT EXISTS scratch (body BLOB)")
        session.connection().exec_driver_sql(
            "INSERT INTO scratch (body) VALUES (?)", [(bytes(8192),) for _ in range(rows)]
        )


def test_the_service_checkpoints_its_own_database(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(app_module, "CHECKPOINT_SECONDS", 0.05)
    database_file = Path(settings.resolved_database_url.split("///", 1)[1])
    app = create_app(settings, sweep_every=None)
    with TestClient(app) as client:
        assert client.get("/readyz").status_code == 200
        database: Database = app.state.services.database
        assert database.checkpoints_in_background
        before = database_file.stat().st_size
        write_scratch(database, BIG_ROWS)
        # The pages reach the database file only when the service's loop checkpoints.
        deadline = time.monotonic() + 10
        while database_file.stat().st_size < before + BIG_ROWS * 8192:
            assert time.monotonic() < deadline, "the service never checkpointed"
            time.sleep(0.05)


def test_the_service_answers_a_change_only_once_it_is_on_disk(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    flushes: list[tuple[float, float, str]] = []

    def slow_flush(descriptor: int) -> None:  # a disk that takes 0.3 s to flush
        began = time.monotonic()
        time.sleep(0.3)
        os.fdatasync(descriptor)
        flushes.append((began, time.monotonic(), threading.current_thread().name))

    app = create_app(settings, sweep_every=None)
    with TestClient(app) as client:
        database: Database = app.state.services.database
        app.state.services.workflow.add_user(None, "admin", role="admin", rank="staff")
        token, _ = Accounts(database).create_token("admin", "setup")
        _, spare = Accounts(database).create_token("admin", "spare")
        monkeypatch.setattr(log_flusher_module, "fdatasync", slow_flush)
        began = time.monotonic()
        # A write through the token (a token may revoke, though it may not mint, tokens).
        response = client.delete(
            f"/api/v1/tokens/{spare['id']}", headers={"Authorization": f"Bearer {token}"}
        )
        answered = time.monotonic()
    assert response.status_code == 200
    assert len(flushes) == 1
    flush_began, flush_ended, thread = flushes[0]
    assert began <= flush_began and flush_ended <= answered
    # Flushed on the event loop's executor, not on a request thread (anyio's workers).
    assert "AnyIO" not in thread
