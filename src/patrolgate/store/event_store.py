"""Writing events in bulk: one transaction per file; an id already stored is either the same
event again (already stored) or a conflict (the same id, different content), never silently
one or the other."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from patrolgate.events.records import RowError
from patrolgate.store.tables import EventRow

EVENT_COLUMNS = (
    "id",
    "source",
    "category",
    "source_category",
    "victim_reported",
    "t_start",
    "t_end",
    "local_year",
    "local_month",
    "lon",
    "lat",
    "x",
    "y",
    "borough_code",
    "ward_code",
    "lsoa_code",
    "district_code",
    "place_type",
    "import_run_id",
)
#: What a source row says of an event, compared when its id is stored already (the area
#: codes and projected points are PatrolGate's own, and follow the stored areas).
COMPARED = ("source", "source_category", "t_start", "t_end", "lon", "lat", "place_type")
_COMPARED_INDEX = tuple(EVENT_COLUMNS.index(c) for c in COMPARED)
#: The temporary table offered rows go into when some were not stored.
INCOMING = "incoming_events"


@dataclass(frozen=True)
class Conflict:
    """A row whose id is stored with different content."""

    row: int
    id: str
    fields: tuple[str, ...]

    def as_row_error(self, path: Path) -> RowError:
        """The conflict as a row message."""
        return RowError(
            path,
            self.row,
            "id",
            f"{self.id!r} is stored already with a different {', '.join(self.fields)}; "
            "the stored event is kept",
        )


@dataclass
class Written:
    """What one write did with the rows offered."""

    stored: int = 0
    already: int = 0
    conflicts: list[Conflict] = field(default_factory=list)


def insert_statement(dialect: str) -> str:
    """An INSERT that skips rows whose id is already stored (times as epoch seconds)."""
    columns = ", ".join(EVENT_COLUMNS)
    if dialect == "sqlite":
        marks = ", ".join("?" for _ in EVENT_COLUMNS)
        return f"INSERT OR IGNORE INTO events ({columns}) VALUES ({marks})"
    marks = ", ".join("%s" for _ in EVENT_COLUMNS)
    return f"INSERT INTO events ({columns}) VALUES ({marks}) ON CONFLICT (id) DO NOTHING"


def incoming_table(dialect: str) -> str:
    """DDL of the temporary table of offered rows (row number, id and compared columns)."""
    floats = "DOUBLE PRECISION" if dialect == "postgresql" else "REAL"
    text = "VARCHAR" if dialect == "postgresql" else "TEXT"
    after = " ON COMMIT DROP" if dialect == "postgresql" else ""
    return (
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {INCOMING} (row BIGINT, id {text}, "
        f"source {text}, source_category {text}, t_start BIGINT, t_end BIGINT, "
        f"lon {floats}, lat {floats}, place_type {text}){after}"
    )


def conflict_query(dialect: str) -> str:
    """Offered rows whose id is stored with other content, and which columns differ."""
    differs = "IS DISTINCT FROM" if dialect == "postgresql" else "IS NOT"
    flags = ", ".join(f"(i.{c} {differs} e.{c})" for c in COMPARED)
    any_differs = " OR ".join(f"i.{c} {differs} e.{c}" for c in COMPARED)
    return (
        f"SELECT i.row, i.id, {flags} FROM {INCOMING} i JOIN events e ON e.id = i.id "
        f"WHERE {any_differs} ORDER BY i.row"
    )


def conflicts_of(rows: Sequence[Sequence[Any]]) -> list[Conflict]:
    """Conflicts from the rows of :func:`conflict_query`."""
    return [
        Conflict(
            row=int(r[0]),
            id=str(r[1]),
            fields=tuple(c for c, flag in zip(COMPARED, r[2:], strict=True) if flag),
        )
        for r in rows
    ]


def count_events(session: Session) -> int:
    """How many events are stored."""
    return int(session.scalar(select(func.count()).select_from(EventRow)) or 0)


def write_events(
    session: Session, rows: Sequence[tuple[Any, ...]], numbers: Sequence[int]
) -> Written:
    """Insert rows (tuples in ``EVENT_COLUMNS`` order, from file rows ``numbers``), skipping
    ids already stored; those are compared with what is stored.

    The rows this statement inserted are counted from its own row count, never by counting
    the table, so two imports of one file at once each report only what they stored.
    """
    if not rows:
        return Written()
    connection = session.connection()
    dialect = connection.dialect.name
    # In id order, the primary-key index is filled in one sweep instead of at random
    # places: on SQLite, a large load runs half as fast again.
    order = sorted(range(len(rows)), key=lambda i: rows[i][0])
    result = connection.exec_driver_sql(insert_statement(dialect), [rows[i] for i in order])
    stored = int(result.rowcount)
    if stored == len(rows):
        return Written(stored=stored)
    conflicts = _conflicts(connection, dialect, rows, numbers)
    return Written(stored=stored, already=len(rows) - stored - len(conflicts), conflicts=conflicts)


def _conflicts(
    connection: Connection,
    dialect: str,
    rows: Sequence[tuple[Any, ...]],
    numbers: Sequence[int],
) -> list[Conflict]:
    connection.exec_driver_sql(incoming_table(dialect))
    connection.exec_driver_sql(f"DELETE FROM {INCOMING}")
    mark = "?" if dialect == "sqlite" else "%s"
    connection.exec_driver_sql(
        f"INSERT INTO {INCOMING} (row, id, {', '.join(COMPARED)}) "
        f"VALUES ({', '.join(mark for _ in range(len(COMPARED) + 2))})",
        [
            (number, row[0], *(row[i] for i in _COMPARED_INDEX))
            for number, row in zip(numbers, rows, strict=True)
        ],
    )
    found = connection.exec_driver_sql(conflict_query(dialect)).all()
    connection.exec_driver_sql(f"DELETE FROM {INCOMING}")
    return conflicts_of(found)
