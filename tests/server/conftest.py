"""A real service on loopback over the API tests' small world, for tests that need sockets."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "api"))
from serving import Served, free_port
from world import build_world

from patrolgate.settings import Settings
from patrolgate.store import create_database


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """The small world served by uvicorn on 127.0.0.1 in this process."""
    settings = Settings(home=tmp_path_factory.mktemp("served"))
    database = create_database(settings.resolved_database_url)
    database.migrate()
    world = build_world(settings, database)
    token, _ = world.app.state.services.accounts.create_token("proposer1", "limits")
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(world.app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield Served(world, "127.0.0.1", port, token)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        database.dispose()
