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
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from numpy.typing import NDArray

from patrolgate.events.points import EventPoints
from patrolgate.forecast import metrics
from patrolgate.forecast._base import Forecaster, ForecastError
from patrolgate.forecast._events import fraction_within, prepare, to_datetime64, to_days
from patrolgate.forecast._execution import Progress, run_tasks
from patrolgate.forecast.windows import (
    MONTH,
    SHIFT,
    Window,
    describe,
    refit_segments,
    window_labels,
    windows_of,
)
from patrolgate.geo.grid import Grid

__all__ = [
    "CURVE_LEVELS",
    "MONTH",
    "SHIFT",
    "BacktestResult",
    "ModelResult",
    "WindowScores",
    "backtest",
    "windows_of",
]

#: Coverage fractions at which coverage curves are reported (0.1 % to 20 %, then the rest).
CURVE_LEVELS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.5, 1.0)
#: Probability bins of the reliability table.
RELIABILITY_EDGES = (0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0)


@dataclass(frozen=True)
class WindowScores:
    """One model's scores per forecast window (arrays in window order)."""

    start: NDArray[np.datetime64]
    label: NDArray[np.str_]
    events: NDArray[np.float64]
    captured: NDArray[np.float64]
    best: NDArray[np.float64]
    best_pai: NDArray[np.float64]
    brier: NDArray[np.float64]
    #: Captured events at each of :data:`CURVE_LEVELS`, shape (n_windows, n_levels).
    curve: NDArray[np.float64]
    #: The most capturable events at each level (a perfect forecast), same shape.
    best_curve: NDArray[np.float64]
    #: The best PAI achievable at each level (the PAI* of PEI*), nan without events.
    best_pai_curve: NDArray[np.float64]


@dataclass(frozen=True)
class _Segment:
    """What one task returns: the scores of consecutive windows after one fit."""

    scores: WindowScores
    reliability: tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]
    seconds: float
    fitted: dict[str, Any]


@dataclass(frozen=True)
class Scores:
    """Hit rate, PAI, PEI and PEI* of one model at one coverage, pooled over windows.

    ``pei`` is the events captured over the most any cells of the same area could have
    captured, pooled; ``pei_star`` the mean over windows with events of the window's PAI
    over the best PAI achievable in the same area (the NIJ challenge's efficiency).
    """

    coverage: float
    windows: int
    events: float
    hit_rate: float
    pai: float
    pei: float
    pei_star: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures."""
        return {
            "coverage": self.coverage,
            "windows": self.windows,
            "events": round(self.events, 3),
            "hit_rate": _round(self.hit_rate),
            "pai": _round(self.pai),
            "pei": _round(self.pei),
            "pei_star": _round(self.pei_star),
        }


def _level(coverage: float) -> int:
    for index, level in enumerate(CURVE_LEVELS):
        if abs(level - coverage) < 1e-12:
            return index
    raise ForecastError(
        f"coverage {coverage} is not one of the scored levels "
        f"({', '.join(f'{c:g}' for c in CURVE_LEVELS)})"
    )


def _scores(windows: WindowScores, coverage: float, mask: NDArray[np.bool_]) -> Scores:
    k = _level(coverage)
    events = windows.events[mask]
    captured = windows.curve[mask, k]
    best = windows.best_curve[mask, k]
    best_pai = windows.best_pai_curve[mask, k]
    total = float(events.sum())
    hit = float(captured.sum()) / total if total > 0 else float("nan")
    has = events > 0
    with np.errstate(invalid="ignore", divide="ignore"):
        efficiency = (captured[has] / events[has] / coverage) / best_pai[has]
    return Scores(
        coverage=coverage,
        windows=int(mask.sum()),
        events=total,
        hit_rate=hit,
        pai=hit / coverage,
        pei=float(captured.sum()) / float(best.sum()) if best.sum() > 0 else float("nan"),
        pei_star=float(np.mean(efficiency)) if has.any() else float("nan"),
    )


@dataclass(frozen=True)
class ModelResult:
    """Backtest figures of one model, pooled over every window.

    ``hit_rate`` is the share of all events that fell in the top ``coverage`` of the area;
    ``pai`` that over ``coverage``; ``pei`` captured over the most capturable events;
    ``pei_star`` the mean of the per-window PEI* over windows with events; ``brier`` the
    mean over windows and cells. ``seconds`` is the time spent fitting and forecasting,
    summed over tasks (the same whatever the number of workers, up to timing noise).
    :meth:`at` gives the same figures at any level of :data:`CURVE_LEVELS`.
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

    def at(self, coverage: float) -> Scores:
        """Hit rate, PAI, PEI and PEI* at ``coverage`` (one of :data:`CURVE_LEVELS`)."""
        return _scores(self.windows, coverage, np.ones(len(self.windows.events), dtype=bool))

    def by_label(self, coverage: float) -> dict[str, Scores]:
        """:meth:`at` for each window label (each shift: early, late, night)."""
        labels = self.windows.label
        return {
            str(label): _scores(self.windows, coverage, labels == label)
            for label in sorted(set(labels.tolist()))
            if label
        }

    def as_dict(self, levels: Sequence[float] = ()) -> dict[str, Any]:
        """JSON-ready figures (without the per-window arrays), with :meth:`at` per level."""
        rel = self.reliability
        shifts = self.by_label(self.coverage)
        document = {
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
            "levels": {f"{c:g}": self.at(c).as_dict() for c in levels},
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
        if shifts:
            document["shifts"] = {
                label: {f"{c:g}": self.by_label(c)[label].as_dict() for c in levels}
                for label in shifts
            }
        return document


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
    window: str = ""
    refit: str = ""
    timezone: str = "UTC"

    def model(self, name: str) -> ModelResult:
        """The result of the model called ``name``."""
        for result in self.models:
            if result.name == name:
                return result
        raise ForecastError(f"no model {name!r} in this backtest")

    def compare(
        self,
        name: str,
        baseline: str,
        *,
        coverage: float | None = None,
        label: str | None = None,
        n_resamples: int = 2000,
        random_state: int | None = 0,
    ) -> metrics.Interval:
        """Paired bootstrap interval of ``name``'s PAI minus ``baseline``'s, over windows.

        Parameters
        ----------
        name, baseline : str
        coverage : float, optional
            One of :data:`CURVE_LEVELS` (default: the backtest's coverage).
        label : str, optional
            Only the windows with this label (a shift's name).
        n_resamples, random_state
            Of the bootstrap.
        """
        level = self.coverage if coverage is None else coverage
        k = _level(level)
        a, b = self.model(name).windows, self.model(baseline).windows
        mask = np.ones(len(a.events), dtype=bool) if label is None else a.label == label
        return metrics.paired_bootstrap(
            a.curve[mask, k],
            b.curve[mask, k],
            a.events[mask],
            scale=1 / level,
            n_resamples=n_resamples,
            random_state=random_state,
        )

    def as_dict(self, levels: Sequence[float] = ()) -> dict[str, Any]:
        """JSON-ready summary: the period, the settings and a ``models`` list."""
        return {
            "from": str(self.start),
            "to": str(self.end),
            "window": self.window,
            "window_days": self.window_days,
            "refit": self.refit,
            "refit_days": self.refit_days,
            "timezone": self.timezone,
            "coverage": self.coverage,
            "n_cells": self.n_cells,
            "area_km2": round(self.area_km2, 3),
            "wall_seconds": round(self.wall_seconds, 3),
            "models": [m.as_dict(levels) for m in self.models],
        }


def _round(value: float, digits: int = 6) -> float | None:
    return None if not np.isfinite(value) else round(float(value), digits)


def _jsonable(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | tuple | list)


def _run_segment(
    *,
    model: Forecaster,
    events: EventPoints,
    grid: Grid,
    leading: EventPoints | None,
    starts: NDArray[np.float64],
    lengths: NDArray[np.float64],
    labels: list[str],
    coverage: float,
) -> _Segment:
    """Fit ``model`` at the first window's start, then forecast and score each window."""
    clock = time.perf_counter()
    prepared = prepare(events, grid)
    origin = float(starts[0])
    cut = to_datetime64(origin)
    fitted = model.clone().fit(
        events.subset(events.t_end.astype("datetime64[s]") <= cut),
        grid,
        None if leading is None else leading.subset(leading.t_end.astype("datetime64[s]") <= cut),
    )
    levels = np.asarray(CURVE_LEVELS)
    total_area = grid.total_area
    edges = np.asarray(RELIABILITY_EDGES)
    n = len(starts)
    events_n = np.zeros(n)
    brier_n = np.zeros(n)
    curve_n = np.zeros((n, len(levels)))
    best_n = np.zeros((n, len(levels)))
    best_pai_n = np.full((n, len(levels)), np.nan)
    rel_count = np.zeros(len(edges) - 1, dtype=np.int64)
    rel_p = np.zeros(len(edges) - 1)
    rel_y = np.zeros(len(edges) - 1)
    on_grid = prepared.take(prepared.cell >= 0)
    longest = float(on_grid.duration.max()) if len(on_grid) else 0.0
    for i, (day, length) in enumerate(zip(starts, lengths, strict=True)):
        forecast = fitted.predict(to_datetime64(float(day)), float(length), events, leading)
        # Sorted by end: only events ending within the window plus the longest interval.
        near = on_grid.ended_after(day)
        near = near.head(near.known_at(day + length + longest))
        inside = near.start < day + length
        share = fraction_within(near.start[inside], near.end[inside], day, day + length)
        observed = np.bincount(near.cell[inside], weights=share, minlength=grid.n_cells)
        curve_n[i] = metrics.captured(forecast.expected, observed, grid.area, levels)
        events_n[i] = observed.sum()
        if events_n[i] > 0:
            best_n[i] = metrics.best_captured(observed, grid.area, levels)
            # The best PAI needs only the cells where events happened (PEI*, NIJ).
            used = np.minimum(levels * total_area, float(grid.area[observed > 0].sum()))
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
    k = _level(coverage)
    scores = WindowScores(
        start=np.array([to_datetime64(float(d)) for d in starts]),
        label=np.array(labels, dtype=str),
        events=events_n,
        captured=curve_n[:, k],
        best=best_n[:, k],
        best_pai=best_pai_n[:, k],
        brier=brier_n,
        curve=curve_n,
        best_curve=best_n,
        best_pai_curve=best_pai_n,
    )
    return _Segment(scores, (rel_count, rel_p, rel_y), seconds, summary)


def backtest(
    models: Mapping[str, Forecaster] | Sequence[Forecaster],
    events: EventPoints,
    grid: Grid,
    *,
    start: np.datetime64 | datetime | str,
    end: np.datetime64 | datetime | str,
    window: Window = 1.0,
    refit: Window = 30.0,
    coverage: float = 0.05,
    timezone: str = "UTC",
    leading: EventPoints | None = None,
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
    window : timedelta, float or str
        Forecast window: a length (float: days) or a local window, ``"shift"``, ``"day"``,
        ``"week"`` or ``"month"`` (:mod:`patrolgate.forecast.windows`).
    refit : timedelta, float or "month"
        Refit cadence (float: days), or ``"month"`` for each calendar month; each refit
        starts a task.
    coverage : float
        Coverage fraction at which hit rate, PAI and PEI are reported; one of
        :data:`CURVE_LEVELS`.
    timezone : str
        Local clock of local windows and monthly refits.
    leading : EventPoints, optional
        Events of other categories offered to the models as leading indicators (cut at
        each fit and forecast like the events); they are never scored.
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
    _level(coverage)
    first, last = to_days(start), to_days(end)
    starts, lengths = windows_of(first, last, window, timezone)
    if len(starts) == 0:
        raise ForecastError("the period holds no whole forecast window")
    labels = window_labels(starts, window, timezone)
    segment_of = refit_segments(starts, first, refit, timezone)
    segments = [segment_of == s for s in np.unique(segment_of)]
    tasks = [
        {
            "model": model,
            "starts": starts[seg],
            "lengths": lengths[seg],
            "labels": [labels[i] for i in np.flatnonzero(seg)],
            "coverage": coverage,
        }
        for model in named.values()
        for seg in segments
    ]
    done = run_tasks(
        _run_segment,
        {"events": events, "grid": grid, "leading": leading},
        tasks,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
    )
    results = []
    for index, (name, model) in enumerate(named.items()):
        parts = done[index * len(segments) : (index + 1) * len(segments)]
        results.append(_pool(name, model, parts, coverage))
    refit_days = (
        float(np.mean(np.diff(np.r_[[starts[s][0] for s in segments], last])))
        if isinstance(refit, str)
        else float(refit.total_seconds() / 86_400 if isinstance(refit, timedelta) else refit)
    )
    return BacktestResult(
        models=results,
        start=to_datetime64(first),
        end=to_datetime64(last),
        window_days=float(lengths.mean()),
        refit_days=refit_days,
        coverage=coverage,
        n_cells=grid.n_cells,
        area_km2=grid.total_area / 1e6,
        wall_seconds=time.perf_counter() - clock,
        window=describe(window),
        refit=describe(refit),
        timezone=timezone,
    )


def _pool(name: str, model: Forecaster, parts: list[_Segment], coverage: float) -> ModelResult:
    def joined(attribute: str) -> NDArray[Any]:
        return np.concatenate([getattr(p.scores, attribute) for p in parts])

    def stacked(attribute: str) -> NDArray[Any]:
        return np.vstack([getattr(p.scores, attribute) for p in parts])

    windows = WindowScores(
        start=joined("start"),
        label=joined("label"),
        events=joined("events"),
        captured=joined("captured"),
        best=joined("best"),
        best_pai=joined("best_pai"),
        brier=joined("brier"),
        curve=stacked("curve"),
        best_curve=stacked("best_curve"),
        best_pai_curve=stacked("best_pai_curve"),
    )
    total = float(windows.events.sum())
    n_cells = len(parts[0].reliability[0]) and int(sum(p.reliability[0].sum() for p in parts))
    main = _scores(windows, coverage, np.ones(len(windows.events), dtype=bool))
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
        hit_rate=main.hit_rate,
        pai=main.pai,
        pei=main.pei,
        pei_star=main.pei_star,
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
