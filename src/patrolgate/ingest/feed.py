"""The live feed: batches of events from a force's records system, as they are recorded.

A batch (up to ``MAX_BATCH`` rows of ``id, time, lat, lon, category`` and, optionally,
``place_type``) goes through exactly the generic CSV importer: the same allow-list (those
fields, nothing else; a place type from the closed list of
:mod:`patrolgate.events.place_types`, any other value rejecting its row), the same
refusal of columns that describe people, the same row checks and messages, the same row
accounting and the same conflict rule. Ids are the feed's own, so a batch sent twice (a
retry) stores nothing twice.
"""

from __future__ import annotations

import csv
import io
import tempfile
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from sqlalchemy import func, select

from patrolgate.errors import InvalidInput
from patrolgate.events.generic_csv import CsvLayout, parse_generic_csv
from patrolgate.events.records import RowError
from patrolgate.ingest.area_assignment import AreaAssigner
from patrolgate.ingest.event_import import ImportReport, store_parsed_file
from patrolgate.store.database import Database
from patrolgate.store.tables import AreaRow

#: The fields a feed row carries (the allow-list of the feed).
FEED_FIELDS = ("id", "time", "lat", "lon", "category")
#: The optional field of the kind of place (empty for none).
PLACE_FIELD = "place_type"
#: Rows in one batch at most.
MAX_BATCH = 10_000


class FeedIntake:
    """Stores feed batches for one service process, one batch at a time."""

    def __init__(self, database: Database, timezone: str) -> None:
        self.database = database
        self.timezone = timezone
        self._lock = threading.Lock()
        self._assigner: AreaAssigner | None = None
        self._areas_seen: tuple[int, str | None] | None = None

    def accept_csv(self, text: str, source: str) -> ImportReport:
        """Store a CSV batch (header ``id,time,lat,lon,category``, ``place_type`` read when
        the header has it; other columns unread)."""
        header = next(csv.reader(io.StringIO(text.split("\n", 1)[0])), [])
        return self._accept(text, source, places=PLACE_FIELD in (h.strip() for h in header))

    def accept_rows(self, rows: Iterable[Mapping[str, object]], source: str) -> ImportReport:
        """Store a batch of rows given as mappings of the feed's fields."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        fields = (*FEED_FIELDS, PLACE_FIELD)
        writer.writerow(fields)
        for row in rows:
            writer.writerow(["" if row.get(f) is None else str(row.get(f)) for f in fields])
        return self._accept(buffer.getvalue(), source, places=True)

    def _accept(self, text: str, source: str, *, places: bool) -> ImportReport:
        lines = text.count("\n") + (0 if text.endswith("\n") else 1)
        check_batch_size(lines - 1)
        layout = CsvLayout(
            time="time",
            lat="lat",
            lon="lon",
            category="category",
            id="id",
            place_type=PLACE_FIELD if places else None,
            timezone=self.timezone,
            source=source,
        )
        with tempfile.TemporaryDirectory(prefix="patrolgate-feed-") as folder:
            path = Path(folder) / "batch.csv"
            path.write_text(text, encoding="utf-8")
            parsed = parse_generic_csv(path, layout)
            with self._lock:
                assigner = self._current_assigner()
                report = store_parsed_file(self.database, parsed, assigner)
        report.path = Path("batch")
        report.rejected = [_in_batch(e) for e in report.rejected]
        report.conflicts = [_in_batch(e) for e in report.conflicts]
        return report

    def _current_assigner(self) -> AreaAssigner:
        """The area indexes, built again only when the stored areas changed."""
        with self.database.sessions() as session:
            seen = session.execute(select(func.count(), func.max(AreaRow.code))).one()
        state = (int(seen[0]), seen[1])
        if self._assigner is None or state != self._areas_seen:
            self._assigner = AreaAssigner(self.database)
            self._areas_seen = state
        return self._assigner


def _in_batch(error: RowError) -> RowError:
    return RowError(Path("batch"), error.row, error.field, error.reason)


def check_batch_size(rows: int) -> None:
    """Refuse a batch over ``MAX_BATCH`` rows, before any is parsed."""
    if rows > MAX_BATCH:
        raise InvalidInput(f"a batch holds at most {MAX_BATCH:,} rows; this one has {rows:,}")
