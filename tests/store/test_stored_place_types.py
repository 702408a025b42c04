"""Place types stored and read back: Chicago's ``loc_cat`` from the CSV importer to the
forecasting models' points, on both write paths, and migration 0009 on an older database."""

from __future__ import annotations

import csv
import gzip
import io
import sqlite3
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy
from alembic import command
from alembic.config import Config
from sqlalchemy import inspect, select
from tests.conftest import SHIPPED_DATA

from patrolgate.errors import InvalidInput
from patrolgate.events.generic_csv import CsvLayout, parse_generic_csv
from patrolgate.events.taxonomy import Category
from patrolgate.geo.areas import AreaLevel, areas_from_geojson
from patrolgate.ingest import AreaAssigner, ImportReport, store_parsed_file
from patrolgate.store import Database
from patrolgate.store.area_repository import save_areas
from patrolgate.store.database import MIGRATIONS
from patrolgate.store.event_queries import load_event_points
from patrolgate.store.intake_layout import EVENT_SCHEMA
from patrolgate.store.tables import EventRow

CHICAGO = SHIPPED_DATA / "chicago"
ASSAULTS = CHICAGO / "chicago_aggravated_assaults_2010-2017.csv.gz"
LAYOUT = CsvLayout(
    time="date",
    lat="latitude",
    lon="longitude",
    category_value="aggravated assault",
    time_format="%Y-%m-%d %H:%M",
    timezone="America/Chicago",
    source="csv:chicago",
    place_type="loc_cat",
)
WITHOUT_PLACES = CsvLayout(**{**LAYOUT.__dict__, "place_type": None})
ALL = frozenset(Category)


@pytest.fixture(params=["this process", "writer process"])
def chicago(request: pytest.FixtureRequest, database: Database) -> Iterator[Database]:
    """A database with Chicago's police districts, on both write paths (an SQLite file's
    large imports go to a writer process; here any file counts as large for that path)."""
    if request.param == "writer process":
        if not database.is_sqlite:
            pytest.skip("the writer process is for SQLite files only")
        import patrolgate.ingest.event_import as event_import

        patch = pytest.MonkeyPatch()
        request.addfinalizer(patch.undo)
        patch.setattr(event_import, "LARGE_FILE", 1)
    areas = areas_from_geojson(
        CHICAGO / "chicago_police_districts_2018.geojson.gz",
        level=AreaLevel.DISTRICT,
        code_field="district",
        name_field="description",
    )
    with database.transaction() as session:
        save_areas(session, areas, "EPSG:32616")
    yield database


def _sample(folder: Path, rows: int, edits: dict[int, str] | None = None) -> tuple[Path, list[str]]:
    """The first ``rows`` rows of the Chicago file (``edits``: new ``loc_cat`` values by
    file row), and each row's ``loc_cat`` as written."""
    with gzip.open(ASSAULTS, "rt", encoding="utf-8") as f:
        records = [next(csv.reader([next(f)])) for _ in range(rows + 1)]
    for number, value in (edits or {}).items():
        records[number - 1][1] = value
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(records)
    path = folder / "chicago-sample.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path, [r[1] for r in records[1:]]


def _import(
    database: Database, path: Path, layout: CsvLayout = LAYOUT, *, strict: bool = False
) -> ImportReport:
    return store_parsed_file(
        database, parse_generic_csv(path, layout), AreaAssigner(database), strict=strict
    )


def _stored_places(database: Database) -> list[str | None]:
    with database.sessions() as session:
        query = select(EventRow.place_type).order_by(EventRow.t_start, EventRow.id)
        return list(session.scalars(query))


def test_chicago_place_types_reach_the_forecasting_points(
    chicago: Database, tmp_path: Path
) -> None:
    """200 real rows with ``loc_cat`` mapped: every place type is stored and
    ``load_event_points`` gives them back, in the points' order."""
    path, written = _sample(tmp_path, 200)
    report = _import(chicago, path)
    assert (report.stored, report.rejected) == (200, [])
    points = load_event_points(chicago, categories=ALL)
    assert len(points) == 200
    assert points.place is not None
    assert sorted(points.place.tolist()) == sorted(written)
    assert points.place.tolist() == _stored_places(chicago)
    # Each event has its own row's place type (rows of one minute may come in any order).
    zone = ZoneInfo("America/Chicago")
    with gzip.open(ASSAULTS, "rt", encoding="utf-8") as f:
        rows = [r for _, r in zip(range(200), csv.DictReader(f), strict=False)]
    expected = Counter(
        (
            datetime.strptime(r["date"], "%Y-%m-%d %H:%M").replace(tzinfo=zone).astimezone(UTC),
            r["loc_cat"],
        )
        for r in rows
    )
    got = Counter(
        (t.astype(datetime).replace(tzinfo=UTC), p)
        for t, p in zip(points.t_start, points.place.tolist(), strict=True)
    )
    assert got == expected
    later = points.subset(points.place == "residence")
    assert later.place is not None and set(later.place.tolist()) == {"residence"}


def test_events_without_a_place_type_read_as_empty_or_none(
    chicago: Database, tmp_path: Path
) -> None:
    """Without a place column nothing has a place type and ``place`` is None; once some
    events have one, those without read as ''."""
    path, _ = _sample(tmp_path, 50)
    assert _import(chicago, path, WITHOUT_PLACES).stored == 50
    assert set(_stored_places(chicago)) == {None}
    assert load_event_points(chicago, categories=ALL).place is None
    other = tmp_path / "other"
    other.mkdir()
    path, written = _sample(other, 60, {52: " Street "})
    report = _import(chicago, path, CsvLayout(**{**LAYOUT.__dict__, "source": "csv:other"}))
    assert report.stored == 60
    place = load_event_points(chicago, categories=ALL).place
    assert place is not None
    assert sorted(place.tolist()) == sorted([""] * 50 + [*written[:50], "street", *written[51:]])


def test_a_bad_place_type_rejects_its_row_and_strict_stores_nothing(
    chicago: Database, tmp_path: Path
) -> None:
    """'John's house' is named with its file, row and field; the row is not stored without
    its place type; with --strict nothing of the file is stored."""
    path, _ = _sample(tmp_path, 30, {12: "John's house"})
    with pytest.raises(InvalidInput, match=r"nothing stored \(first: .*:12: loc_cat: unknown"):
        _import(chicago, path, strict=True)
    assert _stored_places(chicago) == []
    report = _import(chicago, path)
    assert report.stored == 29
    [error] = report.rejected
    assert (error.row, error.field) == (12, "loc_cat")
    assert "'John's house'" in error.reason or '"John\'s house"' in error.reason
    assert len(_stored_places(chicago)) == 29
    assert None not in _stored_places(chicago)


def test_reimporting_with_place_types_reports_the_difference(
    chicago: Database, tmp_path: Path
) -> None:
    """The same rows again, now with place types: the ids are the same (the place type is
    not part of an id), so the rows conflict and the stored events are kept as they were."""
    path, _ = _sample(tmp_path, 20)
    assert _import(chicago, path, WITHOUT_PLACES).stored == 20
    again = _import(chicago, path)
    assert (again.stored, again.conflicting) == (0, 20)
    assert "place_type" in str(again.conflicts[0])
    assert set(_stored_places(chicago)) == {None}
    same = _import(chicago, path, WITHOUT_PLACES)
    assert (same.stored, same.already_stored, same.conflicting) == (0, 20, 0)


def _columns(database: Database) -> list[str]:
    schema = EVENT_SCHEMA if database.event_file is not None else None
    return [c["name"] for c in inspect(database.engine).get_columns("events", schema=schema)]


def test_migration_0009_adds_the_column_to_an_older_database(database: Database) -> None:
    """A database at 0008 (on an SQLite file, its event store without the column) gains
    ``events.place_type`` on upgrade, its stored events kept with no place type; the
    upgrade is idempotent."""
    moment = datetime(2017, 6, 1, 12, tzinfo=UTC)
    with database.event_transaction() as session:
        session.add(
            EventRow(
                id="csv:old:1",
                source="csv:old",
                category="robbery",
                source_category="robbery",
                victim_reported=True,
                t_start=moment,
                t_end=moment + timedelta(minutes=1),
                local_year=2017,
                local_month=6,
            )
        )
    with database.engine.begin() as connection:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        command.downgrade(config, "0008")
    if database.event_file is not None:
        # The downgrade leaves the event store (attached read-only) as it is: make it what
        # 0008 built, as the file of an older installation is.
        database.engine.dispose()
        if database.event_engine is not None:
            database.event_engine.dispose()
        with sqlite3.connect(database.event_file) as events:
            events.execute("ALTER TABLE events DROP COLUMN place_type")
    assert "place_type" not in _columns(database)
    with database.engine.connect() as connection:
        assert connection.scalar(sqlalchemy.text("SELECT version_num FROM alembic_version")) == (
            "0008"
        )
    database.migrate()
    database.migrate()
    assert "place_type" in _columns(database)
    with database.engine.connect() as connection:
        assert connection.scalar(sqlalchemy.text("SELECT version_num FROM alembic_version")) == (
            "0009"
        )
    assert _stored_places(database) == [None]
