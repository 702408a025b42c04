"""Events prepared for forecasting: times in days, grid cells, sorted by when they became known."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
from numpy.typing import NDArray

from patrolgate.events.points import EventPoints
from patrolgate.forecast._errors import ForecastError
from patrolgate.geo.grid import Grid

SECONDS_PER_DAY = 86_400.0

# Prepared events are cached by the identity of the EventPoints and Grid objects, since a
# backtest asks for the same history hundreds of times.
_CACHE_SIZE = 8
_cache: list[tuple[EventPoints, Grid, PreparedEvents]] = []


def to_days(value: np.datetime64 | datetime | float | str) -> float:
    """A time as days since 1970-01-01 UTC (naive datetimes and strings are taken as UTC)."""
    if isinstance(value, bool):
        raise ForecastError("a forecast time cannot be a boolean")
    if isinstance(value, float | int):
        return float(value)
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        stamp = np.datetime64(value.isoformat(), "s")
    elif isinstance(value, str):
        try:
            stamp = np.datetime64(value, "s")
        except ValueError:
            raise ForecastError(f"{value!r} is not a time") from None
    else:
        stamp = value.astype("datetime64[s]")
    if np.isnat(stamp):
        raise ForecastError("a forecast time is missing (NaT)")
    return float(stamp.astype(np.int64)) / SECONDS_PER_DAY


def to_datetime64(days: float) -> np.datetime64:
    """Days since 1970-01-01 UTC back to ``datetime64[s]``."""
    return np.datetime64(round(days * SECONDS_PER_DAY), "s")


def window_days(window: timedelta | float) -> float:
    """A window length in days, refusing zero or negative lengths."""
    length = window.total_seconds() / SECONDS_PER_DAY if isinstance(window, timedelta) else window
    if not float(length) > 0:
        raise ForecastError(f"a forecast window must be longer than zero, not {window}")
    return float(length)


@dataclass(frozen=True, eq=False)
class PreparedEvents:
    """Events on a grid, sorted by the end of their time interval (when they became known).

    ``start`` and ``end`` are days since 1970-01-01 UTC; ``cell`` is the kept grid cell or
    -1; ``raster`` the raster position or -1 outside the grid's bounding box; ``place`` the
    kind of place of each event (:attr:`EventPoints.place`), or ``None``.
    """

    start: NDArray[np.float64]
    end: NDArray[np.float64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    cell: NDArray[np.int64]
    raster: NDArray[np.int64]
    place: NDArray[np.str_] | None = None

    def __len__(self) -> int:
        return len(self.start)

    @property
    def duration(self) -> NDArray[np.float64]:
        """Length of each event's time interval in days (at least one second)."""
        return np.maximum(self.end - self.start, 1.0 / SECONDS_PER_DAY)

    def known_at(self, day: float) -> int:
        """How many events (a prefix of the arrays) had ended by ``day``."""
        return int(np.searchsorted(self.end, day, side="right"))

    def ended_after(self, day: float) -> PreparedEvents:
        """The events whose interval ended after ``day`` (a slice: the arrays are sorted)."""
        first = int(np.searchsorted(self.end, day, side="right"))
        return PreparedEvents(
            self.start[first:],
            self.end[first:],
            self.x[first:],
            self.y[first:],
            self.cell[first:],
            self.raster[first:],
            None if self.place is None else self.place[first:],
        )

    def head(self, count: int) -> PreparedEvents:
        """The first ``count`` events."""
        return PreparedEvents(
            self.start[:count],
            self.end[:count],
            self.x[:count],
            self.y[:count],
            self.cell[:count],
            self.raster[:count],
            None if self.place is None else self.place[:count],
        )

    def take(self, mask: NDArray[np.bool_] | NDArray[np.int64]) -> PreparedEvents:
        """The events where ``mask`` holds (or at the given positions)."""
        return PreparedEvents(
            self.start[mask],
            self.end[mask],
            self.x[mask],
            self.y[mask],
            self.cell[mask],
            self.raster[mask],
            None if self.place is None else self.place[mask],
        )


def prepare(events: EventPoints, grid: Grid) -> PreparedEvents:
    """Events located on ``grid``, checked to share its CRS; events off the grid are dropped."""
    for cached_events, cached_grid, prepared in _cache:
        if cached_events is events and cached_grid is grid:
            return prepared
    if events.crs != grid.crs:
        raise ForecastError(f"events are in {events.crs} but the grid is in {grid.crs}")
    start = events.t_start.astype("datetime64[s]").astype(np.int64) / SECONDS_PER_DAY
    end = events.t_end.astype("datetime64[s]").astype(np.int64) / SECONDS_PER_DAY
    x = np.asarray(events.x, dtype=np.float64)
    y = np.asarray(events.y, dtype=np.float64)
    raster = grid.raster_of(x, y)
    keep = (raster >= 0) & np.isfinite(start) & np.isfinite(end)
    if np.any(end[keep] < start[keep]):
        raise ForecastError("an event ends before it starts")
    end = np.maximum(end, start + 1.0 / SECONDS_PER_DAY)
    order = np.flatnonzero(keep)[np.argsort(end[keep], kind="stable")]
    prepared = PreparedEvents(
        start=start[order],
        end=end[order],
        x=x[order],
        y=y[order],
        cell=grid.lookup[raster[order]],
        raster=raster[order],
        place=None if events.place is None else np.asarray(events.place)[order],
    )
    _cache.append((events, grid, prepared))
    del _cache[:-_CACHE_SIZE]
    return prepared


def fraction_within(
    start: NDArray[np.float64], end: NDArray[np.float64], low: float, high: float
) -> NDArray[np.float64]:
    """Share of each interval ``[start, end)`` lying inside ``[low, high)``."""
    overlap = np.minimum(end, high) - np.maximum(start, low)
    share: NDArray[np.float64] = np.clip(overlap, 0.0, None) / np.maximum(end - start, 1e-12)
    return share


def mean_decay(
    start: NDArray[np.float64], end: NDArray[np.float64], origin: float, scale: float
) -> NDArray[np.float64]:
    """Mean of ``exp(-(origin - s) / scale)`` over ``s`` in each interval (ending by origin).

    Spreading the decay over the interval is what treats month-granular events honestly.
    """
    length = np.maximum(end - start, 1e-12)
    return (np.exp(-(origin - end) / scale) * -np.expm1(-length / scale) * scale / length).astype(
        np.float64
    )
