"""Rolling-origin backtests: every window of a period forecast from what was known before it.

For each model the period's windows ``[t, t + w)`` are taken in turn. The model is refitted
every ``refit`` days on the events known at that moment (those whose time interval had
ended), and each window is forecast from the events known at its start. Windows are scored
against the events that then happened; nothing of a window is seen before it is forecast.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray

from patrolgate.events.points import EventPoints
from patrolgate.forecast import metrics
from patrolgate.forecast._base import Forecaster, ForecastError
from patrolgate.forecast._events import (
    SECONDS_PER_DAY,
    fraction_within,
    prepare,
    to_datetime64,
    to_days,
    window_days,
)
from patrolgate.forecast._execution import Progress, run_tasks
from patrolgate.geo.grid import Grid

#: Coverage fractions at which coverage curves are reported.
CURVE_LEVELS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0)
#: Probability bins of the reliability table.
RELIABILITY_EDGES = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)


@dataclass(frozen=True)
class WindowScores:
    """One model's scores per forecast window (arrays in window order)."""

    start: NDArray[np.datetime64]
    events: NDArray[np.float64]
    captured: NDArray[np.float64]
    best: NDArray[np.float64]
    best_pai: NDArray[np.float64]
    brier: NDArray[np.float64]
    curve: NDArray[np.float64]


@dataclass(frozen=True)
class _Segment:
    """What one task returns: the scores of consecutive windows after one fit."""

    scores: WindowScores
    reliability: tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]
    seconds: float
    fitted: dict[str, Any]


@dataclass(frozen=True)
class ModelResult:
    """Backtest figures of one model, pooled over every window.

    ``hit_rate`` is the share of all events that fell in the top ``coverage`` of the area;
    ``pai`` that over ``coverage``; ``pei`` captured over the most capturable events;
    ``pei_star`` the mean of the per-window PEI* over windows with events; ``brier`` the
    mean over windows and cells. ``seconds`` is the time spent fitting and forecasting,
    summed over tasks (the same whatever the number of workers, up to timing noise).
    """

    name: str
    params: dict[str, Any]
    n_forecasts: int
    n_events: float
    coverage: float
    hit_rate: float
    pai: float
    pei: float
    pei_star: float
    brier: float
    seconds: float
    curve: dict[float, float]
    reliability: metrics.Reliability
    windows: WindowScores = field(repr=False)
    fitted: list[dict[str, Any]] = field(repr=False, default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures (without the per-window arrays)."""
        rel = self.reliability
        return {
            "name": self.name,
            "params": {k: v for k, v in self.params.items() if _jsonable(v)},
            "n_forecasts": self.n_forecasts,
            "n_events": round(self.n_events, 3),
            "coverage": self.coverage,
            "hit_rate": _round(self.hit_rate),
            "pai": _round(self.pai),
            "pei": _round(self.pei),
            "pei_star": _round(self.pei_star),
            "brier": _round(self.brier, 8),
            "seconds": round(self.seconds, 3),
            "seconds_per_forecast": round(self.seconds / max(self.n_forecasts, 1), 5),
            "coverage_curve": [
                {"coverage": c, "hit_rate": _round(h)} for c, h in self.curve.items()
            ],
            "reliability": [
                {
                    "low": float(lo),
                    "high": float(hi),
                    "count": int(n),
                    "predicted": _round(float(p)),
                    "observed": _round(float(o)),
                }
                for lo, hi, n, p, o in zip(
                    rel.low, rel.high, rel.count, rel.predicted, rel.observed, strict=True
                )
            ],
            "fitted": self.fitted[-1] if self.fitted else {},
        }


@dataclass(frozen=True)
class BacktestResult:
    """Every model's :class:`ModelResult` over the same windows."""

    models: list[ModelResult]
    start: np.datetime64
    end: np.datetime64
    window_days: float
    refit_days: float
    coverage: float
    n_cells: int
    area_km2: float
    wall_seconds: float

    def model(self, name: str) -> ModelResult:
        """The result of the model called ``name``."""
        for result in self.models:
            if result.name == name:
                return result
        raise ForecastError(f"no model {name!r} in this backtest")

    def compare(
        self, name: str, baseline: str, *, n_resamples: int = 2000, random_state: int | None = 0
    ) -> metrics.Interval:
        """Paired bootstrap interval of ``name``'s PAI minus ``baseline``'s, over windows."""
        a, b = self.model(name).windows, self.model(baseline).windows
        return metrics.paired_bootstrap(
            a.captured,
            b.captured,
            a.events,
            scale=1 / self.coverage,
            n_resamples=n_resamples,
            random_state=random_state,
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready summary: the period and a ``models`` list."""
        return {
            "from": str(self.start),
            "to": str(self.end),
            "window_days": self.window_days,
            "refit_days": self.refit_days,
            "coverage": self.coverage,
            "n_cells": self.n_cells,
            "area_km2": round(self.area_km2, 3),
            "wall_seconds": round(self.wall_seconds, 3),
            "models": [m.as_dict() for m in self.models],
        }


def _round(value: float, digits: int = 6) -> float | None:
    return None if not np.isfinite(value) else round(float(value), digits)


def _jsonable(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | tuple | list)


#: The ``window`` value that asks for calendar-month windows (UTC months).
MONTH = "month"


def windows_of(
    start: float, end: float, window: timedelta | float | str, timezone: str = "UTC"
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Starts and lengths (days) of every whole window in ``[start, end)``.

    ``window`` is a length (timedelta, or float days) or ``"month"`` for calendar months
    of the local clock of ``timezone``, from the first month start at or after ``start``.
    """
    if window == MONTH:
        zone = ZoneInfo(timezone)
        local = datetime.fromtimestamp(start * SECONDS_PER_DAY, tz=UTC).astimezone(zone)
        month = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        if month < local:
            month = (month + timedelta(days=32)).replace(day=1)
        bounds = []
        while to_days(month) <= end + 1e-9:
            bounds.append(to_days(month))
            month = (month + timedelta(days=32)).replace(day=1)
        edges = np.array(bounds, dtype=np.float64)
        return edges[:-1], np.diff(edges)
    if isinstance(window, str):
        raise ForecastError(f"unknown window {window!r}")
    length = window_days(window)
    count = int(np.floor((end - start) / length + 1e-9))
    starts = start + np.arange(count, dtype=np.float64) * length
    return starts, np.full(count, length)


def _run_segment(
    *,
    model: Forecaster,
    events: EventPoints,
    grid: Grid,
    starts: NDArray[np.float64],
    lengths: NDArray[np.float64],
    coverage: float,
) -> _Segment:
    """Fit ``model`` at the first window's start, then forecast and score each window."""
    clock = time.perf_counter()
    prepared = prepare(events, grid)
    origin = float(starts[0])
    fitted = model.clone().fit(
        events.subset(events.t_end.astype("datetime64[s]") <= to_datetime64(origin)), grid
    )
    levels = np.asarray(CURVE_LEVELS)
    scored_levels = np.r_[levels, coverage]
    total_area = grid.total_area
    edges = np.asarray(RELIABILITY_EDGES)
    n = len(starts)
    events_n = np.zeros(n)
    captured_n = np.zeros(n)
    best_n = np.zeros(n)
    best_pai_n = np.full(n, np.nan)
    brier_n = np.zeros(n)
    curve_n = np.zeros((n, len(levels)))
    rel_count = np.zeros(len(edges) - 1, dtype=np.int64)
    rel_p = np.zeros(len(edges) - 1)
    rel_y = np.zeros(len(edges) - 1)
    on_grid = prepared.take(prepared.cell >= 0)
    longest = float(on_grid.duration.max()) if len(on_grid) else 0.0
    for i, (day, length) in enumerate(zip(starts, lengths, strict=True)):
        forecast = fitted.predict(to_datetime64(float(day)), float(length), events)
        # Sorted by end: only events ending within the window plus the longest interval.
        near = on_grid.ended_after(day)
        near = near.head(near.known_at(day + length + longest))
        inside = near.start < day + length
        share = fraction_within(near.start[inside], near.end[inside], day, day + length)
        observed = np.bincount(near.cell[inside], weights=share, minlength=grid.n_cells)
        hits = metrics.captured(forecast.expected, observed, grid.area, scored_levels)
        events_n[i] = observed.sum()
        curve_n[i] = hits[:-1]
        captured_n[i] = hits[-1]
        if events_n[i] > 0:
            best_n[i] = metrics.best_captured(observed, grid.area, coverage)[0]
            # The best PAI needs only the cells where events happened (PEI*, NIJ).
            used = min(coverage * total_area, float(grid.area[observed > 0].sum()))
            best_pai_n[i] = (best_n[i] / events_n[i]) / (used / total_area)
        probability = forecast.probability
        brier_n[i] = float(np.sum((probability - (observed > 0)) ** 2))
        count, p_sum, y_sum = metrics.reliability_sums(probability, observed, edges)
        rel_count += count
        rel_p += p_sum
        rel_y += y_sum
    seconds = time.perf_counter() - clock
    summary: dict[str, Any] = {"fitted_at": str(to_datetime64(origin))}
    triggering = getattr(fitted, "triggering_", None)
    if triggering is not None:
        summary["triggering"] = dict(vars(triggering))
    weights = getattr(fitted, "weights_", None)
    if weights is not None:
        summary["weights"] = dict(weights)
    scores = WindowScores(
        start=np.array([to_datetime64(float(d)) for d in starts]),
        events=events_n,
        captured=captured_n,
        best=best_n,
        best_pai=best_pai_n,
        brier=brier_n,
        curve=curve_n,
    )
    return _Segment(scores, (rel_count, rel_p, rel_y), seconds, summary)


def backtest(
    models: Mapping[str, Forecaster] | Sequence[Forecaster],
    events: EventPoints,
    grid: Grid,
    *,
    start: np.datetime64 | datetime | str,
    end: np.datetime64 | datetime | str,
    window: timedelta | float | str = 1.0,
    refit: timedelta | float = 30.0,
    coverage: float = 0.05,
    timezone: str = "UTC",
    workers: int | None = None,
    scheduler: str | None = None,
    progress: Progress | None = None,
) -> BacktestResult:
    """Rolling-origin backtest of each model over every whole window in ``[start, end)``.

    Parameters
    ----------
    models : mapping of name to model, or sequence of models (named by ``Forecaster.name``)
        Unfitted models; each is cloned for every refit.
    events : EventPoints
        All events, before and during the period (the history each fit and forecast may
        use is cut at its own time).
    grid : Grid
    start, end : datetime64, datetime or ISO string
        The test period, half-open, UTC when naive.
    window : timedelta, float or "month"
        Forecast window (float: days; ``"month"``: calendar months).
    refit : timedelta or float
        Refit cadence (float: days); each refit starts a task.
    coverage : float
        Coverage fraction at which hit rate, PAI and PEI are reported.
    timezone : str
        Local clock of calendar-month windows.
    workers, scheduler, progress
        See :func:`patrolgate.forecast._execution.run_tasks`.

    Returns
    -------
    BacktestResult
    """
    clock = time.perf_counter()
    named = dict(models) if isinstance(models, Mapping) else {m.name: m for m in models}
    if not named:
        raise ForecastError("no models to backtest")
    if not 0 < coverage <= 1:
        raise ForecastError(f"coverage must be in (0, 1], not {coverage}")
    cadence = window_days(refit)
    first, last = to_days(start), to_days(end)
    starts, lengths = windows_of(first, last, window, timezone)
    if len(starts) == 0:
        raise ForecastError("the period holds no whole forecast window")
    # A refit happens at the first window starting at or after each multiple of the cadence.
    segment_of = np.floor((starts - first) / cadence + 1e-9).astype(int)
    segments = [segment_of == s for s in np.unique(segment_of)]
    tasks = [
        {"model": model, "starts": starts[seg], "lengths": lengths[seg], "coverage": coverage}
        for model in named.values()
        for seg in segments
    ]
    done = run_tasks(
        _run_segment,
        {"events": events, "grid": grid},
        tasks,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
    )
    results = []
    for index, (name, model) in enumerate(named.items()):
        parts = done[index * len(segments) : (index + 1) * len(segments)]
        results.append(_pool(name, model, parts, coverage))
    return BacktestResult(
        models=results,
        start=to_datetime64(first),
        end=to_datetime64(last),
        window_days=float(lengths.mean()),
        refit_days=cadence,
        coverage=coverage,
        n_cells=grid.n_cells,
        area_km2=grid.total_area / 1e6,
        wall_seconds=time.perf_counter() - clock,
    )


def _pool(name: str, model: Forecaster, parts: list[_Segment], coverage: float) -> ModelResult:
    def joined(attribute: str) -> NDArray[Any]:
        return np.concatenate([getattr(p.scores, attribute) for p in parts])

    windows = WindowScores(
        start=joined("start"),
        events=joined("events"),
        captured=joined("captured"),
        best=joined("best"),
        best_pai=joined("best_pai"),
        brier=joined("brier"),
        curve=np.vstack([p.scores.curve for p in parts]),
    )
    total = float(windows.events.sum())
    n_cells = len(parts[0].reliability[0]) and int(sum(p.reliability[0].sum() for p in parts))
    hit = float(windows.captured.sum()) / total if total > 0 else float("nan")
    best = float(windows.best.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        per_window_pai = windows.captured / windows.events / coverage
        pei_star = per_window_pai / windows.best_pai
    has_events = windows.events > 0
    edges = np.asarray(RELIABILITY_EDGES)
    reliability = metrics.reliability_from_sums(
        edges,
        np.sum([p.reliability[0] for p in parts], axis=0),
        np.sum([p.reliability[1] for p in parts], axis=0),
        np.sum([p.reliability[2] for p in parts], axis=0),
    )
    curve_totals = windows.curve.sum(axis=0)
    return ModelResult(
        name=name,
        params=model.get_params(),
        n_forecasts=len(windows.events),
        n_events=total,
        coverage=coverage,
        hit_rate=hit,
        pai=hit / coverage,
        pei=float(windows.captured.sum()) / best if best > 0 else float("nan"),
        pei_star=float(np.mean(pei_star[has_events])) if has_events.any() else float("nan"),
        brier=float(windows.brier.sum()) / max(n_cells, 1),
        seconds=float(sum(p.seconds for p in parts)),
        curve={
            level: (float(curve_totals[k]) / total if total > 0 else float("nan"))
            for k, level in enumerate(CURVE_LEVELS)
        },
        reliability=reliability,
        windows=windows,
        fitted=[p.fitted for p in parts],
    )
