"""Where violence happens depends on when, and the kind of place says how.

Streets, homes, schools and parks each keep their own calendar: assaults at schools stop
in the summer holidays and at weekends, those in parks peak on summer weekends, those at
homes vary least. A cell's mix of place types, learnt from where its past events happened,
therefore says how its risk moves with the weekday, the hour and the season, far more
reliably than the cell's own few events could. :class:`PlaceRhythm` forecasts each cell as
the sum over place types of the cell's long-run density of events at that type of place,
times that type's rate at the window's hours of the week and days of the year, learnt
city-wide from thousands of events. A share of each forecast follows the last weeks'
events (near repeats and flare-ups).

Without place types (data.police.uk), every event counts as one type and the model is a
long-run kernel density blended with the recent one.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from numpy.typing import NDArray
from scipy.ndimage import gaussian_filter1d

from patrolgate.forecast import _raster
from patrolgate.forecast._base import Forecaster, ForecastError, require_positive
from patrolgate.forecast._events import PreparedEvents, fraction_within, mean_decay
from patrolgate.forecast.seasonal import hours_of_window, local_calendar

HOURS_PER_WEEK = 168
#: Days of the year (a leap year's 366).
DAYS_PER_YEAR = 366
#: Events with intervals longer than this say nothing about their hour or day.
_PRECISE_DAYS = 1.0 / 24.0
#: The place type of events whose source records none.
UNRECORDED = ""


class PlaceRhythm(Forecaster):
    """Long-run density per place type, times each type's weekly and yearly rhythm.

    At fit time, over the last ``lookback_days`` of training:

    - for each place type ``k``, a time-decayed kernel density ``S_k`` of its events
      (Gaussian of ``bandwidth`` metres, weight ``exp(-age / decay_days)``), as a daily rate;
    - for each place type, its rate at each local hour of the week and each day of the year
      relative to its mean rate, from events with precise times: the hour-of-week profile
      ``H_k`` and the day-of-year profile ``Y_k`` (counts and exposure smoothed with a
      Gaussian of ``season_days`` days, wrapping round the year). A type with few events is
      shrunk towards all types' profiles by ``shrinkage`` pseudo-events.

    A window's forecast is ``(1 - recent_share)`` times ``sum_k S_k * sum_h H_k(h) Y_k(h)``
    over the window's hours ``h`` (each weighted by its share inside the window), plus
    ``recent_share`` of the same total spread like the events known at the window's start,
    weighted ``exp(-age / recent_days)`` and smoothed by ``recent_bandwidth`` metres.

    Parameters
    ----------
    bandwidth : float, default 50
        Spatial standard deviation (metres) of the long-run densities.
    decay_days : float, default 1500
        Time scale of the long-run densities' exponential weight.
    lookback_days : float, default 2190
        Events older than this (before the end of training) are ignored.
    season_days : float, default 7
        Smoothing (standard deviation, days) of the day-of-year profiles.
    shrinkage : float, default 100
        Pseudo-events pulling a place type's profiles towards all types'.
    recent_share : float, default 0.1
        Share of each forecast spread like the recent events (0 for none).
    recent_days : float, default 14
        Time scale of the recent events' weight.
    recent_bandwidth : float, default 150
        Spatial standard deviation (metres) of the recent events' density.
    timezone : str, default "UTC"
        IANA zone whose local clock defines hours, weekdays and days of the year.
    random_state : int or None
        Accepted for a uniform interface; the model is deterministic.

    The defaults were chosen on Chicago's daily windows of 2014 and 2015, each forecast
    from what was known before its month (docs/forecasting.md).
    """

    name = "rhythm"

    def __init__(
        self,
        bandwidth: float = 50.0,
        decay_days: float = 1500.0,
        lookback_days: float = 2190.0,
        season_days: float = 7.0,
        shrinkage: float = 100.0,
        recent_share: float = 0.1,
        recent_days: float = 14.0,
        recent_bandwidth: float = 150.0,
        timezone: str = "UTC",
        random_state: int | None = None,
    ) -> None:
        self.bandwidth = bandwidth
        self.decay_days = decay_days
        self.lookback_days = lookback_days
        self.season_days = season_days
        self.shrinkage = shrinkage
        self.recent_share = recent_share
        self.recent_days = recent_days
        self.recent_bandwidth = recent_bandwidth
        self.timezone = timezone
        self.random_state = random_state

    def _check_params(self) -> None:
        require_positive(
            self,
            bandwidth=self.bandwidth,
            decay_days=self.decay_days,
            lookback_days=self.lookback_days,
            season_days=self.season_days,
            shrinkage=self.shrinkage,
            recent_days=self.recent_days,
            recent_bandwidth=self.recent_bandwidth,
        )
        share = self.recent_share
        if not isinstance(share, int | float) or not 0 <= share < 1:
            raise ForecastError(f"PlaceRhythm: recent_share must be in [0, 1), not {share!r}")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ForecastError(f"PlaceRhythm: unknown time zone {self.timezone!r}") from None

    # -- fitting -------------------------------------------------------------------------
    def _fit(self, events: PreparedEvents) -> None:
        grid = self.grid_
        end = self.fitted_until_
        zone = ZoneInfo(self.timezone)
        low = end - float(self.lookback_days)
        past = events.ended_after(low)
        places = (
            np.full(len(past), UNRECORDED)
            if past.place is None
            else np.asarray(past.place, dtype=str)
        )
        self.places_ = tuple(str(p) for p in np.unique(places))
        code = np.searchsorted(np.asarray(self.places_), places)
        weights = mean_decay(past.start, past.end, end, float(self.decay_days)) * (
            fraction_within(past.start, past.end, low, end)
        )
        days = self._history_days(end, float(self.lookback_days))
        weight_integral = float(self.decay_days) * -np.expm1(-days / float(self.decay_days))
        sigma = float(self.bandwidth) / grid.cell_size
        densities = np.empty((len(self.places_), grid.n_cells))
        for k in range(len(self.places_)):
            mine = code == k
            surface = _raster.histogram(grid, past.raster[mine], weights[mine])
            densities[k] = _raster.cell_mass(grid, _raster.gaussian(surface, sigma))
        # Each density integrates to its type's decay-weighted events per day.
        self.density_ = densities / weight_integral
        self.hour_profile_, self.year_profile_ = self._profiles(past, code, zone, low, end)

    def _profiles(
        self,
        past: PreparedEvents,
        code: NDArray[np.int64],
        zone: ZoneInfo,
        low: float,
        end: float,
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Each type's rate by hour of week and by day of year over its mean rate."""
        n_types = len(self.places_)
        precise = past.duration <= _PRECISE_DAYS
        first = max(low, float(past.start.min()) if len(past) else end)
        hours = np.arange(np.ceil(first * 24.0), np.floor(end * 24.0)) / 24.0
        if not precise.any() or len(hours) < 24 * 7:
            return np.ones((n_types, HOURS_PER_WEEK)), np.ones((n_types, DAYS_PER_YEAR))
        exposure_how, exposure_doy = local_calendar(hours + 1e-6, zone)
        hours_at = np.bincount(exposure_how, minlength=HOURS_PER_WEEK).astype(np.float64)
        days_at = np.bincount(exposure_doy, minlength=DAYS_PER_YEAR).astype(np.float64) / 24.0
        days_at = gaussian_filter1d(days_at, float(self.season_days), mode="wrap")
        how, doy = local_calendar(past.start[precise], zone)
        kind = code[precise]

        def relative(
            counts: NDArray[np.float64], exposure: NDArray[np.float64]
        ) -> NDArray[np.float64]:
            rate = counts / np.maximum(exposure, 1e-9)
            mean = counts.sum() / max(float(exposure.sum()), 1e-9)
            return np.asarray(np.where(exposure > 0, rate / max(mean, 1e-12), 1.0))

        by_hour = np.zeros((n_types, HOURS_PER_WEEK))
        by_day = np.zeros((n_types, DAYS_PER_YEAR))
        for k in range(n_types):
            mine = kind == k
            by_hour[k] = np.bincount(how[mine], minlength=HOURS_PER_WEEK)
            by_day[k] = gaussian_filter1d(
                np.bincount(doy[mine], minlength=DAYS_PER_YEAR).astype(np.float64),
                float(self.season_days),
                mode="wrap",
            )
        all_hour = relative(by_hour.sum(0), hours_at)
        all_day = relative(by_day.sum(0), days_at)
        shrink = float(self.shrinkage)
        hour_profile = np.empty_like(by_hour)
        year_profile = np.empty_like(by_day)
        for k in range(n_types):
            n = float(by_hour[k].sum())
            hour_profile[k] = (n * relative(by_hour[k], hours_at) + shrink * all_hour) / (
                n + shrink
            )
            year_profile[k] = (n * relative(by_day[k], days_at) + shrink * all_day) / (n + shrink)
        return hour_profile, year_profile

    # -- prediction ----------------------------------------------------------------------
    def window_weights(self, origin: float, length: float) -> NDArray[np.float64]:
        """Each place type's expected events per unit of its daily density in the window."""
        self._check_fitted()
        hours, overlap = hours_of_window(origin, length)
        how, doy = local_calendar(hours + 1e-6, ZoneInfo(self.timezone))
        per_hour = self.hour_profile_[:, how] * self.year_profile_[:, doy]
        return np.asarray(per_hour @ overlap, dtype=np.float64)

    def _predict(
        self, history: PreparedEvents, origin: float, length: float
    ) -> NDArray[np.float64]:
        expected = self.window_weights(origin, length) @ self.density_
        share = float(self.recent_share)
        if share <= 0:
            return np.asarray(expected, dtype=np.float64)
        scale = float(self.recent_days)
        recent = history.ended_after(origin - 10.0 * scale)
        weights = mean_decay(recent.start, recent.end, origin, scale)
        surface = _raster.gaussian(
            _raster.histogram(self.grid_, recent.raster, weights),
            float(self.recent_bandwidth) / self.grid_.cell_size,
        )
        spread = _raster.cell_mass(self.grid_, surface)
        total = float(expected.sum())
        if float(spread.sum()) <= 0:
            return np.asarray(expected, dtype=np.float64)
        return np.asarray(
            (1 - share) * expected + share * total * spread / float(spread.sum()),
            dtype=np.float64,
        )
