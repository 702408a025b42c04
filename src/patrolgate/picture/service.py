"""The intelligence picture for the map: forecasts, their measured accuracy, boundaries, places.

A thin adapter over ``patrolgate.forecast`` (models, backtest) and the event queries: it
fits the default model once per window and day, keeps the result in memory, and answers
the map's questions from it. Nothing here ranks or scores people; cells and areas only.
"""

from __future__ import annotations

import gzip
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, TypeVar

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import mapping, shape
from sqlalchemy import func, select

from patrolgate.errors import InvalidInput
from patrolgate.events.taxonomy import SERIOUS_VIOLENCE
from patrolgate.forecast import DEFAULT_MODEL, Forecaster, backtest, make_model
from patrolgate.forecast.backtest import MONTH
from patrolgate.geo.grid import Grid
from patrolgate.geo.projection import Projection
from patrolgate.settings import Settings
from patrolgate.store import Database
from patrolgate.store.event_queries import (
    EventFilter,
    date_range,
    load_area_index,
    load_event_points,
    study_crs,
)
from patrolgate.store.tables import AreaRow, EventRow

#: Share of the study area the map highlights (the top-ranked cells).
MAP_COVERAGE = 0.01
_Cached = TypeVar("_Cached")
#: How many windows the accuracy backtest scores.
ACCURACY_WINDOWS = 6


class MapWindow(StrEnum):
    """Forecast windows the map offers."""

    SHIFT = "8h"
    DAY = "1d"
    WEEK = "1w"
    MONTH = "month"


_LENGTHS = {
    MapWindow.SHIFT: timedelta(hours=8),
    MapWindow.DAY: timedelta(days=1),
    MapWindow.WEEK: timedelta(days=7),
}


@dataclass
class FittedPicture:
    """One fitted model over the study grid, and its forecast for the current window."""

    model: Forecaster
    grid: Grid
    start: datetime
    end: datetime
    expected: NDArray[np.float64]
    top: NDArray[np.int64]
    trained_on: int
    geojson: dict[str, Any]


@dataclass(frozen=True)
class Serialised:
    """A JSON document serialised once, with its gzip encoding (served as they are)."""

    raw: bytes
    gzipped: bytes

    @classmethod
    def of(cls, document: Any) -> Serialised:
        """Serialise ``document`` compactly and gzip it once."""
        raw = json.dumps(document, separators=(",", ":")).encode()
        return cls(raw=raw, gzipped=gzip.compress(raw, compresslevel=6, mtime=0))


class Picture:
    """Forecasts and boundaries for the map, computed once and kept."""

    def __init__(
        self, database: Database, settings: Settings, clock: Callable[[], datetime]
    ) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        self._lock = threading.Lock()
        self._fitted: dict[tuple[MapWindow, str], FittedPicture | None] = {}
        self._accuracy: dict[MapWindow, dict[str, Any]] = {}
        self._boundaries: dict[str, dict[str, Any]] = {}
        self._serialised: dict[tuple[MapWindow, str], Serialised] = {}
        self._boundaries_serialised: dict[str, Serialised] = {}

    def events_changed(self) -> None:
        """New events were stored (the live feed): forget the fitted pictures, so the next
        request, or the feed's debounced refit, fits them on the events now stored.
        (Added by the intake work for the feed; the picture's own refit may replace it.)"""
        with self._lock:
            self._fitted = {}
            self._accuracy = {}
            self._serialised = {}

    # -- windows -------------------------------------------------------------------------

    def window_of(self, window: MapWindow, at: datetime | None = None) -> tuple[datetime, datetime]:
        """The current window (or the one at ``at``): from the start of this hour (or month)
        for its length."""
        now = (at or self.clock()).astimezone(self.settings.tz)
        if window is MapWindow.MONTH:
            start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
            return start, (start + timedelta(days=32)).replace(day=1)
        start = now.replace(minute=0, second=0, microsecond=0)
        return start, start + _LENGTHS[window]

    # -- forecasts -----------------------------------------------------------------------

    def fitted(self, window: MapWindow, at: datetime | None = None) -> FittedPicture | None:
        """The default model fitted on events before the window, with its forecast."""
        start, end = self.window_of(window, at)
        key = (window, start.isoformat())
        with self._lock:
            if key not in self._fitted:
                self._fitted[key] = self._fit(start, end)
            found = self._fitted[key]
            self._fitted = self._current(self._fitted, window)
            return found

    def prefit(self, lead: timedelta) -> int:
        """Fit and serialise, ahead of time, the next window of every window in use that
        starts within ``lead``, so that no request pays for the refit when the hour turns.

        The fit runs outside the lock (requests go on with the current window). Events
        recorded within ``lead`` of the new window's start are not in its fit; the map's
        data arrive by import, in batches, so none are missed in practice.
        Returns how many windows were fitted.
        """
        ahead = self.clock() + lead
        with self._lock:
            windows = {key[0] for key in self._serialised}
        done = 0
        for window in windows:
            start, end = self.window_of(window, ahead)
            key = (window, start.isoformat())
            with self._lock:
                if key in self._serialised:
                    continue
                known = key in self._fitted
            if not known:
                fitted = self._fit(start, end)
                with self._lock:
                    self._fitted.setdefault(key, fitted)
            self.forecast_serialised(window, ahead)
            done += 1
        return done

    def _fit(self, start: datetime, end: datetime) -> FittedPicture | None:
        try:
            areas = load_area_index(self.database)
            crs = study_crs(self.database)
        except ValueError:
            return None
        grid = Grid.from_polygon(areas.union(), crs=crs, cell_size=self.settings.cell_size)
        events = load_event_points(self.database, categories=SERIOUS_VIOLENCE, end=start)
        if len(events) == 0:
            return None
        params: dict[str, Any] = {}
        if DEFAULT_MODEL == "ensemble":
            params["window_days"] = (end - start).total_seconds() / 86_400
        model = make_model(DEFAULT_MODEL, timezone=self.settings.timezone, **params)
        model.fit(events, grid)
        result = model.predict(start, end - start)
        top = result.top(grid.area, MAP_COVERAGE)
        ranks = np.zeros(grid.n_cells, dtype=np.int64)
        ranks[top] = np.arange(1, len(top) + 1)
        collection = grid.geojson(
            top,
            {
                "rank": ranks,
                "expected": np.round(result.expected, 4),
                "probability": np.round(result.probability, 4),
            },
            digits=5,
        )
        return FittedPicture(
            model=model,
            grid=grid,
            start=start,
            end=end,
            expected=result.expected,
            top=top,
            trained_on=len(events),
            geojson=collection,
        )

    def forecast_geojson(self, window: MapWindow, at: datetime | None = None) -> dict[str, Any]:
        """The top cells of the current window (or the one at ``at``) as GeoJSON, with the
        model and its accuracy."""
        fitted = self.fitted(window, at)
        start, end = self.window_of(window, at)
        properties: dict[str, Any] = {
            "model": DEFAULT_MODEL,
            "window": window.value,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "coverage": MAP_COVERAGE,
            "categories": sorted(c.value for c in SERIOUS_VIOLENCE),
            "accuracy": self.accuracy(window),
        }
        if fitted is None:
            return {"type": "FeatureCollection", "features": [], "properties": properties}
        properties.update(
            cells=len(fitted.top),
            cell_size=fitted.grid.cell_size,
            expected_total=round(float(fitted.expected.sum()), 3),
            expected_in_top=round(float(fitted.expected[fitted.top].sum()), 3),
            trained_on_events=fitted.trained_on,
        )
        return {**fitted.geojson, "properties": properties}

    def forecast_json(self, window: MapWindow) -> bytes:
        """:meth:`forecast_geojson` serialised once per window and fit (the map asks often)."""
        return self.forecast_serialised(window).raw

    def forecast_serialised(self, window: MapWindow, at: datetime | None = None) -> Serialised:
        """:meth:`forecast_geojson` serialised and gzipped once per window and fit."""
        start, _ = self.window_of(window, at)
        key = (window, start.isoformat())
        cached = self._serialised.get(key)
        if cached is None:
            cached = Serialised.of(self.forecast_geojson(window, at))
            with self._lock:
                self._serialised = self._current({**self._serialised, key: cached}, window)
        return cached

    def _current(
        self, cache: dict[tuple[MapWindow, str], _Cached], window: MapWindow
    ) -> dict[tuple[MapWindow, str], _Cached]:
        """``cache`` without ``window``'s past windows (the current and later ones stay)."""
        now = self.window_of(window)[0]
        return {
            k: v
            for k, v in cache.items()
            if k[0] is not window or datetime.fromisoformat(k[1]) >= now
        }

    def accuracy(self, window: MapWindow) -> dict[str, Any]:
        """The default model's measured accuracy: a rolling-origin backtest of recent windows."""
        with self._lock:
            if window not in self._accuracy:
                self._accuracy[window] = self._backtest(window)
            return self._accuracy[window]

    def _backtest(self, window: MapWindow) -> dict[str, Any]:
        first, last = date_range(self.database, EventFilter(categories=SERIOUS_VIOLENCE))
        if first is None or last is None:
            return {"measured": False, "reason": "no events to measure against"}
        until = min(last, self.clock())
        length = _LENGTHS.get(window, timedelta(days=31))
        since = until - length * ACCURACY_WINDOWS
        try:
            areas = load_area_index(self.database)
            grid = Grid.from_polygon(
                areas.union(), crs=study_crs(self.database), cell_size=self.settings.cell_size
            )
        except (ValueError, InvalidInput):
            return {"measured": False, "reason": "no study area"}
        events = load_event_points(self.database, categories=SERIOUS_VIOLENCE, end=until)
        names = list(dict.fromkeys([DEFAULT_MODEL, "naive"]))
        models = {
            n: make_model(n, timezone=self.settings.timezone)
            if n != "ensemble"
            else make_model(n, timezone=self.settings.timezone, window_days=length.days or 1)
            for n in names
        }
        try:
            result = backtest(
                models,
                events,
                grid,
                start=since,
                end=until,
                window=MONTH if window is MapWindow.MONTH else length,
                refit=timedelta(days=365),
                coverage=0.05,
            )
        except (ValueError, InvalidInput) as error:
            return {"measured": False, "reason": str(error)}
        own = result.model(DEFAULT_MODEL)
        naive = result.model("naive")
        return {
            "measured": bool(own.n_events > 0),
            "model": DEFAULT_MODEL,
            "from": since.isoformat(),
            "to": until.isoformat(),
            "windows": own.n_forecasts,
            "events": round(float(own.n_events), 1),
            "coverage": 0.05,
            "hit_rate": _finite(own.hit_rate),
            "pai": _finite(own.pai),
            "pei_star": _finite(own.pei_star),
            "naive_hit_rate": _finite(naive.hit_rate),
        }

    # -- boundaries and places -------------------------------------------------------------

    def boundaries(self, level: str) -> dict[str, Any]:
        """Borough or ward boundaries as simplified WGS84 GeoJSON (the offline basemap)."""
        if level not in ("borough", "ward"):
            raise InvalidInput("level: borough or ward")
        with self._lock:
            if level not in self._boundaries:
                with self.database.sessions() as session:
                    rows = list(
                        session.scalars(
                            select(AreaRow).where(AreaRow.level == level).order_by(AreaRow.code)
                        )
                    )
                    features = [
                        {
                            "type": "Feature",
                            "properties": {
                                "code": r.code,
                                "name": r.name,
                                "level": r.level,
                                "parent_code": r.parent_code,
                            },
                            "geometry": mapping(
                                shapely.set_precision(
                                    shape(r.geometry).simplify(0.0001, preserve_topology=True),
                                    1e-5,
                                )
                            ),
                        }
                        for r in rows
                    ]
                self._boundaries[level] = {"type": "FeatureCollection", "features": features}
            return self._boundaries[level]

    def boundaries_serialised(self, level: str) -> Serialised:
        """:meth:`boundaries` serialised and gzipped once per level."""
        cached = self._boundaries_serialised.get(level)
        if cached is None:
            cached = Serialised.of(self.boundaries(level))
            self._boundaries_serialised = {**self._boundaries_serialised, level: cached}
        return cached

    def place(self, lon: float, lat: float) -> dict[str, Any]:
        """The ward and borough at a point, their recent events and forecast."""
        point = shapely.Point(lon, lat)
        with self.database.sessions() as session:
            rows = list(
                session.scalars(select(AreaRow).where(AreaRow.level.in_(("borough", "ward"))))
            )
            ward = next(
                (r for r in rows if r.level == "ward" and shape(r.geometry).contains(point)), None
            )
            borough = next(
                (r for r in rows if r.level == "borough" and shape(r.geometry).contains(point)),
                None,
            )
            area = ward or borough
            recent: dict[str, Any] = {"by_category": {}, "total": 0}
            if area is not None:
                recent = self._recent(session, area)
        result: dict[str, Any] = {
            "lon": lon,
            "lat": lat,
            "ward": {"code": ward.code, "name": ward.name} if ward else None,
            "borough": {"code": borough.code, "name": borough.name} if borough else None,
            "recent_events": recent,
        }
        result["forecast"] = self._area_forecast(
            area.geometry if area is not None else None, lon, lat
        )
        return result

    def _recent(self, session: Any, area: AreaRow) -> dict[str, Any]:
        column = EventRow.ward_code if area.level == "ward" else EventRow.borough_code
        latest = session.scalar(select(func.max(EventRow.t_start)).where(column == area.code))
        if latest is None:
            return {"area": area.code, "by_category": {}, "total": 0}
        until = min(latest + timedelta(seconds=1), self.clock())
        since = until - timedelta(days=365)
        counts = dict(
            session.execute(
                select(EventRow.category, func.count())
                .where(column == area.code, EventRow.t_start >= since, EventRow.t_start < until)
                .group_by(EventRow.category)
                .order_by(EventRow.category)
            ).all()
        )
        return {
            "area": area.code,
            "from": since.isoformat(),
            "to": until.isoformat(),
            "by_category": {k: int(v) for k, v in counts.items()},
            "total": int(sum(counts.values())),
        }

    def _area_forecast(
        self, geometry: dict[str, Any] | None, lon: float, lat: float
    ) -> dict[str, Any] | None:
        fitted = self.fitted(MapWindow.DAY)
        if fitted is None:
            return None
        x, y = Projection(fitted.grid.crs).to_xy(np.array([lon]), np.array([lat]))
        cell = int(fitted.grid.cell_of(x, y)[0])
        result: dict[str, Any] = {
            "model": DEFAULT_MODEL,
            "start": fitted.start.isoformat(),
            "end": fitted.end.isoformat(),
            "cell": cell if cell >= 0 else None,
            "cell_expected": round(float(fitted.expected[cell]), 4) if cell >= 0 else None,
            "cell_in_top": bool(cell >= 0 and cell in set(fitted.top.tolist())),
        }
        if geometry is not None:
            result["area_expected"] = round(
                float(fitted.expected[self._cells_in(fitted, geometry)].sum()), 4
            )
        return result

    @staticmethod
    def _cells_in(fitted: FittedPicture, geometry: dict[str, Any]) -> NDArray[np.int64]:
        projection = Projection(fitted.grid.crs)
        projected = shapely.transform(
            shape(geometry),
            lambda xy: np.column_stack(projection.to_xy(xy[:, 0], xy[:, 1])),
        )
        x, y = fitted.grid.centroids()
        inside = shapely.contains_xy(projected, x, y)
        return np.flatnonzero(inside).astype(np.int64)

    def snapshot(
        self, geometry: dict[str, Any], codes: tuple[str, ...], start: datetime, end: datetime
    ) -> dict[str, Any] | None:
        """The forecast attached to a proposal: expected events in its area and period."""
        fitted = self.fitted(MapWindow.DAY)
        if fitted is None:
            return None
        forecast = fitted.model.predict(start, end - start)
        cells = self._cells_in(fitted, geometry)
        top = forecast.top(fitted.grid.area, 0.05)
        return {
            "model": DEFAULT_MODEL,
            "area_codes": list(codes),
            "start": start.isoformat(),
            "end": end.isoformat(),
            "cells": len(cells),
            "expected_events": round(float(forecast.expected[cells].sum()), 4),
            "cells_in_top_5_percent": int(np.isin(cells, top).sum()),
            "categories": sorted(c.value for c in SERIOUS_VIOLENCE),
            "accuracy": self.accuracy(MapWindow.DAY),
        }


def _finite(value: float) -> float | None:
    return round(float(value), 4) if np.isfinite(value) else None
