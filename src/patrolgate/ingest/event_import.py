"""Storing one parsed file: project, assign areas, write in one transaction, record the run."""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from patrolgate.errors import InvalidInput
from patrolgate.events.records import EventChunk, ParsedSource, RowError
from patrolgate.geo.areas import AreaIndex
from patrolgate.geo.projection import Projection, choose_crs
from patrolgate.store.area_repository import load_areas, stored_levels
from patrolgate.store.database import Database
from patrolgate.store.event_queries import stored_study_crs
from patrolgate.store.event_store import (
    count_events,
    create_secondary_indexes,
    drop_secondary_indexes,
    insert_events,
)
from patrolgate.store.tables import ImportRun


@dataclass
class ImportReport:
    """What happened to one file."""

    path: Path
    importer: str
    rows_read: int
    stored: int
    duplicates: int
    rejected: list[RowError]

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary."""
        return {
            "file": str(self.path),
            "importer": self.importer,
            "rows_read": self.rows_read,
            "stored": self.stored,
            "duplicates": self.duplicates,
            "rejected": len(self.rejected),
        }


@dataclass
class AreaAssigner:
    """Area indexes of one database, built once and reused for every file of a command."""

    database: Database
    _indexes: dict[str, AreaIndex] = field(default_factory=dict)
    _parents: dict[str, dict[str, str | None]] = field(default_factory=dict)
    _crs: str | None = None
    _projection: Projection | None = None
    _loaded: bool = False

    def prepare(self) -> None:
        """Load the areas now (in the calling thread, which owns the database session)."""
        self._load()

    def _load(self) -> None:
        if self._loaded:
            return
        self._crs = stored_study_crs(self.database)
        if self._crs is not None:
            projection = Projection(self._crs)
            for level in stored_levels(self.database):
                areas = load_areas(self.database, level)
                self._indexes[level] = AreaIndex(areas, projection)
                self._parents[level] = {a.code: a.parent_code for a in areas}
        self._loaded = True

    def projection(self, crs: str) -> Projection:
        """The projection to ``crs``, built once."""
        if self._projection is None or self._projection.crs != crs:
            self._projection = Projection(crs)
        return self._projection

    @property
    def current_crs(self) -> str | None:
        """The CRS chosen so far (None until areas or located points decide)."""
        return self._crs

    def crs(self, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> str | None:
        """The study CRS: the areas' when areas exist, else chosen from the points."""
        self._load()
        if self._crs is None:
            located = np.isfinite(lon)
            if located.any():
                self._crs = choose_crs(lon[located], lat[located])
        return self._crs

    def assign(
        self, x: NDArray[np.float64], y: NDArray[np.float64]
    ) -> dict[str, NDArray[np.object_]]:
        """Area code per level for each projected point.

        A borough is read from the LSOA's parent where LSOAs nest in boroughs (London),
        which saves one point-in-polygon pass; points outside every LSOA are looked up
        among the boroughs directly.
        """
        self._load()
        codes: dict[str, NDArray[np.object_]] = {}
        for level, index in self._indexes.items():
            if level == "borough" and "lsoa" in codes:
                continue
            codes[level] = index.assign(x, y)
        if "lsoa" in codes and "borough" in self._indexes:
            parents = self._parents["lsoa"]
            boroughs = set(self._parents["borough"])
            derived = np.array(
                [parents.get(c) if c is not None else None for c in codes["lsoa"].tolist()],
                dtype=object,
            )
            valid = np.array([d in boroughs for d in derived.tolist()], dtype=bool)
            if not valid.all():
                missing = ~valid
                derived[missing] = self._indexes["borough"].assign(x[missing], y[missing])
            codes["borough"] = derived
        return codes


def store_parsed_file(
    database: Database, parsed: ParsedSource, assigner: AreaAssigner, *, strict: bool = False
) -> ImportReport:
    """Store the valid rows of ``parsed`` in one transaction.

    With ``strict``, any bad row means nothing is stored. Rows whose id is already
    stored count as duplicates, so a re-import adds nothing. If anything fails midway,
    the transaction is rolled back and the database is as it was.
    """
    started = datetime.now(UTC)
    with database.transaction() as session:
        before = count_events(session)
        run = ImportRun(
            importer=parsed.importer,
            file_name=str(parsed.path),
            file_sha256=parsed.sha256,
            rows_read=0,
            rows_stored=0,
            rows_duplicate=0,
            rows_rejected=0,
            started_at=started,
            finished_at=started,
        )
        session.add(run)
        session.flush()
        connection = session.connection()
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # A larger page cache for this connection keeps the id index in memory while
            # a large file loads (random ids otherwise thrash the default 2,000 pages).
            connection.exec_driver_sql("PRAGMA cache_size=-131072")
        accepted = 0
        secondary_dropped = False
        for rows in _prepared_rows(parsed, assigner, run.id, sqlite, strict):
            if sqlite and not secondary_dropped and len(rows) >= LARGE_CHUNK:
                # A large file loads faster without the secondary index, rebuilt once at
                # the end, in the same transaction (SQLite only: readers keep their snapshot,
                # where PostgreSQL would lock them out for the whole import).
                drop_secondary_indexes(connection)
                secondary_dropped = True
            accepted += len(rows)
            insert_events(session, rows)
        if secondary_dropped:
            create_secondary_indexes(connection)
        if strict and parsed.rejected:
            raise InvalidInput(
                f"{parsed.path}: bad row(s) and --strict given; nothing stored "
                f"(first: {parsed.rejected[0]})"
            )
        if parsed.rows_read() == 0:
            raise InvalidInput(f"{parsed.path}: the file has a header but no rows")
        stored = count_events(session) - before
        run.rows_read = parsed.rows_read()
        run.rows_stored = stored
        run.rows_duplicate = accepted - stored
        run.rows_rejected = len(parsed.rejected)
        run.crs = assigner.current_crs
        run.finished_at = datetime.now(UTC)
    return ImportReport(
        path=parsed.path,
        importer=parsed.importer,
        rows_read=parsed.rows_read(),
        stored=stored,
        duplicates=accepted - stored,
        rejected=parsed.rejected,
    )


_DONE = object()
#: Rows written together, sorted by id (larger batches fill the id index faster).
WRITE_BATCH = 200_000
#: A first batch this full marks a large file (see ``store_parsed_file``).
LARGE_CHUNK = 50_000


def _prepared_rows(
    parsed: ParsedSource, assigner: AreaAssigner, run_id: int, sqlite: bool, strict: bool
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows ready to insert, parsed and area-assigned in a second thread.

    Parsing (Arrow, NumPy, Shapely) and the database's own work release the GIL, so
    preparing the next chunk while the current one is written uses both cores.
    """
    assigner.prepare()
    handoff: queue.Queue[object] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def produce() -> None:
        try:
            batch: list[tuple[Any, ...]] = []
            for chunk in parsed.chunks:
                if stop.is_set() or (strict and parsed.rejected):
                    break
                batch += _rows(chunk, assigner, run_id, sqlite)
                if len(batch) >= WRITE_BATCH:
                    handoff.put(batch)
                    batch = []
            if batch:
                handoff.put(batch)
            handoff.put(_DONE)
        except BaseException as error:
            handoff.put(error)

    worker = threading.Thread(target=produce, name="patrolgate-import", daemon=True)
    worker.start()
    try:
        while (item := handoff.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():
            with contextlib.suppress(queue.Empty):
                handoff.get(timeout=0.1)
        worker.join()


def _rows(
    chunk: EventChunk, assigner: AreaAssigner, run_id: int, sqlite: bool
) -> list[tuple[Any, ...]]:
    n = len(chunk)
    crs = assigner.crs(chunk.lon, chunk.lat)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    codes: dict[str, NDArray[np.object_]] = {}
    located = np.isfinite(chunk.lon) & np.isfinite(chunk.lat)
    if crs is not None and located.any():
        x[located], y[located] = assigner.projection(crs).to_xy(
            chunk.lon[located], chunk.lat[located]
        )
        codes = assigner.assign(x, y)
    nothing: list[Any] = [None] * n
    borough = _prefer(codes.get("borough"), chunk.borough_code)
    lsoa = _prefer(codes.get("lsoa"), chunk.lsoa_code)
    ward = codes["ward"].tolist() if "ward" in codes else nothing
    district = codes["district"].tolist() if "district" in codes else nothing
    victim = chunk.victim_reported()
    if sqlite:
        victim_values: list[Any] = [1 if v else 0 for v in victim]
    else:
        victim_values = list(victim)
    return list(
        zip(
            chunk.ids,
            [chunk.source] * n,
            chunk.category,
            chunk.source_category,
            victim_values,
            chunk.t_start.tolist(),
            chunk.t_end.tolist(),
            chunk.local_year.tolist(),
            chunk.local_month.tolist(),
            *(_floats(v, sqlite) for v in (chunk.lon, chunk.lat, x, y)),
            borough,
            ward,
            lsoa,
            district,
            [run_id] * n,
            strict=True,
        )
    )


def _floats(values: NDArray[np.float64], sqlite: bool) -> list[float | None]:
    """Floats with NaN as None (SQL NULL); SQLite itself stores a NaN as NULL."""
    if sqlite:
        return values.tolist()  # type: ignore[no-any-return]
    return [None if v != v else v for v in values.tolist()]


def _prefer(computed: NDArray[np.object_] | None, given: list[str | None]) -> list[str | None]:
    """Codes found by point-in-polygon where found, else the source's own codes."""
    if computed is None:
        return list(given)
    return [c if c is not None else g for c, g in zip(computed.tolist(), given, strict=True)]
