"""The rarity monitor: figures by hand, breaches notified once through the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.workflow.scenario import LAMBETH, WARD_L1, Clock, ready_deployment

from patrolgate.oversight import monitor, notifications, record_breaches
from patrolgate.oversight.charts import monthly_series, trend_png
from patrolgate.oversight.facts import load_deployed
from patrolgate.store import Database
from patrolgate.store.audit_repository import load_entries
from patrolgate.workflow import Workflow


def _two_armed_patrols(workflow: Workflow, clock: Clock) -> tuple[str, str]:
    """Two 24 h armed patrols in the same ward three days apart; the second escalated."""
    first = ready_deployment(workflow, clock, area=WARD_L1, hours=24)
    workflow.authorise(
        "sfc.adams",
        first,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    clock.advance(days=3)
    second = ready_deployment(workflow, clock, area=WARD_L1, hours=24)
    workflow.authorise(
        "sfc.cdr",
        second,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )  # beyond the rarity limit: a commander authorises
    clock.advance(days=2)
    workflow.sweep()
    return first, second


def _figure(report: object, scope: str, code: str, days: int) -> object:
    return next(
        f
        for f in report.figures  # type: ignore[attr-defined]
        if (f.scope, f.code, f.window_days) == (scope, code, days)
    )


def test_figures_by_hand(database: Database, workflow: Workflow, clock: Clock) -> None:
    """48 h in 28 days: 2 deployments, 1 repeat, 7.1% of the ward's time; no breach in 365 d."""
    first, second = _two_armed_patrols(workflow, clock)
    report = monitor(database, clock.now)
    ward = _figure(report, "area", WARD_L1, 28)
    assert ward.deployments == 2  # type: ignore[attr-defined]
    assert ward.hours == pytest.approx(48.0)  # type: ignore[attr-defined]
    assert ward.coverage == pytest.approx(48 / (28 * 24))  # type: ignore[attr-defined]
    assert ward.repeats == 1  # type: ignore[attr-defined]
    assert ward.deployment_ids == (first, second)  # type: ignore[attr-defined]
    borough = _figure(report, "borough", LAMBETH, 90)
    # The ward is half of the borough (3.47 of 6.95 km²): 48 h over half the area.
    expected = 48 * 0.5 * (3.47 / 6.95) * 2 / (90 * 24)
    assert borough.repeats == 1  # type: ignore[attr-defined]
    assert borough.limit_deployments == 1  # type: ignore[attr-defined]
    assert borough.breach is not None  # type: ignore[attr-defined]
    assert borough.coverage == pytest.approx(expected, rel=0.05)  # type: ignore[attr-defined]
    year = _figure(report, "borough", LAMBETH, 365)
    assert year.limit_deployments == pytest.approx(365 / 90)  # type: ignore[attr-defined]
    assert year.breach is None  # type: ignore[attr-defined]


def test_breaches_are_notified_once_and_not_twice_what_the_workflow_notified(
    database: Database, workflow: Workflow, clock: Clock
) -> None:
    """The workflow notified the borough breach at authorisation; the monitor adds the
    ward's repeat (28 and 90 days), once; the chain still verifies."""
    _, second = _two_armed_patrols(workflow, clock)
    with database.sessions() as session:
        at_authorisation = [
            e
            for e in load_entries(session, deployment_id=second)
            if e.header.action == "oversight.notified"
        ]
    assert len(at_authorisation) == 1
    report = monitor(database, clock.now)
    assert {(f.scope, f.window_days) for f in report.breaches} == {
        ("borough", 28),
        ("borough", 90),
        ("area", 28),
        ("area", 90),
    }
    recorded = record_breaches(database, report)
    assert len(recorded) == 2
    assert record_breaches(database, monitor(database, clock.now)) == []
    found = [n for n in notifications(database) if n["source"] != "deadline missed"]
    assert [n["source"] for n in found] == ["rarity monitor", "rarity monitor", "workflow"]
    assert found[0]["subject"].startswith(f"rarity:area:{WARD_L1}:")
    assert "2 deployments (limit 1)" in found[0]["reason"]
    assert workflow.verify_audit().ok


def test_old_deployments_leave_the_windows(
    database: Database, workflow: Workflow, clock: Clock
) -> None:
    """Four months later only the 365-day window still holds them."""
    _two_armed_patrols(workflow, clock)
    clock.advance(days=120)
    report = monitor(database, clock.now)
    assert {f.window_days for f in report.figures} == {365}
    assert report.breaches == []


def test_trend_chart_counts_hours_per_month(
    database: Database, workflow: Workflow, clock: Clock
) -> None:
    """June 2026: 48 h of armed patrol, 2 deployments started; the PNG is a PNG."""
    _two_armed_patrols(workflow, clock)
    deployed = load_deployed(database, clock.now)
    starts, hours, counts = monthly_series(deployed, clock.now, workflow.timezone, months=3)
    assert [s.month for s in starts] == [4, 5, 6]
    assert hours["armed-patrol"] == [0.0, 0.0, pytest.approx(48.0)]
    assert counts["armed-patrol"] == [0, 0, 2]
    image = trend_png(deployed, clock.now + timedelta(days=1), workflow.timezone)
    assert image.startswith(b"\x89PNG")
