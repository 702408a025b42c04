"""Accuracy of forecasts: hit rate, PAI, PEI, PEI*, coverage curves, Brier score, reliability.

Pure functions of arrays indexed by grid cell: ``expected`` (a forecast's expected count,
or any score where higher means riskier), ``observed`` (events that then happened) and
``area`` (each cell's clipped area in m²).

Ranking and ties
----------------
Cells are ranked by forecast density (``expected / area``, the order that makes the most
of an area budget when cells are clipped to different areas). Cells whose densities are
exactly equal form one tie group. When the budget ends part-way through a tie group, every
cell of the group is counted in the same proportion (the budget left over the group's
area). That is the expected result of breaking the tie at random, computed exactly, so
scores never depend on how cells happen to be numbered; a forecast that says nothing
(all cells equal) scores a PAI of exactly 1.

Empty windows
-------------
A window with no events has no hit rate: single-window functions return ``nan`` for it,
and pooled figures (sums over windows, as in :mod:`patrolgate.forecast.backtest`) simply
add nothing for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from patrolgate.forecast._base import ForecastError

#: Square metres in a square mile, for area budgets such as the NIJ challenge's 0.25–0.75.
SQUARE_MILE_M2 = 2_589_988.110336


def _arrays(
    expected: ArrayLike, observed: ArrayLike, area: ArrayLike
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    e = np.asarray(expected, dtype=np.float64)
    o = np.asarray(observed, dtype=np.float64)
    a = np.asarray(area, dtype=np.float64)
    if not (e.shape == o.shape == a.shape) or e.ndim != 1:
        raise ForecastError("expected, observed and area must be 1-d arrays of the same length")
    if np.any(a <= 0):
        raise ForecastError("every cell must have a positive area")
    return e, o, a


def coverage_of_budget(area: ArrayLike, square_miles: float) -> float:
    """The coverage fraction an area budget in square miles represents (at most 1)."""
    total = float(np.sum(np.asarray(area, dtype=np.float64)))
    if not square_miles > 0:
        raise ForecastError(f"an area budget must be positive, not {square_miles}")
    return min(square_miles * SQUARE_MILE_M2 / total, 1.0)


def captured(
    expected: ArrayLike, observed: ArrayLike, area: ArrayLike, coverage: ArrayLike
) -> NDArray[np.float64]:
    """Events inside the top-ranked cells covering each ``coverage`` fraction of the area.

    Ties at the edge of the budget are shared in proportion (see the module notes), so the
    result may be fractional.

    Parameters
    ----------
    expected, observed, area : array_like, shape (n_cells,)
        Forecast scores, observed events and clipped cell areas.
    coverage : float or array_like
        Fractions of the total area in ``(0, 1]``.

    Returns
    -------
    ndarray
        Captured events, one per coverage value.
    """
    e, o, a = _arrays(expected, observed, area)
    levels = np.atleast_1d(np.asarray(coverage, dtype=np.float64))
    if np.any((levels <= 0) | (levels > 1)):
        raise ForecastError("coverage fractions must be in (0, 1]")
    density = e / a
    order = np.argsort(-density, kind="stable")
    sorted_density = density[order]
    # Boundaries of tie groups in ranked order.
    starts = np.flatnonzero(np.r_[True, sorted_density[1:] != sorted_density[:-1]])
    group_area = np.add.reduceat(a[order], starts)
    group_events = np.add.reduceat(o[order], starts)
    area_end = np.cumsum(group_area)
    events_end = np.cumsum(group_events)
    budget = levels * area_end[-1]
    # The group in which each budget ends (budgets equal to a group's end stay in it).
    g = np.minimum(np.searchsorted(area_end, budget * (1 - 1e-12), side="left"), len(starts) - 1)
    area_before = area_end[g] - group_area[g]
    events_before = events_end[g] - group_events[g]
    share = np.clip((budget - area_before) / group_area[g], 0.0, 1.0)
    return np.asarray(events_before + share * group_events[g], dtype=np.float64)


def best_captured(observed: ArrayLike, area: ArrayLike, coverage: ArrayLike) -> NDArray[np.float64]:
    """The most events any selection of the same area could capture (a perfect forecast)."""
    o = np.asarray(observed, dtype=np.float64)
    return captured(o, o, area, coverage)


def hit_rate(expected: ArrayLike, observed: ArrayLike, area: ArrayLike, coverage: float) -> float:
    """Share of the observed events inside the top cells covering ``coverage`` of the area.

    Returns ``nan`` when no event was observed.
    """
    total = float(np.sum(np.asarray(observed, dtype=np.float64)))
    if total <= 0:
        return float("nan")
    return float(captured(expected, observed, area, coverage)[0]) / total


def pai(expected: ArrayLike, observed: ArrayLike, area: ArrayLike, coverage: float) -> float:
    """Predictive accuracy index: hit rate divided by the coverage fraction."""
    return hit_rate(expected, observed, area, coverage) / coverage


def pai_at_budget(
    expected: ArrayLike, observed: ArrayLike, area: ArrayLike, square_miles: float
) -> float:
    """PAI when the forecast area is a budget in square miles rather than a fraction."""
    return pai(expected, observed, area, coverage_of_budget(area, square_miles))


def pei(expected: ArrayLike, observed: ArrayLike, area: ArrayLike, coverage: float) -> float:
    """Predictive efficiency index: captured events over the most capturable in that area.

    Returns ``nan`` when no event was observed.
    """
    best = float(best_captured(observed, area, coverage)[0])
    if best <= 0:
        return float("nan")
    return float(captured(expected, observed, area, coverage)[0]) / best


def best_pai(observed: ArrayLike, area: ArrayLike, coverage: float) -> float:
    """The best PAI achievable within the forecast area (the PAI* of the NIJ challenge).

    A perfect forecast needs only the cells where events happened: when their area is
    smaller than the budget, its area is theirs (``a*``) and its PAI correspondingly higher.
    """
    o = np.asarray(observed, dtype=np.float64)
    a = np.asarray(area, dtype=np.float64)
    total = float(o.sum())
    if total <= 0:
        return float("nan")
    best = float(best_captured(o, a, coverage)[0])
    used = min(coverage * float(a.sum()), float(a[o > 0].sum()))
    return (best / total) / (used / float(a.sum()))


def pei_star(expected: ArrayLike, observed: ArrayLike, area: ArrayLike, coverage: float) -> float:
    """PEI*: the forecast's PAI over the best PAI achievable in the same area."""
    return pai(expected, observed, area, coverage) / best_pai(observed, area, coverage)


def coverage_curve(
    expected: ArrayLike, observed: ArrayLike, area: ArrayLike, coverages: ArrayLike
) -> NDArray[np.float64]:
    """Hit rate at each coverage fraction (all ``nan`` when no event was observed)."""
    total = float(np.sum(np.asarray(observed, dtype=np.float64)))
    hits = captured(expected, observed, area, coverages)
    if total <= 0:
        return np.full(hits.shape, np.nan)
    return hits / total


def brier_score(probability: ArrayLike, occurred: ArrayLike) -> float:
    """Mean squared difference between probabilities and what happened (1 or 0)."""
    p = np.asarray(probability, dtype=np.float64)
    y = np.asarray(occurred, dtype=np.float64)
    if p.shape != y.shape or p.size == 0:
        raise ForecastError("probability and occurred must be non-empty and of the same shape")
    if np.any((p < 0) | (p > 1)):
        raise ForecastError("probabilities must lie in [0, 1]")
    return float(np.mean((p - (y > 0)) ** 2))


@dataclass(frozen=True)
class Reliability:
    """A calibration table: for each probability bin, the forecasts and what happened.

    ``count`` forecasts fell in ``[low, high)`` (the last bin includes 1); their mean
    probability was ``predicted`` and the share that saw an event ``observed`` (``nan`` in
    empty bins).
    """

    low: NDArray[np.float64]
    high: NDArray[np.float64]
    count: NDArray[np.int64]
    predicted: NDArray[np.float64]
    observed: NDArray[np.float64]


def reliability_sums(
    probability: ArrayLike, occurred: ArrayLike, edges: ArrayLike
) -> tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]:
    """Per-bin counts, sums of probabilities and sums of outcomes (to pool over windows)."""
    p = np.asarray(probability, dtype=np.float64)
    y = (np.asarray(occurred, dtype=np.float64) > 0).astype(np.float64)
    e = np.asarray(edges, dtype=np.float64)
    index = np.clip(np.searchsorted(e, p, side="right") - 1, 0, len(e) - 2)
    bins = len(e) - 1
    count: NDArray[np.int64] = np.bincount(index, minlength=bins).astype(np.int64)
    p_sum: NDArray[np.float64] = np.bincount(index, weights=p, minlength=bins).astype(np.float64)
    y_sum: NDArray[np.float64] = np.bincount(index, weights=y, minlength=bins).astype(np.float64)
    return count, p_sum, y_sum


def reliability_from_sums(
    edges: ArrayLike,
    count: NDArray[np.int64],
    probability_sum: NDArray[np.float64],
    outcome_sum: NDArray[np.float64],
) -> Reliability:
    """The reliability table from pooled :func:`reliability_sums`."""
    e = np.asarray(edges, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        predicted = np.where(count > 0, probability_sum / count, np.nan)
        observed = np.where(count > 0, outcome_sum / count, np.nan)
    return Reliability(e[:-1], e[1:], count, predicted, observed)


def reliability_table(probability: ArrayLike, occurred: ArrayLike, bins: int = 10) -> Reliability:
    """Calibration of probabilities in ``bins`` equal-width bins over ``[0, 1]``."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    return reliability_from_sums(edges, *reliability_sums(probability, occurred, edges))


@dataclass(frozen=True)
class Interval:
    """A point estimate with a two-sided confidence interval."""

    estimate: float
    low: float
    high: float
    level: float

    @property
    def excludes_zero(self) -> bool:
        """Whether the whole interval lies on one side of zero."""
        return self.low > 0 or self.high < 0


def paired_bootstrap(
    first: ArrayLike,
    second: ArrayLike,
    denominator: ArrayLike,
    *,
    scale: float = 1.0,
    n_resamples: int = 2000,
    level: float = 0.95,
    random_state: int | None = 0,
) -> Interval:
    """Percentile bootstrap interval of ``scale * (sum(first) - sum(second)) / sum(denominator)``.

    Windows (the entries of the arrays) are resampled together, so the two models are
    compared on the same forecasts. For the difference in pooled PAI at coverage ``c``
    pass each model's captured events per window, the events per window and
    ``scale = 1 / c``. Windows with no events stay in the resampling and add nothing.

    Parameters
    ----------
    first, second, denominator : array_like, shape (n_windows,)
    scale : float
    n_resamples : int
    level : float
        Confidence level, e.g. 0.95.
    random_state : int or None
        Seed of the resampling, so the interval is reproducible.
    """
    a = np.asarray(first, dtype=np.float64)
    b = np.asarray(second, dtype=np.float64)
    d = np.asarray(denominator, dtype=np.float64)
    if not (a.shape == b.shape == d.shape) or a.ndim != 1 or a.size == 0:
        raise ForecastError("the paired arrays must be 1-d, non-empty and of the same length")
    if not 0 < level < 1:
        raise ForecastError(f"level must be in (0, 1), not {level}")
    total = float(d.sum())
    estimate = scale * float(a.sum() - b.sum()) / total if total > 0 else float("nan")
    rng = np.random.default_rng(random_state)
    difference = a - b
    stats = np.empty(n_resamples, dtype=np.float64)
    for start in range(0, n_resamples, 256):
        stop = min(start + 256, n_resamples)
        picks = rng.integers(0, a.size, size=(stop - start, a.size))
        with np.errstate(invalid="ignore", divide="ignore"):
            stats[start:stop] = scale * difference[picks].sum(axis=1) / d[picks].sum(axis=1)
    stats = stats[np.isfinite(stats)]
    if stats.size == 0:
        return Interval(estimate, float("nan"), float("nan"), level)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(stats, [tail, 100 - tail])
    return Interval(estimate, float(low), float(high), level)
