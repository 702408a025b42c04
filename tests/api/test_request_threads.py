"""The service runs requests' database work on the configured, small number of threads."""

from __future__ import annotations

import pytest
from anyio import to_thread
from fastapi.testclient import TestClient

from patrolgate.server import create_app
from patrolgate.settings import Settings
from patrolgate.store import Database


def test_request_threads_bound_the_thread_pool(settings: Settings, database: Database) -> None:
    app = create_app(settings.model_copy(update={"request_threads": 3}), database=database)
    with TestClient(app) as client:
        assert client.get("/healthz").status_code == 200
        tokens = client.portal.call(lambda: to_thread.current_default_thread_limiter().total_tokens)
    assert tokens == 3


def test_request_threads_default_and_environment(
    monkeypatch: pytest.MonkeyPatch, settings: Settings
) -> None:
    assert settings.request_threads == 2
    monkeypatch.setenv("PATROLGATE_REQUEST_THREADS", "8")
    assert Settings().request_threads == 8
    monkeypatch.setenv("PATROLGATE_REQUEST_THREADS", "0")
    with pytest.raises(ValueError, match="request_threads"):
        Settings()
