"""Tracking: pings of unit pseudonyms, dosage and compliance on a constructed deployment."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from tests.workflow.scenario import WARD_L1, Clock, ready_deployment

from patrolgate.errors import InvalidInput
from patrolgate.oversight import import_pings, track_one
from patrolgate.store import Database
from patrolgate.workflow import Workflow

INSIDE = (51.455, -0.122)  # inside the Brixton Hill box (lon -0.13..-0.115, lat 51.44..51.47)
OUTSIDE = (51.455, -0.105)  # about 700 m east of it, in the other Lambeth ward


def _csv(path: Path, rows: list[tuple[str, datetime, tuple[float, float], str]]) -> Path:
    lines = ["unit,time,lat,lon,deployment"]
    lines += [f"{u},{t.isoformat()},{p[0]},{p[1]},{d}" for u, t, p, d in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_dosage_and_compliance_by_hand(
    database: Database, workflow: Workflow, clock: Clock, tmp_path: Path
) -> None:
    """TX-1 in the area for the first hour, TX-2 from 0:30 to 1:30: 90 minutes of dosage,
    120 unit-minutes; TX-1 early and TX-2 outside are flagged; TX-3 is not a deployed unit."""
    deployment = ready_deployment(workflow, clock, area=WARD_L1, start_in=1, hours=2)
    workflow.authorise(
        "sfc.adams",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    start = clock.now + timedelta(hours=1)
    minutes = lambda m: start + timedelta(minutes=m)  # noqa: E731 - a local shorthand
    rows = [("TX-1", minutes(m), INSIDE, "") for m in range(0, 60, 5)]
    rows += [("TX-2", minutes(m), INSIDE, "") for m in range(30, 90, 5)]
    rows += [
        ("TX-2", minutes(95), OUTSIDE, ""),
        ("TX-1", minutes(-20), INSIDE, ""),
        ("TX-3", minutes(40), OUTSIDE, ""),
    ]
    report = import_pings(database, _csv(tmp_path / "pings.csv", rows), workflow.timezone)
    assert (report.stored, report.rejected) == (27, [])
    clock.advance(hours=4)
    result = track_one(database, deployment, clock.now).as_dict()
    assert result["units"] == ["TX-1", "TX-2"]
    assert result["window_minutes"] == 120.0
    assert result["dosage_minutes"] == 90.0
    assert result["dosage_share"] == 0.75
    assert result["unit_minutes"] == 120.0
    assert [(f["unit"], f["why"]) for f in result["flags"]] == [
        ("TX-1", "in the area outside the authorised time"),
        ("TX-2", "outside the area during the authorised time"),
    ]
    assert (result["outside_area"], result["outside_time"]) == (1, 1)
    again = import_pings(database, tmp_path / "pings.csv", workflow.timezone)
    assert (again.stored, again.duplicates) == (0, 27)


def test_a_tagged_unit_counts_even_when_never_inside(
    database: Database, workflow: Workflow, clock: Clock, tmp_path: Path
) -> None:
    """A unit tasked to the deployment but patrolling elsewhere gives no dosage and is flagged."""
    deployment = ready_deployment(workflow, clock, area=WARD_L1, start_in=1, hours=2)
    workflow.authorise(
        "sfc.adams",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    start = clock.now + timedelta(hours=1)
    rows = [("ARV-9", start + timedelta(minutes=m), OUTSIDE, deployment) for m in (10, 20)]
    import_pings(database, _csv(tmp_path / "p.csv", rows), workflow.timezone)
    clock.advance(hours=4)
    result = track_one(database, deployment, clock.now).as_dict()
    assert result["units"] == ["ARV-9"]
    assert result["dosage_minutes"] == 0.0
    assert result["outside_area"] == 2


def test_name_like_columns_are_refused(
    database: Database, tmp_path: Path, workflow: Workflow
) -> None:
    """A file with an officer's name or number is refused whole; nothing is stored."""
    for column in ("officer_name", "Shoulder number", "collar", "Surname"):
        path = tmp_path / "bad.csv"
        path.write_text(f"unit,time,lat,lon,{column}\nTX-1,2026-06-05T12:00:00+00:00,51.4,-0.1,x\n")
        with pytest.raises(InvalidInput, match="identify people"):
            import_pings(database, path, workflow.timezone)


def test_unit_values_that_are_not_pseudonyms_are_rejected(
    database: Database, tmp_path: Path, workflow: Workflow
) -> None:
    """'PC John Smith' is not a call sign: that row is rejected, the others stored."""
    path = tmp_path / "p.csv"
    path.write_text(
        "unit,time,lat,lon\n"
        "PC John Smith,2026-06-05T12:00:00+00:00,51.45,-0.12\n"
        "TX-1,2026-06-05T12:00:00,51.45,-0.12\n"
        "TX-2,not a time,51.45,-0.12\n",
        encoding="utf-8",
    )
    report = import_pings(database, path, workflow.timezone)
    assert report.stored == 1
    assert len(report.rejected) == 2
    assert "not a pseudonym" in report.rejected[0]
