"""Reading events back: located points for forecasting and evaluation (summaries, re-exported
here, live in :mod:`.event_summary`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select

from patrolgate.events.points import EventPoints
from patrolgate.events.taxonomy import Category
from patrolgate.geo.areas import AreaIndex
from patrolgate.geo.projection import Projection
from patrolgate.store.area_repository import load_areas, stored_crs, stored_levels
from patrolgate.store.database import Database
from patrolgate.store.event_summary import EventFilter as EventFilter
from patrolgate.store.event_summary import GroupBy as GroupBy
from patrolgate.store.event_summary import date_range as date_range
from patrolgate.store.event_summary import summarise as summarise
from patrolgate.store.event_summary import year_to_date as year_to_date
from patrolgate.store.tables import EventRow, ImportRun


def stored_study_crs(database: Database) -> str | None:
    """The projected CRS of the study: the stored areas', else the first import's, else None."""
    crs = stored_crs(database)
    if crs is not None:
        return crs
    with database.sessions() as session:
        return session.scalars(
            select(ImportRun.crs).where(ImportRun.crs.is_not(None)).order_by(ImportRun.id).limit(1)
        ).first()


def study_crs(database: Database) -> str:
    """The projected CRS of the study; an error when neither areas nor events are stored."""
    crs = stored_study_crs(database)
    if crs is None:
        raise ValueError("no areas and no located events are stored yet")
    return crs


def load_area_index(database: Database, level: str | None = None) -> AreaIndex:
    """The stored areas of ``level`` (default: the coarsest level present) in the study CRS."""
    levels = stored_levels(database)
    if not levels:
        raise ValueError("no areas are stored; run 'patrolgate areas import' first")
    chosen = level or levels[-1]
    return AreaIndex(load_areas(database, chosen), Projection(study_crs(database)))


def load_event_points(
    database: Database,
    *,
    categories: frozenset[Category] | None,
    start: datetime | None = None,
    end: datetime | None = None,
) -> EventPoints:
    """Located events (points only) in the study CRS, ordered by start time.

    ``place`` is None when none of the events returned has a place type; otherwise each
    event's place type (:data:`patrolgate.events.place_types.PLACE_TYPES`), with ``""``
    for an event without one.
    """
    where = EventFilter(categories=categories, start=start, end=end)
    crs = study_crs(database)
    query = (
        select(
            EventRow.t_start,
            EventRow.t_end,
            EventRow.x,
            EventRow.y,
            EventRow.category,
            EventRow.place_type,
        )
        .where(*where.clauses(), EventRow.x.is_not(None))
        .order_by(EventRow.t_start, EventRow.id)
    )
    with database.sessions() as session:
        rows = session.execute(query).all()
    if not rows:
        return EventPoints.empty(crs)
    t_start, t_end, x, y, category, place_type = zip(*rows, strict=True)
    known = any(p is not None for p in place_type)
    return EventPoints(
        t_start=_datetimes(t_start),
        t_end=_datetimes(t_end),
        x=np.asarray(x, dtype=float),
        y=np.asarray(y, dtype=float),
        category=np.asarray(category, dtype=str),
        crs=crs,
        place=np.asarray(["" if p is None else p for p in place_type], dtype=str)
        if known
        else None,
    )


def _datetimes(values: tuple[datetime, ...]) -> np.ndarray[Any, np.dtype[np.datetime64]]:
    return np.array([v.replace(tzinfo=None) for v in values], dtype="datetime64[s]")
