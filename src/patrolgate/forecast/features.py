"""Per-cell features of the history known at a forecast origin, for the learned ranker.

Every feature of a cell at origin ``t`` for the window ``[t, t + w)`` is a function of the
events whose time interval had ended by ``t`` (:meth:`PreparedEvents.known_at`), of the
window's place on the local clock, and of the grid; :meth:`CellFeatures.at` cuts the
history itself, so whatever it is given, it never sees the window it describes.

The features, per cell:

- ``count_{L}d`` — events in the cell over the last ``L`` days (1, 7, 28, 91, 365, 1095),
  as a daily rate; events with long intervals (data.police.uk months) count for the share
  of their interval inside the lookback;
- ``ring1_{L}d``, ``ring2_{L}d`` — the same in the 8 neighbouring cells and in the ring of
  cells two to three cells away (a 7 x 7 block less the 3 x 3 block);
- ``kde_{b}m_{d}d`` — time-decayed kernel densities (Gaussian of ``b`` metres, weight
  ``exp(-age / d)``), at three bandwidths and time scales;
- ``sepp_background``, ``sepp_triggering`` — a self-exciting point process's background
  and triggering intensity integrated over the window, with parameters fitted beforehand;
- ``days_since_last`` — days since the cell's last event (capped);
- ``same_hours``, ``same_weekdays`` — events over the last three years in the cell and its
  neighbours whose local hour of day (for windows shorter than a day) or weekday (for
  windows shorter than a week) falls in the window's, as a daily rate: the hour-of-day and
  day-of-week profile that shift and day windows need;
- ``window_hours_share`` — the study area's share of events in the window's local hours of
  the week over three years, per day of window (the same for every cell);
- ``leading_{L}d``, ``leading_ring1_{L}d`` — counts of leading-indicator categories (for
  example weapons possession before robbery) over 28 and 365 days, when there are any;
- ``area_share`` — the cell's area clipped to the study area, as a share of a full cell.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

from patrolgate.forecast import _raster
from patrolgate.forecast._events import PreparedEvents, fraction_within, mean_decay
from patrolgate.geo.grid import Grid

#: Lookbacks (days) of the cell and ring counts.
LOOKBACKS = (1, 7, 28, 91, 365, 1095)
#: (bandwidth in metres, decay in days) of the kernel density surfaces.
KDE_SURFACES = ((50.0, 1500.0), (150.0, 365.0), (400.0, 60.0))
#: Lookbacks (days) of the leading-indicator counts.
LEADING_LOOKBACKS = (28, 365)
#: How far back the hour and weekday profiles look (days).
PROFILE_DAYS = 1095.0
#: Events with intervals longer than this say nothing about their hour or weekday.
PRECISE_DAYS = 1.0 / 24.0
_LAST_EVENT_CAP = 1096.0


@dataclass(frozen=True)
class Triggering:
    """The parameters of a self-exciting process the features read (fitted by :class:`SEPP`).

    Attributes
    ----------
    background_per_day : float
        Background events per day over the study area.
    bandwidth : float
        Standard deviation (metres) of the background's kernel density.
    decay_days : float
        Time scale of the background's exponential weight.
    offspring, omega, sigma : float
        Branching ratio, inverse mean delay (per day) and spatial spread (metres).
    """

    background_per_day: float
    bandwidth: float
    decay_days: float
    offspring: float
    omega: float
    sigma: float


def feature_names(leading: bool) -> list[str]:
    """Column names of :meth:`CellFeatures.at`, in order."""
    names = [f"count_{d}d" for d in LOOKBACKS]
    names += [f"ring1_{d}d" for d in LOOKBACKS]
    names += [f"ring2_{d}d" for d in LOOKBACKS]
    names += [f"kde_{b:g}m_{d:g}d" for b, d in KDE_SURFACES]
    names += ["sepp_background", "sepp_triggering", "days_since_last"]
    names += ["same_hours", "same_weekdays", "window_hours_share", "area_share"]
    if leading:
        names += [f"leading_{d}d" for d in LEADING_LOOKBACKS]
        names += [f"leading_ring1_{d}d" for d in LEADING_LOOKBACKS]
    return names


class LocalClock:
    """Local hour of day and weekday of event start times, computed once per event set."""

    def __init__(self, timezone: str) -> None:
        self.zone = ZoneInfo(timezone)
        self._memo: list[tuple[NDArray[np.float64], NDArray[np.int64]]] = []

    def hour_of_week(self, start: NDArray[np.float64]) -> NDArray[np.int64]:
        """Local hour of the week (Monday 00:00 is 0) of each time (days since 1970, UTC).

        Results are remembered for the array ``start`` is a leading slice of (a backtest
        asks about the same history hundreds of times, and the history known at an origin
        is always such a slice of it).
        """
        root = start if start.base is None else start.base
        if not (
            isinstance(root, np.ndarray)
            and root.ndim == 1
            and root.dtype == start.dtype
            and len(root) >= len(start)
            and _address(root) == _address(start)
        ):
            return self._compute(start)
        for array, found in self._memo:
            if array is root:
                return found[: len(start)]
        found = self._compute(root)
        self._memo.append((root, found))
        del self._memo[:-4]
        return found[: len(start)]

    def _compute(self, start: NDArray[np.float64]) -> NDArray[np.int64]:
        hours = np.floor(start * 24.0).astype(np.int64)
        unique, inverse = np.unique(hours, return_inverse=True)
        local = np.empty(len(unique), dtype=np.int64)
        for k, hour in enumerate(unique.tolist()):
            moment = datetime.fromtimestamp(hour * 3600, tz=UTC).astimezone(self.zone)
            local[k] = moment.weekday() * 24 + moment.hour
        return local[inverse.ravel()]

    def window_hours(self, origin: float, length: float) -> NDArray[np.float64]:
        """Hours of the week a window covers, weighted by the share of each hour inside it."""
        first = np.floor(origin * 24.0)
        last = np.ceil((origin + length) * 24.0)
        hours = np.arange(first, last) / 24.0
        overlap = np.clip(
            np.minimum(hours + 1 / 24, origin + length) - np.maximum(hours, origin), 0.0, None
        )
        how = np.array(
            [
                (lambda m: m.weekday() * 24 + m.hour)(
                    datetime.fromtimestamp(round(h * 86_400), tz=UTC).astimezone(self.zone)
                )
                for h in hours.tolist()
            ],
            dtype=np.int64,
        )
        return np.bincount(how, weights=overlap * 24.0, minlength=168).astype(np.float64)


class CellFeatures:
    """Computes the feature matrix of every cell at an origin (see the module notes).

    Parameters
    ----------
    grid : Grid
    clock : LocalClock
        The force's local clock, for the hour and weekday profiles.
    triggering : Triggering
        Self-exciting process parameters, fitted on events before every origin they are
        used at.
    """

    def __init__(self, grid: Grid, clock: LocalClock, triggering: Triggering) -> None:
        self.grid = grid
        self.clock = clock
        self.triggering = triggering
        self._share = grid.area / (grid.cell_size * grid.cell_size)

    def _cells(self, surface: NDArray[np.float64]) -> NDArray[np.float64]:
        return self.grid.from_raster(surface)

    def _counts(
        self, events: PreparedEvents, origin: float, lookback: float, data_start: float
    ) -> NDArray[np.float64]:
        """Events per raster position over ``[origin - lookback, origin)``, per day."""
        low = origin - lookback
        recent = events.ended_after(low)
        weights = fraction_within(recent.start, recent.end, low, origin)
        days = max(min(lookback, origin - data_start), 1.0)
        return _raster.histogram(self.grid, recent.raster, weights) / days

    @staticmethod
    def _box(surface: NDArray[np.float64], size: int) -> NDArray[np.float64]:
        summed = ndimage.uniform_filter(surface, size=size, mode="constant") * (size * size)
        return np.asarray(summed, dtype=np.float64)

    def at(
        self,
        history: PreparedEvents,
        origin: float,
        length: float,
        *,
        leading: PreparedEvents | None = None,
        data_start: float | None = None,
    ) -> NDArray[np.float32]:
        """The ``(n_cells, n_features)`` matrix at ``origin`` for a window of ``length`` days.

        Parameters
        ----------
        history : PreparedEvents
            Target events; only those known at ``origin`` are read.
        origin : float
            Start of the window, days since 1970 UTC.
        length : float
            Window length in days.
        leading : PreparedEvents, optional
            Leading-indicator events; only those known at ``origin`` are read. When given
            (even empty) the leading columns are included.
        data_start : float, optional
            When the data begin (rates over lookbacks reaching before it use the days
            available); the first event's start by default.
        """
        known = history.head(history.known_at(origin))
        start = data_start if data_start is not None else _first(known, origin)
        columns: list[NDArray[np.float64]] = []
        rings1: list[NDArray[np.float64]] = []
        rings2: list[NDArray[np.float64]] = []
        for lookback in LOOKBACKS:
            surface = self._counts(known, origin, float(lookback), start)
            box3 = self._box(surface, 3)
            box7 = self._box(surface, 7)
            columns.append(self._cells(surface))
            rings1.append(self._cells(box3 - surface))
            rings2.append(self._cells(box7 - box3))
        columns += rings1 + rings2
        for bandwidth, decay in KDE_SURFACES:
            recent = known.ended_after(origin - 4 * decay)
            weights = mean_decay(recent.start, recent.end, origin, decay)
            surface = _raster.histogram(self.grid, recent.raster, weights)
            smooth = _raster.gaussian(surface, bandwidth / self.grid.cell_size)
            columns.append(self._cells(smooth) / decay)
        columns += self._sepp(known, origin, length)
        columns.append(self._since_last(known, origin))
        columns += self._profiles(known, origin, length)
        columns.append(self._share)
        if leading is not None:
            led = leading.head(leading.known_at(origin))
            for lookback in LEADING_LOOKBACKS:
                surface = self._counts(led, origin, float(lookback), start)
                columns.append(self._cells(surface))
                columns.append(self._cells(self._box(surface, 3) - surface))
        return np.column_stack(columns).astype(np.float32)

    def _sepp(
        self, known: PreparedEvents, origin: float, length: float
    ) -> list[NDArray[np.float64]]:
        t = self.triggering
        past = known.ended_after(origin - 4 * t.decay_days)
        weights = mean_decay(past.start, past.end, origin, t.decay_days)
        surface = _raster.gaussian(
            _raster.histogram(self.grid, past.raster, weights), t.bandwidth / self.grid.cell_size
        )
        background = _raster.scaled(self._cells(surface), t.background_per_day * length)
        triggered = np.zeros(self.grid.n_cells)
        if t.offspring > 0 and t.omega > 0:
            recent = known.ended_after(origin - min(20.0 / t.omega, 3650.0))
            weights = (
                t.offspring
                * -np.expm1(-t.omega * length)
                * mean_decay(recent.start, recent.end, origin, 1.0 / t.omega)
            )
            spread = _raster.gaussian(
                _raster.histogram(self.grid, recent.raster, weights), t.sigma / self.grid.cell_size
            )
            triggered = self._cells(spread)
        return [background, triggered]

    def _since_last(self, known: PreparedEvents, origin: float) -> NDArray[np.float64]:
        recent = known.ended_after(origin - _LAST_EVENT_CAP)
        last = np.full(self.grid.n_cells, origin - _LAST_EVENT_CAP)
        on_grid = recent.cell >= 0
        np.maximum.at(last, recent.cell[on_grid], recent.end[on_grid])
        return np.asarray(origin - last, dtype=np.float64)

    def _profiles(
        self, known: PreparedEvents, origin: float, length: float
    ) -> list[NDArray[np.float64]]:
        past = known.ended_after(origin - PROFILE_DAYS)
        precise = past.duration <= PRECISE_DAYS
        window = self.clock.window_hours(origin, length)
        total_hours = float(window.sum())
        if not precise.any() or total_hours <= 0:
            flat = np.zeros(self.grid.n_cells)
            return [flat, flat, flat + 1.0]
        # The full history's local clock, remembered by identity; ``past`` is its tail.
        how_all = self.clock.hour_of_week(known.start)
        offset = len(known) - len(past)
        how = how_all[offset:][precise]
        raster = past.raster[precise]
        hour_of_day = how % 24
        weekday = how // 24
        in_hours = np.bincount(np.arange(168) % 24, weights=window, minlength=24) > 0
        in_days = np.bincount(np.arange(168) // 24, weights=window, minlength=7) > 0
        days = max(min(PROFILE_DAYS, origin - float(known.start.min())), 1.0)
        same_hours = self._box(
            _raster.histogram(self.grid, raster, in_hours[hour_of_day].astype(np.float64)), 3
        )
        same_days = self._box(
            _raster.histogram(self.grid, raster, in_days[weekday].astype(np.float64)), 3
        )
        # The study area's share of a week's events in the window's hours, per day of window
        # over the share of a week it lasts: about 1 for a day, above 1 for a busy shift.
        profile = np.bincount(how, minlength=168).astype(np.float64)
        share = float(profile @ window) / max(float(profile.sum()), 1.0)
        return [
            self._cells(same_hours) / days,
            self._cells(same_days) / days,
            np.full(self.grid.n_cells, share * 7.0 / max(length, 1e-9)),
        ]

    def shift_profile(
        self, history: PreparedEvents, origin: float, length: float, shrinkage: float
    ) -> tuple[float, NDArray[np.float64]]:
        """How a window's hours change the expected count, for the study area and each cell.

        Returns the study area's multiplier (its share of a week's events in the window's
        hours of the week, per day of window, over a uniform week's: about 1 for a day,
        more for a busy shift) and, for windows shorter than a day, each cell's ratio of
        its own share of events at the window's hours of day (with its neighbours, shrunk
        towards the study area's share by ``shrinkage`` pseudo-events) to the study area's
        share: night-time hot spots rise for night shifts. Windows of a day or more get
        ratios of one. Only events known at ``origin`` with precise times are read.
        """
        known = history.head(history.known_at(origin))
        past = known.ended_after(origin - PROFILE_DAYS)
        precise = past.duration <= PRECISE_DAYS
        window = self.clock.window_hours(origin, length)
        ones = np.ones(self.grid.n_cells)
        if not precise.any() or float(window.sum()) <= 0:
            return 1.0, ones
        offset = len(known) - len(past)
        how = self.clock.hour_of_week(known.start)[offset:][precise]
        profile = np.bincount(how, minlength=168).astype(np.float64)
        city = float(profile @ window) / max(float(profile.sum()), 1.0) * 7.0 / length
        if length >= 1.0 - 1e-9:
            return city, ones
        in_hours = np.bincount(np.arange(168) % 24, weights=window, minlength=24) > 0
        hits = in_hours[how % 24]
        share = float(hits.mean())
        raster = past.raster[precise]
        inside = self._cells(
            self._box(_raster.histogram(self.grid, raster, hits.astype(np.float64)), 3)
        )
        total = self._cells(
            self._box(_raster.histogram(self.grid, raster, np.ones(len(raster))), 3)
        )
        own = (inside + shrinkage * share) / (total + shrinkage)
        return city, np.asarray(own / max(share, 1e-9), dtype=np.float64)


def _address(array: NDArray[np.float64]) -> int:
    return int(array.__array_interface__["data"][0])


def _first(known: PreparedEvents, origin: float) -> float:
    return float(known.start.min()) if len(known) else origin
