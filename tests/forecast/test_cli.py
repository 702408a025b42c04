"""The forecast and backtest commands, end to end on imported police.uk data."""

from __future__ import annotations

import csv
import gzip
import json
from collections import Counter
from pathlib import Path

import pytest
from tests.conftest import SHIPPED_DATA
from typer.testing import CliRunner

from patrolgate.cli import app

runner = CliRunner()
STREET = SHIPPED_DATA / "police-uk" / "city-of-london-street"
BOROUGHS = SHIPPED_DATA / "london-boundaries" / "london_boroughs.geojson.gz"


def invoke(*args: str) -> tuple[int, str, str]:
    """Run the CLI; returns exit code, standard output and standard error."""
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database with London's boroughs and a year and a half of City of London crime."""
    home = tmp_path_factory.mktemp("forecast-cli")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATROLGATE_HOME", str(home))
        patch.delenv("PATROLGATE_DATABASE_URL", raising=False)
        code, _, err = invoke(
            "areas", "import", str(BOROUGHS), "--level", "borough",
            "--code-field", "gss_code", "--name-field", "name",
        )  # fmt: skip
        assert code == 0, err
        files = sorted(STREET.glob("201[78]-*.csv.gz"))[:18]
        code, _, err = invoke("import", "police-uk", *map(str, files))
        assert code == 0, err
    return home


def test_backtest_json_has_a_models_list(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATROLGATE_HOME", str(home))
    code, out, err = invoke(
        "backtest", "--models", "naive,kde,sepp", "--window", "month",
        "--from", "2018-01-01", "--to", "2018-06-30", "--cell", "500",
        "--category", "all", "--refit", "30d", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    document = json.loads(out)
    names = [m["name"] for m in document["models"]]
    assert names == ["naive", "kde", "sepp"]
    for model in document["models"]:
        assert model["n_forecasts"] == 6
        assert model["n_events"] > 100
        for key in ("hit_rate", "pai", "pei", "brier", "coverage", "seconds"):
            assert key in model
        assert model["pai"] > 1
    kde = document["models"][1]
    assert kde["versus_baseline"]["0.05"]["low"] <= kde["versus_baseline"]["0.05"]["high"]
    settings = document["settings"]
    assert (settings["window"], settings["refit"], settings["cell_size"]) == ("month", "30d", 500)
    assert settings["categories"] == "all" and set(settings["models"]) == {"naive", "kde", "sepp"}
    assert document["comparison"]["coverage"] == 0.05
    assert document["data"]["digest"] is None  # every category: no single digest
    code, out, err = invoke(
        "backtest", "--models", "naive,kde", "--window", "day", "--from", "2018-03-01",
        "--to", "2018-04-30", "--cell", "500", "--category", "all", "--refit", "month",
        "--coverage", "0.01", "--format", "json", "--no-record",
    )  # fmt: skip
    assert code == 0, err
    document = json.loads(out)
    assert document["settings"]["refit"] == "month"
    assert [len(m["fitted"]) > 0 for m in document["models"]] == [True, True]
    assert document["models"][0]["n_forecasts"] == 61  # local days of March and April
    assert invoke("backtest", "--coverage", "0.07")[0] == 2


def test_forecast_formats(home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATROLGATE_HOME", str(home))
    common = ("--model", "kde", "--window", "month", "--at", "2018-06-01T00:00",
              "--cell", "500", "--category", "all", "--top", "0.01")  # fmt: skip
    code, out, err = invoke("forecast", *common, "--format", "json")
    assert code == 0, err
    document = json.loads(out)
    assert document["cells"][0]["rank"] == 1
    assert document["cells"][0]["expected"] >= document["cells"][-1]["expected"]
    code, out, err = invoke("forecast", *common, "--format", "geojson")
    assert code == 0, err
    collection = json.loads(out)
    assert collection["type"] == "FeatureCollection" and collection["features"]
    target = tmp_path / "map.png"
    code, _, err = invoke("forecast", *common, "--format", "png", "--output", str(target))
    assert code == 0, err
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    code, out, _ = invoke("forecast", *common)
    assert code == 0 and "rank" in out


def test_bad_options_exit_with_invalid_input(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATROLGATE_HOME", str(home))
    assert invoke("forecast", "--model", "crystal-ball", "--at", "2018-06-01")[0] == 2
    assert invoke("forecast", "--window", "soon", "--at", "2018-06-01")[0] == 2
    assert invoke("backtest", "--category", "nonsense")[0] == 2


CHICAGO = SHIPPED_DATA / "chicago"


def test_place_types_imported_from_a_city_shape_the_default_forecast(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chicago imported with ``--place-column loc_cat``: the default model learns each kind
    of place's rhythm, so the cell with the most school assaults ranks far lower on a
    Sunday in the summer holidays than on a Wednesday in term."""
    monkeypatch.setenv("PATROLGATE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PATROLGATE_DATABASE_URL", raising=False)
    with gzip.open(CHICAGO / "chicago_aggravated_assaults_2010-2017.csv.gz", "rt") as handle:
        rows = list(csv.DictReader(handle))
    kept = [r for r in rows if "2014-01-01" <= r["date"] < "2016-10-01" and r["longitude"]]
    source = tmp_path / "chicago-2014-2016.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    code, _, err = invoke(
        "areas", "import", str(CHICAGO / "chicago_police_districts_2018.geojson.gz"),
        "--level", "district", "--code-field", "district", "--name-field", "description",
    )  # fmt: skip
    assert code == 0, err
    code, _, err = invoke(
        "import", "csv", str(source), "--time", "date", "--lat", "latitude",
        "--lon", "longitude", "--category-value", "aggravated assault",
        "--time-format", "%Y-%m-%d %H:%M", "--timezone", "America/Chicago",
        "--place-column", "loc_cat",
    )  # fmt: skip
    assert code == 0, err
    monkeypatch.setenv("PATROLGATE_TIMEZONE", "America/Chicago")
    schools = Counter((r["longitude"], r["latitude"]) for r in kept if r["loc_cat"] == "education")
    (lon, lat), _ = schools.most_common(1)[0]

    def rank_of_the_school(at: str) -> tuple[int, dict[str, object]]:
        code, out, err = invoke(
            "forecast", "--window", "1d", "--at", at, "--cell", "500", "--top", "1",
            "--category", "all", "--format", "json",
        )  # fmt: skip
        assert code == 0, err
        document = json.loads(out)
        nearest = min(
            document["cells"],
            key=lambda c: (c["lon"] - float(lon)) ** 2 + (c["lat"] - float(lat)) ** 2,
        )
        return int(nearest["rank"]), document

    term, document = rank_of_the_school("2016-09-14T00:00")  # a Wednesday in term
    holiday, _ = rank_of_the_school("2016-07-17T00:00")  # a Sunday in the holidays
    assert document["model"] == "rhythm"
    assert "education" in document["place_types"] and "street" in document["place_types"]
    assert holiday > 3 * term, (term, holiday)
