"""Placebo validation: evaluate deployments that never happened, and count the "effects".

A method fit to judge policing must find effects where none exist no more often than its
significance level says. Placebo deployments are placed at random, at places where harm
does happen (a random past event's location, as real deployments go where violence is),
with random sizes, start times and durations; the share flagged significant should be
close to ``alpha``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy import stats

from patrolgate.evaluation.deployment import evaluate_deployment
from patrolgate.evaluation.design import DeploymentArea, EvaluationDesign
from patrolgate.evaluation.results import DeploymentEvaluation, Verdict
from patrolgate.events.points import EventPoints
from patrolgate.geo.grid import Grid


@dataclass(frozen=True)
class PlaceboSummary:
    """What a placebo run found.

    Attributes
    ----------
    n : int
        Placebo deployments evaluated.
    significant : float
        Share whose WDD test had p below alpha, whatever the data rule said: the false
        positive rate of the test itself.
    claimed : float
        Share whose verdict claimed an effect ("fewer" or "more"): the false claims the
        product would have printed.
    evaluable : int
        Placebos with enough data for a verdict.
    claimed_when_evaluable : float or None
        Share of those that claimed an effect.
    published_significant : float
        Share the published test (Poisson variance from observed counts, no
        overdispersion) would have flagged.
    published_z_mean : float
        Mean of the published test's statistic (it leans negative on small counts).
    z_mean, z_sd : float
        Mean and standard deviation of the test statistic (0 and 1 for a calibrated test).
    """

    n: int
    significant: float
    claimed: float
    evaluable: int
    claimed_when_evaluable: float | None
    published_significant: float
    published_z_mean: float
    z_mean: float
    z_sd: float


def placebo_deployments(
    events: EventPoints,
    grid: Grid,
    n: int,
    *,
    first: np.datetime64,
    last: np.datetime64,
    radius_m: tuple[float, float] = (300.0, 3000.0),
    hours: tuple[float, float] = (8.0, 48.0),
    random_state: int = 0,
) -> list[DeploymentArea]:
    """Random circular placebo deployments starting in ``[first, last)``.

    Parameters
    ----------
    events : EventPoints
        Centres are the locations of randomly chosen events.
    grid : Grid
        Circles are clipped to its study area.
    n : int
        How many placebos.
    first, last : numpy.datetime64
        Range of start times (uniform).
    radius_m, hours : (float, float)
        Uniform ranges of radius and duration.
    random_state : int
        Seed.
    """
    rng = np.random.default_rng(random_state)
    span = int((last - first) / np.timedelta64(1, "s"))
    placebos: list[DeploymentArea] = []
    while len(placebos) < n:
        start = first + np.timedelta64(int(rng.integers(0, span)), "s")
        centre = int(rng.integers(0, len(events)))
        radius = float(rng.uniform(*radius_m))
        duration = float(rng.uniform(*hours))
        area = shapely.intersection(
            shapely.Point(events.x[centre], events.y[centre]).buffer(radius), grid.study_area
        )
        if area.is_empty or area.area < 0.5 * np.pi * radius * radius:
            continue  # mostly outside the study area (or over the lake)
        placebos.append(
            DeploymentArea(
                id=f"placebo-{len(placebos) + 1:03d}",
                profile="placebo",
                area=area,
                start=start,
                end=start + np.timedelta64(round(duration * 3600), "s"),
            )
        )
    return placebos


def summarise_placebos(
    evaluations: list[DeploymentEvaluation], alpha: float = 0.05
) -> PlaceboSummary:
    """The shares flagged and the calibration of the test statistic."""
    contrasts = [e.during for e in evaluations if e.during is not None]
    if not contrasts:
        raise ValueError("no placebo could be evaluated")
    p = np.array([c.wdd.p_value for c in contrasts])
    z = np.array([c.wdd.z for c in contrasts])
    published = np.array(
        [c.wdd.estimate / c.wdd.se_poisson if c.wdd.se_poisson > 0 else 0.0 for c in contrasts]
    )
    claims = [e.verdict in (Verdict.FEWER, Verdict.MORE) for e in evaluations]
    evaluable = [e for e in evaluations if e.verdict is not Verdict.NOT_ENOUGH_DATA]
    critical = float(stats.norm.ppf(1 - alpha / 2))
    return PlaceboSummary(
        n=len(evaluations),
        significant=float(np.mean(p < alpha)),
        claimed=float(np.mean(claims)),
        evaluable=len(evaluable),
        claimed_when_evaluable=(
            float(np.mean([e.verdict is not Verdict.NO_DETECTABLE_CHANGE for e in evaluable]))
            if evaluable
            else None
        ),
        published_significant=float(np.mean(np.abs(published) > critical)),
        published_z_mean=float(published.mean()),
        z_mean=float(z.mean()),
        z_sd=float(z.std()),
    )


def run_placebos(
    events: EventPoints,
    grid: Grid,
    placebos: list[DeploymentArea],
    design: EvaluationDesign | None = None,
) -> list[DeploymentEvaluation]:
    """Evaluate every placebo exactly as a real deployment would be (without a forecast)."""
    return [evaluate_deployment(p, events, grid, design) for p in placebos]
