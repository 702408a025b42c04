"""The programme's pooled effects and the plots, on synthetic deployments."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from patrolgate.evaluation import (
    ALL_PROFILES,
    DeploymentArea,
    DeploymentEvaluation,
    Unevaluated,
    Verdict,
    dersimonian_laird,
    evaluate_deployment,
    evaluate_programme,
)
from patrolgate.evaluation.plots import forest_png, series_png
from patrolgate.events.points import EventPoints
from patrolgate.geo.grid import Grid
from tests.evaluation.test_deployment import CRS, START, uniform_events

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def evaluations() -> list[DeploymentEvaluation]:
    """Six deployments, two profiles; the armed patrols remove every event in their area."""
    grid = Grid.from_polygon(shapely.box(0, 0, 12_000, 12_000), crs=CRS, cell_size=250.0)
    events = uniform_events(1.0, seed=11)
    results = []
    for number in range(6):
        profile = "armed-patrol" if number % 2 == 0 else "s60-statutory"
        start = START + np.timedelta64(number * 9, "D")
        end = start + np.timedelta64(24, "h")
        low = 1500.0 + 1500 * (number % 3)
        area = shapely.box(low, low, low + 2000, low + 2000)
        kept = events
        if profile == "armed-patrol":
            inside = shapely.contains_xy(area, events.x, events.y)
            kept = events.subset(~(inside & (events.t_start >= start) & (events.t_start < end)))
        deployment = DeploymentArea(f"dep-{number}", profile, area, start, end)
        results.append(evaluate_deployment(deployment, kept, grid))
    return results


def test_pooled_relative_change_is_dersimonian_laird_of_the_deployments(
    evaluations: list[DeploymentEvaluation],
) -> None:
    """The ``all`` row pools every deployment's relative change by DerSimonian–Laird."""
    programme = evaluate_programme(evaluations)
    contrasts = [e.during for e in evaluations if e.during is not None]
    expected = dersimonian_laird(
        [c.relative_change or 0.0 for c in contrasts],
        [c.relative_variance or 0.0 for c in contrasts],
    )
    overall = programme.effect(ALL_PROFILES)
    assert overall.pooled == 6
    assert overall.relative_change == pytest.approx(expected.estimate)
    assert overall.lower == pytest.approx(expected.lower)
    net = sum(c.wdd.estimate for c in contrasts)
    assert overall.net_change == pytest.approx(net)
    se = math.sqrt(sum(c.wdd.se**2 for c in contrasts))
    assert overall.net_upper == pytest.approx(net + 1.959964 * se, abs=1e-4)


def test_per_profile_pooling_finds_the_effect_where_it_is(
    evaluations: list[DeploymentEvaluation],
) -> None:
    """Armed patrols that removed every event: "fewer"; the others: no detectable change."""
    programme = evaluate_programme(evaluations)
    assert [e.profile for e in programme.effects] == [
        ALL_PROFILES,
        "armed-patrol",
        "s60-statutory",
    ]
    armed = programme.effect("armed-patrol")
    assert armed.verdict is Verdict.FEWER
    assert armed.upper is not None and armed.upper < 0
    assert programme.effect("s60-statutory").verdict is Verdict.NO_DETECTABLE_CHANGE
    only = evaluate_programme(evaluations, profiles=["s60-statutory"])
    assert [e.profile for e in only.effects] == [ALL_PROFILES, "s60-statutory"]
    assert only.effect().deployments == 3
    with pytest.raises(KeyError):
        only.effect("armed-patrol")


def test_nothing_to_pool_is_not_enough_data() -> None:
    """No usable deployment: an honest "not enough data", no numbers."""
    grid = Grid.from_polygon(shapely.box(0, 0, 12_000, 12_000), crs=CRS, cell_size=250.0)
    area = shapely.box(5000, 5000, 6000, 6000)
    result = evaluate_deployment(
        DeploymentArea("dep-empty", "armed-patrol", area, START, START + np.timedelta64(8, "h")),
        EventPoints.empty(CRS),
        grid,
    )
    effect = evaluate_programme([result]).effect()
    assert effect.verdict is Verdict.NOT_ENOUGH_DATA
    assert effect.relative_change is None and effect.pooled == 0
    assert evaluate_programme([]).effect().deployments == 0


def test_programme_json_lists_every_deployment(evaluations: list[DeploymentEvaluation]) -> None:
    """One line per deployment with its verdict and whether it was pooled."""
    plain = evaluate_programme(evaluations).to_dict()
    assert [d["id"] for d in plain["deployments"]] == [f"dep-{n}" for n in range(6)]
    assert all(d["pooled"] for d in plain["deployments"])
    assert plain["pooled"][0]["profile"] == ALL_PROFILES


def test_plots_are_png_images(evaluations: list[DeploymentEvaluation]) -> None:
    """The series of one deployment and the forest plot of the programme."""
    series = series_png(evaluations[0])
    forest = forest_png(evaluate_programme(evaluations))
    assert series.startswith(PNG) and len(series) > 10_000
    assert forest.startswith(PNG) and len(forest) > 10_000


def test_unevaluated_deployments_are_reported_and_never_pooled(
    evaluations: list[DeploymentEvaluation],
) -> None:
    """A deployment that could not be evaluated is listed with its reason, by profile, and
    changes nothing in the pooled figures; the forest plot still draws."""
    left_out = [
        Unevaluated("dep-instant", "armed-patrol", "ended within the second it began"),
        Unevaluated("dep-other", "s60-statutory", "its area is empty"),
    ]
    programme = evaluate_programme(evaluations, unevaluated=left_out)
    assert programme.effect() == evaluate_programme(evaluations).effect()
    plain = programme.to_dict()
    assert plain["unevaluated"] == [
        {
            "id": "dep-instant",
            "profile": "armed-patrol",
            "reason": "ended within the second it began",
        },
        {"id": "dep-other", "profile": "s60-statutory", "reason": "its area is empty"},
    ]
    only = evaluate_programme(evaluations, profiles=["s60-statutory"], unevaluated=left_out)
    assert [u.deployment_id for u in only.unevaluated] == ["dep-other"]
    assert forest_png(programme).startswith(PNG)
    assert forest_png(evaluate_programme([], unevaluated=left_out)).startswith(PNG)
