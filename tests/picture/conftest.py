"""London's boroughs, wards and robbery and weapons points, for the picture's tests."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from tests.conftest import SHIPPED_DATA

from patrolgate.demo.build import import_london_boundaries, import_london_points
from patrolgate.geo.areas import AreaLevel
from patrolgate.picture import Picture
from patrolgate.settings import Settings
from patrolgate.store import Database, create_database
from patrolgate.store.database import event_store_path


def copy_sqlite(source: Path, target: Path) -> Path:
    """A copy of an SQLite database with the event store beside it (both files)."""
    target.write_bytes(source.read_bytes())
    events = event_store_path(str(source))
    if events.exists():
        event_store_path(str(target)).write_bytes(events.read_bytes())
    return target


@pytest.fixture(scope="module")
def london(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A migrated SQLite file with London's boroughs, wards and points (Feb 2018-Jan 2021),
    built once per module; tests copy it so that each may change its own."""
    folder = tmp_path_factory.mktemp("picture-london")
    database = create_database(f"sqlite:///{folder / 'patrolgate.db'}")
    database.migrate()
    import_london_boundaries(
        database, SHIPPED_DATA / "london-boundaries", (AreaLevel.BOROUGH, AreaLevel.WARD)
    )
    import_london_points(database, SHIPPED_DATA / "london-robbery-weapons")
    database.dispose()
    yield folder / "patrolgate.db"


@pytest.fixture
def database(london: Path, tmp_path: Path) -> Iterator[Database]:
    """A private copy of the London database."""
    copy = copy_sqlite(london, tmp_path / "patrolgate.db")
    database = create_database(f"sqlite:///{copy}")
    database.migrate()
    try:
        yield database
    finally:
        database.dispose()


#: The day after the last event: 07:00 on 1 February 2021, London (GMT).
DEMO_DAY = datetime(2021, 2, 1, 7, tzinfo=UTC)
#: A coarse grid keeps the map's backtests quick in tests.
CELL_SIZE = 500.0


@pytest.fixture(scope="module")
def recorded_london(london: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The London database with the map's four backtests recorded at the demo's date."""
    folder = tmp_path_factory.mktemp("picture-recorded")
    target = copy_sqlite(london, folder / "patrolgate.db")
    database = create_database(f"sqlite:///{target}")
    database.migrate()
    Picture(database, Settings(home=folder, cell_size=CELL_SIZE), lambda: DEMO_DAY).refresh()
    database.dispose()
    return target


@pytest.fixture
def recorded(recorded_london: Path, tmp_path: Path) -> Iterator[Database]:
    """A private copy of the London database with the map's backtests recorded."""
    copy = copy_sqlite(recorded_london, tmp_path / "patrolgate.db")
    database = create_database(f"sqlite:///{copy}")
    try:
        yield database
    finally:
        database.dispose()
