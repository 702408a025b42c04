"""The intake's schema brought about on an older database: whole-row hashes re-keyed."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select, update
from tests.conftest import SHIPPED_DATA

from patrolgate.events.police_uk import parse_police_uk
from patrolgate.ingest import AreaAssigner, store_parsed_file
from patrolgate.store import Database
from patrolgate.store.tables import EventRow

STOP_SEARCH = (
    SHIPPED_DATA
    / "police-uk"
    / "metropolitan-stop-and-search"
    / "metropolitan-stop-and-search_2015-04_2019-02_no-demographics.csv.gz"
)


def test_old_whole_row_hashes_are_rekeyed_as_the_importers_make_ids(
    database: Database, tmp_path: Path
) -> None:
    """Ids made the old way (a hash of the whole row, person columns included) are replaced
    by ids from the kept fields: importing the same file again then finds every row."""
    import gzip

    lines = gzip.decompress(STOP_SEARCH.read_bytes()).decode().splitlines()[:2001]
    path = tmp_path / "2018-06-metropolitan-stop-and-search.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    first = store_parsed_file(database, parse_police_uk(path), AreaAssigner(database))
    with database.event_transaction() as session:
        ids = session.scalars(select(EventRow.id)).all()
        for old in ids:  # as the previous importer stored them
            legacy = "h" + hashlib.sha256(f"whole row {old}".encode()).hexdigest()[:40]
            session.execute(update(EventRow).where(EventRow.id == old).values(id=legacy))
    database.migrate()
    with database.sessions() as session:
        rekeyed = set(session.scalars(select(EventRow.id)).all())
    assert rekeyed == set(ids)
    again = store_parsed_file(database, parse_police_uk(path), AreaAssigner(database))
    assert (again.stored, again.already_stored) == (0, first.stored)
