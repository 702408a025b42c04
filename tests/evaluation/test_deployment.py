"""Evaluating one deployment on synthetic events whose truth is known."""

from __future__ import annotations

import json
from datetime import timedelta

import numpy as np
import pytest
import shapely

from patrolgate.errors import InvalidInput
from patrolgate.evaluation import (
    DeploymentArea,
    DeploymentEvaluation,
    EvaluationDesign,
    Verdict,
    evaluate_deployment,
)
from patrolgate.evaluation.plots import series_png
from patrolgate.events.points import EventPoints
from patrolgate.geo.grid import Grid

CRS = "EPSG:27700"
START = np.datetime64("2020-06-01T20:00:00")
FIRST = np.datetime64("2019-01-01T00:00:00")
LAST = np.datetime64("2020-09-01T00:00:00")


def uniform_events(rate_per_km2_day: float, seed: int, side_km: float = 12.0) -> EventPoints:
    """A homogeneous Poisson process over a square study area, timestamped to the minute."""
    rng = np.random.default_rng(seed)
    days = float((LAST - FIRST) / np.timedelta64(1, "D"))
    n = rng.poisson(rate_per_km2_day * side_km * side_km * days)
    offsets = np.sort(rng.integers(0, int(days * 86_400), n))
    start = FIRST + offsets.astype("timedelta64[s]")
    return EventPoints(
        t_start=start,
        t_end=start + np.timedelta64(60, "s"),
        x=rng.uniform(0, side_km * 1000, n),
        y=rng.uniform(0, side_km * 1000, n),
        category=np.full(n, "violence-with-injury"),
        crs=CRS,
    )


@pytest.fixture(scope="module")
def grid() -> Grid:
    """A 12 km square study area on a 250 m grid."""
    return Grid.from_polygon(shapely.box(0, 0, 12_000, 12_000), crs=CRS, cell_size=250.0)


def deployment(hours: float = 48, side: float = 2000.0) -> DeploymentArea:
    """A square deployment in the middle of the study area."""
    low = 6000 - side / 2
    return DeploymentArea(
        id="dep-test",
        profile="armed-patrol",
        area=shapely.box(low, low, low + side, low + side),
        start=START,
        end=START + np.timedelta64(int(hours * 3600), "s"),
    )


def test_counts_are_exact_in_each_area_and_window(grid: Grid) -> None:
    """Hand-placed events land in the right area and window; controls avoid the ring."""
    events = uniform_events(0.5, seed=1)
    result = evaluate_deployment(deployment(), events, grid)
    area = deployment().area
    inside = shapely.contains_xy(area, events.x, events.y)
    before = (events.t_start >= START - np.timedelta64(29, "D")) & (
        events.t_start < START - np.timedelta64(1, "D")
    )
    during = (events.t_start >= START) & (events.t_start < START + np.timedelta64(48, "h"))
    assert result.target.before == int((inside & before).sum())
    assert result.target.during == int((inside & during).sum())
    assert result.n_controls == 5
    dilated = area.buffer(400)
    placed = [shapely.affinity.translate(area, dx, dy) for dx, dy in result.control_shifts_m]
    for number, control in enumerate(placed):
        assert not control.buffer(400).intersects(dilated.buffer(-1e-6))
        assert grid.study_area.contains(control)
        for other in placed[number + 1 :]:
            assert not control.buffer(400).intersects(other.buffer(400).buffer(-1e-6))
    assert result.buffer_km2 == pytest.approx(dilated.difference(area).area / 1e6, rel=1e-6)


def test_a_strong_real_effect_is_found(grid: Grid) -> None:
    """Removing every event from the area for 48 hours where ~24 were expected: "fewer"."""
    events = uniform_events(3.0, seed=2)
    area = deployment().area
    removed = shapely.contains_xy(area, events.x, events.y) & (
        (events.t_start >= START) & (events.t_start < START + np.timedelta64(48, "h"))
    )
    result = evaluate_deployment(deployment(), events.subset(~removed), grid)
    assert result.target.during == 0
    assert result.during is not None and result.during.enough_data
    assert result.verdict is Verdict.FEWER
    assert result.during.wdd.estimate < 0 and result.during.wdd.p_value < 0.01
    assert result.during.relative_change is not None
    assert result.during.relative_upper is not None and result.during.relative_upper < 0
    assert result.summary.startswith("Fewer events than the controls suggest")


def test_no_effect_gives_no_detectable_change(grid: Grid) -> None:
    """The same rate everywhere and always: the test does not invent an effect."""
    result = evaluate_deployment(deployment(), uniform_events(2.0, seed=3), grid)
    assert result.during is not None and result.during.enough_data
    assert result.verdict is Verdict.NO_DETECTABLE_CHANGE
    assert result.during.wdd.p_value >= 0.05


def test_too_few_events_is_not_enough_data(grid: Grid) -> None:
    """A small area for 8 hours at a low rate: even preventing everything would not show."""
    result = evaluate_deployment(deployment(hours=8, side=500), uniform_events(0.2, seed=4), grid)
    assert result.verdict is Verdict.NOT_ENOUGH_DATA
    assert result.during is not None and not result.during.enough_data
    assert result.during.expected < result.during.minimum_detectable
    assert "even preventing every one of them would not show" in result.summary


def test_no_events_at_all_is_not_enough_data(grid: Grid) -> None:
    """An empty history: zero counts everywhere, no division by zero, an honest verdict."""
    result = evaluate_deployment(deployment(), EventPoints.empty(CRS), grid)
    assert result.verdict is Verdict.NOT_ENOUGH_DATA
    assert "no events in the area before the deployment" in result.reasons
    assert result.during is not None and result.during.relative_change is None
    assert result.during.wdq is None


def test_month_dated_records_cannot_be_placed_in_hours(grid: Grid) -> None:
    """police.uk-style months: "not enough data", and the deployment is not pooled."""
    events = uniform_events(2.0, seed=5)
    monthly = EventPoints(
        t_start=events.t_start.astype("datetime64[M]").astype("datetime64[s]"),
        t_end=(events.t_start.astype("datetime64[M]") + 1).astype("datetime64[s]"),
        x=events.x,
        y=events.y,
        category=events.category,
        crs=CRS,
    )
    result = evaluate_deployment(deployment(), monthly, grid)
    assert result.verdict is Verdict.NOT_ENOUGH_DATA
    assert not result.poolable
    assert any("dated only to within" in r for r in result.reasons)


def test_records_that_stop_before_the_end_are_not_enough_data(grid: Grid) -> None:
    """Data complete only up to the deployment's start: no verdict, no after comparison."""
    result = evaluate_deployment(deployment(), uniform_events(2.0, seed=6), grid, data_until=START)
    assert result.verdict is Verdict.NOT_ENOUGH_DATA
    assert result.after is None
    assert any("records reach only" in r for r in result.reasons)
    # The daily series says nothing of days the records do not cover: None, never 0.
    days = np.array(result.series["days"], dtype="datetime64[D]")
    for key in ("target", "buffer", "control"):
        values = result.series[key]
        whole = [d + np.timedelta64(1, "D") <= START for d in days]  # the day ended by then
        assert all((v is not None) == known for v, known in zip(values, whole, strict=True))
        assert any(whole) and not all(whole)
    assert series_png(result)[:8] == b"\x89PNG\r\n\x1a\n"


def test_design_windows_and_validation() -> None:
    """Defaults: 28 days before ending a day before the start, 28 days after the end."""
    windows = EvaluationDesign().windows(deployment(hours=24))
    assert windows.before == (START - np.timedelta64(29, "D"), START - np.timedelta64(1, "D"))
    assert windows.after[1] - windows.after[0] == np.timedelta64(28, "D")
    assert windows.history_start == windows.before[0] - np.timedelta64(364, "D")
    with pytest.raises(InvalidInput, match="before must be longer"):
        EvaluationDesign(before=timedelta(0))
    with pytest.raises(InvalidInput, match="at least one control"):
        EvaluationDesign(n_controls=0)


def test_other_deployments_are_avoided_by_controls(grid: Grid) -> None:
    """A control never touches an area given in ``avoid``."""
    other = shapely.box(0, 0, 6000, 12_000)
    result = evaluate_deployment(deployment(), uniform_events(0.5, seed=7), grid, avoid=[other])
    for dx, dy in result.control_shifts_m:
        control = shapely.affinity.translate(deployment().area, dx, dy)
        assert control.buffer(400).intersection(other).area < 250 * 250


def test_results_are_plain_json(grid: Grid) -> None:
    """``to_dict`` round-trips through JSON; the series only when asked."""
    result: DeploymentEvaluation = evaluate_deployment(
        deployment(), uniform_events(0.5, seed=8), grid
    )
    plain = json.loads(json.dumps(result.to_dict()))
    assert plain["verdict"] == result.verdict.value
    assert plain["during"]["wdd"]["lower"] < plain["during"]["wdd"]["upper"]
    assert "series" not in plain
    series = result.to_dict(series=True)["series"]
    assert len(series["days"]) == len(series["target"])
    assert sum(series["target"]) == result.target.before + result.target.during + (
        result.target.after
    ) + _outside_windows(result)


def _outside_windows(result: DeploymentEvaluation) -> float:
    """Events in the plotted days but in no window (the gap day and partial days)."""
    series = result.to_dict(series=True)["series"]
    return float(sum(series["target"])) - (
        result.target.before + result.target.during + result.target.after
    )
