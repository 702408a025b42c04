"""Every row accounted for: hostile files on SQLite and PostgreSQL, through the command line.

Each case checks the exit code, that the message names the file and line, that no traceback
reaches the user, and what was (or was not) stored.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.conftest import SHIPPED_DATA
from typer.testing import CliRunner

from patrolgate.cli import app
from patrolgate.events.police_uk import parse_police_uk
from patrolgate.ingest import AreaAssigner, store_parsed_file
from patrolgate.store import Database, create_database
from patrolgate.store.tables import AreaRow, EventRow, ImportRun

runner = CliRunner()
CITY = SHIPPED_DATA / "police-uk" / "city-of-london-street"
BOUNDARIES = SHIPPED_DATA / "london-boundaries"
HOMICIDES = SHIPPED_DATA / "mps-homicide" / "mps_homicide_victims_2003-01_2023-12.csv.gz"


@pytest.fixture
def cli(
    database: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Database:
    """The command line on this test's database (SQLite, then PostgreSQL)."""
    monkeypatch.setenv("PATROLGATE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PATROLGATE_DATABASE_URL", database_url)
    return database


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


def _events(database: Database) -> int:
    with database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(EventRow)) or 0)


def _runs(database: Database) -> list[ImportRun]:
    with database.sessions() as session:
        return list(session.scalars(select(ImportRun).order_by(ImportRun.id)))


def _city_lines(month: str = "2017-01") -> list[str]:
    path = CITY / f"{month}-city-of-london-street.csv.gz"
    return gzip.decompress(path.read_bytes()).decode().splitlines()


def _import_boroughs_wards_lsoas() -> None:
    for name, level, code, label, parent in (
        ("london_boroughs.geojson.gz", "borough", "gss_code", "name", None),
        ("london_wards_2014.geojson.gz", "ward", "GSS_CODE", "NAME", "LB_GSS_CD"),
        ("london_lsoa_2011.geojson.gz", "lsoa", "LSOA11CD", "LSOA11NM", "LAD11CD"),
    ):
        args = ["areas", "import", str(BOUNDARIES / name), "--level", level]
        args += ["--code-field", code, "--name-field", label]
        if parent:
            args += ["--parent-field", parent]
        assert invoke(*args)[0] == 0


def test_an_unterminated_quote_is_a_file_error_naming_its_line(
    cli: Database, tmp_path: Path
) -> None:
    """A quote that never closes would swallow 29 of 60 rows: the file is refused whole."""
    lines = _city_lines()[:61]
    lines[31] = lines[31].replace(",On or near", ',"On or near', 1)
    path = tmp_path / "2017-01-city-of-london-street.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, _, err = invoke("import", "police-uk", str(path))
    assert code == 2
    assert f"{path}:32: a quote opens on this line and never closes" in err
    assert "Traceback" not in err and err.count("error:") == 1
    assert _events(cli) == 0 and _runs(cli) == []


def test_a_stored_id_with_other_content_is_a_conflict(cli: Database, tmp_path: Path) -> None:
    """Same Crime ID, other month: reported per row, kept out; --strict refuses the file."""
    lines = _city_lines()
    first = tmp_path / "2017-01-city-of-london-street.csv"
    first.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = invoke("import", "police-uk", str(first), "--format", "json")
    assert code == 0
    assert json.loads(out)[0]["stored"] == len(lines) - 1
    changed = list(lines)
    a, b = [i for i in range(4, len(lines)) if not lines[i].startswith(",")][:2]
    changed[a] = changed[a].replace(",2017-01,", ",2017-02,", 1)
    changed[b] = changed[b].replace(",-0.", ",-0.0001", 1)
    (tmp_path / "again").mkdir()
    second = tmp_path / "again" / "2017-01-city-of-london-street.csv"
    second.write_text("\n".join(changed) + "\n", encoding="utf-8")
    code, _, err = invoke("import", "police-uk", "--strict", str(second))
    assert code == 2
    assert "2 row(s) conflict with stored events and --strict given; nothing stored" in err
    assert f"{second}:{a + 1}: id:" in err and "different t_start, t_end" in err
    assert len(_runs(cli)) == 1
    code, out, err = invoke("import", "police-uk", str(second), "--format", "json")
    assert code == 0
    report = json.loads(out)[0]
    assert (report["stored"], report["already_stored"], report["conflicting"]) == (
        0,
        len(lines) - 3,
        2,
    )
    assert f"{second}:{a + 1}: id:" in err and f"{second}:{b + 1}: id:" in err
    assert "different lon" in err
    run = _runs(cli)[-1]
    assert (run.rows_read, run.rows_stored, run.rows_duplicate, run.rows_conflicting) == (
        len(lines) - 1,
        0,
        len(lines) - 3,
        2,
    )
    with cli.sessions() as session:  # the stored event is kept as it was
        months = session.scalars(select(EventRow.local_month).distinct()).all()
    assert months == [1]


def test_two_million_victims_in_one_row_are_rejected_with_the_row(
    cli: Database, tmp_path: Path
) -> None:
    """'Count of Victims' 2000000 is a row error naming the row; the other rows are stored."""
    assert (
        invoke(
            "areas",
            "import",
            str(BOUNDARIES / "london_boroughs.geojson.gz"),
            "--level",
            "borough",
            "--code-field",
            "gss_code",
            "--name-field",
            "name",
        )[0]
        == 0
    )
    lines = gzip.decompress(HOMICIDES.read_bytes()).decode("utf-8-sig").splitlines()[:41]
    lines[7] = "2000000" + lines[7][lines[7].index(",") :]
    path = tmp_path / "homicides.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = invoke("import", "homicides", str(path), "--format", "json")
    assert code == 0
    assert f"{path}:8: Count of Victims: 2,000,000 victims in one row is over 50" in err
    report = json.loads(out)[0]
    assert (report["rows_read"], report["stored"], report["rejected"]) == (40, 39, 1)
    assert _events(cli) == 39


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda rows: rows.__setitem__(3, rows[3].replace("2018-06-03T", "9999-06-03T")), "9999"),
        (lambda rows: rows.__setitem__(3, rows[3].replace("2018-06-03T", "0001-06-03T")), "0001"),
        (lambda rows: rows.__setitem__(3, rows[3].replace(",51.5", ",5_1.5", 1)), "'5_1.5'"),
        (lambda rows: rows.__setitem__(3, rows[3].replace(",51.5", ",nan", 1)), "'nan'"),
    ],
)
def test_absurd_values_are_row_errors(
    cli: Database, tmp_path: Path, edit: object, message: str
) -> None:
    """Dates outside 1900 to a year ahead and numbers that are not numbers: row messages."""
    rows = ["Type,Date,Latitude,Longitude,Legislation"]
    for day in range(1, 6):
        rows.append(f"Person search,2018-06-0{day}T10:00:00+00:00,51.5,-0.12,Misuse of Drugs Act")
    edit(rows)  # type: ignore[operator]
    path = tmp_path / "2018-06-metropolitan-stop-and-search.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = invoke("import", "police-uk", str(path), "--format", "json")
    assert code == 0 and "Traceback" not in err
    assert f"{path}:4:" in err and message in err
    assert json.loads(out)[0]["stored"] == 4


def test_a_file_of_extreme_dates_only_exits_2(cli: Database, tmp_path: Path) -> None:
    """Nothing storable: one message per row, then exit 2; the generic importer too."""
    path = tmp_path / "city.csv"
    path.write_text("when,lat,lon\n9999-12-31T23:59,41.8,-87.6\n", encoding="utf-8")
    code, _, err = invoke(
        "import", "csv", str(path), "--time", "when", "--lat", "lat", "--lon", "lon",
        "--category-value", "robbery",
    )  # fmt: skip
    assert code == 2 and "Traceback" not in err
    assert f"{path}:2: when: '9999-12-31T23:59' is outside 1900 to one year ahead" in err
    assert "every one of its 1 rows was rejected" in err


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        ("gzip", "damaged gzip file"),
        ("truncated", "damaged gzip file"),
        ("nul", ":3: a NUL byte"),
    ],
)
def test_damaged_files_give_one_message_and_exit_2(
    cli: Database, tmp_path: Path, damage: str, message: str
) -> None:
    """A gzip damaged midway or cut short, a NUL byte: one message, exit 2, nothing stored."""
    raw = ("\n".join(_city_lines()) + "\n").encode()
    path = tmp_path / "2017-01-city-of-london-street.csv.gz"
    if damage == "nul":
        lines = raw.split(b"\n")
        lines[2] = lines[2][:20] + b"\x00" + lines[2][20:]
        path = tmp_path / "2017-01-city-of-london-street.csv"
        path.write_bytes(b"\n".join(lines))
    else:
        packed = bytearray(gzip.compress(raw))
        if damage == "gzip":
            middle = len(packed) // 2
            packed[middle : middle + 64] = bytes(64)
        else:
            del packed[len(packed) * 2 // 3 :]
        path.write_bytes(bytes(packed))
    code, _, err = invoke("import", "police-uk", str(path))
    assert code == 2
    assert message in err and "Traceback" not in err and err.count("error:") == 1
    assert _events(cli) == 0 and _runs(cli) == []


def test_swapped_coordinates_are_refused_with_the_hint_and_levels_agree(
    cli: Database, tmp_path: Path
) -> None:
    """Swapped latitude and longitude cannot be projected: row errors that say so. The
    rows stored are placed consistently: every LSOA within its ward's and borough's."""
    _import_boroughs_wards_lsoas()
    lines = _city_lines()
    reader = list(csv.reader(io.StringIO("\n".join(lines))))
    for row in reader[1:4]:
        row[4], row[5] = row[5], row[4]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(reader)
    path = tmp_path / "2017-01-city-of-london-street.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    code, out, err = invoke("import", "police-uk", str(path), "--format", "json")
    assert code == 0
    assert f"{path}:2: Longitude/Latitude:" in err
    assert "are latitude and longitude the wrong way round?" in err
    assert json.loads(out)[0]["rejected"] == 3
    with cli.sessions() as session:
        parents = dict(session.execute(select(AreaRow.code, AreaRow.parent_code)).all())
        placed = session.execute(
            select(EventRow.lsoa_code, EventRow.ward_code, EventRow.borough_code)
        ).all()
    assert placed
    for lsoa, ward, borough in placed:
        assert lsoa is None or parents[lsoa] == borough
        assert ward is None or parents[ward] == borough


def test_rows_outside_every_area_are_counted_in_a_warning(cli: Database, tmp_path: Path) -> None:
    """Points in Great Britain but outside the stored London areas: stored, and warned of."""
    _import_boroughs_wards_lsoas()
    lines = _city_lines()[:11]
    reader = list(csv.reader(io.StringIO("\n".join(lines))))
    for row in reader[1:5]:
        row[4], row[5] = "-2.2426", "53.4808"  # Manchester
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(reader)
    path = tmp_path / "2017-01-city-of-london-street.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    code, out, err = invoke("import", "police-uk", str(path), "--format", "json")
    assert code == 0
    report = json.loads(out)[0]
    assert report["stored"] == 10
    assert report["warnings"] == [
        "4 located rows fall outside every stored area (stored, without area codes)"
    ]
    assert "warning:" in err


@pytest.mark.postgres
def test_two_concurrent_imports_of_one_file_record_it_once(
    database_url: str, database: Database
) -> None:
    """On PostgreSQL, two imports of one file at once: the runs' stored rows add up to the
    file, the rest are already stored, and every row of both is accounted for."""
    if database.is_sqlite:
        pytest.skip("SQLite serialises imports on the event store's writer lock")
    path = CITY / "2017-03-city-of-london-street.csv.gz"
    results: list[object] = []

    def run() -> None:
        own = create_database(database_url)
        try:
            results.append(store_parsed_file(own, parse_police_uk(path), AreaAssigner(own)))
        except Exception as error:
            results.append(error)
        finally:
            own.dispose()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    runs = _runs(database)
    assert len(runs) == 2, results
    total = _events(database)
    assert sum(r.rows_stored for r in runs) == total
    for r in runs:
        assert r.rows_read == r.rows_stored + r.rows_duplicate + r.rows_conflicting
        assert r.rows_conflicting == 0
