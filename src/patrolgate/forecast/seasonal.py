"""Time-of-week and time-of-year effects: where violence happens depends on when."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import NDArray

from patrolgate.forecast import _raster
from patrolgate.forecast._base import Forecaster, ForecastError, require_positive
from patrolgate.forecast._events import SECONDS_PER_DAY, PreparedEvents, mean_decay

HOURS_PER_WEEK = 168
# Events with intervals longer than this say nothing about the hour they happened at.
_PRECISE_DAYS = 1.0 / 24.0
# Time-of-week classes: (weekday, weekend) x (00-08, 08-16, 16-24) local time.
_N_CLASSES = 6


def _class_of_hour(hour_of_week: NDArray[np.int64]) -> NDArray[np.int64]:
    day, hour = np.divmod(hour_of_week, 24)
    weekend = day >= 5  # Monday is day 0
    classes: NDArray[np.int64] = weekend.astype(np.int64) * 3 + hour // 8
    return classes


def local_calendar(
    days: NDArray[np.float64], zone: ZoneInfo
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Local hour of the week (Monday 00:00 is 0) and day of the year (0–365) of UTC times.

    Parameters
    ----------
    days : ndarray
        Times in days since 1970-01-01 UTC.
    zone : ZoneInfo
        The local clock.
    """
    hours = np.floor(np.asarray(days, dtype=np.float64) * 24.0).astype(np.int64)
    unique, inverse = np.unique(hours, return_inverse=True)
    how = np.empty(len(unique), dtype=np.int64)
    doy = np.empty(len(unique), dtype=np.int64)
    for k, hour in enumerate(unique.tolist()):
        moment = datetime.fromtimestamp(hour * 3600, tz=UTC).astimezone(zone)
        how[k] = moment.weekday() * 24 + moment.hour
        doy[k] = moment.timetuple().tm_yday - 1
    return how[inverse.ravel()], doy[inverse.ravel()]


def local_hour_of_week(days: NDArray[np.float64], zone: ZoneInfo) -> NDArray[np.int64]:
    """Local hour of the week (Monday 00:00 is 0) of each UTC time in days since 1970."""
    return local_calendar(days, zone)[0]


def hours_of_window(
    origin: float, length: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The whole UTC hours a window ``[origin, origin + length)`` touches (days since 1970,
    each hour's start) and the share of each inside the window, in days."""
    first = np.floor(origin * 24.0)
    last = np.ceil((origin + length) * 24.0)
    hours = np.arange(first, last) / 24.0
    overlap = np.clip(
        np.minimum(hours + 1 / 24, origin + length) - np.maximum(hours, origin), 0.0, None
    )
    return hours, overlap


class Seasonal(Forecaster):
    """Spatial patterns by time of week, scaled by the hour-of-week and month-of-year rhythm.

    The week is split into six classes (weekday or weekend, by local 8-hour shift). For each
    class a time-decayed kernel density of the events in it is shrunk towards the density
    of all events (by ``shrinkage`` pseudo-events), so a class with few events borrows the
    overall pattern. A window's forecast is the sum over its hours of the daily rate times
    the hour-of-week share and the month-of-year factor, spread by that hour's class
    density: an 8-hour night shift gets the night pattern, a day gets a weighted mix.

    Events whose time interval is longer than an hour (data.police.uk's months) shape the
    overall density but not the hour-of-week profile or the class densities: their hour is
    unknown, and pretending otherwise would be dishonest. With only such events the model
    is a time-decayed KDE with a month-of-year factor.

    The model is conditioned at fit time: ``predict`` uses the fitted densities and rates.

    Parameters
    ----------
    bandwidth : float, default 50
        Spatial kernel standard deviation in metres.
    decay_days : float, default 1500
        Time scale of the exponential weight of past events.
    lookback_days : float, default 2190
        Events older than this (before the end of training) are ignored.
    shrinkage : float, default 500
        Pseudo-events pulling each class density towards the overall one.
    timezone : str, default "UTC"
        IANA zone whose local clock defines hours and weekdays (e.g. ``America/Chicago``).
    random_state : int or None
        Accepted for a uniform interface; the model is deterministic.
    """

    name = "seasonal"

    def __init__(
        self,
        bandwidth: float = 50.0,
        decay_days: float = 1500.0,
        lookback_days: float = 2190.0,
        shrinkage: float = 500.0,
        timezone: str = "UTC",
        random_state: int | None = None,
    ) -> None:
        self.bandwidth = bandwidth
        self.decay_days = decay_days
        self.lookback_days = lookback_days
        self.shrinkage = shrinkage
        self.timezone = timezone
        self.random_state = random_state

    def _check_params(self) -> None:
        require_positive(
            self,
            bandwidth=self.bandwidth,
            decay_days=self.decay_days,
            lookback_days=self.lookback_days,
            shrinkage=self.shrinkage,
        )
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ForecastError(f"Seasonal: unknown time zone {self.timezone!r}") from None

    def _fit(self, events: PreparedEvents) -> None:
        grid = self.grid_
        end = self.fitted_until_
        zone = ZoneInfo(self.timezone)
        past = events.take(events.end > end - self.lookback_days)
        weights = mean_decay(past.start, past.end, end, self.decay_days)
        sigma = self.bandwidth / grid.cell_size

        def density(mask: NDArray[np.bool_]) -> NDArray[np.float64]:
            surface = _raster.histogram(grid, past.raster[mask], weights[mask])
            return _raster.scaled(_raster.cell_mass(grid, _raster.gaussian(surface, sigma)), 1.0)

        overall = density(np.ones(len(past), dtype=bool))
        precise = past.duration <= _PRECISE_DAYS
        how = local_hour_of_week(past.start[precise], zone)
        profile = np.bincount(how, weights=weights[precise], minlength=HOURS_PER_WEEK) + 1e-9
        self.hour_profile_ = (profile / profile.sum()).astype(np.float64)
        classes = np.full(len(past), -1, dtype=np.int64)
        classes[precise] = _class_of_hour(how)
        shapes = np.empty((_N_CLASSES, grid.n_cells))
        for k in range(_N_CLASSES):
            mask = classes == k
            mass = float(weights[mask].sum())
            own = density(mask) if mass > 0 else overall
            shapes[k] = (mass * own + self.shrinkage * overall) / (mass + self.shrinkage)
        self.class_density_ = shapes
        days = self._history_days(end, self.lookback_days)
        self.daily_rate_ = float(weights.sum()) / (
            self.decay_days * -np.expm1(-days / self.decay_days)
        )
        self.month_factor_ = self._month_factor(past)

    def _month_factor(self, past: PreparedEvents) -> NDArray[np.float64]:
        """Events per day in each calendar month over the mean, from whole months seen."""
        mid = (past.start + past.end) / 2
        months = (mid * SECONDS_PER_DAY).astype("datetime64[s]").astype("datetime64[M]")
        month_of_year = months.astype(np.int64) % 12
        counts = np.bincount(month_of_year, minlength=12).astype(np.float64)
        seen = np.unique(months)[1:-1]  # whole months only
        if len(seen) < 12:
            return np.ones(12)
        days_in = (seen + 1).astype("datetime64[D]") - seen.astype("datetime64[D]")
        exposure = np.bincount(
            seen.astype(np.int64) % 12, weights=days_in.astype(np.float64), minlength=12
        )
        first_last = np.isin(months, seen)
        counts = np.bincount(month_of_year[first_last], minlength=12).astype(np.float64)
        rate = np.where(exposure > 0, counts / np.maximum(exposure, 1.0), np.nan)
        mean = np.nanmean(rate)
        return np.where(np.isfinite(rate), rate / mean, 1.0).astype(np.float64)

    def _predict(
        self, history: PreparedEvents, origin: float, length: float
    ) -> NDArray[np.float64]:
        zone = ZoneInfo(self.timezone)
        hours, overlap = hours_of_window(origin, length)
        how = local_hour_of_week(hours + 1e-6, zone)
        months = ((hours * SECONDS_PER_DAY).astype("datetime64[s]").astype("datetime64[M]")).astype(
            np.int64
        ) % 12
        # Expected events in each hour: the week's events x the hour's share of the week x
        # the month factor x the share of the hour inside the window (overlap is in days).
        per_hour = (
            self.daily_rate_
            * 7
            * self.hour_profile_[how]
            * self.month_factor_[months]
            * (overlap * 24)
        )
        by_class = np.bincount(_class_of_hour(how), weights=per_hour, minlength=_N_CLASSES)
        return np.asarray(by_class @ self.class_density_, dtype=np.float64)
