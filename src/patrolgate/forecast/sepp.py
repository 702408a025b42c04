"""Self-exciting point process (ETAS; Mohler et al. 2011, 2015), fitted by EM."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from patrolgate.forecast import _raster
from patrolgate.forecast._base import Forecaster, ForecastError, require_positive
from patrolgate.forecast._events import PreparedEvents, mean_decay

_IMPULSE_CENTRE = 32


def _impulse() -> NDArray[np.float64]:
    """One unit of mass in the middle of an empty raster."""
    surface = np.zeros((2 * _IMPULSE_CENTRE + 1, 2 * _IMPULSE_CENTRE + 1))
    surface[_IMPULSE_CENTRE, _IMPULSE_CENTRE] = 1.0
    return surface


# Locations are rarely more precise than this (Chicago's are rounded to about 10 m).
_MIN_SIGMA = 5.0


@dataclass(frozen=True)
class Triggering:
    """How far and how long events "repeat", as fitted.

    Attributes
    ----------
    offspring : float
        Expected number of events each event triggers (the branching ratio).
    mean_delay_days : float
        Mean time from an event to the events it triggers (``1 / omega``).
    distance_m : float
        Standard deviation of the distance to triggered events, per axis, in metres.
    triggered_share : float
        Share of the training events attributed to triggering rather than background.
    background_per_day : float
        Background events per day over the whole study area.
    iterations : int
        EM iterations run.
    """

    offspring: float
    mean_delay_days: float
    distance_m: float
    triggered_share: float
    background_per_day: float
    iterations: int


class SEPP(Forecaster):
    """Background intensity plus a space-time triggering kernel (an ETAS model).

    The conditional intensity at place ``x`` and time ``t`` is

    ``mu * nu(x) + sum_j theta * omega * exp(-omega (t - t_j)) * N(x - x_j; sigma^2)``

    over earlier events ``j``. ``nu`` is the background's shape: a time-decayed kernel
    density of all recent history (``background_bandwidth``, ``background_decay_days``), held
    fixed while EM estimates the background rate ``mu``, the branching ratio ``theta``, the
    mean trigger delay ``1 / omega`` and the spatial reach ``sigma`` of triggering on the last
    ``training_days``. Each event is left out of its own background, so it cannot explain
    itself. (Declustering the background by the fitted background probabilities, as in
    Mohler et al. 2011, was tried and forecast worse on Chicago: it removes the repeat
    places that make hot spots persistent.) Pairs of events are found with a k-d tree over
    (x, y, scaled time), restricted to ``max_distance`` metres and ``max_delay_days``, never
    over all pairs. Events whose time intervals overlap cannot be ordered, so they are not
    paired: with month-granular data, triggering within a month is not identifiable and the
    fit says so by finding little of it.

    Prediction integrates the intensity over the window for each cell, counting the
    triggering of every event known at the window's start (not the cascade inside it).

    Parameters
    ----------
    training_days : float, default 730
        Length of the EM training period, ending at the last training event.
    background_bandwidth : float, default 50
        Standard deviation (metres) of the Gaussian smoothing of the background.
    background_days : float, default 2190
        History (days) the background's shape is estimated from.
    background_decay_days : float, default 1500
        Time scale of the exponential weight of past events in the background's shape.
    max_distance : float, default 500
        Largest distance (metres) between a trigger and the event it triggers.
    max_delay_days : float, default 60
        Largest delay (days) between a trigger and the event it triggers.
    min_delay_days : float, default 1/24
        Pairs closer in time than this are not counted as triggering: near-simultaneous
        records are usually one incident recorded several times.
    max_iterations : int, default 50
    tolerance : float, default 1e-4
        EM stops when no parameter changes by more than this relative amount.
    random_state : int or None
        Accepted for a uniform interface; the EM starts from fixed values.
    """

    name = "sepp"

    def __init__(
        self,
        training_days: float = 730.0,
        background_bandwidth: float = 50.0,
        background_days: float = 2190.0,
        background_decay_days: float = 1500.0,
        max_distance: float = 500.0,
        max_delay_days: float = 60.0,
        min_delay_days: float = 1.0 / 24.0,
        max_iterations: int = 50,
        tolerance: float = 1e-4,
        random_state: int | None = None,
    ) -> None:
        self.training_days = training_days
        self.background_bandwidth = background_bandwidth
        self.background_days = background_days
        self.background_decay_days = background_decay_days
        self.max_distance = max_distance
        self.max_delay_days = max_delay_days
        self.min_delay_days = min_delay_days
        self.max_iterations = max_iterations
        self.tolerance = tolerance
        self.random_state = random_state

    def _check_params(self) -> None:
        require_positive(
            self,
            training_days=self.training_days,
            background_bandwidth=self.background_bandwidth,
            background_days=self.background_days,
            background_decay_days=self.background_decay_days,
            max_distance=self.max_distance,
            max_delay_days=self.max_delay_days,
            max_iterations=self.max_iterations,
            tolerance=self.tolerance,
        )
        if not 0 <= self.min_delay_days < self.max_delay_days:
            raise ForecastError("SEPP: min_delay_days must be in [0, max_delay_days)")

    # -- fitting ------------------------------------------------------------------------
    def _pairs(
        self, events: PreparedEvents, mid: NDArray[np.float64]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
        """(trigger, triggered, delay, squared distance) of every candidate pair."""
        scale = self.max_distance / self.max_delay_days
        tree = cKDTree(np.column_stack([events.x, events.y, mid * scale - mid[0] * scale]))
        pairs = tree.query_pairs(self.max_distance, p=np.inf, output_type="ndarray")
        if len(pairs) == 0:
            empty = np.array([], dtype=np.int64)
            return empty, empty, np.array([]), np.array([])
        first, second = pairs[:, 0], pairs[:, 1]
        swap = mid[first] > mid[second]
        parent = np.where(swap, second, first)
        child = np.where(swap, first, second)
        delay = mid[child] - mid[parent]
        d2 = (events.x[child] - events.x[parent]) ** 2 + (events.y[child] - events.y[parent]) ** 2
        ordered = events.end[parent] <= events.start[child]
        keep = (
            ordered
            & (delay >= self.min_delay_days)
            & (delay <= self.max_delay_days)
            & (d2 <= self.max_distance**2)
        )
        return parent[keep], child[keep], delay[keep], d2[keep]

    def _fit(self, events: PreparedEvents) -> None:
        grid = self.grid_
        end = self.fitted_until_
        cell_m2 = grid.cell_size**2
        # The background's shape: a time-decayed kernel density of all recent history.
        past = events.take(events.end > end - self.background_days)
        weights = mean_decay(past.start, past.end, end, self.background_decay_days)
        sigma_cells = self.background_bandwidth / grid.cell_size
        surface = _raster.gaussian(_raster.histogram(grid, past.raster, weights), sigma_cells)
        total = max(float(surface.sum()), 1e-300)
        self.background_ = _raster.scaled(_raster.cell_mass(grid, surface), 1.0)

        train = events.take(events.end > end - self.training_days)
        mid = (train.start + train.end) / 2
        order = np.argsort(mid, kind="stable")
        train = train.take(order)
        mid = mid[order]
        n = len(train)
        span = max(float(end - max(train.start.min(), end - self.training_days)), 1.0)
        _, child, delay, d2 = self._pairs(train, mid)
        # Leave each event out of its own background: take away the share of its own kernel
        # that stays in its cell, so an event does not explain itself.
        own = _raster.gaussian(_impulse(), sigma_cells)[_IMPULSE_CENTRE, _IMPULSE_CENTRE]
        own_weight = mean_decay(train.start, train.end, end, self.background_decay_days) * own
        shape = np.maximum(surface.reshape(-1)[train.raster] - own_weight, 0.0) / total / cell_m2

        theta, omega, sigma2 = 0.1, 1.0 / 7.0, 100.0**2
        mu = 0.9 * n / span
        iterations = 0
        background_share = np.ones(n)
        for iterations in range(1, int(self.max_iterations) + 1):  # noqa: B007 - reported
            background = mu * shape
            g = (
                theta
                * omega
                * np.exp(-omega * delay)
                * np.exp(-d2 / (2 * sigma2))
                / (2 * np.pi * sigma2)
            )
            intensity = np.maximum(background + np.bincount(child, weights=g, minlength=n), 1e-300)
            p_pair = g / intensity[child]
            background_share = background / intensity
            triggered = float(p_pair.sum())
            # Each event can only have triggered events up to the end of training.
            exposure = float(np.sum(-np.expm1(-omega * np.clip(end - mid, 0.0, None))))
            new_mu = float(background_share.sum()) / span
            new_theta = triggered / max(exposure, 1e-12)
            if triggered > 1e-9:
                new_omega = triggered / max(float(np.dot(p_pair, delay)), 1e-12)
                new_sigma2 = max(
                    float(np.dot(p_pair, d2)) / max(2 * triggered, 1e-12), _MIN_SIGMA**2
                )
            else:  # nothing to learn the delay and reach from (no orderable pairs): keep them
                new_omega, new_sigma2 = omega, sigma2
            if self.min_delay_days > 0:
                new_omega = min(new_omega, 1.0 / self.min_delay_days)
            change = max(
                abs(new_mu - mu) / mu,
                abs(new_theta - theta) / max(theta, 1e-12),
                abs(new_omega - omega) / omega,
                abs(new_sigma2 - sigma2) / sigma2,
            )
            mu, theta, omega, sigma2 = new_mu, new_theta, new_omega, new_sigma2
            if triggered <= 1e-9 or change < self.tolerance:
                break

        self.background_rate_ = float(mu)
        self.theta_ = float(theta)
        self.omega_ = float(omega)
        self.sigma_ = float(np.sqrt(sigma2))
        self.triggering_ = Triggering(
            offspring=self.theta_,
            mean_delay_days=1.0 / self.omega_,
            distance_m=self.sigma_,
            triggered_share=float(1 - background_share.mean()),
            background_per_day=self.background_rate_,
            iterations=iterations,
        )

    # -- prediction ---------------------------------------------------------------------
    def _predict(
        self, history: PreparedEvents, origin: float, length: float
    ) -> NDArray[np.float64]:
        grid = self.grid_
        expected = self.background_ * (self.background_rate_ * length)
        # Triggers older than ~20 mean delays add nothing measurable.
        horizon = min(20.0 / self.omega_, 3650.0)
        recent = history.ended_after(origin - horizon)
        if len(recent) == 0 or self.theta_ <= 0:
            return expected
        weights = (
            self.theta_
            * -np.expm1(-self.omega_ * length)
            * mean_decay(recent.start, recent.end, origin, 1.0 / self.omega_)
        )
        surface = _raster.histogram(grid, recent.raster, weights)
        triggered = _raster.cell_mass(grid, _raster.gaussian(surface, self.sigma_ / grid.cell_size))
        return expected + triggered
