"""The baseline: events per cell over a trailing window."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from patrolgate.forecast._base import Forecaster, require_positive
from patrolgate.forecast._events import PreparedEvents, fraction_within


class NaiveCounts(Forecaster):
    """Events counted per cell over the trailing ``lookback_days``, as a daily rate.

    The baseline every other model must beat. The expected count for a window of
    ``w`` days is ``w`` times the cell's mean daily count over the lookback. Events whose
    time interval straddles the start of the lookback count for the share inside it.

    Parameters
    ----------
    lookback_days : float, default 1095
        Length of the trailing window (three years by default).
    random_state : int or None
        Accepted for a uniform interface; the model is deterministic.
    """

    name = "naive"

    def __init__(self, lookback_days: float = 1095.0, random_state: int | None = None) -> None:
        self.lookback_days = lookback_days
        self.random_state = random_state

    def _check_params(self) -> None:
        require_positive(self, lookback_days=self.lookback_days)

    def _predict(
        self, history: PreparedEvents, origin: float, length: float
    ) -> NDArray[np.float64]:
        low = origin - self.lookback_days
        recent = history.ended_after(low)
        on_grid = recent.cell >= 0
        weights = fraction_within(recent.start, recent.end, low, origin)[on_grid]
        counts = np.bincount(recent.cell[on_grid], weights=weights, minlength=self.grid_.n_cells)
        days = self._history_days(origin, self.lookback_days)
        return (counts / days * length).astype(np.float64)
