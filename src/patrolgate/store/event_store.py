"""Writing events in bulk: one transaction per file, duplicates ignored by id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

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
    "import_run_id",
)


def insert_statement(dialect: str) -> str:
    """An INSERT that skips rows whose id is already stored (times as epoch seconds)."""
    columns = ", ".join(EVENT_COLUMNS)
    if dialect == "sqlite":
        marks = ", ".join("?" for _ in EVENT_COLUMNS)
        return f"INSERT OR IGNORE INTO events ({columns}) VALUES ({marks})"
    marks = ", ".join("%s" for _ in EVENT_COLUMNS)
    return f"INSERT INTO events ({columns}) VALUES ({marks}) ON CONFLICT (id) DO NOTHING"


def count_events(session: Session) -> int:
    """How many events are stored."""
    return int(session.scalar(select(func.count()).select_from(EventRow)) or 0)


def insert_events(session: Session, rows: Sequence[tuple[Any, ...]]) -> None:
    """Insert rows (tuples in ``EVENT_COLUMNS`` order), skipping ids already stored."""
    if not rows:
        return
    connection = session.connection()
    # In id order, the primary-key index is filled in one sweep instead of at random
    # places: on SQLite, a large load runs half as fast again.
    ordered = sorted(rows, key=_by_id)
    connection.exec_driver_sql(insert_statement(connection.dialect.name), ordered)


def _by_id(row: tuple[Any, ...]) -> Any:
    return row[0]
