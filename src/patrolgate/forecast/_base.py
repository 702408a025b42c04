"""What every forecasting model shares: the estimator contract and the forecast it returns."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar, Self

import numpy as np
from numpy.typing import NDArray

from patrolgate.events.points import EventPoints
from patrolgate.forecast._errors import ForecastError, NotFittedError
from patrolgate.forecast._events import (
    PreparedEvents,
    prepare,
    to_datetime64,
    to_days,
    window_days,
)
from patrolgate.geo.grid import Grid

__all__ = ["Forecast", "ForecastError", "Forecaster", "NotFittedError", "require_positive"]


@dataclass(frozen=True, eq=False)
class Forecast:
    """Expected events per grid cell in the window ``[start, end)``.

    Attributes
    ----------
    start, end : numpy.datetime64
        The window, UTC, half-open.
    expected : ndarray of float, shape (n_cells,)
        Expected number of events in each cell during the window.
    model : str
        Name of the model that made the forecast.
    """

    start: np.datetime64
    end: np.datetime64
    expected: NDArray[np.float64]
    model: str

    @property
    def probability(self) -> NDArray[np.float64]:
        """Probability of at least one event per cell, taking counts as Poisson."""
        return -np.expm1(-self.expected)

    def ranking(self, area: NDArray[np.float64]) -> NDArray[np.int64]:
        """Cells from highest to lowest expected events per m²; ties by cell number."""
        density = self.expected / area
        return np.lexsort((np.arange(len(density)), -density)).astype(np.int64)

    def top(self, area: NDArray[np.float64], coverage: float) -> NDArray[np.int64]:
        """The highest-ranked cells whose area together first reaches ``coverage`` of the total."""
        if not 0 < coverage <= 1:
            raise ForecastError(f"coverage must be in (0, 1], not {coverage}")
        order = self.ranking(area)
        cumulative = np.cumsum(area[order])
        count = int(np.searchsorted(cumulative, coverage * cumulative[-1] * (1 - 1e-12))) + 1
        return order[: min(count, len(order))]


class Forecaster:
    """Base of every forecasting model, following scikit-learn's estimator conventions.

    Hyperparameters are stored unchanged by ``__init__`` and checked by :meth:`fit`;
    learned state lives in attributes ending in ``_``. Subclasses implement
    ``_check_params``, ``_fit`` and ``_predict``.
    """

    #: Registry name of the model.
    name: ClassVar[str] = "model"

    # -- parameters ---------------------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        signature = inspect.signature(cls.__init__)
        return [p.name for p in signature.parameters.values() if p.name != "self"]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """Hyperparameters by name, as given to ``__init__``.

        Parameters
        ----------
        deep : bool
            Accepted for scikit-learn compatibility; models hold no nested estimators.
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Self:
        """Set hyperparameters by name; unknown names raise :class:`ForecastError`."""
        valid = set(self._param_names())
        for key, value in params.items():
            if key not in valid:
                raise ForecastError(f"{type(self).__name__} has no parameter {key!r}")
            setattr(self, key, value)
        return self

    def clone(self) -> Self:
        """An unfitted copy with the same hyperparameters."""
        return type(self)(**self.get_params())

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"

    # -- fitting and prediction --------------------------------------------------------
    def fit(self, events: EventPoints, grid: Grid, leading: EventPoints | None = None) -> Self:
        """Learn from ``events`` (all of them: the caller chooses the training period).

        Parameters
        ----------
        events : EventPoints
            Located events in the grid's CRS; events off the grid are ignored.
        grid : Grid
            The cells to forecast for.
        leading : EventPoints, optional
            Events of other categories that may lead the forecast ones (weapons possession
            before robbery, say). Models that read them say so; the others ignore them.

        Returns
        -------
        self
        """
        self._check_params()
        prepared = prepare(events, grid)
        if len(prepared) == 0:
            raise ForecastError(f"{self.name}: no events on the grid to learn from")
        self.grid_ = grid
        self.crs_ = grid.crs
        self.n_events_ = len(prepared)
        self.data_start_ = float(prepared.start.min())
        self.fitted_until_ = float(prepared.end.max())
        self.events_ = events
        self.leading_ = leading
        self.leading_prepared_ = None if leading is None else prepare(leading, grid)
        self._fit(prepared)
        return self

    def predict(
        self,
        start: np.datetime64 | datetime | str,
        window: timedelta | float,
        events: EventPoints | None = None,
        leading: EventPoints | None = None,
    ) -> Forecast:
        """Forecast the window ``[start, start + window)``.

        Parameters
        ----------
        start : datetime64, datetime or ISO string
            Start of the window (UTC when naive).
        window : timedelta or float
            Length of the window (a float is days), from an 8-hour shift to months.
        events : EventPoints, optional
            Events to condition on (default: those given to ``fit``). Only events whose
            interval had ended by ``start`` are used, so a forecast never sees its window.
        leading : EventPoints, optional
            Leading-indicator events to condition on (default: those given to ``fit``),
            cut at ``start`` in the same way.

        Returns
        -------
        Forecast
        """
        self._check_fitted()
        origin = to_days(start)
        length = window_days(window)
        history = prepare(self.events_ if events is None else events, self.grid_)
        known = history.head(history.known_at(origin))
        led = self.leading_ if leading is None else leading
        led_known = None
        if led is not None:
            led_prepared = prepare(led, self.grid_)
            led_known = led_prepared.head(led_prepared.known_at(origin))
        expected = self._predict_with(known, led_known, origin, length)
        expected = np.clip(np.nan_to_num(expected, nan=0.0), 0.0, None)
        return Forecast(
            start=to_datetime64(origin),
            end=to_datetime64(origin + length),
            expected=expected.astype(np.float64),
            model=self.name,
        )

    def _check_fitted(self) -> None:
        if not hasattr(self, "grid_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(events, grid) first"
            )

    def _history_days(self, origin: float, lookback: float) -> float:
        """Days of data behind ``origin`` within ``lookback`` (never below one day)."""
        return max(min(lookback, origin - self.data_start_), 1.0)

    # -- for subclasses ----------------------------------------------------------------
    def _check_params(self) -> None:
        """Validate hyperparameters, raising :class:`ForecastError`."""

    def _fit(self, events: PreparedEvents) -> None:
        """Learn from the prepared training events."""

    def _predict(
        self, history: PreparedEvents, origin: float, length: float
    ) -> NDArray[np.float64]:
        """Expected events per cell in ``[origin, origin + length)`` given known ``history``."""
        raise NotImplementedError

    def _predict_with(
        self,
        history: PreparedEvents,
        leading: PreparedEvents | None,
        origin: float,
        length: float,
    ) -> NDArray[np.float64]:
        """Like :meth:`_predict`, with the known leading-indicator events (most ignore them)."""
        return self._predict(history, origin, length)


def require_positive(model: Forecaster, **values: float) -> None:
    """Refuse hyperparameters that are not finite and positive."""
    for key, value in values.items():
        if not isinstance(value, int | float) or not np.isfinite(value) or value <= 0:
            raise ForecastError(f"{type(model).__name__}: {key} must be positive, not {value!r}")
