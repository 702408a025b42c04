"""Areas, never people: demographic and name columns never reach the store, raw or hashed.

Each proof imports a file carrying people's columns, then reads back every value of every
column of every table and looks for theirs; and imports the same file again with the people
columns changed, expecting exactly the same stored rows (so nothing stored is a function of
them: no id, no hash, no count).
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, select
from typer.testing import CliRunner

from patrolgate.cli import app
from patrolgate.events.generic_csv import CsvLayout, parse_generic_csv
from patrolgate.events.police_uk import parse_police_uk
from patrolgate.ingest import AreaAssigner, store_parsed_file
from patrolgate.store import Database

runner = CliRunner()

NAMES = ["Marcus Okafor", "Aisha Begum", "John Smith", "Grace Adebayo", "Tyrone Williams"]
ETHNICITIES = ["White - British", "Black or Black British", "Asian or Asian British", "Mixed"]
AGES = ["10-17", "18-24", "25-34", "over 34"]
GENDERS = ["Male", "Female"]


def stored_values(database: Database) -> list[str]:
    """Every value of every column of every table, as text."""
    values: list[str] = []
    with database.engine.connect() as connection:
        for schema in database.table_schemas():
            metadata = MetaData(schema=schema)
            metadata.reflect(connection)
            for table in metadata.tables.values():
                for row in connection.execute(select(table)):
                    values.extend(str(v) for v in row if v is not None)
    return values


def events_of(database: Database) -> list[tuple[Any, ...]]:
    """The stored events, every column but the import run's id, in id order."""
    with database.engine.connect() as connection:
        rows = connection.exec_driver_sql(
            "SELECT id, source, category, source_category, t_start, t_end, lon, lat,"
            " borough_code, lsoa_code FROM events ORDER BY id"
        ).all()
    return [tuple(r) for r in rows]


def _stop_search_file(path: Path, seed: int) -> Path:
    """Real stop-and-search columns with the four person columns data.police.uk publishes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    people = random.Random(seed)
    header = [
        "Type",
        "Date",
        "Part of a policing operation",
        "Policing operation",
        "Latitude",
        "Longitude",
        "Gender",
        "Age range",
        "Self-defined ethnicity",
        "Officer-defined ethnicity",
        "Legislation",
        "Object of search",
        "Outcome",
    ]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    for n in range(40):
        writer.writerow(
            [
                "Person search",
                f"2018-06-{1 + n % 3:02d}T1{n % 10}:00:00+00:00",
                "",
                "",
                "51.5074" if n % 5 else "",  # identical rows apart from the person columns
                "-0.1278" if n % 5 else "",
                people.choice(GENDERS),
                people.choice(AGES),
                people.choice(ETHNICITIES),
                people.choice(ETHNICITIES),
                "Criminal Justice and Public Order Act 1994 (section 60)",
                "Offensive weapons",
                "Nothing found - no further action",
            ]
        )
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def test_stop_and_search_person_columns_are_never_stored(
    database: Database, tmp_path: Path
) -> None:
    """Gender, age range and both ethnicity columns: not stored, not hashed into ids."""
    first = _stop_search_file(tmp_path / "a" / "2018-06-metropolitan-stop-and-search.csv", 1)
    report = store_parsed_file(database, parse_police_uk(first), AreaAssigner(database))
    assert report.stored == 40
    assert report.kept_fields == ("Date", "Latitude", "Longitude", "Legislation")
    values = stored_values(database)
    for person_value in [*ETHNICITIES, *AGES, *GENDERS, "Person search"]:
        assert not any(person_value in v for v in values), person_value
    before = events_of(database)
    # The same searches with every person column drawn again: the same rows, ids included.
    second = _stop_search_file(tmp_path / "b" / "2018-06-metropolitan-stop-and-search.csv", 2)
    assert first.read_text() != second.read_text()
    again = store_parsed_file(database, parse_police_uk(second), AreaAssigner(database))
    assert (again.stored, again.already_stored) == (0, 40)
    assert events_of(database) == before


def _generic_file(path: Path, seed: int) -> Path:
    people = random.Random(seed)
    lines = ["when,lat,lon,offence,name,victim_id,ethnicity,ref"]
    for n in range(30):
        lines.append(
            f"2019-05-0{1 + n % 3}T2{n % 4}:00,51.47,-0.11,Robbery,"
            f"{people.choice(NAMES)},V{people.randrange(10**6)},"
            f"{people.choice(ETHNICITIES)},R{n}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("with_ids", [False, True])
def test_unmapped_name_victim_and_ethnicity_columns_are_never_stored(
    database: Database, tmp_path: Path, with_ids: bool
) -> None:
    """A generic CSV's unmapped person columns: no value and no function of one is kept."""
    layout = CsvLayout(
        time="when",
        lat="lat",
        lon="lon",
        category="offence",
        id="ref" if with_ids else None,
        source="csv:city",
    )
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = _generic_file(tmp_path / "a" / "city.csv", 1)
    report = store_parsed_file(database, parse_generic_csv(first, layout), AreaAssigner(database))
    assert report.stored == 30
    values = stored_values(database)
    people = [*NAMES, *ETHNICITIES, *NAMES[0].split()]
    with first.open() as handle:
        victims = [row["victim_id"] for row in csv.DictReader(handle)]
    for person_value in [*people, *victims]:
        assert not any(person_value in v for v in values), person_value
    before = events_of(database)
    second = _generic_file(tmp_path / "b" / "city.csv", 2)
    again = store_parsed_file(database, parse_generic_csv(second, layout), AreaAssigner(database))
    assert (again.stored, again.already_stored) == (0, 30)
    assert events_of(database) == before


def _invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stderr


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--category", "ethnicity"], "--category 'ethnicity' describes a person"),
        (["--category", "name"], "--category 'name' describes a person"),
        (["--category", "offence", "--id", "victim_id"], "--id 'victim_id' describes a person"),
        (["--category-value", "robbery", "--id", "name"], "--id 'name' describes a person"),
        (["--category", "Suspect Gender"], "describes a person"),
        (["--category", "group"], "--category 'group' describes people: its values are ethnicity"),
        (["--category", "who"], "--category 'who' describes people: 5 of its 5 distinct values"),
        (["--category", "offence", "--id", "who"], "--id 'who' describes people"),
    ],
)
def test_mapping_a_person_column_is_refused_with_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    options: list[str],
    message: str,
) -> None:
    """By its name or by its values, a person column never becomes an id or a category."""
    monkeypatch.setenv("PATROLGATE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PATROLGATE_DATABASE_URL", raising=False)
    path = tmp_path / "people.csv"
    rows = ["when,lat,lon,offence,name,victim_id,ethnicity,Suspect Gender,group,who"]
    for n in range(25):
        rows.append(
            f"2019-05-01T10:00,51.47,-0.11,Robbery,{NAMES[n % 5]},V{n},{ETHNICITIES[n % 4]},"
            f"Male,{ETHNICITIES[n % 4]},{NAMES[n % 5]}"
        )
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, err = _invoke(
        "import", "csv", str(path), "--time", "when", "--lat", "lat", "--lon", "lon", *options
    )
    assert code == 2
    assert message in err and "Traceback" not in err
    assert err.count("error:") == 1
    code, err = _invoke("events", "summary", "--format", "json")
    assert code == 0
