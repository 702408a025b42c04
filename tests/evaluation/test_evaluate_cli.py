"""``patrolgate evaluate`` on a real database (SQLite and PostgreSQL) with a real deployment."""

from __future__ import annotations

import csv
import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from patrolgate.cli import app
from patrolgate.forecast import DEFAULT_MODEL
from patrolgate.store import Database
from tests.evaluation.chicago_deployments import Clock, box, ended_deployment, make_workflow
from tests.evaluation.conftest import DISTRICTS_FILE, EVENTS_FILE

runner = CliRunner()
PNG = b"\x89PNG\r\n\x1a\n"
#: Englewood (district 7), about 2 km by 2 km.
ENGLEWOOD = box(-87.6440, 41.7785, 0.012, 0.009)


def invoke(*args: str) -> tuple[int, str, str]:
    """Run the CLI; exit code, standard output, standard error."""
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def chicago_database(
    database: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Database:
    """Chicago districts (as boroughs) and the assaults of June 2015 to September 2016."""
    monkeypatch.setenv("PATROLGATE_DATABASE_URL", database_url)
    monkeypatch.setenv("PATROLGATE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PATROLGATE_TIMEZONE", "America/Chicago")
    monkeypatch.setenv("PATROLGATE_NOW", "2016-09-01T00:00:00+00:00")
    subset = tmp_path / "assaults.csv"
    with gzip.open(EVENTS_FILE, "rt", newline="") as source, subset.open("w") as target:
        reader = csv.DictReader(source)
        writer = csv.DictWriter(target, fieldnames=reader.fieldnames or [])
        writer.writeheader()
        writer.writerows(r for r in reader if "2015-06-01" <= r["date"] < "2016-09-01")
    code, _, err = invoke(
        "areas",
        "import",
        str(DISTRICTS_FILE),
        "--level",
        "borough",
        "--code-field",
        "district",
        "--name-field",
        "description",
    )
    assert code == 0, err
    code, _, err = invoke(
        "import",
        "csv",
        str(subset),
        "--time",
        "date",
        "--lat",
        "latitude",
        "--lon",
        "longitude",
        "--category-value",
        "aggravated assault",
        "--time-format",
        "%Y-%m-%d %H:%M",
        "--timezone",
        "America/Chicago",
    )
    assert code == 0, err
    return database


def test_evaluate_a_deployment_and_the_programme(
    chicago_database: Database, tmp_path: Path
) -> None:
    """JSON matches the table's verdict; PNGs are written; the programme pools it."""
    clock = Clock()
    workflow = make_workflow(chicago_database, clock)
    deployment = ended_deployment(
        workflow,
        clock,
        geojson=ENGLEWOOD,
        start=datetime(2016, 7, 1, 22, tzinfo=UTC),
        hours=24,
        district="7",
    )
    picture = tmp_path / "series.png"
    code, out, err = invoke("evaluate", deployment, "--format", "json", "--png", str(picture))
    assert code == 0, err
    result = json.loads(out)
    assert result["deployment_id"] == deployment
    assert result["profile"] == "armed-patrol"
    assert result["windows"]["during"] == ["2016-07-01T22:00:00Z", "2016-07-02T22:00:00Z"]
    assert result["n_controls"] == 5
    assert result["area_km2"] == pytest.approx(4.0, rel=0.1)
    assert result["target"]["before"] > 0
    assert result["forecast"]["model"] == DEFAULT_MODEL
    assert result["forecast"]["expected"] > 0
    assert result["verdict"] in {"not-enough-data", "no-detectable-change", "fewer", "more"}
    assert result["during"]["wdd"]["dispersion"] >= 1
    assert picture.read_bytes().startswith(PNG)

    code, table, err = invoke("evaluate", deployment, "--model", "none")
    assert code == 0, err
    assert "Verdict:" in table and "deployment area" in table
    assert "WDD" in table and "WDQ" in table

    forest = tmp_path / "forest.png"
    code, out, err = invoke(
        "evaluate",
        "--programme",
        "--profile",
        "armed-patrol",
        "--format",
        "json",
        "--png",
        str(forest),
        "--model",
        "none",
    )
    assert code == 0, err
    programme = json.loads(out)
    assert [d["id"] for d in programme["deployments"]] == [deployment]
    assert [p["profile"] for p in programme["pooled"]] == ["all", "armed-patrol"]
    assert forest.read_bytes().startswith(PNG)
    code, out, err = invoke("evaluate", "--programme", "--profile", "dispersal-s34")
    assert code == 2 and "no ended deployment" in err


def test_the_programme_reports_a_deployment_it_cannot_evaluate(
    chicago_database: Database,
) -> None:
    """A patrol revoked within the second it began cannot be evaluated: the programme pools
    the others, exits 0 and names the one left out, with why (table and JSON)."""
    clock = Clock()
    workflow = make_workflow(chicago_database, clock)
    instant = ended_deployment(  # more than the 90-day rarity period before the other
        workflow,
        clock,
        geojson=ENGLEWOOD,
        start=datetime(2016, 3, 15, 22, tzinfo=UTC),
        hours=24,
        district="7",
        revoked_after_seconds=0.4,
    )
    pooled = ended_deployment(
        workflow,
        clock,
        geojson=ENGLEWOOD,
        start=datetime(2016, 7, 1, 22, tzinfo=UTC),
        hours=24,
        district="7",
    )
    code, out, err = invoke("evaluate", "--programme", "--format", "json", "--model", "none")
    assert code == 0, err
    programme = json.loads(out)
    assert [d["id"] for d in programme["deployments"]] == [pooled]
    assert [u["id"] for u in programme["unevaluated"]] == [instant]
    code, table, err = invoke("evaluate", "--programme", "--model", "none")
    assert code == 0, err
    assert f"not evaluated: {instant}" in table


def test_evaluate_refuses_what_it_cannot_evaluate(chicago_database: Database) -> None:
    """Unknown id: exit 4; a deployment not yet ended: exit 2; no id and no --programme: 2."""
    assert invoke("evaluate", "dep-00000000")[0] == 4
    code, _, err = invoke("evaluate")
    assert code == 2 and "DEPLOYMENT_ID or --programme" in err
    clock = Clock()
    workflow = make_workflow(chicago_database, clock)
    deployment = ended_deployment(
        workflow,
        clock,
        geojson=ENGLEWOOD,
        start=datetime(2016, 9, 20, 22, tzinfo=UTC),
        hours=24,
        district="7",
    )
    code, _, err = invoke("evaluate", deployment)
    assert code == 2 and "can be evaluated once ended" in err
