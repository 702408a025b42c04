"""Retrospective kernel density: a Gaussian kernel in space, exponential decay in time."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from patrolgate.forecast import _raster
from patrolgate.forecast._base import Forecaster, require_positive
from patrolgate.forecast._events import PreparedEvents, fraction_within, mean_decay


class RetrospectiveKDE(Forecaster):
    """Kernel density of past events, recent ones weighted more.

    Each event known at the forecast time ``t`` adds a Gaussian of standard deviation
    ``bandwidth`` metres, weighted ``exp(-age / decay_days)`` (the mean over its time
    interval, so month-granular events are spread honestly). The surface is integrated
    per cell (histogram on the raster, then Gaussian filtering) and scaled so that the
    total equals the decay-weighted daily rate times the window length.

    Parameters
    ----------
    bandwidth : float, default 50
        Spatial kernel standard deviation in metres. Violence concentrates at street
        segments and addresses, so little smoothing is best at 150 m cells.
    decay_days : float, default 1500
        Time scale of the exponential weight (long: hot spots persist for years).
    lookback_days : float, default 2190
        Events older than this are ignored.
    random_state : int or None
        Accepted for a uniform interface; the model is deterministic.
    """

    name = "kde"

    def __init__(
        self,
        bandwidth: float = 50.0,
        decay_days: float = 1500.0,
        lookback_days: float = 2190.0,
        random_state: int | None = None,
    ) -> None:
        self.bandwidth = bandwidth
        self.decay_days = decay_days
        self.lookback_days = lookback_days
        self.random_state = random_state

    def _check_params(self) -> None:
        require_positive(
            self,
            bandwidth=self.bandwidth,
            decay_days=self.decay_days,
            lookback_days=self.lookback_days,
        )

    def _predict(
        self, history: PreparedEvents, origin: float, length: float
    ) -> NDArray[np.float64]:
        grid = self.grid_
        low = origin - self.lookback_days
        recent = history.ended_after(low)
        weights = mean_decay(recent.start, recent.end, origin, self.decay_days) * fraction_within(
            recent.start, recent.end, low, origin
        )
        surface = _raster.histogram(grid, recent.raster, weights)
        density = _raster.cell_mass(
            grid, _raster.gaussian(surface, self.bandwidth / grid.cell_size)
        )
        days = self._history_days(origin, self.lookback_days)
        # The decay-weighted event count over the integral of the weight gives a daily rate.
        weight_integral = self.decay_days * -np.expm1(-days / self.decay_days)
        return _raster.scaled(density, float(weights.sum()) / weight_integral * length)
