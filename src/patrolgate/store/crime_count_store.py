"""Storing published crime counts, ignoring those already stored."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from patrolgate.events.crime_counts import CrimeCount
from patrolgate.store.tables import CrimeCountRow

_CHUNK = 10_000


def insert_counts(session: Session, source: str, counts: Sequence[CrimeCount]) -> int:
    """Insert counts not yet stored (by source, area, period and category); returns how many."""
    dialect = session.connection().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    before = int(session.scalar(select(func.count()).select_from(CrimeCountRow)) or 0)
    for begin in range(0, len(counts), _CHUNK):
        chunk = counts[begin : begin + _CHUNK]
        statement = insert(CrimeCountRow).on_conflict_do_nothing()
        session.execute(
            statement,
            [
                {
                    "source": source,
                    "area_code": c.area_code,
                    "area_name": c.area_name,
                    "period": c.period,
                    "major_category": c.major_category,
                    "minor_category": c.minor_category,
                    "count": c.count,
                }
                for c in chunk
            ],
        )
    after = int(session.scalar(select(func.count()).select_from(CrimeCountRow)) or 0)
    return after - before
