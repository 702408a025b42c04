"""Evaluating one deployment: counts before, during and after; controls; the tests; a verdict.

The method (docs/evaluation.md): count victim-reported harm in the deployment's area, in a
ring around it (displacement) and in matched control areas (the area's own shape, moved to
the places whose counts before the deployment and forecast risk match best). Compare the
deployment window with the before period through the Weighted Displacement Difference
test, its variance inflated by the overdispersion measured in the same areas over the
previous year, and read the Weighted Displacement Quotient and the observed count against
the forecast beside it. Say "not enough data" when the design could not have detected even
the prevention of every expected event.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from scipy import stats
from shapely import affinity
from shapely.geometry.base import BaseGeometry

from patrolgate.evaluation.controls import (
    excluded_cells,
    histogram,
    match_controls,
    shape_mask,
)
from patrolgate.evaluation.design import (
    DAY,
    AreaTimes,
    DeploymentArea,
    EvaluationDesign,
    Windows,
    epoch,
)
from patrolgate.evaluation.results import (
    AreaCounts,
    Contrast,
    DeploymentEvaluation,
    ForecastCheck,
    Verdict,
)
from patrolgate.evaluation.statistics import (
    PeriodCounts,
    poisson_interval,
    poisson_test,
    wdd_test,
    wdq,
)
from patrolgate.events.points import EventPoints
from patrolgate.forecast import Forecast
from patrolgate.geo.grid import Grid

_WEEK = 7 * 86_400
#: More than this share of imprecisely timed events near the area means "not enough data".
MAX_IMPRECISE_SHARE = 0.10


def _seconds_of(events: EventPoints, design: EvaluationDesign) -> tuple[NDArray[np.int64], Any]:
    start = events.t_start.astype("datetime64[s]").astype(np.int64)
    end = events.t_end.astype("datetime64[s]").astype(np.int64)
    precise = (end - start) <= design.max_interval.total_seconds()
    return (start + (end - start) // 2).astype(np.int64), precise


def _forecast_expected(forecast: Forecast, grid: Grid, area: BaseGeometry) -> float:
    cells = np.flatnonzero(shapely.intersects(grid.polygons(clipped=False), area)).astype(np.int64)
    if cells.size == 0:
        return 0.0
    boxes = grid.polygons(cells, clipped=False)
    share = shapely.area(shapely.intersection(boxes, area)) / np.maximum(grid.area[cells], 1e-9)
    return float(np.sum(forecast.expected[cells] * np.clip(share, 0.0, 1.0)))


def evaluate_deployment(
    deployment: DeploymentArea,
    events: EventPoints,
    grid: Grid,
    design: EvaluationDesign | None = None,
    *,
    forecast: Forecast | None = None,
    avoid: list[BaseGeometry] | None = None,
    data_until: np.datetime64 | None = None,
) -> DeploymentEvaluation:
    """Evaluate one deployment against matched controls.

    Parameters
    ----------
    deployment : DeploymentArea
        Where and when, in the study CRS.
    events : EventPoints
        Victim-reported harm in the study CRS, covering at least the history, before,
        during and after windows (see :meth:`EvaluationDesign.windows`).
    grid : Grid
        The study grid: candidate control positions move in its cell steps, and its clipped
        cells say where the study area ends.
    design : EvaluationDesign, optional
        Windows, ring width, number of controls, significance level.
    forecast : Forecast, optional
        The forecast for the deployment window on ``grid``: its expected count in the area
        is compared with what happened, and its risk is matched when choosing controls.
    avoid : list of geometries, optional
        Areas no control may touch (other deployments at the time).
    data_until : numpy.datetime64, optional
        Records are complete up to this instant (default: complete). Before the deployment
        window is covered the verdict is "not enough data"; before the after window is
        covered the after comparison is left out.

    Returns
    -------
    DeploymentEvaluation
    """
    design = design or EvaluationDesign()
    if events.crs != grid.crs:
        raise ValueError(f"events are in {events.crs} but the grid is in {grid.crs}")
    windows = design.windows(deployment)
    seconds, precise = _seconds_of(events, design)
    span = (seconds >= epoch(windows.history_start)) & (seconds < epoch(windows.after[1]))
    x, y = events.x[span], events.y[span]
    seconds, precise = seconds[span], precise[span]

    target = deployment.area
    dilated = shapely.intersection(target.buffer(design.buffer_m), grid.study_area)
    ring = shapely.difference(dilated, target)
    reasons: list[str] = []
    coarse = False

    near = shapely.contains_xy(dilated, x, y)
    near_during = near & (seconds >= epoch(windows.before[0])) & (seconds < epoch(windows.after[1]))
    if near_during.any() and 1 - precise[near_during].mean() > MAX_IMPRECISE_SHARE:
        coarse = True
        reasons.append(
            "the records near this area are dated only to within more than "
            f"{design.max_interval}; they cannot be placed before, during or after"
        )
    x, y, seconds = x[precise], y[precise], seconds[precise]

    mask = shape_mask(grid, target, dilated)
    layers = _matching_layers(grid, windows, x, y, seconds, forecast)
    match = match_controls(
        grid,
        mask,
        layers,
        n_controls=design.n_controls,
        excluded=(None if not avoid else excluded_cells(grid, avoid)),
    )
    controls = [affinity.translate(target, dx, dy) for dx, dy in match.shifts]
    control_rings = [
        shapely.intersection(affinity.translate(ring, dx, dy), grid.study_area)
        for dx, dy in match.shifts
    ]

    def times(areas: list[BaseGeometry]) -> AreaTimes:
        inside = np.zeros(len(x), dtype=bool)
        for area in areas:
            inside |= shapely.contains_xy(area, x, y)
        return AreaTimes(seconds[inside])

    groups = {
        "target": times([target]),
        "buffer": times([ring]),
        "control": times(controls),
        "control_buffer": times(control_rings),
    }
    n = max(len(controls), 1)
    counts = {
        name: _area_counts(t, windows, 1.0 if name in ("target", "buffer") else n)
        for name, t in groups.items()
    }
    if not controls:
        reasons.append("no place in the study area could serve as a control")
    after_complete = data_until is None or data_until >= windows.after[1]
    if data_until is not None and data_until < windows.during[1]:
        reasons.append(f"records reach only {data_until}Z, before the deployment ended")
    if counts["target"].before == 0:
        reasons.append("no events in the area before the deployment")

    during = after = None
    if controls:
        during = _contrast(groups, windows.before, windows.during, windows, design, n)
        if after_complete:
            after = _contrast(groups, windows.before, windows.after, windows, design, n)
        if not during.enough_data:
            reasons.append(
                f"at the rate before, {during.expected:.1f} events were expected in the area "
                f"during the deployment; only a net change of {during.minimum_detectable:.1f} "
                "or more could be told from chance, so even preventing every one of them "
                "would not show"
            )
    check = None
    if forecast is not None:
        check = _forecast_check(forecast, grid, target, int(counts["target"].during), design)
    verdict, summary = _verdict(during, reasons, design)
    return DeploymentEvaluation(
        deployment_id=deployment.id,
        profile=deployment.profile,
        windows={
            name: [str(w[0]) + "Z", str(w[1]) + "Z"]
            for name, w in (
                ("before", windows.before),
                ("during", windows.during),
                ("after", windows.after),
            )
        },
        area_km2=float(target.area) / 1e6,
        buffer_km2=float(ring.area) / 1e6,
        target=counts["target"],
        buffer=counts["buffer"],
        control=counts["control"],
        control_buffer=counts["control_buffer"],
        n_controls=len(controls),
        control_shifts_m=match.shifts,
        control_match={
            "candidates": match.candidates,
            "distances": match.distances,
            "target": match.target_features,
            "controls": match.features,
        },
        during=during,
        after=after,
        forecast=check,
        verdict=verdict,
        summary=summary,
        poolable=during is not None and not coarse,
        reasons=reasons,
        series=_daily_series(groups, windows, n, data_until),
    )


def _matching_layers(
    grid: Grid,
    windows: Windows,
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    seconds: NDArray[np.int64],
    forecast: Forecast | None,
) -> dict[str, NDArray[np.float64]]:
    """Counts before the deployment and risk, both on the before period's count scale."""
    before = (seconds >= epoch(windows.before[0])) & (seconds < epoch(windows.before[1]))
    layers = {"before": histogram(grid, x[before], y[before])}
    length = Windows.length(windows.before)
    if forecast is not None:
        days = float((forecast.end - forecast.start) / DAY)
        layers["risk"] = grid.to_raster(forecast.expected * (length / days))
    else:
        history = (seconds >= epoch(windows.history_start)) & (seconds < epoch(windows.before[0]))
        days = float((windows.before[0] - windows.history_start) / DAY)
        layers["risk"] = histogram(grid, x[history], y[history]) * (length / days)
    return layers


def _area_counts(times: AreaTimes, windows: Windows, n: float) -> AreaCounts:
    values = [
        float(times.count(epoch(w[0]), epoch(w[1]))) / n
        for w in (windows.before, windows.during, windows.after)
    ]
    return AreaCounts(*values)


def _contrast(
    groups: dict[str, AreaTimes],
    before: tuple[np.datetime64, np.datetime64],
    outcome: tuple[np.datetime64, np.datetime64],
    windows: Windows,
    design: EvaluationDesign,
    n_controls: int,
) -> Contrast:
    """Compare ``outcome`` with ``before``; overdispersion from the same design shifted back."""
    b0, b1, o0, o1 = epoch(before[0]), epoch(before[1]), epoch(outcome[0]), epoch(outcome[1])
    scale = (o1 - o0) / (b1 - b0)
    # Shift by whole weeks (keeping the time of week) and by at least the outcome window.
    step = _WEEK * max(1, math.ceil((o1 - o0) / _WEEK))
    shifts = step * np.arange(0, int(design.history.total_seconds()) // step + 1, dtype=np.int64)
    period = {
        name: (t.count(b0 - shifts, b1 - shifts), t.count(o0 - shifts, o1 - shifts))
        for name, t in groups.items()
    }
    weights = {"target": 1.0, "buffer": 1.0, "control": 1.0 / n_controls}
    weights["control_buffer"] = weights["control"]
    sign = {"target": 1.0, "buffer": 1.0, "control": -1.0, "control_buffer": -1.0}

    def combined(names: tuple[str, ...]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        net = sum(sign[k] * weights[k] * (period[k][1] - scale * period[k][0]) for k in names)
        null = sum(weights[k] ** 2 * (scale + scale**2) * period[k][0] for k in names)
        return np.asarray(net, dtype=np.float64), np.asarray(null, dtype=np.float64)

    def dispersion_of(net: NDArray[np.float64], null: NDArray[np.float64]) -> float:
        # Shift 0 is the deployment itself; the others are the same design in the past year.
        past = float(np.sum(null[1:]))
        return max(1.0, float(np.sum(net[1:] ** 2)) / past) if past > 0 else 1.0

    net, null_variance = combined(tuple(period))
    dispersion = dispersion_of(net, null_variance)

    def at(name: str) -> PeriodCounts:
        return PeriodCounts(before=float(period[name][0][0]), after=float(period[name][1][0]))

    result = wdd_test(
        at("target"),
        at("buffer"),
        at("control"),
        at("control_buffer"),
        scale=scale,
        n_controls=n_controls,
        dispersion=dispersion,
        null_variance=float(null_variance[0]),
    )
    quotient, meaning = wdq(at("target"), at("buffer"), at("control"))
    z = float(stats.norm.ppf(1 - design.alpha / 2))
    expected = scale * at("target").before
    local, local_null = combined(("target", "control"))
    relative = lower = upper = relative_variance = None
    if expected > 0:
        relative = float(local[0]) / expected
        relative_variance = dispersion_of(local, local_null) * float(local_null[0]) / expected**2
        half = z * math.sqrt(relative_variance)
        lower, upper = relative - half, relative + half
    minimum = z * math.sqrt(dispersion * float(null_variance[0]))
    return Contrast(
        scale=scale,
        wdd=result,
        wdq=quotient,
        wdq_meaning=meaning,
        relative_change=relative,
        relative_lower=lower,
        relative_upper=upper,
        relative_variance=relative_variance,
        expected=expected,
        minimum_detectable=minimum,
        enough_data=expected > 0 and expected >= minimum,
    )


def _forecast_check(
    forecast: Forecast, grid: Grid, area: BaseGeometry, observed: int, design: EvaluationDesign
) -> ForecastCheck:
    expected = _forecast_expected(forecast, grid, area)
    lower, upper = poisson_interval(observed, design.alpha)
    safe = max(expected, 1e-12)
    return ForecastCheck(
        model=forecast.model,
        expected=expected,
        observed=observed,
        ratio=observed / safe,
        ratio_lower=lower / safe,
        ratio_upper=upper / safe,
        p_value=poisson_test(observed, expected),
    )


def _verdict(
    during: Contrast | None, reasons: list[str], design: EvaluationDesign
) -> tuple[Verdict, str]:
    if during is None or reasons:
        return Verdict.NOT_ENOUGH_DATA, "Not enough data to say: " + "; ".join(reasons) + "."
    test = during.wdd
    low, high = test.interval
    change = (
        f"net change {test.estimate:+.1f} events (95% CI {low:+.1f} to {high:+.1f}; "
        f"z = {test.z:.2f}, p = {test.p_value:.3f})"
    )
    if test.p_value >= design.alpha:
        return Verdict.NO_DETECTABLE_CHANGE, f"No change that chance could not explain: {change}."
    if test.estimate < 0:
        return Verdict.FEWER, f"Fewer events than the controls suggest: {change}."
    return Verdict.MORE, f"More events than the controls suggest: {change}."


def _daily_series(
    groups: dict[str, AreaTimes],
    windows: Windows,
    n: int,
    data_until: np.datetime64 | None = None,
) -> dict[str, Any]:
    """Events per day from the start of the before window to the end of the after window;
    a day the records do not yet cover in full (beyond ``data_until``) is ``None``, never
    a zero: nothing is known of it yet."""
    first = windows.before[0].astype("datetime64[D]")
    last = windows.after[1].astype("datetime64[D]") + np.timedelta64(1, "D")
    days = np.arange(first, last + np.timedelta64(1, "D"), dtype="datetime64[D]")
    edges = days.astype("datetime64[s]").astype(np.int64)
    series: dict[str, Any] = {"days": [str(d) for d in days[:-1]]}
    for name, t in groups.items():
        per = 1.0 if name in ("target", "buffer") else float(n)
        counts: list[float | None] = (t.count(edges[:-1], edges[1:]) / per).tolist()
        if data_until is not None:
            known_until = int(data_until.astype("datetime64[s]").astype(np.int64))
            counts = [
                c if end <= known_until else None for c, end in zip(counts, edges[1:], strict=True)
            ]
        series[name] = counts
    series["windows"] = {
        name: [str(w[0]), str(w[1])]
        for name, w in (
            ("before", windows.before),
            ("during", windows.during),
            ("after", windows.after),
        )
    }
    return series
