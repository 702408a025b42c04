"""Event counts for summaries: by year, month, borough or category, and the year to date.

Apart from :mod:`.event_queries` (located points for forecasting), so that a summary
(``patrolgate events summary``) imports no geometry or array library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select

from patrolgate.events.taxonomy import Category
from patrolgate.store.database import Database
from patrolgate.store.tables import AreaRow, EventRow


class GroupBy(StrEnum):
    """What an events summary groups by."""

    YEAR = "year"
    MONTH = "month"
    BOROUGH = "borough"
    CATEGORY = "category"


@dataclass(frozen=True)
class EventFilter:
    """Which events a query covers: categories (None for all) and a local-month range."""

    categories: frozenset[Category] | None = None
    start: datetime | None = None
    end: datetime | None = None

    def clauses(self) -> list[Any]:
        """SQL conditions for this filter."""
        conditions: list[Any] = []
        if self.categories is not None:
            conditions.append(EventRow.category.in_(sorted(c.value for c in self.categories)))
        if self.start is not None:
            conditions.append(EventRow.t_start >= self.start)
        if self.end is not None:
            conditions.append(EventRow.t_start < self.end)
        return conditions


def summarise(
    database: Database, group_by: list[GroupBy], where: EventFilter
) -> list[dict[str, Any]]:
    """Event counts per group, ordered by the group keys; one dict per group."""
    columns: list[Any] = []
    for key in group_by:
        if key is GroupBy.YEAR:
            columns.append(EventRow.local_year.label("year"))
        elif key is GroupBy.MONTH:
            columns += [EventRow.local_year.label("year"), EventRow.local_month.label("month")]
        elif key is GroupBy.BOROUGH:
            columns.append(EventRow.borough_code.label("borough_code"))
        else:
            columns.append(EventRow.category.label("category"))
    unique: dict[str, Any] = {}
    for column in columns:
        unique.setdefault(column.name, column)
    keys = list(unique.values())
    query = (
        select(*keys, func.count().label("count"))
        .where(*where.clauses())
        .group_by(*keys)
        .order_by(*keys)
    )
    with database.sessions() as session:
        names = dict(session.execute(select(AreaRow.code, AreaRow.name)).all())
        result = []
        for row in session.execute(query).mappings():
            item = dict(row)
            if "borough_code" in item:
                item["borough"] = names.get(item["borough_code"], item["borough_code"] or "unknown")
            if "month" in item:
                item["month"] = f"{item['year']:04d}-{item['month']:02d}"
            item["count"] = int(item["count"])
            result.append(item)
    return result


def date_range(database: Database, where: EventFilter) -> tuple[datetime | None, datetime | None]:
    """The earliest start and latest end of the selected events."""
    with database.sessions() as session:
        row = session.execute(
            select(func.min(EventRow.t_start), func.max(EventRow.t_end)).where(*where.clauses())
        ).one()
    return _as_datetime(row[0]), _as_datetime(row[1])


def _as_datetime(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def year_to_date(database: Database, where: EventFilter) -> dict[str, Any] | None:
    """This year so far against the same months and the whole of last year.

    "This year" is the latest year with selected events; "so far" runs to its latest month.
    """
    with database.sessions() as session:
        latest = session.execute(
            select(EventRow.local_year, func.max(EventRow.local_month))
            .where(*where.clauses())
            .group_by(EventRow.local_year)
            .order_by(EventRow.local_year.desc())
            .limit(1)
        ).first()
        if latest is None:
            return None
        year, month = int(latest[0]), int(latest[1])

        def count(*extra: Any) -> int:
            query = select(func.count()).select_from(EventRow).where(*where.clauses(), *extra)
            return int(session.scalar(query) or 0)

        return {
            "year": year,
            "through_month": month,
            "so_far": count(EventRow.local_year == year),
            "last_year_same_months": count(
                EventRow.local_year == year - 1, EventRow.local_month <= month
            ),
            "last_year_whole": count(EventRow.local_year == year - 1),
        }
