"""A weighted mixture of models, the weights fitted on a validation period before the test."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

from patrolgate.forecast._base import Forecaster, ForecastError, require_positive
from patrolgate.forecast._events import PreparedEvents, fraction_within, to_datetime64


class Ensemble(Forecaster):
    """Mixture of member models whose weights maximise the likelihood of held-out events.

    ``fit`` first fits every member on the events known ``validation_days`` before the
    end of training, forecasts windows of ``window_days`` across those last
    ``validation_days`` and finds the mixture weights (non-negative, summing to one) under
    which the events that then happened were most likely, by EM. It then refits every
    member on all the training events. The weights never see the test period: they are
    fitted on an earlier one.

    Parameters
    ----------
    members : tuple of str, default ("naive", "kde", "sepp", "seasonal", "rhythm")
        Registry names of the member models (default hyperparameters).
    member_params : dict or None
        Hyperparameters per member name, e.g. ``{"seasonal": {"timezone": "Europe/London"}}``.
    validation_days : float, default 90
    window_days : float, default 1
        Window length of the validation forecasts (use the test window length).
    max_validation_windows : int, default 45
        Validation windows are subsampled to this many, chosen with ``random_state``.
    random_state : int or None
        Seed of the subsampling, passed on to every member.
    """

    name = "ensemble"

    def __init__(
        self,
        members: tuple[str, ...] = ("naive", "kde", "sepp", "seasonal", "rhythm"),
        member_params: dict[str, dict[str, Any]] | None = None,
        validation_days: float = 90.0,
        window_days: float = 1.0,
        max_validation_windows: int = 45,
        random_state: int | None = None,
    ) -> None:
        self.members = members
        self.member_params = member_params
        self.validation_days = validation_days
        self.window_days = window_days
        self.max_validation_windows = max_validation_windows
        self.random_state = random_state

    def _check_params(self) -> None:
        from patrolgate.forecast.registry import MODELS

        require_positive(
            self,
            validation_days=self.validation_days,
            window_days=self.window_days,
            max_validation_windows=self.max_validation_windows,
        )
        if not isinstance(self.members, tuple | list) or not self.members:
            raise ForecastError(f"Ensemble: members must be model names, not {self.members!r}")
        if self.member_params is not None and not isinstance(self.member_params, dict):
            raise ForecastError("Ensemble: member_params must be a dict of dicts")
        for member in self.members:
            if member not in MODELS or member == self.name:
                raise ForecastError(f"Ensemble: unknown member model {member!r}")

    def _member(self, name: str) -> Forecaster:
        from patrolgate.forecast.registry import MODELS

        params = dict((self.member_params or {}).get(name, {}))
        params.setdefault("random_state", self.random_state)
        if name == "learned":  # it trains for the window it will forecast
            params.setdefault("window_days", self.window_days)
        return MODELS[name](**params)

    def _fit(self, events: PreparedEvents) -> None:
        end = self.fitted_until_
        split = end - self.validation_days
        training = self.events_
        early = training.subset(training.t_end.astype("datetime64[s]") <= to_datetime64(split))
        names = list(self.members)
        weights = np.full(len(names), 1.0 / len(names))
        if len(early) > 0 and len(names) > 1:
            weights = self._validation_weights(names, early, events, split, end)
        self.weights_ = dict(zip(names, (float(w) for w in weights), strict=True))
        self.members_ = [self._member(name).fit(training, self.grid_) for name in names]

    def _validation_weights(
        self,
        names: list[str],
        early: Any,
        events: PreparedEvents,
        split: float,
        end: float,
    ) -> NDArray[np.float64]:
        fitted = [self._member(name).fit(early, self.grid_) for name in names]
        count = int(np.floor((end - split) / self.window_days))
        starts = split + np.arange(count) * self.window_days
        if count > self.max_validation_windows:
            rng = np.random.default_rng(self.random_state)
            starts = np.sort(rng.choice(starts, self.max_validation_windows, replace=False))
        on_grid = events.take(events.cell >= 0)
        likelihood: list[NDArray[np.float64]] = []
        shares: list[NDArray[np.float64]] = []
        for day in starts:
            inside = (on_grid.end > day) & (on_grid.start < day + self.window_days)
            if not inside.any():
                continue
            share = fraction_within(
                on_grid.start[inside], on_grid.end[inside], day, day + self.window_days
            )
            cells = on_grid.cell[inside]
            columns = []
            for model in fitted:
                expected = model.predict(to_datetime64(float(day)), self.window_days, self.events_)
                shape = expected.expected / max(float(expected.expected.sum()), 1e-300)
                columns.append(shape[cells] + 1e-12)
            likelihood.append(np.column_stack(columns))
            shares.append(share)
        if not likelihood:
            return np.full(len(names), 1.0 / len(names))
        density = np.vstack(likelihood)
        # Events count by the share of their time interval inside the window.
        mass = np.concatenate(shares) / np.concatenate(shares).sum()
        weights = np.full(len(names), 1.0 / len(names))
        for _ in range(500):
            responsibility = density * weights
            responsibility /= responsibility.sum(axis=1, keepdims=True)
            updated = mass @ responsibility
            if np.max(np.abs(updated - weights)) < 1e-7:
                weights = updated
                break
            weights = updated
        return np.asarray(weights, dtype=np.float64)

    def _predict(
        self, history: PreparedEvents, origin: float, length: float
    ) -> NDArray[np.float64]:
        total = np.zeros(self.grid_.n_cells)
        for model, weight in zip(self.members_, self.weights_.values(), strict=True):
            if weight > 0:
                total += weight * model._predict(
                    history.head(history.known_at(origin)), origin, length
                )
        return total
