"""Durability: kill -9 mid-stream; the chain verifies and every reported commit is there."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from tests.workflow.scenario import Clock

from patrolgate.store import Database
from patrolgate.workflow import Workflow

WORKER = Path(__file__).with_name("durability_worker.py")


@pytest.mark.slow
def test_kill_minus_nine_mid_stream(workflow: Workflow, database: Database, clock: Clock) -> None:
    """SIGKILL after some commits: nothing reported done is lost and the chain verifies."""
    url = database.engine.url.render_as_string(hide_password=False)
    process = subprocess.Popen(
        [sys.executable, str(WORKER), url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    reported: list[tuple[str, str]] = []
    assert process.stdout is not None
    try:
        for line in process.stdout:
            if line.startswith("done "):
                _, action, deployment = line.split()
                reported.append((action, deployment))
            if len(reported) >= 14:  # mid-stream: the worker is between commits or inside one
                break
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL, process.stderr.read() if process.stderr else ""
    database.dispose()
    result = workflow.verify_audit()
    assert result.ok, result.message
    recorded = {(e["action"], e["deployment_id"]) for e in workflow.export_audit()}
    missing = [r for r in reported if r not in recorded]
    assert missing == []
