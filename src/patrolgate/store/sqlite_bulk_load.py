"""Loading a large file's events into SQLite from a writer process fed with Arrow batches.

Python's ``sqlite3`` binds every value of every row through the interpreter, which caps a
load at about 120,000 rows a second before any parsing is done. Here a separate process
(``python -m patrolgate.store.sqlite_bulk_load``) receives the prepared events as an Arrow
IPC stream and inserts them with ``INSERT OR IGNORE`` through the ADBC SQLite driver, which
binds Arrow columns in C, so duplicates are still skipped by id. The importing process
parses the next batch meanwhile, on the other core.

Everything the load writes (the import run and its events) is one transaction, committed
only when the importing process says the file is complete. If the importing process dies,
the writer reads the end of its input early and exits without committing; if the writer
dies, SQLite rolls back. Either way the database is as it was.

The protocol on the writer's standard input: one JSON line (the event store's path, the
import run's column values, the rows to sort and insert together), the Arrow IPC stream of
events (with each event's file row), then, once the writer has answered with what it
stored (one JSON line: the rows offered and stored, and the conflicts: rows whose id is
stored with other content), one JSON line from the importing side: the run's final values,
or ``{"abort": reason}``. The writer answers that with one JSON line: the run id.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import IO, Any

import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Table
from sqlalchemy.dialects import sqlite

from patrolgate.errors import PatrolGateError
from patrolgate.store.database import Database, WriterLock
from patrolgate.store.event_store import (
    COMPARED,
    EVENT_COLUMNS,
    INCOMING,
    Conflict,
    conflict_query,
    conflicts_of,
    incoming_table,
)
from patrolgate.store.tables import Base

#: The events as the writer receives them: every column but ``import_run_id``.
EVENT_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("source", pa.string()),
        ("category", pa.string()),
        ("source_category", pa.string()),
        ("victim_reported", pa.int64()),
        ("t_start", pa.int64()),
        ("t_end", pa.int64()),
        ("local_year", pa.int64()),
        ("local_month", pa.int64()),
        ("lon", pa.float64()),
        ("lat", pa.float64()),
        ("x", pa.float64()),
        ("y", pa.float64()),
        ("borough_code", pa.string()),
        ("ward_code", pa.string()),
        ("lsoa_code", pa.string()),
        ("district_code", pa.string()),
        ("place_type", pa.string()),
        ("row", pa.int64()),
    ]
)
#: Conflicts the writer lists (it counts them all).
CONFLICTS_LISTED = 10_000
#: Rows the writer sorts and moves together (more rows, better id-index locality, but a
#: longer wait for the first batch and for the last).
GROUP_ROWS = 100_000


class BulkLoadFailed(PatrolGateError):
    """The writer process stopped before the file was stored; nothing was stored."""


def event_store_file(database: Database) -> str | None:
    """The event store file of an SQLite database (None for PostgreSQL or an in-memory
    SQLite, whose events are written in the database's own transaction)."""
    return str(database.event_file) if database.event_file is not None else None


@dataclass(frozen=True)
class Stored:
    """What the writer stored, before it commits."""

    offered: int
    stored: int
    conflicting: int
    conflicts: list[Conflict]


def sqlite_values(table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """Column values as SQLite stores them (the columns' own type conversions applied)."""
    dialect = sqlite.dialect()
    converted: dict[str, Any] = {}
    for name, value in values.items():
        processor = table.columns[name].type.dialect_impl(dialect).bind_processor(dialect)
        converted[name] = processor(value) if processor is not None else value
    return converted


class SqliteBulkLoad:
    """The importing side: start the writer, send batches, then commit or abort.

    Use as a context manager; leaving it without :meth:`finish` aborts the load.
    """

    def __init__(self, path: str, run: Mapping[str, Any]) -> None:
        header = {
            "path": path,
            "group_rows": GROUP_ROWS,
            "run": sqlite_values(Base.metadata.tables["import_runs"], run),
        }
        self._process = subprocess.Popen(
            [sys.executable, "-m", "patrolgate.store.sqlite_bulk_load"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self._process.stdin is not None
        self._input: IO[bytes] = self._process.stdin
        self._finished = False
        self._ended = False
        try:
            self._input.write(json.dumps(header).encode() + b"\n")
            self._writer = pa.ipc.new_stream(self._input, EVENT_SCHEMA)
        except BrokenPipeError:
            self._fail()

    def __enter__(self) -> SqliteBulkLoad:
        return self

    def __exit__(self, *_exc: object) -> None:
        if not self._finished:
            self.abort("the import stopped")

    def send(self, batch: pa.RecordBatch) -> None:
        """Hand one batch of events to the writer."""
        try:
            self._writer.write_batch(batch)
        except (BrokenPipeError, OSError):
            self._fail()

    def stored(self) -> Stored:
        """End the events; the writer's account of them, not yet committed."""
        assert self._process.stdout is not None
        try:
            self._writer.close()
            self._input.flush()
        except (BrokenPipeError, OSError, ValueError):
            self._fail()
        line = self._process.stdout.readline()
        if not line:
            self._fail()
        answer = json.loads(line)
        self._ended = True
        return Stored(
            offered=int(answer["offered"]),
            stored=int(answer["stored"]),
            conflicting=int(answer["conflicting"]),
            conflicts=[Conflict(int(r), str(i), tuple(f)) for r, i, f in answer["conflicts"]],
        )

    def finish(self, run: Mapping[str, Any]) -> dict[str, int]:
        """Complete the run record with ``run`` and commit; returns the writer's answer."""
        return self._close({"run": sqlite_values(Base.metadata.tables["import_runs"], run)})

    def abort(self, reason: str) -> None:
        """Store nothing: the writer rolls back and exits."""
        if not self._finished:
            with contextlib.suppress(BulkLoadFailed):
                self._close({"abort": reason})

    def _close(self, trailer: dict[str, Any]) -> dict[str, int]:
        self._finished = True
        try:
            if not self._ended:
                self._writer.close()
            self._input.write(json.dumps(trailer).encode() + b"\n")
            self._input.close()
        except (BrokenPipeError, OSError, ValueError):
            self._fail()
        self._process.stdin = None  # closed above; communicate() must not flush it
        output, errors = self._process.communicate()
        if self._process.returncode != 0:
            raise BulkLoadFailed(
                f"the SQLite writer process failed: {errors.decode(errors='replace').strip()}"
            )
        answer: dict[str, int] = json.loads(output or b"{}")
        return answer

    def _fail(self) -> None:
        self._finished = True
        self._process.kill()
        self._process.stdin = None
        _, errors = self._process.communicate()
        raise BulkLoadFailed(
            f"the SQLite writer process stopped: {errors.decode(errors='replace').strip()}"
        )


def _write(source: IO[bytes], answer: IO[str]) -> None:
    """The writer's side of the protocol (see the module docstring)."""
    header = json.loads(source.readline())
    # Other writers of this database (the web service) wait their turn on the same lock.
    with WriterLock.beside(header["path"]).held():
        _load(header, source, answer)


def _load(header: dict[str, Any], source: IO[bytes], answer: IO[str]) -> None:
    """One transaction: the import run, then the events as they arrive, committed at the end
    only if the importing side, told what was stored, says so."""
    import adbc_driver_sqlite.dbapi as adbc  # only the writer needs it

    run: dict[str, Any] = header["run"]
    connection = adbc.connect(header["path"], autocommit=True)
    cursor = connection.cursor()
    try:
        for pragma in ("busy_timeout=30000", "synchronous=FULL", "cache_size=-131072"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.execute("BEGIN IMMEDIATE")
        names = ", ".join(run)
        cursor.execute(
            f"INSERT INTO import_runs ({names}) VALUES ({', '.join('?' for _ in run)})",
            tuple(run.values()),
        )
        cursor.execute("SELECT last_insert_rowid()")
        (run_id,) = cursor.fetchone()  # type: ignore[misc]
        values = ", ".join("?" for _ in EVENT_COLUMNS[:-1])
        insert = (
            f"INSERT OR IGNORE INTO events ({', '.join(EVENT_COLUMNS)}) "
            f"VALUES ({values}, {int(run_id)})"
        )
        offered = stored = 0
        conflicts: list[Conflict] = []
        conflicting = 0
        pending: list[pa.RecordBatch] = []
        pending_rows = 0

        def changes() -> int:
            cursor.execute("SELECT total_changes()")
            (count,) = cursor.fetchone()  # type: ignore[misc]
            return int(count)

        def store(batches: list[pa.RecordBatch]) -> None:
            nonlocal stored, conflicting
            # In id order, the id index fills in one sweep instead of at random places.
            table = pa.Table.from_batches(batches, EVENT_SCHEMA)
            table = table.take(pc.sort_indices(table, [("id", "ascending")]))
            before = changes()
            cursor.executemany(insert, table.select(list(EVENT_COLUMNS[:-1])))
            inserted = changes() - before
            stored += inserted
            if inserted == table.num_rows:
                return  # every id was new: nothing to compare
            cursor.execute(incoming_table("sqlite"))
            cursor.execute(f"DELETE FROM {INCOMING}")
            marks = ", ".join("?" for _ in range(len(COMPARED) + 2))
            cursor.executemany(
                f"INSERT INTO {INCOMING} (row, id, {', '.join(COMPARED)}) VALUES ({marks})",
                table.select(["row", "id", *COMPARED]),
            )
            cursor.execute(conflict_query("sqlite"))
            found = conflicts_of(cursor.fetchall())
            cursor.execute(f"DELETE FROM {INCOMING}")
            conflicting += len(found)
            conflicts.extend(found[: CONFLICTS_LISTED - len(conflicts)])

        for batch in pa.ipc.open_stream(source):
            pending.append(batch)
            pending_rows += batch.num_rows
            offered += batch.num_rows
            if pending_rows >= header["group_rows"]:
                store(pending)
                pending, pending_rows = [], 0
        if pending:
            store(pending)
        answer.write(
            json.dumps(
                {
                    "offered": offered,
                    "stored": stored,
                    "conflicting": conflicting,
                    "conflicts": [[c.row, c.id, list(c.fields)] for c in conflicts],
                }
            )
            + "\n"
        )
        answer.flush()
        trailer = json.loads(source.readline() or "{}")
        if "run" not in trailer:
            cursor.execute("ROLLBACK")
            answer.write(json.dumps({"aborted": True}) + "\n")
            return
        final = trailer["run"]
        assignments = ", ".join(f"{name} = ?" for name in final)
        cursor.execute(
            f"UPDATE import_runs SET {assignments} WHERE id = ?", (*final.values(), run_id)
        )
        cursor.execute("COMMIT")
        answer.write(json.dumps({"run_id": run_id}) + "\n")
    finally:
        cursor.close()
        connection.close()


if __name__ == "__main__":
    _write(sys.stdin.buffer, sys.stdout)
