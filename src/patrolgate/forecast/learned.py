"""A learned ranking: gradient-boosted trees over multi-scale history (Wheeler & Steenbeek 2021)."""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from threadpoolctl import threadpool_limits

from patrolgate.forecast._base import Forecaster, ForecastError, require_positive
from patrolgate.forecast._events import PreparedEvents, fraction_within, to_datetime64
from patrolgate.forecast.features import (
    CellFeatures,
    LocalClock,
    Triggering,
    feature_names,
)
from patrolgate.forecast.sepp import SEPP
from patrolgate.forecast.windows import windows_of

#: The largest factor by which the trees may correct the self-exciting process's count.
MAX_CORRECTION = 50.0


def _local_kind(window_days: float) -> str | None:
    """The local window kind a window length stands for (shift, day, week, month)."""
    for kind, low, high in (
        ("shift", 7 / 24, 9 / 24),
        ("day", 23 / 24, 25 / 24),
        ("week", 7 - 1 / 24, 7 + 1 / 24),
        ("month", 28.0, 31.0 + 1 / 24),
    ):
        if low <= window_days <= high:
            return kind
    return None


class LearnedRanker(Forecaster):
    """Gradient-boosted trees with a Poisson objective over per-cell history features.

    ``fit`` builds training rows on rolling origins inside the training period only: at
    each origin ``o`` (the last one ``target_days`` before the end of training, then every
    step back), the features of every cell are computed from the events known at ``o``
    (:class:`~patrolgate.forecast.features.CellFeatures`) and the target is the number of
    events in the cell over ``[o, o + target_days)``. Cells with no event in the target
    window are subsampled (each kept with probability ``negative_share`` and weighted by
    its inverse, so the Poisson fit stays unbiased). The self-exciting process whose
    intensity is a feature is fitted on the events known at the earliest origin, so no
    training row's features use anything that happened after its origin.

    A window of ``w`` days is forecast as the trees' expected count over ``target_days``
    times ``w / target_days``.

    Parameters
    ----------
    window_days : float, default 1
        Length of the windows to be forecast.
    target_days : float or None, default 28
        Length of the training target windows (``None``: ``window_days``). Longer targets
        give more events to learn from, at the cost of the window's own hours.
    n_origins : int, default 100
        Training origins.
    origin_step_days : float, default 7
        Spacing of training origins, rounded to a whole number of windows chosen so that
        successive origins fall on different weekdays and shifts.
    negative_share : float, default 0.1
        Share of the cells without events in a target window kept for training.
    max_iter : int, default 150
        Boosting iterations.
    learning_rate : float, default 0.05
    max_leaf_nodes : int, default 15
    min_samples_leaf : int, default 400

    The defaults were chosen on Chicago's daily windows of 2015 (docs/forecasting.md).
    l2_regularization : float, default 1.0
    sepp_training_days : float, default 365
        EM training period of the self-exciting process whose intensity is a feature.
    offset : bool, default True
        Learn a multiplicative correction to the self-exciting process's expected count
        (a Poisson offset: targets divided by it, weighted by it) instead of the count
        itself, so the trees start from the best classical model rather than from nothing.
    profile_shrinkage : float, default 20
        Pseudo-events pulling each cell's share of events at a shift's hours of day
        towards the study area's (see
        :meth:`~patrolgate.forecast.features.CellFeatures.shift_profile`).
    n_threads : int, default 1
        OpenMP threads of the trees. One by default: on a busy machine (a service's
        workers, a backtest's Dask workers, other work) more threads than free cores made
        fitting four times and prediction ten times slower, as measured.
    timezone : str, default "UTC"
        The local clock of the hour and weekday profiles.
    random_state : int or None
        Seed of the subsampling and of the trees.
    """

    name = "learned"

    def __init__(
        self,
        window_days: float = 1.0,
        target_days: float | None = 28.0,
        n_origins: int = 100,
        origin_step_days: float = 7.0,
        negative_share: float = 0.1,
        max_iter: int = 150,
        learning_rate: float = 0.05,
        max_leaf_nodes: int = 15,
        min_samples_leaf: int = 400,
        l2_regularization: float = 1.0,
        sepp_training_days: float = 365.0,
        offset: bool = True,
        profile_shrinkage: float = 20.0,
        n_threads: int = 1,
        timezone: str = "UTC",
        random_state: int | None = None,
    ) -> None:
        self.window_days = window_days
        self.target_days = target_days
        self.n_origins = n_origins
        self.origin_step_days = origin_step_days
        self.negative_share = negative_share
        self.max_iter = max_iter
        self.learning_rate = learning_rate
        self.max_leaf_nodes = max_leaf_nodes
        self.min_samples_leaf = min_samples_leaf
        self.l2_regularization = l2_regularization
        self.sepp_training_days = sepp_training_days
        self.offset = offset
        self.profile_shrinkage = profile_shrinkage
        self.n_threads = n_threads
        self.timezone = timezone
        self.random_state = random_state

    def _check_params(self) -> None:
        require_positive(
            self,
            window_days=self.window_days,
            n_origins=self.n_origins,
            origin_step_days=self.origin_step_days,
            negative_share=self.negative_share,
            max_iter=self.max_iter,
            learning_rate=self.learning_rate,
            max_leaf_nodes=self.max_leaf_nodes,
            min_samples_leaf=self.min_samples_leaf,
            sepp_training_days=self.sepp_training_days,
            n_threads=self.n_threads,
            profile_shrinkage=self.profile_shrinkage,
        )
        if self.target_days is not None:
            require_positive(self, target_days=self.target_days)
        if not isinstance(self.offset, bool):
            raise ForecastError("LearnedRanker: offset must be true or false")
        if not self.negative_share <= 1:
            raise ForecastError("LearnedRanker: negative_share must be in (0, 1]")
        if not isinstance(self.l2_regularization, int | float) or self.l2_regularization < 0:
            raise ForecastError("LearnedRanker: l2_regularization must not be negative")
        try:
            LocalClock(self.timezone)
        except Exception:
            raise ForecastError(f"LearnedRanker: unknown time zone {self.timezone!r}") from None

    # -- training ------------------------------------------------------------------------
    def _horizon(self) -> float:
        return float(self.target_days if self.target_days is not None else self.window_days)

    def _origins(self) -> NDArray[np.float64]:
        """Training origins, latest first, each with its whole target window in training.

        Origins are the starts of local windows like those forecast (shifts, days, weeks or
        months on the model's clock), every few windows, so that successive origins fall on
        different weekdays and shifts.
        """
        horizon = self._horizon()
        window = float(self.window_days)
        steps = max(round(self.origin_step_days / window), 1)
        while (steps * window) % 7 < 1e-9 or (window < 1 and steps % 3 == 0):
            steps += 1
        kind = _local_kind(window)
        earliest = self.data_start_ + 28.0
        span = (int(self.n_origins) * steps + 2) * window + horizon + 31.0
        if kind is None:
            last = self.fitted_until_ - horizon
            starts = last - np.arange(int(self.n_origins), dtype=np.float64) * steps * window
            return np.asarray(starts[starts > earliest], dtype=np.float64)
        starts, _ = windows_of(
            max(earliest, self.fitted_until_ - span), self.fitted_until_, kind, self.timezone
        )
        starts = starts[starts + horizon <= self.fitted_until_ + 1e-9][::-1]
        return np.asarray(starts[::steps][: int(self.n_origins)], dtype=np.float64)

    def _fit(self, events: PreparedEvents) -> None:
        from sklearn.ensemble import HistGradientBoostingRegressor

        origins = self._origins()
        if len(origins) == 0:
            raise ForecastError(
                "LearnedRanker: the training period is too short for one training origin"
            )
        earliest = float(origins.min())
        history = self.events_
        cut = history.t_end.astype("datetime64[s]") <= to_datetime64(earliest)
        sepp = SEPP(training_days=self.sepp_training_days).fit(history.subset(cut), self.grid_)
        self.triggering_ = Triggering(
            background_per_day=sepp.background_rate_,
            bandwidth=sepp.background_bandwidth,
            decay_days=sepp.background_decay_days,
            offspring=sepp.theta_,
            omega=sepp.omega_,
            sigma=sepp.sigma_,
        )
        self.clock_ = LocalClock(self.timezone)
        builder = CellFeatures(self.grid_, self.clock_, self.triggering_)
        leading = self._prepared_leading()
        horizon = self._horizon()
        rng = np.random.default_rng(self.random_state)
        on_grid = events.take(events.cell >= 0)
        rows: list[NDArray[np.float32]] = []
        targets: list[NDArray[np.float64]] = []
        weights: list[NDArray[np.float64]] = []
        for origin in origins:
            matrix = builder.at(
                events, origin, horizon, leading=leading, data_start=self.data_start_
            )
            near = on_grid.ended_after(origin)
            inside = near.start < origin + horizon
            share = fraction_within(near.start[inside], near.end[inside], origin, origin + horizon)
            target = np.bincount(
                near.cell[inside], weights=share, minlength=self.grid_.n_cells
            ).astype(np.float64)
            keep = (target > 0) | (rng.random(self.grid_.n_cells) < self.negative_share)
            weight = np.where(target > 0, 1.0, 1.0 / float(self.negative_share))
            if self.offset:
                base = self._base(matrix)
                target, weight = target / base, weight * base
            rows.append(matrix[keep])
            targets.append(target[keep])
            weights.append(weight[keep].astype(np.float64))
        trees = HistGradientBoostingRegressor(
            loss="poisson",
            max_iter=int(self.max_iter),
            learning_rate=float(self.learning_rate),
            max_leaf_nodes=int(self.max_leaf_nodes),
            min_samples_leaf=int(self.min_samples_leaf),
            l2_regularization=float(self.l2_regularization),
            early_stopping=False,
            random_state=self.random_state,
        )
        with threadpool_limits(limits=int(self.n_threads), user_api="openmp"):
            trees.fit(
                np.vstack(rows), np.concatenate(targets), sample_weight=np.concatenate(weights)
            )
        self.trees_ = trees
        self.feature_names_ = feature_names(leading is not None)
        self.n_training_rows_ = int(sum(len(t) for t in targets))
        self.training_origins_ = len(origins)

    def _prepared_leading(self) -> PreparedEvents | None:
        return self.leading_prepared_

    # -- prediction ----------------------------------------------------------------------
    def _predict_with(
        self,
        history: PreparedEvents,
        leading: PreparedEvents | None,
        origin: float,
        length: float,
    ) -> NDArray[np.float64]:
        horizon = self._horizon()
        builder = CellFeatures(self.grid_, self.clock_, self.triggering_)
        matrix = builder.at(
            history,
            origin,
            horizon,
            leading=leading if self.leading_prepared_ is not None else None,
            data_start=self.data_start_,
        )
        with threadpool_limits(limits=int(self.n_threads), user_api="openmp"):
            expected = np.asarray(self.trees_.predict(matrix), dtype=np.float64)
        if self.offset:
            # A correction is a factor: beyond MAX_CORRECTION the trees extrapolate.
            expected = np.minimum(expected, MAX_CORRECTION) * self._base(matrix)
        # The trees give a rate over the target horizon; the window's own hours scale it
        # (the study area's rhythm) and, for shifts, reshape it (each cell's hours of day).
        city, cells = builder.shift_profile(history, origin, length, float(self.profile_shrinkage))
        return expected * (length / horizon) * city * cells

    def _base(self, matrix: NDArray[np.float32]) -> NDArray[np.float64]:
        """The self-exciting process's expected count per cell (the offset), with a floor of
        a twentieth of its mean: where the process sees (almost) nothing, as with a short
        history, a target divided by it would teach the trees corrections by millions."""
        names = feature_names(False)
        background = matrix[:, names.index("sepp_background")].astype(np.float64)
        triggered = matrix[:, names.index("sepp_triggering")].astype(np.float64)
        base = background + triggered
        return np.asarray(base + max(0.05 * float(base.mean()), 1e-6), dtype=np.float64)

    def _predict(
        self, history: PreparedEvents, origin: float, length: float
    ) -> NDArray[np.float64]:
        return self._predict_with(history, self.leading_prepared_, origin, length)

    def feature_importance(self) -> dict[str, Any]:
        """Feature names with their use in the fitted trees (splits per feature)."""
        self._check_fitted()
        counts = np.zeros(len(self.feature_names_), dtype=np.int64)
        for predictors in self.trees_._predictors:
            for tree in predictors:
                nodes = tree.nodes
                used = nodes["feature_idx"][~nodes["is_leaf"].astype(bool)]
                counts += np.bincount(used, minlength=len(counts))
        return dict(zip(self.feature_names_, counts.tolist(), strict=True))
