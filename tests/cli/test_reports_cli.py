"""The oversight command line end to end: imports, reports, monitor and tracking."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from tests.conftest import SHIPPED_DATA
from tests.workflow.scenario import WARD_L1, Clock, make_workflow, ready_deployment
from typer.testing import CliRunner

from patrolgate.cli import app
from patrolgate.settings import Settings
from patrolgate.store import create_database

runner = CliRunner()
PAS = SHIPPED_DATA / "mopac-pas" / "pas_borough_confidence_2014-12_2023-12.csv.gz"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh home with the clock fixed after a deployment of June 2026."""
    for name in ("PATROLGATE_DATABASE_URL", "PATROLGATE_MODE", "PATROLGATE_DEMO_DATA"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATROLGATE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PATROLGATE_NOW", "2026-06-08T12:00:00+01:00")
    database = create_database(Settings().resolved_database_url)
    database.migrate()
    clock = Clock()
    workflow = make_workflow(database, clock)
    deployment = ready_deployment(workflow, clock, area=WARD_L1, hours=24)
    workflow.authorise(
        "sfc.adams",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    database.dispose()
    return tmp_path / "home"


def invoke(*args: str) -> tuple[int, str, str]:
    """Run the CLI; returns exit code, standard output and standard error."""
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def test_transparency_json_csv_html_print_the_chain_head(home: Path) -> None:
    """Every format carries the month's chain head; 'audit verify' accepts it."""
    code, out, err = invoke("report", "transparency", "--month", "2026-06", "--format", "json")
    assert code == 0, err
    report = json.loads(out)
    head = report["audit_head"]
    row = report["boroughs"][0]
    assert (row["borough"], row["authorisations"], row["hours"]) == ("Lambeth", 1, 24.0)
    code, out, err = invoke("report", "transparency", "--month", "2026-06", "--format", "csv")
    assert code == 0
    assert f"{head['seq']}:{head['hash']}" in out
    assert f"{head['seq']}:{head['hash']}" in err
    code, out, _ = invoke(
        "report", "transparency", "--month", "2026-06", "--fewer-than", "1", "--format", "html"
    )
    assert code == 0
    assert "<table" in out and head["hash"] in out and ": withheld" not in out.split("<table")[1]
    code, out, err = invoke("audit", "verify", "--published-head", f"{head['seq']}:{head['hash']}")
    assert code == 0, err
    assert "audit chain OK" in out


def test_transparency_refuses_a_bad_month(home: Path) -> None:
    """'2026-13' is not a month: exit code 2."""
    code, _, err = invoke("report", "transparency", "--month", "2026-13")
    assert code == 2
    assert "not a month" in err


def test_algorithm_record_json_and_text(home: Path, tmp_path: Path) -> None:
    """The record names the model in use; a recorded backtest appears in it."""
    code, out, _ = invoke("report", "algorithm", "--format", "json")
    assert code == 0
    record = json.loads(out)
    assert record["tier_2"]["accuracy"]["status"] == "none recorded"
    result = tmp_path / "bt.json"
    result.write_text(
        json.dumps(
            {
                "models": [
                    {"name": "sepp", "hit_rate": 0.3, "pai": 6.0, "coverage": 0.05},
                    {"name": "naive", "hit_rate": 0.2, "pai": 4.0, "coverage": 0.05},
                ],
                "settings": {
                    "models": {"sepp": {}, "naive": {"lookback_days": 1095.0}},
                    "categories": ["robbery"],
                    "cell_size": 150.0,
                    "window": "day",
                    "refit": "month",
                    "coverage": 0.05,
                    "from": "2017-01-01T00:00:00",
                    "to": "2018-01-01T00:00:00",
                },
            }
        )
    )
    code, out, err = invoke("report", "algorithm", "--record-backtest", str(result))
    assert code == 0, err
    assert out.startswith("# PatrolGate area forecast")
    assert "## Tier 2" in out and "**status**: recorded" in out


def test_imports_monitor_tracking_and_trends(home: Path, tmp_path: Path) -> None:
    """PAS imports; the monitor finds no breach in one deployment; pings give a dosage."""
    code, out, err = invoke("import", "pas", str(PAS))
    assert code == 0, err
    assert re.search(r"9312 rows read, 9312 stored, 0 rejected", " ".join(out.split()))
    code, out, _ = invoke("oversight", "monitor", "--format", "json")
    assert code == 0
    assert json.loads(out)["breaches"] == []
    pings = tmp_path / "pings.csv"
    pings.write_text(
        "unit,time,lat,lon\n"
        + "".join(f"TX-1,2026-06-05T14:{m:02d}:00+01:00,51.455,-0.122\n" for m in range(0, 60, 5))
    )
    code, out, err = invoke("import", "pings", str(pings))
    assert code == 0, err
    code, out, _ = invoke("oversight", "tracking", "--format", "json")
    assert code == 0
    tracked = json.loads(out)[0]
    assert tracked["units"] == ["TX-1"] and tracked["dosage_minutes"] == 60.0
    bad = tmp_path / "bad.csv"
    bad.write_text("unit,time,lat,lon,officer_name\n")
    code, _, err = invoke("import", "pings", str(bad))
    assert code == 2 and "identify people" in err
    chart = tmp_path / "trend.png"
    code, _, _ = invoke("oversight", "trends", "-o", str(chart))
    assert code == 0 and chart.read_bytes().startswith(b"\x89PNG")
    code, out, _ = invoke("report", "confidence", "--from", "2026-06-01", "--to", "2026-06-30")
    assert code == 0 and "not effect" in " ".join(out.split())
