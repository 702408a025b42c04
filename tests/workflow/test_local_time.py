"""Europe/London: deployments across the start and end of BST expire at the right instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy
from tests.workflow.scenario import WARD_L1, Clock, add_intel, impact_assessment, rationale

from patrolgate.errors import InvalidInput
from patrolgate.store import Database
from patrolgate.timekeeping import parse_time
from patrolgate.workflow import PolicyViolation, Workflow

LONDON = ZoneInfo("Europe/London")


def propose_local(workflow: Workflow, clock: Clock, start: str, end: str) -> str:
    """An s60 proposal with local wall-clock times, consulted and ready to authorise."""
    intel = add_intel(workflow, clock, area=WARD_L1, hours=24 * 5)
    deployment = workflow.propose(
        "proposer1",
        profile="s60-statutory",
        start=parse_time(start, LONDON),
        end=parse_time(end, LONDON),
        trigger="imminent-intelligence",
        rationale=rationale(criterion="serious-violence-may-occur"),
        area_codes=[WARD_L1],
        intelligence_ids=[intel],
    )
    workflow.consult("bc.lambeth", deployment, outcome="support", notes="Supports.")
    return deployment


@pytest.mark.parametrize(
    ("start", "end", "expiry_utc"),
    [
        # Clocks go forward at 01:00 GMT on 29 March 2026: 24 h ends at 21:00 BST.
        ("2026-03-28T20:00", "2026-03-29T21:00", datetime(2026, 3, 29, 20, 0, tzinfo=UTC)),
        # Clocks go back at 02:00 BST on 25 October 2026: 24 h ends at 19:00 GMT.
        ("2026-10-24T20:00", "2026-10-25T19:00", datetime(2026, 10, 25, 19, 0, tzinfo=UTC)),
    ],
)
def test_expiry_across_bst_change(
    workflow: Workflow, clock: Clock, database: Database, start: str, end: str, expiry_utc: datetime
) -> None:
    """Exactly 24 elapsed hours are allowed; the deployment is active until, not at, its end."""
    clock.set(parse_time(start, LONDON) - timedelta(hours=2))
    deployment = propose_local(workflow, clock, start, end)
    workflow.authorise(
        "insp1",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    clock.set(expiry_utc - timedelta(seconds=1))
    assert workflow.show_deployment("oversight1", deployment)["state"] == "active"
    # Also on the record by now: the inspector's s60(3A) notice, 4 h overdue, flagged.
    assert [e.action for e in workflow.sweep()] == ["deployment.activated", "oversight.notified"]
    clock.set(expiry_utc)
    swept = workflow.sweep()
    assert [(e.action, e.effective_at) for e in swept] == [("deployment.expired", expiry_utc)]
    with database.engine.connect() as connection:
        stored = connection.execute(
            sqlalchemy.text('SELECT "end" FROM deployments WHERE id = :id'), {"id": deployment}
        ).scalar_one()
    as_text = str(stored)
    assert as_text.startswith(expiry_utc.strftime("%Y-%m-%d %H:%M:%S")), as_text


@pytest.mark.parametrize(
    ("start", "end", "requested"),
    [
        ("2026-03-28T20:00", "2026-03-29T22:00", "25 h"),  # 24 h by the wall clock is 23 h
        ("2026-10-24T20:00", "2026-10-25T20:00", "25 h"),  # 24 h by the wall clock is 25 h
    ],
)
def test_wall_clock_day_is_not_24_hours(
    workflow: Workflow, clock: Clock, start: str, end: str, requested: str
) -> None:
    """Limits count elapsed hours, so a wall-clock day across the change may be refused."""
    clock.set(parse_time(start, LONDON) - timedelta(hours=2))
    with pytest.raises(PolicyViolation, match=f"requested {requested}"):
        propose_local(workflow, clock, start, end)


def test_times_in_the_gap_or_overlap_are_refused() -> None:
    """01:30 on the spring-forward night does not exist; on the fall-back night it happens twice."""
    with pytest.raises(InvalidInput, match="does not exist"):
        parse_time("2026-03-29T01:30", LONDON)
    with pytest.raises(InvalidInput, match="happens twice"):
        parse_time("2026-10-25T01:30", LONDON)
    assert parse_time("2026-10-25T01:30+01:00", LONDON) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_show_reports_local_time(workflow: Workflow, clock: Clock) -> None:
    """Readers see Europe/London times with the zone's abbreviation."""
    clock.set(datetime(2026, 3, 28, 18, 0, tzinfo=UTC))
    deployment = propose_local(workflow, clock, "2026-03-28T20:00", "2026-03-29T21:00")
    view = workflow.show_deployment("oversight1", deployment)
    assert view["start_local"] == "Sat 28 Mar 2026 20:00 GMT"
    assert view["end_local"] == "Sun 29 Mar 2026 21:00 BST"
    assert impact_assessment().next_review.tzinfo is not None
