"""Importing into SQLite and PostgreSQL: once only, all or nothing, areas assigned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.conftest import SHIPPED_DATA

from patrolgate.errors import InvalidInput
from patrolgate.events.police_uk import parse_police_uk
from patrolgate.geo.areas import AreaLevel, areas_from_geojson
from patrolgate.ingest import AreaAssigner, store_parsed_file
from patrolgate.store import Database
from patrolgate.store.area_repository import save_areas
from patrolgate.store.tables import EventRow, ImportRun

CITY = SHIPPED_DATA / "police-uk" / "city-of-london-street"
BOUNDARIES = SHIPPED_DATA / "london-boundaries"


def _with_boroughs_and_wards(database: Database) -> None:
    for name, level, code, label, parent in (
        ("london_boroughs.geojson.gz", AreaLevel.BOROUGH, "gss_code", "name", None),
        ("london_wards_2014.geojson.gz", AreaLevel.WARD, "GSS_CODE", "NAME", "LB_GSS_CD"),
    ):
        areas = areas_from_geojson(
            BOUNDARIES / name, level=level, code_field=code, name_field=label, parent_field=parent
        )
        with database.transaction() as session:
            save_areas(session, areas, "EPSG:27700")


@pytest.fixture(params=["this process", "writer process"])
def database(request: pytest.FixtureRequest, database: Database) -> Database:
    """Each test on both write paths: large SQLite files go to a writer process
    (``patrolgate.store.sqlite_bulk_load``); here any file counts as large for that path."""
    if request.param == "writer process":
        if not database.is_sqlite:
            pytest.skip("the writer process is for SQLite files only")
        import patrolgate.ingest.event_import as event_import

        patch = pytest.MonkeyPatch()
        request.addfinalizer(patch.undo)
        patch.setattr(event_import, "LARGE_FILE", 1)
    return database


def _count(database: Database) -> int:
    with database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(EventRow)) or 0)


def test_reimporting_a_file_adds_nothing(database: Database) -> None:
    """The second import of the same file stores nothing and says so."""
    _with_boroughs_and_wards(database)
    path = CITY / "2017-03-city-of-london-street.csv.gz"
    first = store_parsed_file(database, parse_police_uk(path), AreaAssigner(database))
    second = store_parsed_file(database, parse_police_uk(path), AreaAssigner(database))
    assert (first.rows_read, first.stored, first.duplicates) == (715, 715, 0)
    assert (second.stored, second.duplicates) == (0, 715)
    assert _count(database) == 715
    with database.sessions() as session:
        runs = session.scalars(select(ImportRun).order_by(ImportRun.id)).all()
        boroughs = set(session.scalars(select(EventRow.borough_code).distinct()).all())
        wards = session.scalar(
            select(func.count()).select_from(EventRow).where(EventRow.ward_code.is_not(None))
        )
    assert [(r.rows_stored, r.rows_duplicate, r.crs) for r in runs] == [
        (715, 0, "EPSG:27700"),
        (0, 715, "EPSG:27700"),
    ]
    # City of London Police records fall in the City and, near its edge, in its neighbours.
    assert "E09000001" in boroughs
    # Every located record (686; 29 have no location) gets a ward, slivers included.
    assert wards == 686


def test_strict_import_of_a_file_with_a_bad_row_stores_nothing(
    database: Database, tmp_path: Path
) -> None:
    """--strict: one bad row and the file is refused whole; without it, the rest is stored."""
    lines = (CITY / "2017-01-city-of-london-street.csv.gz").read_bytes()
    import gzip

    text = gzip.decompress(lines).decode().splitlines()
    text[5] = text[5].replace(",2017-01,", ",January,")
    path = tmp_path / "one-bad-row.csv"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="--strict"):
        store_parsed_file(database, parse_police_uk(path), AreaAssigner(database), strict=True)
    assert _count(database) == 0
    report = store_parsed_file(database, parse_police_uk(path), AreaAssigner(database))
    assert report.stored == 482 and [str(e) for e in report.rejected] == [
        f"{path}:6: Month: 'January' is not YYYY-MM"
    ]


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_file_failing_midway_leaves_the_database_as_it_was(
    database: Database, tmp_path: Path
) -> None:
    """Invalid UTF-8 deep in a file is found mid-import; nothing of that file is kept."""
    store_parsed_file(
        database,
        parse_police_uk(CITY / "2017-02-city-of-london-street.csv.gz"),
        AreaAssigner(database),
    )
    before = _count(database)
    import gzip

    good = gzip.decompress((CITY / "2017-04-city-of-london-street.csv.gz").read_bytes())
    path = tmp_path / "damaged.csv"
    path.write_bytes(good + good.split(b"\n", 1)[1][:200] + b"\xff\xfe broken\n")
    with pytest.raises(InvalidInput, match="not UTF-8"):
        store_parsed_file(database, parse_police_uk(path), AreaAssigner(database))
    assert _count(database) == before


KILLABLE = """
import sys
from pathlib import Path
from patrolgate.events.police_uk import parse_police_uk
from patrolgate.ingest import AreaAssigner, store_parsed_file
from patrolgate.store import create_database
import patrolgate.store.event_store as event_store
database = create_database(sys.argv[1])
original = event_store.write_events
def slow(session, rows, numbers):
    written = original(session, rows, numbers)
    print("chunk written", flush=True)
    import time; time.sleep(60)
    return written
import patrolgate.ingest.event_import as event_import
event_import.write_events = slow
parsed = parse_police_uk(Path(sys.argv[2]), chunk_rows=100)
store_parsed_file(database, parsed, AreaAssigner(database))
"""


def test_killing_an_import_midway_loses_nothing_already_stored(
    database: Database, database_url: str
) -> None:
    """kill -9 midway through a file: the earlier file is intact, the partial one absent."""
    store_parsed_file(
        database,
        parse_police_uk(CITY / "2017-05-city-of-london-street.csv.gz"),
        AreaAssigner(database),
    )
    before = _count(database)
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILLABLE,
            database_url,
            str(CITY / "2017-06-city-of-london-street.csv.gz"),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "chunk written"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    time.sleep(0.2)
    assert _count(database) == before == 505
    report = store_parsed_file(
        database,
        parse_police_uk(CITY / "2017-06-city-of-london-street.csv.gz"),
        AreaAssigner(database),
    )
    assert report.stored == 606


KILLABLE_WRITER = """
import sys, time
from pathlib import Path
from patrolgate.events.police_uk import parse_police_uk
from patrolgate.ingest import AreaAssigner, store_parsed_file
from patrolgate.store import create_database
import patrolgate.ingest.event_import as event_import
import patrolgate.store.sqlite_bulk_load as bulk
database = create_database(sys.argv[1])
event_import.LARGE_FILE = 1
bulk.GROUP_ROWS = 50
original = bulk.SqliteBulkLoad.send
def slow(self, batch):
    original(self, batch)
    time.sleep(1.0)  # the writer has stored the batch's groups in its open transaction
    print("batch sent", flush=True)
    time.sleep(60)
bulk.SqliteBulkLoad.send = slow
parsed = parse_police_uk(Path(sys.argv[2]), chunk_rows=200)
store_parsed_file(database, parsed, AreaAssigner(database))
"""


def test_killing_an_import_with_its_writer_process_loses_nothing(tmp_path: Path) -> None:
    """kill -9 of the importing process: its writer reads the end of its input, rolls back
    and exits; the database is as it was and the same file then imports in full."""
    from patrolgate.store import create_database

    url = f"sqlite:///{tmp_path / 'killed.db'}"
    database = create_database(url)
    database.migrate()
    store_parsed_file(
        database,
        parse_police_uk(CITY / "2017-05-city-of-london-street.csv.gz"),
        AreaAssigner(database),
    )
    child = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILLABLE_WRITER,
            url,
            str(CITY / "2017-06-city-of-london-street.csv.gz"),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "batch sent"
    writers = _writer_processes()
    assert writers, "the writer process should be running"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert _count(database) == 505
    deadline = time.monotonic() + 20
    while _writer_processes() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _writer_processes(), "the writer must exit when its importer dies"
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ImportRun)) == 1
    report = store_parsed_file(
        database,
        parse_police_uk(CITY / "2017-06-city-of-london-street.csv.gz"),
        AreaAssigner(database),
    )
    assert report.stored == 606
    database.engine.dispose()


def _writer_processes() -> list[int]:
    """Live writer processes (``python -m patrolgate.store.sqlite_bulk_load``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().split(") ", 1)[1][0]
        except OSError:
            continue
        if b"patrolgate.store.sqlite_bulk_load" in command and state != "Z":
            found.append(int(entry.name))
    return found


def test_a_writer_process_that_dies_stores_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """kill -9 of the writer mid-load: the import fails with a clear error, nothing stored."""
    import patrolgate.ingest.event_import as event_import
    from patrolgate.store import create_database
    from patrolgate.store.sqlite_bulk_load import BulkLoadFailed, SqliteBulkLoad

    database = create_database(f"sqlite:///{tmp_path / 'writer.db'}")
    database.migrate()
    original = SqliteBulkLoad.send
    sent: list[int] = []

    def send_then_kill(self: SqliteBulkLoad, batch: object) -> None:
        original(self, batch)  # type: ignore[arg-type]
        sent.append(1)
        if len(sent) == 2:
            self._process.kill()
            self._process.wait()

    monkeypatch.setattr(event_import, "LARGE_FILE", 1)
    monkeypatch.setattr(SqliteBulkLoad, "send", send_then_kill)
    with pytest.raises(BulkLoadFailed, match="writer process"):
        store_parsed_file(
            database,
            parse_police_uk(CITY / "2017-07-city-of-london-street.csv.gz", chunk_rows=100),
            AreaAssigner(database),
        )
    assert len(sent) == 2, "the writer was killed after its second batch"
    assert _count(database) == 0
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(ImportRun)) == 0
    database.engine.dispose()


def test_large_files_load_without_the_secondary_index_and_get_it_back(
    database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a large-file load the schema is exactly the models' again, index included."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import inspect

    import patrolgate.ingest.event_import as event_import
    from patrolgate.store import Base

    monkeypatch.setattr(event_import, "LARGE_FILE", 10)
    report = store_parsed_file(
        database,
        parse_police_uk(CITY / "2017-08-city-of-london-street.csv.gz"),
        AreaAssigner(database),
    )
    assert report.stored == 668
    engine = database.event_engine or database.engine
    names = {index["name"] for index in inspect(engine).get_indexes("events")}
    assert "ix_events_category_time" in names
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_object": lambda item, name, kind, *_: (
                    (name if kind == "table" else item.table.name) == "events"
                )
            },
        )
        assert compare_metadata(context, Base.metadata) == []
