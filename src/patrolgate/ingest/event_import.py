"""Storing one parsed file: project, assign areas, write in one transaction, record the run.

Every row is accounted for, and the account must balance before anything is committed: rows
read = stored + already stored (same id, same content) + conflicting (same id, different
content: the stored row is kept, the row reported; under ``--strict`` the file is refused) +
rejected. Events are written to the event store (:meth:`Database.event_transaction`), on
SQLite a file of its own, so an import never holds the workflow's writer lock.
"""

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
from patrolgate.ingest.area_assignment import AreaAssigner
from patrolgate.store.database import Database
from patrolgate.store.event_store import Conflict, write_events
from patrolgate.store.sqlite_bulk_load import EVENT_SCHEMA, SqliteBulkLoad, event_store_file
from patrolgate.store.tables import ImportRun

#: Conflicting rows listed one by one in a report (all are counted).
CONFLICTS_LISTED = 10_000


@dataclass
class ImportReport:
    """What happened to one file: every row accounted for.

    ``rows_read`` (plus ``extra_events``, the further victims of rows counting several) =
    ``stored`` + ``already_stored`` + ``conflicting`` + ``len(rejected)``; blank lines are
    not rows. ``conflicts`` lists the conflicting rows (the first ``CONFLICTS_LISTED``).
    """

    path: Path
    importer: str
    rows_read: int
    stored: int
    already_stored: int
    conflicting: int
    rejected: list[RowError]
    conflicts: list[RowError] = field(default_factory=list)
    kept_fields: tuple[str, ...] = ()
    extra_events: int = 0
    blank_rows: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        """Rows already stored (the name earlier reports used)."""
        return self.already_stored

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready summary."""
        return {
            "file": str(self.path),
            "importer": self.importer,
            "rows_read": self.rows_read,
            "stored": self.stored,
            "already_stored": self.already_stored,
            "conflicting": self.conflicting,
            "rejected": len(self.rejected),
            "extra_events": self.extra_events,
            "blank_lines": self.blank_rows,
            "fields_kept": list(self.kept_fields),
            "warnings": self.warnings,
        }

    def summary(self) -> str:
        """One line: the rows and where each went."""
        extra = f" (+{self.extra_events:,} further victims)" if self.extra_events else ""
        blank = f"; {self.blank_rows:,} blank lines skipped" if self.blank_rows else ""
        return (
            f"{self.path}: {self.rows_read:,} rows read{extra} = {self.stored:,} stored + "
            f"{self.already_stored:,} already stored + {self.conflicting:,} conflicting + "
            f"{len(self.rejected):,} rejected{blank}"
        )


def store_parsed_file(
    database: Database, parsed: ParsedSource, assigner: AreaAssigner, *, strict: bool = False
) -> ImportReport:
    """Store the valid rows of ``parsed`` in one transaction.

    With ``strict``, any bad or conflicting row means nothing is stored. Rows whose id is
    already stored with the same content count as already stored, so a re-import adds
    nothing. If anything fails midway, or the rows do not add up, the transaction is rolled
    back and the database is as it was.

    A large file (at least ``LARGE_FILE`` accepted rows) going into an SQLite event store
    is written by a separate writer process (see ``patrolgate.store.sqlite_bulk_load``), so
    that parsing and writing use both cores; anything else is written here.
    """
    started = datetime.now(UTC)
    assigner.prepare()
    with _PreparedStream(parsed, assigner, strict) as stream:
        path = event_store_file(database)
        if path is not None and stream.rows_ahead(LARGE_FILE) >= LARGE_FILE:
            written = _store_by_writer_process(path, parsed, assigner, stream, started)
        else:
            written = _store_in_session(database, parsed, assigner, stream, started)
    return ImportReport(
        path=parsed.path,
        importer=parsed.importer,
        rows_read=parsed.rows_read(),
        stored=written.stored,
        already_stored=written.already,
        conflicting=written.conflicting,
        rejected=sorted(parsed.rejected, key=lambda e: e.row),
        conflicts=[c.as_row_error(parsed.path) for c in written.conflicts[:CONFLICTS_LISTED]],
        kept_fields=parsed.kept_fields,
        extra_events=parsed.extra_events,
        blank_rows=parsed.blank_rows(),
        warnings=_warnings(assigner),
    )


@dataclass
class _Written:
    """What the store did with the offered events."""

    offered: int = 0
    stored: int = 0
    already: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    conflicting: int = 0


def _warnings(assigner: AreaAssigner) -> list[str]:
    if not assigner.outside_areas:
        return []
    warning = (
        f"{assigner.outside_areas:,} located rows fall outside every stored area "
        "(stored, without area codes)"
    )
    if assigner.swappable:
        warning += (
            f"; swapping latitude and longitude would place {assigner.swappable:,} of them: "
            "are the two columns the wrong way round?"
        )
    return [warning]


def _check_complete(parsed: ParsedSource, strict: bool, written: _Written) -> None:
    """Refuse the file (nothing stored) when strict and a row was bad or conflicting, when
    it had no rows, or when its rows do not add up."""
    if strict and parsed.rejected:
        first = min(parsed.rejected, key=lambda e: e.row)
        raise InvalidInput(
            f"{parsed.path}: {len(parsed.rejected):,} bad row(s) and --strict given; nothing "
            f"stored (first: {first})"
        )
    if strict and written.conflicting:
        first_conflict = written.conflicts[0].as_row_error(parsed.path)
        raise InvalidInput(
            f"{parsed.path}: {written.conflicting:,} row(s) conflict with stored events and "
            f"--strict given; nothing stored (first: {first_conflict})"
        )
    if parsed.rows_read() == 0:
        raise InvalidInput(f"{parsed.path}: the file has a header but no rows")
    read = parsed.rows_read() + parsed.extra_events
    accounted = written.offered + len(parsed.rejected)
    if read != accounted:
        raise InvalidInput(
            f"{parsed.path}: {read:,} rows read but {accounted:,} accounted for "
            f"({written.offered:,} offered to the store, {len(parsed.rejected):,} rejected); "
            "the row count cannot be reconciled, so nothing is stored"
        )


def _run_values(parsed: ParsedSource, started: datetime) -> dict[str, Any]:
    return {
        "importer": parsed.importer,
        "file_name": str(parsed.path)[:500],
        "file_sha256": parsed.sha256,
        "rows_read": 0,
        "rows_stored": 0,
        "rows_duplicate": 0,
        "rows_conflicting": 0,
        "rows_rejected": 0,
        "fields_kept": ", ".join(parsed.kept_fields)[:500] or None,
        "started_at": started,
        "finished_at": started,
    }


def _store_in_session(
    database: Database,
    parsed: ParsedSource,
    assigner: AreaAssigner,
    stream: _PreparedStream,
    started: datetime,
) -> _Written:
    """Write through this process's own connection, in one transaction."""
    written = _Written()
    with database.event_transaction() as session:
        run = ImportRun(**_run_values(parsed, started))
        session.add(run)
        session.flush()
        sqlite = session.connection().dialect.name == "sqlite"
        rows: list[tuple[Any, ...]] = []
        numbers: list[int] = []

        def flush() -> None:
            result = write_events(session, rows, numbers)
            written.offered += len(rows)
            written.stored += result.stored
            written.already += result.already
            written.conflicting += len(result.conflicts)
            written.conflicts += result.conflicts[: CONFLICTS_LISTED - len(written.conflicts)]

        for prepared in stream:
            rows += prepared.rows(run.id, sqlite)
            numbers += prepared.chunk.rows.tolist()
            if len(rows) >= WRITE_BATCH:
                flush()
                rows, numbers = [], []
        flush()
        _check_complete(parsed, stream.strict, written)
        run.rows_read = parsed.rows_read() + parsed.extra_events
        run.rows_stored = written.stored
        run.rows_duplicate = written.already
        run.rows_conflicting = written.conflicting
        run.rows_rejected = len(parsed.rejected)
        run.crs = assigner.current_crs
        run.finished_at = datetime.now(UTC)
    return written


def _store_by_writer_process(
    path: str,
    parsed: ParsedSource,
    assigner: AreaAssigner,
    stream: _PreparedStream,
    started: datetime,
) -> _Written:
    """Send the events to an SQLite writer process, which commits them in one transaction
    once this side has checked the account."""
    written = _Written()
    with SqliteBulkLoad(path, _run_values(parsed, started)) as load:
        for prepared in stream:
            load.send(prepared.record_batch())
            written.offered += len(prepared)
        outcome = load.stored()
        written.stored = outcome.stored
        written.conflicts = outcome.conflicts
        written.conflicting = outcome.conflicting
        written.already = written.offered - written.stored - written.conflicting
        try:
            _check_complete(parsed, stream.strict, written)
        except InvalidInput as refusal:
            load.abort(str(refusal))
            raise
        load.finish(
            {
                "rows_read": parsed.rows_read() + parsed.extra_events,
                "rows_stored": written.stored,
                "rows_duplicate": written.already,
                "rows_conflicting": written.conflicting,
                "rows_rejected": len(parsed.rejected),
                "crs": assigner.current_crs,
                "finished_at": datetime.now(UTC),
            }
        )
    return written


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
                _place_types(chunk),
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
                pa.array(_place_types(chunk), pa.string()),
                pa.array(chunk.rows, pa.int64()),
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
                    self._handoff.put(_prepare(chunk, assigner, parsed))
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


def _prepare(chunk: EventChunk, assigner: AreaAssigner, parsed: ParsedSource) -> PreparedEvents:
    """Project and place one chunk; rows the study's CRS cannot project are rejected."""
    crs = assigner.crs(chunk.lon, chunk.lat)
    located = np.isfinite(chunk.lon) & np.isfinite(chunk.lat)
    if crs is not None and located.any():
        outside = assigner.outside_area_of_use(crs, chunk.lon, chunk.lat)
        if outside.any():
            where = assigner.area_of_use_name(crs)
            swapped = ~assigner.outside_area_of_use(crs, chunk.lat, chunk.lon)
            for i in np.flatnonzero(outside).tolist():
                hint = (
                    "; swapped, they would be inside: are latitude and longitude the wrong way"
                    " round?"
                    if swapped[i]
                    else ""
                )
                parsed.rejected.append(
                    RowError(
                        parsed.path,
                        int(chunk.rows[i]),
                        "Longitude/Latitude",
                        f"({chunk.lon[i]:g}, {chunk.lat[i]:g}) lies outside {crs}'s area of use "
                        f"({where}), the study's projection{hint}",
                    )
                )
            chunk = chunk.subset(~outside)
            located = located[~outside]
    n = len(chunk)
    x = np.full(n, np.nan)
    y = np.full(n, np.nan)
    codes: dict[str, NDArray[np.object_]] = {}
    if crs is not None and located.any():
        x[located], y[located] = assigner.projection(crs).to_xy(
            chunk.lon[located], chunk.lat[located]
        )
        codes = assigner.assign(x, y)
        assigner.count_outside(chunk.lon, chunk.lat)
    nothing: list[str | None] = [None] * n
    located_list = located.tolist()
    # A located event's codes come from its point only, so the levels agree; the source's
    # own LSOA code (and its borough) places an event without a point.
    lsoa = [
        (c if here else g)
        for c, g, here in zip(
            codes["lsoa"].tolist() if "lsoa" in codes else nothing,
            chunk.lsoa_code,
            located_list,
            strict=True,
        )
    ]
    borough = [
        (c if here else (g or assigner.parent_borough(code)))
        for c, g, here, code in zip(
            codes["borough"].tolist() if "borough" in codes else nothing,
            chunk.borough_code,
            located_list,
            lsoa,
            strict=True,
        )
    ]
    return PreparedEvents(
        chunk=chunk,
        x=x,
        y=y,
        borough_code=borough,
        ward_code=codes["ward"].tolist() if "ward" in codes else nothing,
        lsoa_code=lsoa,
        district_code=codes["district"].tolist() if "district" in codes else nothing,
    )


def _place_types(chunk: EventChunk) -> list[str | None]:
    """Each event's place type (None throughout when the source has none)."""
    return [None] * len(chunk) if chunk.place_type is None else chunk.place_type


def _floats(values: NDArray[np.float64], sqlite: bool) -> list[float | None]:
    """Floats with NaN as None (SQL NULL); SQLite itself stores a NaN as NULL."""
    if sqlite:
        return values.tolist()  # type: ignore[no-any-return]
    return [None if v != v else v for v in values.tolist()]
