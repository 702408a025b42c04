"""The intelligence picture for the map: forecasts, their recorded accuracy, boundaries, places.

A thin adapter over ``patrolgate.forecast`` and the stored events. It knows what the data
hold (:mod:`patrolgate.picture.study`: the grid, the areas, when the last event ended),
fits the model the baseline gate allows once per window, and answers the map's questions
from memory. Accuracy is never measured on a request: it is the recorded backtest of the
window (:mod:`patrolgate.picture.accuracy`), refreshed in the background after the events
change (:meth:`Picture.events_changed`). Nothing here ranks or scores people.
"""

from __future__ import annotations

import gzip
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import mapping, shape
from sqlalchemy import func, select

from patrolgate.errors import InvalidInput
from patrolgate.events.taxonomy import SERIOUS_VIOLENCE
from patrolgate.forecast import Forecaster, make_model
from patrolgate.forecast.registry import SUMMARIES
from patrolgate.geo.projection import Projection
from patrolgate.oversight.algorithm import (
    algorithm_record,
    forget_events_held,
    map_backtests,
    recorded_accuracy,
)
from patrolgate.picture.accuracy import data_version, record_map_backtests
from patrolgate.picture.outlook import area_standing
from patrolgate.picture.study import Study, events_up_to, recent_counts
from patrolgate.picture.windows import MAP_COVERAGE, TITLES, MapWindow, map_window
from patrolgate.settings import Settings
from patrolgate.store import Database
from patrolgate.store.event_queries import load_event_points
from patrolgate.store.oversight_tables import BacktestRecordRow
from patrolgate.store.tables import AreaRow, ImportRun

log = logging.getLogger("patrolgate.picture")

#: A window starting more than this after the last event is not forecast: the map says so.
STALE_AFTER = timedelta(days=35)
#: How many wards the "top places" list names.
TOP_PLACES = 10
#: Quiet time after the last change of events before the background refresh runs.
DEBOUNCE_SECONDS = 5.0


@dataclass
class FittedPicture:
    """One fitted model over the study grid, and its forecast for one window."""

    model: Forecaster
    model_name: str
    start: datetime
    end: datetime
    expected: NDArray[np.float64]
    top: NDArray[np.int64]
    trained_on: int
    geojson: dict[str, Any]


def _place_types(fitted: FittedPicture | None) -> list[str] | None:
    """The kinds of place whose rhythms the fitted model learnt (``[]``: none recorded in
    the events), or ``None`` for a model that reads no place types."""
    places = None if fitted is None else getattr(fitted.model, "places_", None)
    return None if places is None else [str(p) for p in places if p]


@dataclass(frozen=True)
class Serialised:
    """A JSON document serialised once, with its gzip encoding (served as they are)."""

    raw: bytes
    gzipped: bytes

    @classmethod
    def of(cls, document: Any) -> Serialised:
        """Serialise ``document`` compactly and gzip it once."""
        raw = json.dumps(document, separators=(",", ":"), default=str).encode()
        return cls(raw=raw, gzipped=gzip.compress(raw, compresslevel=6, mtime=0))


class Picture:
    """Forecasts, recorded accuracy, boundaries and places for the map, computed once and kept.

    Parameters
    ----------
    database, settings, clock
        The store, the settings (cell size, time zone) and the service's clock.
    debounce_seconds : float
        Quiet time after :meth:`events_changed` before the background refresh runs.
    """

    def __init__(
        self,
        database: Database,
        settings: Settings,
        clock: Callable[[], datetime],
        *,
        debounce_seconds: float = DEBOUNCE_SECONDS,
    ) -> None:
        self.database = database
        self.settings = settings
        self.clock = clock
        self.debounce_seconds = debounce_seconds
        self._lock = threading.RLock()
        self._study: Study | None = None
        self._study_loaded = False
        self._data_end: datetime | None = None
        self._data_end_loaded = False
        self._recent: dict[str, dict[str, Any]] | None = None
        self._fitted: dict[tuple[MapWindow, str], FittedPicture | None] = {}
        self._serialised: dict[tuple[MapWindow, str], Serialised] = {}
        self._boundaries: dict[str, dict[str, Any]] = {}
        self._boundaries_serialised: dict[str, Serialised] = {}
        self._records: tuple[int | None, dict[str, dict[str, Any]]] | None = None
        self._event_version: int | None = None
        self._timer: threading.Timer | None = None
        self._refreshing = threading.Lock()
        self._fitting = threading.Lock()
        #: Set after each background refresh (tests and the intake wait on it).
        self.refreshed = threading.Event()

    # -- what the data hold -----------------------------------------------------------------

    def study(self) -> Study | None:
        """The grid, areas and cell wards (``None`` before any area is stored)."""
        with self._lock:
            if not self._study_loaded:
                try:
                    self._study = Study.load(self.database, self.settings)
                except ValueError:
                    self._study = None
                self._study_loaded = True
            return self._study

    def events_up_to(self) -> datetime | None:
        """When the last located event the picture forecasts from had ended.

        Pages state it ("events up to ..."); it changes only after :meth:`events_changed`.
        """
        with self._lock:
            if not self._data_end_loaded:
                self._data_end = events_up_to(self.database)
                self._data_end_loaded = True
            return self._data_end

    def events_up_to_text(self) -> str:
        """``events up to Sun 31 Jan 2021 24:00 GMT``-style wording, or that there are none."""
        last = self.events_up_to()
        if last is None:
            return "no located events yet"
        local = last.astimezone(self.settings.tz)
        if (local.hour, local.minute) == (0, 0):
            previous = local - timedelta(days=1)
            return f"events up to the end of {previous:%a %d %b %Y}"
        return f"events up to {local:%a %d %b %Y %H:%M %Z}"

    # -- change ----------------------------------------------------------------------------

    def events_changed(self) -> None:
        """Events were added or changed: refit and re-measure in the background, debounced.

        Returns at once. After ``debounce_seconds`` without another call, a background
        thread reloads the data's end and the places' counts, records new backtests of the
        map's windows (only where the data changed), and drops the fitted forecasts, so the
        next request fits from the new events. :attr:`refreshed` is set when it is done.
        """
        with self._lock:
            self.refreshed.clear()
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(self.debounce_seconds, self._refresh_in_background)
            self._timer.daemon = True
            self._timer.start()

    def _refresh_in_background(self) -> None:
        try:
            self.refresh()
        except Exception:  # a failed refresh must not kill the service; the next change retries
            log.exception("refreshing the intelligence picture failed")
        finally:
            self.refreshed.set()

    def refresh(self, progress: Callable[[str], None] | None = None) -> dict[MapWindow, int]:
        """Reload what the data hold and record the map's backtests (synchronously).

        Returns the record id of each window's backtest.
        """
        with self._refreshing:
            with self._lock:
                self._study_loaded = False
                self._data_end_loaded = False
                self._recent = None
            study = self.study()
            data_end = self.events_up_to()
            recorded: dict[MapWindow, int] = {}
            if study is not None and data_end is not None:
                events = load_event_points(self.database, categories=SERIOUS_VIOLENCE)
                if len(events):
                    recorded = record_map_backtests(
                        self.database,
                        self.settings,
                        events=events,
                        grid=study.grid,
                        data_end=data_end,
                        now=self.clock(),
                        progress=progress,
                    )
            forget_events_held()
            with self._lock:
                served = sorted({window for window, _ in self._serialised})
                self._records = None
                self._fitted = {}
                self._serialised = {}
                self._event_version = self._current_event_version()
            # Refit, here in the background, the windows the map was serving, so that no
            # request after new events pays for the fit.
            for window in served:
                self.forecast_serialised(window)
            # And the public algorithm record, which counts every event held.
            algorithm_record(self.database, self.settings)
            return recorded

    def _current_event_version(self) -> int | None:
        """The newest import run: a cheap sign that another process imported events."""
        with self.database.sessions() as session:
            newest = session.scalar(select(func.max(ImportRun.id)))
        return None if newest is None else int(newest)

    def check_for_changes(self) -> bool:
        """Whether events changed since the last refresh (another process imported some);
        if so, :meth:`events_changed` is called. Cheap: one indexed query."""
        version = self._current_event_version()
        with self._lock:
            known = self._event_version
            if known is None:
                self._event_version = version
                return False
        if version != known:
            self.events_changed()
            return True
        return False

    def warm(self) -> None:
        """Load what requests read (the study, the places' counts, the algorithm record) and
        schedule the map's backtests if any is missing; the service calls it once at start-up."""
        self.study()
        self._recent_counts()
        algorithm_record(self.database, self.settings)
        self.ensure_recorded()

    def ensure_recorded(self) -> bool:
        """Schedule a background refresh when a map window has no recorded backtest matching
        the map's settings and data (a fresh installation, a changed cell size, events
        imported while the service was down); returns whether one was scheduled."""
        if self.events_up_to() is None:
            return False
        digest = data_version(self.database, SERIOUS_VIOLENCE)["digest"]
        records = [self.record_of(window) for window in MapWindow]
        if all(r is not None and (r.get("data") or {}).get("digest") == digest for r in records):
            return False
        self.events_changed()
        return True

    # -- recorded accuracy -----------------------------------------------------------------

    def _recorded(self) -> dict[str, dict[str, Any]]:
        with self.database.sessions() as session:
            newest = session.scalar(select(func.max(BacktestRecordRow.id)))
        with self._lock:
            if self._records is not None and self._records[0] == newest:
                return self._records[1]
        found = map_backtests(self.database)
        with self._lock:
            self._records = (newest, found)
        return found

    def record_of(self, window: MapWindow) -> dict[str, Any] | None:
        """The latest recorded backtest of ``window`` whose settings match the map's."""
        document = self._recorded().get(window.value)
        if document is None:
            return None
        settings = document.get("settings", {})
        categories = sorted(c.value for c in SERIOUS_VIOLENCE)
        if settings.get("cell_size") != self.settings.cell_size or (
            settings.get("categories") != categories
        ):
            return None
        return document

    def accuracy(self, window: MapWindow) -> dict[str, Any]:
        """The recorded accuracy of what the map shows for ``window`` (never computed here)."""
        found = recorded_accuracy(self.record_of(window))
        found["window"] = window.value
        found["events_up_to"] = _iso(self.events_up_to())
        return found

    def model_for(self, window: MapWindow) -> tuple[str, dict[str, Any]]:
        """The model the baseline gate allows for ``window``, with its recorded parameters."""
        document = self.record_of(window)
        accuracy = recorded_accuracy(document)
        name = str(accuracy["model"])
        params = dict(((document or {}).get("settings") or {}).get("models", {}).get(name) or {})
        return name, params

    # -- forecasts -------------------------------------------------------------------------

    def window_of(self, window: MapWindow, at: datetime | None = None) -> tuple[datetime, datetime]:
        """The local window (shift, day, week, month) holding ``at`` (default: now)."""
        return map_window(window, at or self.clock(), self.settings.tz)

    def beyond_data(self, start: datetime) -> str | None:
        """Why a window starting at ``start`` is not forecast, or ``None`` when it may be."""
        last = self.events_up_to()
        if last is None:
            return "no located events are stored: import events first"
        if start - last > STALE_AFTER:
            gap = (start - last).days
            return (
                f"no forecast: the {self.events_up_to_text()}, {gap} days before this window; "
                "a forecast this far beyond the data would be a guess. Import recent events."
            )
        return None

    def fitted(self, window: MapWindow, at: datetime | None = None) -> FittedPicture | None:
        """The gated model fitted on events before the window, with its forecast."""
        start, end = self.window_of(window, at)
        key = (window, start.isoformat())
        with self._lock:
            if key in self._fitted:
                return self._fitted[key]
        # One fit at a time (requests arriving meanwhile wait for it rather than repeat it);
        # reads of what is already fitted never wait.
        with self._fitting:
            with self._lock:
                if key in self._fitted:
                    return self._fitted[key]
            found = self._fit(window, start, end)
        with self._lock:
            self._fitted.setdefault(key, found)
            now = self.window_of(window)[0]
            self._fitted = {
                k: v
                for k, v in self._fitted.items()
                if k[0] is not window or datetime.fromisoformat(k[1]) >= now
            }
            return found

    def prefit(self, lead: timedelta) -> int:
        """Fit and serialise, ahead of time, the next window of each window in use starting
        within ``lead``; also notices events imported by another process. Returns how many
        windows were fitted."""
        self.check_for_changes()
        ahead = self.clock() + lead
        with self._lock:
            windows = {key[0] for key in self._serialised}
        done = 0
        for window in windows:
            start, _ = self.window_of(window, ahead)
            with self._lock:
                if (window, start.isoformat()) in self._serialised:
                    continue
            self.forecast_serialised(window, ahead)
            done += 1
        return done

    def _fit(self, window: MapWindow, start: datetime, end: datetime) -> FittedPicture | None:
        study = self.study()
        if study is None or self.beyond_data(start) is not None:
            return None
        events = load_event_points(self.database, categories=SERIOUS_VIOLENCE, end=start)
        if len(events) == 0:
            return None
        name, params = self.model_for(window)
        # The recorded parameters of a zoned model hold its time zone: the force's.
        model = make_model(name, **{**params, "timezone": self.settings.timezone})
        model.fit(events, study.grid)
        result = model.predict(start, end - start)
        grid = study.grid
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
            model_name=name,
            start=start,
            end=end,
            expected=result.expected,
            top=top,
            trained_on=len(events),
            geojson=collection,
        )

    def top_places(self, fitted: FittedPicture) -> list[dict[str, Any]]:
        """Wards by expected events in the window, highest first (the map's ranked list)."""
        study = self.study()
        if study is None or study.wards is None:
            return []
        centres = {
            str(code): geometry.representative_point()
            for code, geometry in zip(study.wards.codes, study.wards.geometries, strict=True)
        }
        projection = study.wards.projection
        places = []
        for rank, (code, expected) in enumerate(
            study.ward_totals(fitted.expected)[:TOP_PLACES], start=1
        ):
            point = centres[code]
            lon, lat = projection.to_lonlat(np.array([point.x]), np.array([point.y]))
            parent = study.parents.get(code)
            places.append(
                {
                    "rank": rank,
                    "code": code,
                    "name": study.names.get(code, code),
                    "borough": study.names.get(parent, parent) if parent else None,
                    "expected": round(expected, 3),
                    "lon": round(float(lon[0]), 5),
                    "lat": round(float(lat[0]), 5),
                }
            )
        return places

    def forecast_geojson(self, window: MapWindow, at: datetime | None = None) -> dict[str, Any]:
        """The top cells of the window holding ``at`` (default: now) as GeoJSON, with the
        model, the data's end, the ranked places and the recorded accuracy."""
        start, end = self.window_of(window, at)
        refused = self.beyond_data(start)
        fitted = None if refused else self.fitted(window, at)
        accuracy = self.accuracy(window)
        name = fitted.model_name if fitted is not None else accuracy["model"]
        properties: dict[str, Any] = {
            "status": "refused" if refused else ("forecast" if fitted else "no forecast"),
            "message": refused,
            "model": name,
            "model_summary": SUMMARIES.get(name),
            "place_types": _place_types(fitted),
            "gate": accuracy.get("gate_statement"),
            "window": window.value,
            "window_title": TITLES[window],
            "start": start.isoformat(),
            "end": end.isoformat(),
            "events_up_to": _iso(self.events_up_to()),
            "events_up_to_text": self.events_up_to_text(),
            "coverage": MAP_COVERAGE,
            "categories": sorted(c.value for c in SERIOUS_VIOLENCE),
            "accuracy": accuracy,
            "places": [],
        }
        if fitted is None:
            return {"type": "FeatureCollection", "features": [], "properties": properties}
        study = self.study()
        properties.update(
            cells=len(fitted.top),
            cell_size=study.grid.cell_size if study else None,
            expected_total=round(float(fitted.expected.sum()), 3),
            expected_in_top=round(float(fitted.expected[fitted.top].sum()), 3),
            trained_on_events=fitted.trained_on,
            places=self.top_places(fitted),
        )
        return {**fitted.geojson, "properties": properties}

    def forecast_json(self, window: MapWindow) -> bytes:
        """:meth:`forecast_geojson` serialised once per window and fit (the map asks often)."""
        return self.forecast_serialised(window).raw

    def forecast_serialised(self, window: MapWindow, at: datetime | None = None) -> Serialised:
        """:meth:`forecast_geojson` serialised and gzipped once per window and fit."""
        start, _ = self.window_of(window, at)
        key = (window, start.isoformat())
        with self._lock:
            cached = self._serialised.get(key)
        if cached is None:
            cached = Serialised.of(self.forecast_geojson(window, at))
            with self._lock:
                now = self.window_of(window)[0]
                self._serialised = {
                    k: v
                    for k, v in {**self._serialised, key: cached}.items()
                    if k[0] is not window or datetime.fromisoformat(k[1]) >= now
                }
        return cached

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

    def _recent_counts(self) -> dict[str, dict[str, Any]]:
        with self._lock:
            if self._recent is None:
                self._recent = recent_counts(self.database, self.events_up_to())
            return self._recent

    def place(self, lon: float, lat: float) -> dict[str, Any]:
        """The ward and borough at a point, their last year's events and the day's forecast.

        Answered from memory (the area indexes, the counts of the year to the last event,
        the fitted forecast): no geometry is read from the database on a request.
        """
        study = self.study()
        ward = study.area_at("ward", lon, lat) if study else None
        borough = study.area_at("borough", lon, lat) if study else None
        area = ward or borough
        recent = self._recent_counts().get(area or "", None) if area else None
        if recent is None:
            recent = {"area": area, "by_category": {}, "total": 0}
        names = study.names if study else {}
        return {
            "lon": lon,
            "lat": lat,
            "ward": {"code": ward, "name": names.get(ward, ward)} if ward else None,
            "borough": {"code": borough, "name": names.get(borough, borough)} if borough else None,
            "recent_events": recent,
            "events_up_to": _iso(self.events_up_to()),
            "forecast": self._place_forecast(study, ward, lon, lat),
        }

    def _place_forecast(
        self, study: Study | None, ward: str | None, lon: float, lat: float
    ) -> dict[str, Any] | None:
        fitted = self.fitted(MapWindow.DAY)
        if fitted is None or study is None:
            return None
        cell = study.cell_at(lon, lat)
        result: dict[str, Any] = {
            "model": fitted.model_name,
            "start": fitted.start.isoformat(),
            "end": fitted.end.isoformat(),
            "cell": cell if cell >= 0 else None,
            "cell_expected": round(float(fitted.expected[cell]), 4) if cell >= 0 else None,
            "cell_in_top": bool(cell >= 0 and np.isin(cell, fitted.top)),
        }
        if ward is not None:
            result["area_expected"] = round(
                float(fitted.expected[study.cells_of_ward(ward)].sum()), 4
            )
        return result

    @staticmethod
    def _cells_in(
        projection: Projection, centroids: Any, geometry: dict[str, Any]
    ) -> NDArray[np.int64]:
        projected = shapely.transform(
            shape(geometry),
            lambda xy: np.column_stack(projection.to_xy(xy[:, 0], xy[:, 1])),
        )
        x, y = centroids
        inside = shapely.contains_xy(projected, x, y)
        return np.flatnonzero(inside).astype(np.int64)

    def snapshot(
        self, geometry: dict[str, Any], codes: tuple[str, ...], start: datetime, end: datetime
    ) -> dict[str, Any] | None:
        """The forecast attached to a proposal: expected events in its area and period."""
        fitted = self.fitted(MapWindow.DAY)
        study = self.study()
        if fitted is None or study is None:
            return None
        forecast = fitted.model.predict(start, end - start)
        cells = self._cells_in(study.projection, study.grid.centroids(), geometry)
        top = forecast.top(study.grid.area, 0.05)
        standing = area_standing(forecast.expected, cells, study.grid, study.projection, geometry)
        return {
            "model": fitted.model_name,
            "area_codes": list(codes),
            "start": start.isoformat(),
            "end": end.isoformat(),
            "cells": len(cells),
            "expected_events": round(float(forecast.expected[cells].sum()), 4),
            "cells_in_top_5_percent": int(np.isin(cells, top).sum()),
            "categories": sorted(c.value for c in SERIOUS_VIOLENCE),
            "events_up_to": _iso(self.events_up_to()),
            "accuracy": self.accuracy(MapWindow.DAY),
            **standing,
        }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
