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
import pyarrow as pa
from numpy.typing import NDArray

from patrolgate.errors import InvalidInput
from patrolgate.events.records import EventChunk, ParsedSource, RowError
from patrolgate.geo.areas import AreaIndex
from patrolgate.geo.projection import Projection, choose_crs
from patrolgate.store.area_repository import load_areas, stored_levels
from patrolgate.store.database import Database
from patrolgate.store.event_queries import stored_study_crs
from patrolgate.store.event_store import count_events, insert_events
from patrolgate.store.sqlite_bulk_load import EVENT_SCHEMA, SqliteBulkLoad, sqlite_file
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
    #: Each distinct point seen (x + iy) and its slot in ``_known``, the codes per level.
    _slots: dict[complex, int] = field(default_factory=dict)
    _known: dict[str, NDArray[np.object_]] = field(default_factory=dict)

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
        """Area code per level for each projected point (None where outside, or not finite).

        Each distinct point is looked up once, for every level together, and remembered:
        police data snaps many records onto the same anonymised points, file after file.
        """
        self._load()
        codes = {level: np.full(len(x), None, dtype=object) for level in self._indexes}
        finite = np.isfinite(x) & np.isfinite(y)
        if not codes or not finite.any():
            return codes
        unique, inverse = np.unique(x[finite] + 1j * y[finite], return_inverse=True)
        keys = unique.tolist()
        slots = np.array([self._slots.get(k, -1) for k in keys], dtype=np.int64)
        unknown = np.flatnonzero(slots < 0)
        if unknown.size:
            found = self._lookup(unique.real[unknown], unique.imag[unknown])
            first = len(self._slots)
            for level, values in found.items():
                self._known[level] = np.concatenate([self._known.get(level, _NO_CODES), values])
            new_slots = range(first, first + unknown.size)
            self._slots.update(zip([keys[i] for i in unknown.tolist()], new_slots, strict=True))
            slots[unknown] = np.arange(first, first + unknown.size)
        where = np.flatnonzero(finite)
        chosen = slots[inverse.ravel()]
        for level, column in codes.items():
            column[where] = self._known[level][chosen]
        return codes

    def _lookup(self, x: NDArray[np.float64], y: NDArray[np.float64]) -> dict[str, NDArray[Any]]:
        """Codes per level for points not seen before.

        A borough is read from the LSOA's parent where LSOAs nest in boroughs (London),
        which saves one point-in-polygon pass; points outside every LSOA are looked up
        among the boroughs directly.
        """
        found: dict[str, NDArray[Any]] = {}
        for level, index in self._indexes.items():
            if level == "borough" and "lsoa" in self._indexes:
                continue
            found[level] = index.lookup(x, y)
        if "lsoa" in found and "borough" in self._indexes:
            parents = self._parents["lsoa"]
            boroughs = set(self._parents["borough"])
            derived = np.array(
                [parents.get(c) if c is not None else None for c in found["lsoa"].tolist()],
                dtype=object,
            )
            valid = np.array([d in boroughs for d in derived.tolist()], dtype=bool)
            if not valid.all():
                missing = ~valid
                derived[missing] = self._indexes["borough"].lookup(x[missing], y[missing])
            found["borough"] = derived
        return found


_NO_CODES: NDArray[np.object_] = np.array([], dtype=object)


def store_parsed_file(
    database: Database, parsed: ParsedSource, assigner: AreaAssigner, *, strict: bool = False
) -> ImportReport:
    """Store the valid rows of ``parsed`` in one transaction.

    With ``strict``, any bad row means nothing is stored. Rows whose id is already
    stored count as duplicates, so a re-import adds nothing. If anything fails midway,
    the transaction is rolled back and the database is as it was.

    A large file (at least ``LARGE_FILE`` accepted rows) going into an SQLite
    file is written by a separate writer process (see ``patrolgate.store.sqlite_bulk_load``),
    so that parsing and writing use both cores; anything else is written here.
    """
    started = datetime.now(UTC)
    assigner.prepare()
    with _PreparedStream(parsed, assigner, strict) as stream:
        path = sqlite_file(database)
        if path is not None and stream.rows_ahead(LARGE_FILE) >= LARGE_FILE:
            accepted, stored = _store_by_writer_process(path, parsed, assigner, stream, started)
        else:
            accepted, stored = _store_in_session(database, parsed, assigner, stream, started)
    return ImportReport(
        path=parsed.path,
        importer=parsed.importer,
        rows_read=parsed.rows_read(),
        stored=stored,
        duplicates=accepted - stored,
        rejected=parsed.rejected,
    )


def _check_complete(parsed: ParsedSource, strict: bool) -> None:
    """Refuse the file (nothing stored) when strict and a row was bad, or when it had no rows."""
    if strict and parsed.rejected:
        raise InvalidInput(
            f"{parsed.path}: bad row(s) and --strict given; nothing stored "
            f"(first: {parsed.rejected[0]})"
        )
    if parsed.rows_read() == 0:
        raise InvalidInput(f"{parsed.path}: the file has a header but no rows")


def _run_values(parsed: ParsedSource, started: datetime) -> dict[str, Any]:
    return {
        "importer": parsed.importer,
        "file_name": str(parsed.path),
        "file_sha256": parsed.sha256,
        "rows_read": 0,
        "rows_stored": 0,
        "rows_duplicate": 0,
        "rows_rejected": 0,
        "started_at": started,
        "finished_at": started,
    }


def _store_in_session(
    database: Database,
    parsed: ParsedSource,
    assigner: AreaAssigner,
    stream: _PreparedStream,
    started: datetime,
) -> tuple[int, int]:
    """Write through this process's own connection, in one transaction: (accepted, stored)."""
    with database.transaction() as session:
        before = count_events(session)
        run = ImportRun(**_run_values(parsed, started))
        session.add(run)
        session.flush()
        connection = session.connection()
        sqlite = connection.dialect.name == "sqlite"
        accepted = 0
        rows: list[tuple[Any, ...]] = []
        for prepared in stream:
            rows += prepared.rows(run.id, sqlite)
            if len(rows) >= WRITE_BATCH:
                insert_events(session, rows)
                accepted += len(rows)
                rows = []
        insert_events(session, rows)
        accepted += len(rows)
        _check_complete(parsed, stream.strict)
        stored = count_events(session) - before
        run.rows_read = parsed.rows_read()
        run.rows_stored = stored
        run.rows_duplicate = accepted - stored
        run.rows_rejected = len(parsed.rejected)
        run.crs = assigner.current_crs
        run.finished_at = datetime.now(UTC)
    return accepted, stored


def _store_by_writer_process(
    path: str,
    parsed: ParsedSource,
    assigner: AreaAssigner,
    stream: _PreparedStream,
    started: datetime,
) -> tuple[int, int]:
    """Send the events to an SQLite writer process, which commits them in one transaction."""
    with SqliteBulkLoad(path, _run_values(parsed, started)) as load:
        for prepared in stream:
            load.send(prepared.record_batch())
        try:
            _check_complete(parsed, stream.strict)
        except InvalidInput as refusal:
            load.abort(str(refusal))
            raise
        counts = load.finish(
            {
                "rows_read": parsed.rows_read(),
                "rows_rejected": len(parsed.rejected),
                "crs": assigner.current_crs,
                "finished_at": datetime.now(UTC),
            }
        )
    return counts["offered"], counts["stored"]


#: Rows written together by this process, sorted by id (larger batches fill the id index faster).
WRITE_BATCH = 200_000
#: A file with this many accepted rows is large: on SQLite, a writer process stores it.
LARGE_FILE = 50_000


@dataclass
class PreparedEvents:
    """One parsed chunk with what storing adds: projected points and area codes."""

    chunk: EventChunk
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    borough_code: list[str | None]
    ward_code: list[str | None]
    lsoa_code: list[str | None]
    district_code: list[str | None]

    def __len__(self) -> int:
        return len(self.chunk)

    def rows(self, run_id: int, sqlite: bool) -> list[tuple[Any, ...]]:
        """Tuples in ``EVENT_COLUMNS`` order (booleans as 0/1 on SQLite, NaN as None)."""
        chunk, n = self.chunk, len(self)
        victim: list[Any] = chunk.victim_reported()
        if sqlite:
            victim = [1 if v else 0 for v in victim]
        return list(
            zip(
                chunk.ids,
                [chunk.source] * n,
                chunk.category,
                chunk.source_category,
                victim,
                chunk.t_start.tolist(),
                chunk.t_end.tolist(),
                chunk.local_year.tolist(),
                chunk.local_month.tolist(),
                *(_floats(v, sqlite) for v in (chunk.lon, chunk.lat, self.x, self.y)),
                self.borough_code,
                self.ward_code,
                self.lsoa_code,
                self.district_code,
                [run_id] * n,
                strict=True,
            )
        )

    def record_batch(self) -> pa.RecordBatch:
        """An Arrow batch in ``EVENT_SCHEMA`` (NaN coordinates as nulls)."""
        chunk = self.chunk
        numbers = (chunk.t_start, chunk.t_end, chunk.local_year, chunk.local_month)
        texts = (self.borough_code, self.ward_code, self.lsoa_code, self.district_code)
        return pa.RecordBatch.from_arrays(
            [
                pa.array(chunk.ids, pa.string()),
                pa.array([chunk.source] * len(self), pa.string()),
                pa.array(chunk.category, pa.string()),
                pa.array(chunk.source_category, pa.string()),
                pa.array(np.asarray(chunk.victim_reported(), dtype=np.int64)),
                *(pa.array(v, pa.int64()) for v in numbers),
                *(
                    pa.array(v, pa.float64(), from_pandas=True)
                    for v in (chunk.lon, chunk.lat, self.x, self.y)
                ),
                *(pa.array(v, pa.string()) for v in texts),
            ],
            schema=EVENT_SCHEMA,
        )


_DONE = object()
#: Chunks the parsing thread may prepare ahead of the writer (a few MB each): enough to
#: keep parsing while a writer process starts or stores a large group of rows.
AHEAD = 8


class _PreparedStream:
    """Prepared chunks, parsed and area-assigned in a second thread while the last is written.

    Parsing (Arrow, NumPy, Shapely) releases the GIL for much of its work, and so does
    writing, so the two overlap. ``rows_ahead`` looks ahead without consuming anything.
    """

    def __init__(self, parsed: ParsedSource, assigner: AreaAssigner, strict: bool) -> None:
        self.strict = strict
        self._handoff: queue.Queue[object] = queue.Queue(maxsize=AHEAD)
        self._stop = threading.Event()
        self._ahead: list[object] = []

        def produce() -> None:
            try:
                for chunk in parsed.chunks:
                    if self._stop.is_set() or (strict and parsed.rejected):
                        break
                    self._handoff.put(_prepare(chunk, assigner))
                self._handoff.put(_DONE)
            except BaseException as error:
                self._handoff.put(error)

        self._worker = threading.Thread(target=produce, name="patrolgate-import", daemon=True)

    def __enter__(self) -> _PreparedStream:
        self._worker.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        while self._worker.is_alive():
            with contextlib.suppress(queue.Empty):
                self._handoff.get(timeout=0.1)
        self._worker.join()

    def _next(self) -> object:
        item = self._ahead.pop(0) if self._ahead else self._handoff.get()
        if isinstance(item, BaseException):
            raise item
        return item

    def rows_ahead(self, wanted: int) -> int:
        """Prepare chunks until ``wanted`` rows are ready or the file ends; how many are ready.

        The chunks stay in the stream, to be iterated as usual.
        """
        ready = sum(len(item) for item in self._ahead if isinstance(item, PreparedEvents))
        while ready < wanted and _DONE not in self._ahead:
            item = self._handoff.get()
            if isinstance(item, BaseException):
                raise item
            self._ahead.append(item)
            if isinstance(item, PreparedEvents):
                ready += len(item)
        return ready

    def __iter__(self) -> Iterator[PreparedEvents]:
        while (item := self._next()) is not _DONE:
            yield item  # type: ignore[misc]
        self._ahead.append(_DONE)


def _prepare(chunk: EventChunk, assigner: AreaAssigner) -> PreparedEvents:
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
    nothing: list[str | None] = [None] * n
    return PreparedEvents(
        chunk=chunk,
        x=x,
        y=y,
        borough_code=_prefer(codes.get("borough"), chunk.borough_code),
        ward_code=codes["ward"].tolist() if "ward" in codes else nothing,
        lsoa_code=_prefer(codes.get("lsoa"), chunk.lsoa_code),
        district_code=codes["district"].tolist() if "district" in codes else nothing,
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
