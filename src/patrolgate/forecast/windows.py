"""The windows a backtest forecasts and the moments it refits, on the force's local clock.

A window is a length (a float of days or a ``timedelta``: windows follow each other from
the period's start) or a kind of local window: ``"shift"`` (the policing shifts 07–15,
15–23 and 23–07 local), ``"day"`` (local midnight to local midnight), ``"week"`` (from
Monday) or ``"month"`` (calendar months). Local windows follow the clock across its
changes, so a night shift in October lasts nine hours and a day in March 23
(:mod:`patrolgate.timekeeping`). A refit cadence is a length or ``"month"`` (the first
window of each calendar month).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from patrolgate.forecast._errors import ForecastError
from patrolgate.forecast._events import SECONDS_PER_DAY, to_days, window_days
from patrolgate.timekeeping import WindowKind, next_window, shift_name, window_at

#: The ``window`` value that asks for calendar-month windows.
MONTH = "month"
#: The ``window`` value that asks for the three policing shifts.
SHIFT = "shift"
#: Window and refit values that name local windows.
LOCAL_KINDS = frozenset(kind.value for kind in WindowKind)

Window = timedelta | float | str


def _instant(days: float) -> datetime:
    return datetime.fromtimestamp(days * SECONDS_PER_DAY, tz=UTC)


def windows_of(
    start: float, end: float, window: Window, timezone: str = "UTC"
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Starts and lengths (days since 1970 UTC, days) of every whole window in ``[start, end)``.

    Local windows begin with the first one starting at or after ``start``.
    """
    if isinstance(window, str):
        if window not in LOCAL_KINDS:
            raise ForecastError(
                f"unknown window {window!r}: a length or one of {', '.join(sorted(LOCAL_KINDS))}"
            )
        zone = ZoneInfo(timezone)
        current = window_at(_instant(start), window, zone)
        if to_days(current[0]) < start - 1e-9:
            current = next_window(current, window, zone)
        bounds: list[tuple[float, float]] = []
        while to_days(current[1]) <= end + 1e-9:
            bounds.append((to_days(current[0]), to_days(current[1])))
            current = next_window(current, window, zone)
        if not bounds:
            return np.array([], dtype=np.float64), np.array([], dtype=np.float64)
        edges = np.array(bounds, dtype=np.float64)
        return edges[:, 0], edges[:, 1] - edges[:, 0]
    length = window_days(window)
    count = int(np.floor((end - start) / length + 1e-9))
    starts = start + np.arange(count, dtype=np.float64) * length
    return starts, np.full(count, length)


def window_labels(starts: NDArray[np.float64], window: Window, timezone: str) -> list[str]:
    """A label per window: the shift's name (early, late, night) for shifts, else ``""``."""
    if window != SHIFT:
        return [""] * len(starts)
    zone = ZoneInfo(timezone)
    return [shift_name(_instant(float(s)), zone) for s in starts]


def refit_segments(
    starts: NDArray[np.float64], first: float, refit: Window, timezone: str
) -> NDArray[np.int64]:
    """The refit segment of each window: a model is fitted at the first window of each.

    ``refit`` is a cadence in days (or a ``timedelta``): a refit at the first window
    starting at or after each multiple of it from ``first``; or ``"month"``: at the first
    window of each local calendar month.
    """
    if isinstance(refit, str):
        if refit != MONTH:
            raise ForecastError(f"unknown refit {refit!r}: a length such as 30d, or month")
        zone = ZoneInfo(timezone)
        months = [
            (moment.year * 12 + moment.month)
            for moment in (_instant(float(s)).astimezone(zone) for s in starts)
        ]
        _, segment = np.unique(np.array(months, dtype=np.int64), return_inverse=True)
        return segment.astype(np.int64).ravel()
    cadence = window_days(refit)
    return np.floor((starts - first) / cadence + 1e-9).astype(np.int64)


def describe(value: Window) -> str:
    """A window or cadence as text: ``shift``, ``month``, ``1d``, ``8h``, ``30d``."""
    if isinstance(value, str):
        return value
    days = window_days(value)
    if abs(days * 24 - round(days * 24)) < 1e-9 and days < 1:
        return f"{round(days * 24)}h"
    return f"{days:g}d"
