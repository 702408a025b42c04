"""The demo seed: users of each role and deployments active, expired and refused; idempotent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from tests.workflow.scenario import box

from patrolgate.settings import Settings
from patrolgate.store import Database
from patrolgate.store.tables import AreaRow
from patrolgate.workflow import Workflow
from patrolgate.workflow.demo_seed import HACKNEY, LAMBETH, SOUTHWARK, seed_demo_deployments


def _three_boroughs(database: Database) -> None:
    with database.transaction() as session:
        for i, borough in enumerate((LAMBETH, SOUTHWARK, HACKNEY)):
            lon = -0.13 + 0.03 * i
            session.add(
                AreaRow(
                    code=borough,
                    level="borough",
                    name=borough,
                    parent_code=None,
                    geometry=box(lon, 51.44, 0.03, 0.03),
                    area_m2=7e6,
                    crs="EPSG:27700",
                )
            )
            session.add(
                AreaRow(
                    code=f"W{i}",
                    level="ward",
                    name=f"ward {i}",
                    parent_code=borough,
                    geometry=box(lon, 51.44, 0.01, 0.01),
                    area_m2=0.8e6,
                    crs="EPSG:27700",
                )
            )


def test_seed_states_and_idempotence(
    database: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three deployments in three states, the refusal on record, nothing seeded twice."""
    _three_boroughs(database)
    fixed = settings.model_copy(update={"now": datetime(2026, 7, 3, 20, 0, tzinfo=UTC)})
    expired, active, refused = seed_demo_deployments(database, fixed)
    workflow = Workflow.from_settings(database, fixed)
    states = {
        d["id"]: (d["state"], d["end_reason"]) for d in workflow.list_deployments("oversight1")
    }
    assert states == {
        expired: ("debriefed", "expired"),
        active: ("active", None),
        refused: ("submitted", None),
    }
    assert (
        "no community impact assessment"
        in workflow.show_deployment("oversight1", refused)["last_refusal"]
    )
    added = [e["payload"]["role"] for e in workflow.export_audit() if e["action"] == "user.added"]
    assert set(added) == {
        "admin",
        "analyst",
        "proposer",
        "borough-commander",
        "tactical-commander",
        "strategic-commander",
        "community-officer",
        "oversight",
    }
    head = workflow.chain_head()["seq"]
    assert seed_demo_deployments(database, fixed) == [expired, active, refused]
    assert workflow.chain_head()["seq"] == head
    assert workflow.verify_audit().ok


def test_recent_proposals_carry_the_pictures_snapshot(
    database: Database, settings: Settings
) -> None:
    """The active and the refused proposals (made in the last hours) carry the picture's
    snapshot, as real ones would; the one made ten days ago asks for none (a picture fitted
    today would know its future)."""
    _three_boroughs(database)
    now = datetime(2026, 7, 3, 20, 0, tzinfo=UTC)
    fixed = settings.model_copy(update={"now": now})
    asked: list[tuple[tuple[str, ...], datetime]] = []

    def snapshot(
        geometry: dict[str, Any], codes: tuple[str, ...], start: datetime, end: datetime
    ) -> dict[str, Any]:
        asked.append((codes, start))
        return {"model": "test", "expected_events": 0.5, "area_codes": list(codes)}

    expired, active, refused = seed_demo_deployments(database, fixed, forecast=snapshot)
    assert [codes for codes, _ in asked] == [("W0",), ("W2",)]
    assert all(start >= now - timedelta(hours=2) for _, start in asked)
    workflow = Workflow.from_settings(database, fixed)
    snapshots = {
        d: workflow.show_deployment("oversight1", d)["forecast_snapshot"]
        for d in (expired, active, refused)
    }
    assert snapshots[expired] is None
    assert snapshots[active]["expected_events"] == 0.5
    assert snapshots[refused]["area_codes"] == ["W2"]
