"""``Idempotency-Key``: a retried POST that creates gets the first answer, never a second thing."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from world import WARD_L1, World

from patrolgate.accounts import Accounts
from patrolgate.store.idempotency_tables import IdempotencyRow
from patrolgate.store.workflow_tables import DeploymentRow, IntelligenceRow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _client(world: World, login: str) -> TestClient:
    client = world.client()
    token = Accounts(world.database).create_token(login, "retries")[0]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


def _intel(text: str = "Groups expected to clash near the station tonight.") -> dict[str, object]:
    now = datetime(2026, 6, 5, 12, tzinfo=UTC)
    return {
        "area_codes": [WARD_L1],
        "valid_from": now.isoformat(),
        "valid_to": (now + timedelta(days=1)).isoformat(),
        "source": 1,
        "assessment": "A",
        "handling": "P",
        "text": text,
    }


def _count(world: World, table: type) -> int:
    with world.database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_a_retry_with_the_same_key_gets_the_first_answer(world: World) -> None:
    """Same user, same key, same request: one summary, the same id twice."""
    client = _client(world, "analyst1")
    first = client.post("/api/v1/intelligence", json=_intel(), headers={"Idempotency-Key": "k-1"})
    again = client.post("/api/v1/intelligence", json=_intel(), headers={"Idempotency-Key": "k-1"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert _count(world, IntelligenceRow) == 1
    # Without a key, two requests are two summaries.
    client.post("/api/v1/intelligence", json=_intel())
    client.post("/api/v1/intelligence", json=_intel())
    assert _count(world, IntelligenceRow) == 3


def test_a_key_is_bound_to_its_user_and_its_request(world: World) -> None:
    """Another request under the same key: 422; another user's same key: their own."""
    analyst, proposer = _client(world, "analyst1"), _client(world, "proposer1")
    headers = {"Idempotency-Key": "shared"}
    assert analyst.post("/api/v1/intelligence", json=_intel(), headers=headers).status_code == 201
    other = analyst.post(
        "/api/v1/intelligence", json=_intel("Another summary about the market."), headers=headers
    )
    assert other.status_code == 422 and "different request" in other.json()["detail"]
    theirs = proposer.post("/api/v1/intelligence", json=_intel(), headers=headers)
    assert theirs.status_code == 201 and "idempotent-replayed" not in theirs.headers
    assert _count(world, IntelligenceRow) == 2
    bad = analyst.post(
        "/api/v1/intelligence", json=_intel(), headers={"Idempotency-Key": "k" * 201}
    )
    assert bad.status_code == 422


def test_a_proposal_retried_after_a_lost_answer_is_proposed_once(world: World) -> None:
    """The issue's case: the POST's answer never reached the client; the retry must not
    make a second deployment."""
    client = _client(world, "proposer1")
    rationale = tomllib.loads((EXAMPLES / "rationale.toml").read_text())
    start = world.clock.now + timedelta(hours=1)
    body = {
        "profile": "armed-patrol",
        "start": start.isoformat(),
        "end": (start + timedelta(hours=8)).isoformat(),
        "trigger": "imminent-intelligence",
        "rationale": rationale,
        "area_codes": [WARD_L1],
    }
    headers = {"Idempotency-Key": "proposal-2026-06-05-1"}
    first = client.post("/api/v1/deployments", json=body, headers=headers)
    assert first.status_code == 201, first.text
    retry = client.post("/api/v1/deployments", json=body, headers=headers)
    assert retry.json() == first.json()
    assert _count(world, DeploymentRow) == 1


def test_a_key_still_in_progress_is_told_to_wait(world: World) -> None:
    """A key whose request has not answered (or whose process died answering): 409, and
    nothing is created again."""
    client = _client(world, "analyst1")
    headers = {"Idempotency-Key": "stuck"}
    assert client.post("/api/v1/intelligence", json=_intel(), headers=headers).status_code == 201
    with world.database.transaction() as session:  # as if the answer was never kept
        session.execute(update(IdempotencyRow).values(status=None, body=None))
    answer = client.post("/api/v1/intelligence", json=_intel(), headers=headers)
    assert answer.status_code == 409 and "in progress or was interrupted" in answer.json()["detail"]
    assert _count(world, IntelligenceRow) == 1


@pytest.mark.parametrize("path", ["/api/v1/deployments/x/consult", "/api/v1/me/csrf"])
def test_other_requests_ignore_the_header(world: World, path: str) -> None:
    """Only the requests that create keep answers."""
    client = _client(world, "bc.lambeth")
    client.post(path, json={}, headers={"Idempotency-Key": "k"})
    assert _count(world, IdempotencyRow) == 0
