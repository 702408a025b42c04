"""What the picture knows of its data, loaded once per change: the grid, the areas, the last
event, and each area's recent events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import func, select

from patrolgate.events.taxonomy import SERIOUS_VIOLENCE, Category
from patrolgate.geo.areas import AreaIndex
from patrolgate.geo.grid import Grid
from patrolgate.geo.projection import Projection
from patrolgate.settings import Settings
from patrolgate.store import Database
from patrolgate.store.area_repository import load_areas, stored_levels
from patrolgate.store.event_queries import study_crs
from patrolgate.store.tables import EventRow

#: How far back a place's "recent events" look from the last event.
RECENT = timedelta(days=365)


def events_up_to(
    database: Database, categories: frozenset[Category] = SERIOUS_VIOLENCE
) -> datetime | None:
    """When the last located event of ``categories`` had ended (what the picture knows up to)."""
    with database.sessions() as session:
        last = session.scalar(
            select(func.max(EventRow.t_end)).where(
                EventRow.category.in_(sorted(c.value for c in categories)),
                EventRow.x.is_not(None),
            )
        )
    if last is None:
        return None
    if isinstance(last, str):
        last = datetime.fromisoformat(last)
    return last if last.tzinfo is not None else last.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Study:
    """The study area's grid, its ward and borough indexes, and each cell's ward."""

    grid: Grid
    wards: AreaIndex | None
    boroughs: AreaIndex | None
    ward_of_cell: NDArray[np.int64]
    names: dict[str, str]
    parents: dict[str, str | None]
    projection: Projection

    @classmethod
    def load(cls, database: Database, settings: Settings) -> Study | None:
        """The study from the stored areas, or ``None`` when no areas are stored."""
        levels = stored_levels(database)
        if not levels:
            return None
        projection = Projection(study_crs(database))
        indexes = {
            level: AreaIndex(load_areas(database, level), projection)
            for level in ("ward", "borough")
            if level in levels
        }
        coarsest = indexes.get("borough") or AreaIndex(load_areas(database, levels[-1]), projection)
        grid = Grid.from_polygon(coarsest.union(), crs=projection.crs, cell_size=settings.cell_size)
        wards = indexes.get("ward")
        ward_of_cell = np.full(grid.n_cells, -1, dtype=np.int64)
        if wards is not None:
            x, y = grid.centroids()
            codes = wards.lookup(x, y)
            position = {code: k for k, code in enumerate(wards.codes.tolist())}
            ward_of_cell = np.array(
                [position.get(c, -1) if c is not None else -1 for c in codes.tolist()],
                dtype=np.int64,
            )
        names: dict[str, str] = {}
        parents: dict[str, str | None] = {}
        for index in indexes.values():
            for area in index.areas:
                names[area.code] = area.name
                parents[area.code] = area.parent_code
        return cls(grid, wards, indexes.get("borough"), ward_of_cell, names, parents, projection)

    def area_at(self, level: str, lon: float, lat: float) -> str | None:
        """The code of the ward or borough holding a WGS84 point (``None`` outside)."""
        index = self.wards if level == "ward" else self.boroughs
        if index is None:
            return None
        x, y = index.projection.to_xy(np.array([lon]), np.array([lat]))
        found = index.lookup(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))
        return None if found[0] is None else str(found[0])

    def cell_at(self, lon: float, lat: float) -> int:
        """The grid cell holding a WGS84 point, or -1."""
        x, y = self.projection.to_xy(np.array([lon]), np.array([lat]))
        return int(self.grid.cell_of(np.asarray(x), np.asarray(y))[0])

    def ward_totals(self, expected: NDArray[np.float64]) -> list[tuple[str, float]]:
        """Expected events per ward (cells by their centre), highest first."""
        if self.wards is None:
            return []
        inside = self.ward_of_cell >= 0
        totals = np.bincount(
            self.ward_of_cell[inside], weights=expected[inside], minlength=len(self.wards.codes)
        )
        order = np.argsort(-totals, kind="stable")
        codes = self.wards.codes
        return [(str(codes[k]), float(totals[k])) for k in order]

    def cells_of_ward(self, code: str) -> NDArray[np.int64]:
        """The cells whose centre lies in the ward ``code``."""
        if self.wards is None:
            return np.array([], dtype=np.int64)
        position = np.flatnonzero(self.wards.codes == code)
        if len(position) == 0:
            return np.array([], dtype=np.int64)
        return np.flatnonzero(self.ward_of_cell == position[0]).astype(np.int64)


def recent_counts(database: Database, until: datetime | None) -> dict[str, dict[str, Any]]:
    """Events per ward and borough, by category, over the year to ``until`` (the last event)."""
    if until is None:
        return {}
    since = until - RECENT
    found: dict[str, dict[str, Any]] = {}
    with database.sessions() as session:
        for column in (EventRow.ward_code, EventRow.borough_code):
            rows = session.execute(
                select(column, EventRow.category, func.count())
                .where(column.is_not(None), EventRow.t_start >= since, EventRow.t_start < until)
                .group_by(column, EventRow.category)
            ).all()
            for code, category, count in rows:
                entry = found.setdefault(
                    str(code),
                    {
                        "area": str(code),
                        "from": since.isoformat(),
                        "to": until.isoformat(),
                        "by_category": {},
                        "total": 0,
                    },
                )
                entry["by_category"][str(category)] = int(count)
                entry["total"] += int(count)
    for entry in found.values():
        entry["by_category"] = dict(sorted(entry["by_category"].items()))
    return found
