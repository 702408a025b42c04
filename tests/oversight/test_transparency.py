"""The monthly transparency report: figures by hand, "fewer than N", the chain head verifies."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.workflow.scenario import WARD_L1, WARD_L2, Clock, debrief, ready_deployment

from patrolgate.oversight import parse_month, transparency_csv, transparency_report
from patrolgate.oversight.transparency import shown
from patrolgate.store import Database
from patrolgate.store.audit_repository import load_head
from patrolgate.workflow import Workflow


def _june(workflow: Workflow, clock: Clock) -> tuple[str, str]:
    """An armed patrol run to its end and debriefed; an s60 revoked after two hours."""
    armed = ready_deployment(workflow, clock, area=WARD_L1, hours=24)
    workflow.authorise(
        "sfc.adams",
        armed,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    s60 = ready_deployment(workflow, clock, profile="s60-statutory", area=WARD_L2, hours=12)
    workflow.authorise(
        "tfc1", s60, grounds="Reliable intelligence of imminent serious violence in this ward."
    )
    clock.advance(hours=3)  # the s60 started an hour after authorisation: 2 h in force
    workflow.revoke("tfc1", s60, reason="Threat assessed as reduced.")
    clock.advance(days=2)
    workflow.sweep()
    workflow.debrief("proposer1", armed, debrief(outcomes={"arrests": 1, "stops": 4}))
    return armed, s60


def _row(report: dict[str, object], borough: str, profile: str) -> dict[str, object]:
    rows = report["boroughs"]
    assert isinstance(rows, list)
    return next(r for r in rows if r["borough_code"] == borough and r["profile"] == profile)


def test_shown_suppresses_from_one_to_n_minus_one() -> None:
    """0 stays 0; 1 and 2 become 'fewer than 3'; 3 is shown."""
    assert [shown(n, 3) for n in range(4)] == [0, "fewer than 3", "fewer than 3", 3]
    assert shown(1, 1) == 1


def test_june_report_by_hand(database: Database, workflow: Workflow, clock: Clock) -> None:
    """Lambeth: 24 h of armed patrol, 2 h of s60 then revoked; small counts suppressed."""
    _june(workflow, clock)
    month = parse_month("2026-06", workflow.timezone)
    report = transparency_report(database, month, now=clock.now, timezone=workflow.timezone)
    armed = _row(report, "E09000022", "armed-patrol")
    s60 = _row(report, "E09000022", "s60-statutory")
    assert armed["authorisations"] == "fewer than 3"
    assert armed["hours"] == 24.0
    assert armed["triggers"] == {"imminent-intelligence": "fewer than 3"}
    assert armed["consultation"] == "done, before authorisation"
    assert armed["consultation_dates"] == ["2026-06-05"]
    assert armed["impact_assessment"] == "done, before authorisation"
    assert armed["outcomes"] == {"arrests": "fewer than 3", "stops": 4}
    assert armed["debriefed"] == "all"
    assert s60["hours"] == 2.0
    assert s60["revocations"] == "fewer than 3"
    assert s60["extensions"] == 0
    exact = transparency_report(
        database, month, now=clock.now, timezone=workflow.timezone, fewer_than=1
    )
    assert _row(exact, "E09000022", "armed-patrol")["authorisations"] == 1
    assert _row(exact, "E09000022", "armed-patrol")["outcomes"] == {"arrests": 1, "stops": 4}
    assert _row(exact, "E09000022", "s60-statutory")["revocations"] == 1
    assert "fewer than" not in transparency_csv(exact)


def test_a_month_without_deployments_is_empty_but_has_a_head(
    database: Database, workflow: Workflow, clock: Clock
) -> None:
    """May 2026 had no deployment; its head is the last entry recorded before 1 June."""
    report = transparency_report(
        database,
        parse_month("2026-05", workflow.timezone),
        now=clock.now,
        timezone=workflow.timezone,
    )
    assert report["boroughs"] == []
    assert report["audit_head"]["seq"] == 0  # the cast was added on 5 June


def test_the_chain_head_of_the_month_verifies_later(
    database: Database, workflow: Workflow, clock: Clock
) -> None:
    """The head printed for June is June's last entry, and verifies after July's entries."""
    _june(workflow, clock)
    june = parse_month("2026-06", workflow.timezone)
    head = transparency_report(database, june, now=clock.now, timezone=workflow.timezone)[
        "audit_head"
    ]
    with database.sessions() as session:
        assert (head["seq"], head["hash"]) == load_head(session)
    assert (
        head["verify_with"]
        == f"patrolgate audit verify --published-head {head['seq']}:{head['hash']}"
    )
    clock.set(datetime(2026, 7, 2, 9, 0, tzinfo=UTC))
    ready_deployment(workflow, clock)  # July's entries
    with database.sessions() as session:
        assert load_head(session)[0] > head["seq"]
    later = transparency_report(database, june, now=clock.now, timezone=workflow.timezone)
    assert later["audit_head"] == head
    assert workflow.verify_audit((head["seq"], head["hash"])).ok
    assert not workflow.verify_audit((head["seq"], "0" * 64)).ok


def test_month_bounds_are_local_time(workflow: Workflow) -> None:
    """June in London starts at 23:00 UTC on 31 May (BST) and ends at 23:00 UTC on 30 June."""
    month = parse_month("2026-06", workflow.timezone)
    assert month.start.astimezone(UTC) == datetime(2026, 5, 31, 23, tzinfo=UTC)
    assert month.end.astimezone(UTC) - month.start.astimezone(UTC) == timedelta(days=30)
