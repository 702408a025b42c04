"""Prospective hot-spotting (Bowers, Johnson & Pease 2004): near and recent events count most."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from patrolgate.forecast import _raster
from patrolgate.forecast._base import Forecaster, require_positive
from patrolgate.forecast._events import PreparedEvents


class ProspectiveHotspot(Forecaster):
    """Bowers, Johnson & Pease's (2004) space-time weighting of recent events.

    A cell's risk is the sum over events within ``bandwidth`` metres and ``time_band_days``
    of ``1 / (1 + d) * 1 / (1 + t)``, with ``d`` the distance between cell centres in cells
    and ``t`` the event's age in weeks (averaged over its time interval). Expected counts
    are that surface scaled to the event rate within the time band.

    Parameters
    ----------
    bandwidth : float, default 400
        Spatial reach in metres (the original study's 400 m).
    time_band_days : float, default 56
        Temporal reach in days (the original's two months).
    random_state : int or None
        Accepted for a uniform interface; the model is deterministic.
    """

    name = "prospective"

    def __init__(
        self,
        bandwidth: float = 400.0,
        time_band_days: float = 56.0,
        random_state: int | None = None,
    ) -> None:
        self.bandwidth = bandwidth
        self.time_band_days = time_band_days
        self.random_state = random_state

    def _check_params(self) -> None:
        require_positive(self, bandwidth=self.bandwidth, time_band_days=self.time_band_days)

    def _fit(self, events: PreparedEvents) -> None:
        reach = int(np.floor(self.bandwidth / self.grid_.cell_size))
        offsets = np.arange(-reach, reach + 1)
        distance = np.hypot(offsets[:, None], offsets[None, :])
        kernel = np.where(distance * self.grid_.cell_size <= self.bandwidth, 1 / (1 + distance), 0)
        self.kernel_ = kernel.astype(np.float64)

    def _predict(
        self, history: PreparedEvents, origin: float, length: float
    ) -> NDArray[np.float64]:
        low = origin - self.time_band_days
        recent = history.ended_after(low)
        # Mean of 1 / (1 + age_weeks) over the part of each interval inside the band.
        start = np.maximum(recent.start, low)
        inside = np.clip(recent.end - start, 0.0, None)
        integral = 7.0 * np.log((1 + (origin - start) / 7.0) / (1 + (origin - recent.end) / 7.0))
        weights = integral / recent.duration
        share = inside / recent.duration
        surface = _raster.histogram(self.grid_, recent.raster, weights)
        risk = _raster.cell_mass(self.grid_, _raster.convolve(surface, self.kernel_))
        days = self._history_days(origin, self.time_band_days)
        return _raster.scaled(risk, float(share.sum()) / days * length)
