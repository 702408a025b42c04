"""London's boroughs, wards and robbery and weapons points, for the picture's tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import SHIPPED_DATA

from patrolgate.demo.build import import_london_boundaries, import_london_points
from patrolgate.geo.areas import AreaLevel
from patrolgate.store import Database, create_database


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
    copy = tmp_path / "patrolgate.db"
    copy.write_bytes(london.read_bytes())
    database = create_database(f"sqlite:///{copy}")
    database.migrate()
    try:
        yield database
    finally:
        database.dispose()
