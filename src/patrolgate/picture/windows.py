"""The windows the map offers, on the force's local clock."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from patrolgate.timekeeping import WindowKind, window_at

#: Share of the study area the map highlights (the top-ranked cells), and the coverage at
#: which the map's accuracy is measured: the legend describes what the map shows.
MAP_COVERAGE = 0.01


class MapWindow(StrEnum):
    """Forecast windows the map offers (the values are the API's ``window`` parameter)."""

    SHIFT = "8h"
    DAY = "1d"
    WEEK = "1w"
    MONTH = "month"


_KINDS = {
    MapWindow.SHIFT: WindowKind.SHIFT,
    MapWindow.DAY: WindowKind.DAY,
    MapWindow.WEEK: WindowKind.WEEK,
    MapWindow.MONTH: WindowKind.MONTH,
}

#: How the map names each window.
TITLES = {
    MapWindow.SHIFT: "this shift",
    MapWindow.DAY: "today",
    MapWindow.WEEK: "this week",
    MapWindow.MONTH: "this month",
}


def kind_of(window: MapWindow) -> str:
    """The local window kind (:class:`patrolgate.timekeeping.WindowKind`) of a map window."""
    return _KINDS[window].value


def map_window(window: MapWindow, at: datetime, timezone: ZoneInfo) -> tuple[datetime, datetime]:
    """The local window of ``window``'s kind holding ``at`` (a shift, day, week or month)."""
    return window_at(at, kind_of(window), timezone)
