"""The assembled app's health checks: ``/healthz`` never waits behind requests, ``/readyz``
says what is still warming, and a computation past its budget answers 503 and carries on."""

from __future__ import annotations

import asyncio
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from world import World, build_world

from patrolgate.api.limits import HeavyWork, StillWorking
from patrolgate.server import create_app
from patrolgate.settings import Settings
from patrolgate.store import Database


def test_readyz_lists_what_is_still_warming(settings: Settings, database: Database) -> None:
    """While the forecast fits, ``/readyz`` is 503 and names what is not ready, ``/healthz``
    is 200; once warm, ``/readyz`` is ready."""
    app = create_app(settings, database=database, warm_picture=True, sweep_every=None)
    release = threading.Event()
    picture = app.state.services.picture
    fit = picture.forecast_serialised

    def slow_fit(*args: Any, **kwargs: Any) -> Any:
        release.wait(30)
        return fit(*args, **kwargs)

    picture.forecast_serialised = slow_fit
    with TestClient(app) as client:
        warming = client.get("/readyz")
        assert warming.status_code == 503
        assert warming.json() == {
            "status": "warming",
            "warming": ["forecast", "borough boundaries", "ward boundaries", "places"],
        }
        assert client.get("/healthz").json() == {"status": "ok"}
        release.set()
        deadline = time.monotonic() + 30
        while (ready := client.get("/readyz")).status_code != 200:
            assert time.monotonic() < deadline, ready.json()
            time.sleep(0.05)
        assert ready.json()["status"] == "ready"


@pytest.fixture
def world(settings: Settings, database: Database) -> World:
    """The API tests' small world."""
    return build_world(settings, database)


def test_healthz_answers_while_every_request_thread_is_busy(world: World) -> None:
    """Both request threads held by slow requests: ``/healthz`` still answers at once."""
    release = threading.Event()
    workflow = world.app.state.services.workflow
    listed = workflow.list_deployments
    entered = threading.Semaphore(0)

    def slow_list(*args: Any, **kwargs: Any) -> Any:
        entered.release()
        release.wait(30)
        return listed(*args, **kwargs)

    workflow.list_deployments = slow_list
    token, _ = world.app.state.services.accounts.create_token("proposer1", "busy")
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(world.app) as client:
        threads = world.app.state.services.settings.request_threads
        with ThreadPoolExecutor(threads) as pool:
            slow = [
                pool.submit(client.get, "/api/v1/deployments", headers=headers)
                for _ in range(threads)
            ]
            for _ in range(threads):
                assert entered.acquire(timeout=30)
            started = time.perf_counter()
            health = client.get("/healthz")
            waited = time.perf_counter() - started
            release.set()
            assert all(f.result().status_code == 200 for f in slow)
    assert health.status_code == 200
    assert waited < 5, waited


def test_heavy_work_answers_503_past_its_budget_and_finishes_for_the_retry() -> None:
    """Past its budget a request gets StillWorking (Retry-After); the computation runs on,
    the retry joins it rather than starting another, and its result answers the retry."""
    heavy = HeavyWork(budget=0.05)
    runs = []
    release = threading.Event()

    def compute() -> str:
        runs.append(1)
        release.wait(10)
        return "done"

    async def scenario() -> str:
        with pytest.raises(StillWorking) as refused:
            await heavy.run("key", compute, "the thing")
        assert refused.value.http_status == 503
        assert refused.value.retry_after > 0
        heavy.budget = 10
        retry = asyncio.create_task(heavy.run("key", compute, "the thing"))
        await asyncio.sleep(0.05)
        release.set()
        return await retry

    try:
        assert asyncio.run(scenario()) == "done"
    finally:
        heavy.shutdown()
    assert runs == [1]
