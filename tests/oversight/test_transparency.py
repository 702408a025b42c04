"""The monthly transparency report: figures by hand, withheld outcomes and their complements,
one public line per authorisation, ended months only, the chain head verifies."""

from __future__ import annotations

import csv
import io
import itertools
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.workflow.scenario import WARD_L1, WARD_L2, WARD_S1, Clock, debrief, ready_deployment

from patrolgate.oversight import parse_month, transparency_csv, transparency_report
from patrolgate.oversight.suppression import WITHHELD
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


def test_june_report_by_hand(database: Database, workflow: Workflow, clock: Clock) -> None:
    """Lambeth: 24 h of armed patrol, 2 h of s60 then revoked; small outcomes withheld."""
    _june(workflow, clock)
    month = parse_month("2026-06", workflow.timezone)
    report = transparency_report(database, month, now=clock.now, timezone=workflow.timezone)
    armed = _row(report, "E09000022", "armed-patrol")
    s60 = _row(report, "E09000022", "s60-statutory")
    assert armed["authorisations"] == 1  # each authorisation has its public line
    assert armed["power"] == "Armed police foot patrol"
    assert armed["hours"] == 24.0
    assert armed["triggers"] == {"intelligence of imminent violence": 1}
    assert armed["consultation"] == "done, before authorisation"
    assert armed["consultation_dates"] == ["2026-06-05"]
    assert armed["impact_assessment"] == "done, before authorisation"
    # One borough: London's total is Lambeth's, so a withheld 1 takes the total with it.
    assert armed["outcomes"] == {"arrests": WITHHELD, "stops": 4}
    assert armed["debriefed"] == "all"
    assert s60["hours"] == 2.0
    assert s60["revocations"] == 1
    assert s60["extensions"] == 0
    london = next(r for r in report["london"] if r["profile"] == "armed-patrol")
    assert london["outcomes"] == {"arrests": WITHHELD, "stops": 4}
    exact = transparency_report(
        database, month, now=clock.now, timezone=workflow.timezone, fewer_than=1
    )
    assert _row(exact, "E09000022", "armed-patrol")["outcomes"] == {"arrests": 1, "stops": 4}
    assert f": {WITHHELD}" not in transparency_csv(exact)


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
    assert report["audit_head"]["as_of"] == "at the end of May 2026"


def test_the_chain_head_of_the_month_verifies_later(
    database: Database, workflow: Workflow, clock: Clock
) -> None:
    """The head printed for June is June's last entry, and verifies after July's entries."""
    _june(workflow, clock)
    june = parse_month("2026-06", workflow.timezone)
    clock.set(datetime(2026, 7, 1, 9, 0, tzinfo=UTC))  # June has ended
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


def _debriefed_armed_patrol(
    workflow: Workflow, clock: Clock, area: str, outcomes: dict[str, int]
) -> str:
    deployment = ready_deployment(workflow, clock, area=area, hours=6, consult=False)
    commander = "bc.lambeth" if area != WARD_S1 else "bc.southwark"
    workflow.consult(commander, deployment, outcome="support", notes="Borough supports.")
    workflow.authorise(
        "sfc.adams",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    clock.advance(hours=8)
    workflow.sweep()
    workflow.debrief("proposer1", deployment, debrief(outcomes=outcomes))
    clock.advance(days=1)
    return deployment


def _june_two_boroughs(workflow: Workflow, clock: Clock) -> None:
    """Lambeth 3 arrests, Southwark 1: London's 4 minus Lambeth's 3 would reveal the 1."""
    _debriefed_armed_patrol(workflow, clock, WARD_L1, {"arrests": 3, "stops": 7})
    _debriefed_armed_patrol(workflow, clock, WARD_S1, {"arrests": 1, "stops": 5})


def _published_relations(report: dict[str, Any]) -> list[tuple[Any, list[Any]]]:
    """Each London total of an outcome with the borough cells it adds up."""
    relations = []
    for total in report["london"]:
        for key, value in total["outcomes"].items():
            cells = [
                r["outcomes"][key]
                for r in report["boroughs"]
                if r["profile"] == total["profile"] and key in r["outcomes"]
            ]
            relations.append((value, cells))
    return relations


def test_no_withheld_outcome_is_the_difference_of_published_ones(
    database: Database, workflow: Workflow, clock: Clock
) -> None:
    """Every sum and difference of published cells and totals is tried: none gives a
    withheld count, and each withheld count could be at least two values."""
    _june_two_boroughs(workflow, clock)
    clock.set(datetime(2026, 7, 2, 9, 0, tzinfo=UTC))
    month = parse_month("2026-06", workflow.timezone)
    report = transparency_report(database, month, now=clock.now, timezone=workflow.timezone)
    exact = transparency_report(
        database, month, now=clock.now, timezone=workflow.timezone, fewer_than=1
    )
    assert _row(exact, "E09000022", "armed-patrol")["outcomes"]["arrests"] == 3
    assert _row(report, "E09000022", "armed-patrol")["outcomes"]["arrests"] == WITHHELD
    assert _row(report, "E09000028", "armed-patrol")["outcomes"]["arrests"] == WITHHELD
    london = next(r for r in report["london"] if r["profile"] == "armed-patrol")
    assert london["outcomes"] == {"arrests": 4, "stops": 12}
    for total, cells in _published_relations(report):
        shown = [c for c in cells if c != WITHHELD]
        withheld = len(cells) - len(shown)
        # Every difference of the total and any set of shown cells: never one withheld cell.
        if total != WITHHELD:
            for size in range(len(shown) + 1):
                for subset in itertools.combinations(shown, size):
                    rest = total - sum(subset)
                    assert not (withheld == 0 and size < len(shown) and rest in (1, 2))
            assert withheld != 1
            if withheld:
                rest = total - sum(shown)
                # k withheld cells of at least 1 adding to `rest`: each could be 1..rest-k+1.
                assert rest - withheld + 1 >= 2
        else:
            assert withheld >= 1  # a withheld total is never the sum of shown cells


def test_csv_and_json_publish_the_same_withheld_figures(
    database: Database, workflow: Workflow, clock: Clock
) -> None:
    """The CSV's outcome cells are the report's (and the JSON is the report itself)."""
    _june_two_boroughs(workflow, clock)
    clock.set(datetime(2026, 7, 2, 9, 0, tzinfo=UTC))
    report = transparency_report(
        database,
        parse_month("2026-06", workflow.timezone),
        now=clock.now,
        timezone=workflow.timezone,
    )
    rows = list(
        csv.DictReader(
            line for line in io.StringIO(transparency_csv(report)) if not line.startswith("#")
        )
    )
    by_key = {(r["borough_code"], r["profile"]): r["outcomes"] for r in rows}
    for row in [*report["boroughs"], *report["london"]]:
        expected = "; ".join(f"{k}: {v}" for k, v in row["outcomes"].items())
        assert by_key[(row["borough_code"], row["profile"])] == expected
    assert by_key[("E09000022", "armed-patrol")] == f"arrests: {WITHHELD}; stops: 7"


def test_each_authorisation_has_a_public_line(
    database: Database, workflow: Workflow, clock: Clock
) -> None:
    """Ward name, times, the authoriser's rank, the grounds, consultation and evaluation."""
    deployment = _debriefed_armed_patrol(workflow, clock, WARD_L1, {"arrests": 0})
    report = transparency_report(
        database,
        parse_month("2026-06", workflow.timezone),
        now=clock.now,
        timezone=workflow.timezone,
    )
    (line,) = report["deployments"]
    assert line["id"] == deployment
    assert line["power"] == "Armed police foot patrol"
    assert line["wards"] == ["Brixton Hill"]
    assert line["boroughs"] == ["Lambeth"]
    assert line["authorised_by_rank"] == "chief superintendent"
    assert line["grounds"] == "Reliable intelligence of imminent serious violence in this ward"
    assert line["trigger"] == "intelligence of imminent violence"
    assert line["consultation"] == "supported"
    assert line["evaluation"] == "not yet evaluated"
    assert line["from"].startswith("Fri 05 Jun 2026 14:00")
    assert "-" not in line["power"] and "-" not in line["trigger"]


def test_the_current_month_is_so_far_and_its_head_is_yesterdays(
    database: Database, workflow: Workflow, clock: Clock
) -> None:
    """On 2 December: "so far, at 12:00", and the chain head at the end of 1 December,
    never "the end of 2026-12"; a month that has not begun has no figures and no head."""
    clock.set(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    ready_deployment(workflow, clock)  # entries on 1 December
    clock.set(datetime(2026, 12, 2, 12, 0, tzinfo=UTC))
    ready_deployment(workflow, clock)  # and on the 2nd, after yesterday's head
    december = parse_month("2026-12", workflow.timezone)
    report = transparency_report(database, december, now=clock.now, timezone=workflow.timezone)
    assert report["status"] == "so far"
    assert report["title"].endswith("December 2026 so far, at 12:00 GMT on 2 December")
    head = report["audit_head"]
    assert head["as_of"] == "at the end of 1 December 2026"
    assert head["recorded_at"] < datetime(2026, 12, 2, tzinfo=UTC).isoformat()
    with database.sessions() as session:
        assert load_head(session)[0] > head["seq"]
    assert workflow.verify_audit((head["seq"], head["hash"])).ok
    assert "2026-12:" not in transparency_csv(report)
    future = transparency_report(
        database,
        parse_month("2027-01", workflow.timezone),
        now=clock.now,
        timezone=workflow.timezone,
    )
    assert (future["status"], future["boroughs"], future["audit_head"]) == ("not begun", [], None)
