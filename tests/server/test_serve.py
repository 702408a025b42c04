"""``patrolgate serve --workers N`` as an operator runs it: it starts on a machine whose cores
are busy, and says when a worker starts, dies or is replaced."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serving import ServeCommand

from patrolgate.cli.serve import run_service
from patrolgate.server import workers
from patrolgate.settings import Settings
from patrolgate.store import create_database

#: How long a start may take on a saturated machine (the issue's bound).
START_SECONDS = 120


def _cores() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


@pytest.fixture
def busy_cores() -> Iterator[int]:
    """One busy loop per core (at least two), for as long as the test runs."""
    loops = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])
        for _ in range(max(2, _cores()))
    ]
    try:
        yield len(loops)
    finally:
        for loop in loops:
            loop.kill()
            loop.wait()


def _healthy_within(serve: ServeCommand, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if serve.healthz() == 200:
            return True
        if serve.process.poll() is not None:
            return False
        time.sleep(0.25)
    return False


def _wait_for(serve: ServeCommand, words: str, count: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        serve.watch_workers()
        if serve.count(words) >= count:
            return True
        if serve.process.poll() is not None:
            return False
        time.sleep(0.25)
    return False


@pytest.mark.slow
def test_two_workers_start_on_a_saturated_machine(tmp_path: Path, busy_cores: int) -> None:
    """Both cores busy: ``/healthz`` answers within 120 s, each worker starts once and
    answers the supervisor, and no worker is killed or restarted."""
    started = time.monotonic()
    serve = ServeCommand(tmp_path / "home", workers=2)
    try:
        healthy_after = None
        while time.monotonic() - started < START_SECONDS:
            serve.watch_workers()
            if serve.healthz() == 200:
                healthy_after = time.monotonic() - started
                break
            assert serve.process.poll() is None, serve.log()
            time.sleep(0.5)
        assert healthy_after is not None, f"no /healthz within {START_SECONDS} s\n{serve.log()}"
        # Both workers answer the supervisor (the second may still be importing).
        assert _wait_for(serve, "answered its first health check", 2, START_SECONDS), serve.log()
        time.sleep(2)  # a supervisor that kills a slow worker does so within its ping cycle
        workers = serve.watch_workers()
    finally:
        code = serve.stop()
    log = serve.log()
    assert len(workers) == 2, (workers, log)
    assert serve.count("worker started (pid") == 2, log
    assert serve.count("worker restarted") == 0, log
    assert serve.count("did not answer") == 0, log
    assert serve.count("died") == 0, log
    assert "supervisor stopped (0 worker restart(s))" in log
    assert code == 0, log


@pytest.mark.slow
def test_a_worker_that_dies_is_logged_and_replaced(tmp_path: Path) -> None:
    """Kill a worker: the log says which died and which replaced it; the service answers."""
    serve = ServeCommand(tmp_path / "home", workers=2)
    try:
        assert _wait_for(serve, "answered its first health check", 2, START_SECONDS), serve.log()
        before = set(serve.watch_workers())
        assert len(before) == 2
        victim = min(before)
        os.kill(victim, signal.SIGKILL)
        assert _wait_for(serve, "worker restarted", 1, 30), serve.log()
        assert _wait_for(serve, "answered its first health check", 3, START_SECONDS), serve.log()
        # The replacement has started; the service answers (a worker binds its port once
        # its app is built, a few seconds after its first health check).
        assert _healthy_within(serve, START_SECONDS), serve.log()
        after = serve.watch_workers()
    finally:
        serve.stop()
    log = serve.log()
    assert f"worker pid {victim} died (exit code -9)" in log
    replacement = (after - before).pop()
    assert f"worker restarted: pid {replacement} in place of pid {victim}" in log
    assert "supervisor stopped (1 worker restart(s))" in log


def test_serve_migrates_once_before_it_starts_the_workers(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On a fresh database the command migrates before any worker starts (workers that
    migrate at once race to create the same tables), and hands the supervisor the worker
    app, the 60 s health-check timeout and the settings as variables."""
    seen: dict[str, Any] = {}

    def supervise(config: Any) -> None:  # stands in for the real supervisor
        database = create_database(settings.resolved_database_url)
        seen["tables"] = database.table_names()
        database.dispose()
        seen["config"] = config
        seen["home"] = os.environ.get("PATROLGATE_HOME")

    monkeypatch.setattr(workers, "supervise", supervise)
    before = set(os.environ)
    try:
        run_service(settings, "127.0.0.1", 8000, workers=2)
    finally:
        for name in set(os.environ) - before:
            del os.environ[name]
    assert "audit_head" in seen["tables"] and "deployments" in seen["tables"]
    assert seen["config"].app == workers.WORKER_APP
    assert seen["config"].factory is True
    assert seen["config"].workers == 2
    assert seen["config"].timeout_worker_healthcheck == workers.WORKER_HEALTHCHECK_SECONDS
    assert seen["home"] == str(settings.home)
