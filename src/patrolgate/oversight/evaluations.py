"""Evaluate stored deployments: read areas, events and deployments from the store, then run
:mod:`patrolgate.evaluation` on them.

Shared by ``patrolgate evaluate`` (the CLI) and the web service's evaluation routes, so
both give the same answer for the same database and clock.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from patrolgate.errors import InvalidInput
from patrolgate.evaluation import (
    DeploymentArea,
    DeploymentEvaluation,
    EvaluationDesign,
    Unevaluated,
)
from patrolgate.evaluation.deployment import evaluate_deployment
from patrolgate.events.points import EventPoints
from patrolgate.events.taxonomy import Category, parse_category_filter
from patrolgate.forecast import DEFAULT_MODEL, Forecast, make_model
from patrolgate.geo.grid import Grid
from patrolgate.geo.projection import Projection
from patrolgate.settings import Settings
from patrolgate.store.database import Database
from patrolgate.store.evaluation_queries import StoredDeployment, authorised_deployments
from patrolgate.store.event_queries import (
    EventFilter,
    date_range,
    load_area_index,
    load_event_points,
    study_crs,
)
from patrolgate.workflow.lifecycle import State, clock_events, effective_state

#: The effective states in which a deployment can be evaluated.
ENDED = (State.ENDED, State.DEBRIEFED)

log = logging.getLogger("patrolgate.oversight")


def is_ended(deployment: StoredDeployment, now: datetime) -> bool:
    """Whether ``deployment`` has ended (per the clock), so it can be evaluated."""
    return effective_state(deployment, now) in ENDED


@dataclass(frozen=True)
class Study:
    """The study area's grid and projection, the categories counted, the data's last day,
    and the force's clock (whose hours and days the forecast models read)."""

    grid: Grid
    projection: Projection
    categories: frozenset[Category] | None
    data_until: np.datetime64 | None
    timezone: str = "UTC"


def effective_end(deployment: StoredDeployment, now: datetime) -> datetime:
    """When powers actually stopped: a recorded end, else the clock's, never after ``end``."""
    if deployment.ended_at is not None:
        return min(deployment.ended_at, deployment.end)
    for event in reversed(clock_events(deployment, now)):
        if event.state is State.ENDED:
            return min(event.effective_at, deployment.end)
    return deployment.end


def _utc64(moment: datetime) -> np.datetime64:
    return np.datetime64(moment.astimezone(UTC).replace(tzinfo=None).isoformat(), "s")


def _projected(geometry: dict[str, Any], projection: Projection) -> BaseGeometry:
    area = shape(geometry)
    projected = shapely.transform(area, projection.to_xy, interleaved=False)
    # "structure" repair: bounded in cost, where GEOS's default can take minutes.
    return projected if projected.is_valid else shapely.make_valid(projected, method="structure")


def load_study(database: Database, settings: Settings, category: str | None) -> Study:
    """The study grid over every stored area, and the last event time of ``category``."""
    try:
        categories = parse_category_filter(category)
        areas = load_area_index(database)
        crs = study_crs(database)
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    grid = Grid.from_polygon(areas.union(), crs=crs, cell_size=settings.cell_size)
    _, last = date_range(database, EventFilter(categories=categories))
    until = None if last is None else _utc64(last.replace(tzinfo=last.tzinfo or UTC))
    return Study(grid, Projection(crs), categories, until, settings.timezone)


def _forecast(
    model: str, events: EventPoints, study: Study, area: DeploymentArea
) -> Forecast | None:
    if model == "none":
        return None
    known = events.subset(events.t_end <= area.start)
    if len(known) == 0:
        return None
    fitted = make_model(model, timezone=study.timezone).fit(known, study.grid)
    days = float((area.end - area.start) / np.timedelta64(86_400, "s"))
    return fitted.predict(area.start, days, events=known)


def evaluate_one(
    deployment: StoredDeployment,
    others: Sequence[StoredDeployment],
    study: Study,
    events: EventPoints,
    design: EvaluationDesign,
    model: str,
    now: datetime,
) -> DeploymentEvaluation:
    """Evaluate one deployment; ``others`` overlapping its windows are kept out of controls.

    Raises :class:`InvalidInput` for a deployment that cannot be evaluated: one whose powers
    ended within the second they began (a revocation at once), or whose area is empty.
    """
    start, end = _utc64(deployment.start), _utc64(effective_end(deployment, now))
    if end <= start:
        raise InvalidInput(
            f"deployment {deployment.id}: its powers ended within the second they began, "
            "so there is no period to evaluate"
        )
    area = DeploymentArea(
        id=deployment.id,
        profile=deployment.profile,
        area=_projected(deployment.geometry, study.projection),
        start=start,
        end=end,
    )
    windows = design.windows(area)
    avoid = [
        _projected(o.geometry, study.projection)
        for o in others
        if o.id != deployment.id
        and _utc64(o.start) < windows.after[1]
        and _utc64(effective_end(o, now)) > windows.before[0]
    ]
    now64 = _utc64(now)
    until = now64 if study.data_until is None else min(study.data_until, now64)
    return evaluate_deployment(
        area,
        events,
        study.grid,
        design,
        forecast=_forecast(model, events, study, area),
        avoid=avoid,
        data_until=until,
    )


def load_events(
    database: Database,
    study: Study,
    design: EvaluationDesign,
    starts: Sequence[datetime],
    ends: Sequence[datetime],
) -> EventPoints:
    """The events of the study's categories that any of the windows (and history) can need."""
    first = min(starts) - design.gap - design.before - design.history - timedelta(days=1)
    last = max(ends) + design.after + timedelta(days=1)
    return load_event_points(database, categories=study.categories, start=first, end=last)


def _evaluate_or_explain(
    deployment: StoredDeployment,
    others: Sequence[StoredDeployment],
    study: Study,
    events: EventPoints,
    design: EvaluationDesign,
    model: str,
    now: datetime,
) -> DeploymentEvaluation | Unevaluated:
    try:
        return evaluate_one(deployment, others, study, events, design, model, now)
    except InvalidInput as error:
        return Unevaluated(deployment.id, deployment.profile, str(error))
    except Exception as error:  # one deployment's failure must not fail everyone's answer
        log.exception("evaluating deployment %s failed", deployment.id)
        return Unevaluated(
            deployment.id,
            deployment.profile,
            f"deployment {deployment.id}: its evaluation failed ({type(error).__name__}); "
            "the error is in the service's log",
        )


def _inputs(
    database: Database,
    settings: Settings,
    chosen: Sequence[StoredDeployment],
    design: EvaluationDesign,
    category: str | None,
) -> tuple[list[StoredDeployment], Study, EventPoints]:
    """Every authorised deployment (kept out of controls), the study and the events."""
    study = load_study(database, settings, category)
    events = load_events(
        database, study, design, [d.start for d in chosen], [d.end for d in chosen]
    )
    return authorised_deployments(database), study, events


def evaluate_each(
    database: Database,
    settings: Settings,
    chosen: Sequence[StoredDeployment],
    now: datetime,
    *,
    design: EvaluationDesign | None = None,
    model: str = DEFAULT_MODEL,
    category: str | None = None,
) -> list[DeploymentEvaluation | Unevaluated]:
    """Evaluate each of ``chosen`` (already checked to have ended), in order.

    A deployment that cannot be evaluated comes back as :class:`Unevaluated`, saying why,
    so it cannot fail the others (the programme reports it and pools the rest). Every
    deployment ever authorised is kept out of the matched controls where it overlaps.
    """
    if not chosen:
        return []
    design = design or EvaluationDesign()
    everyone, study, events = _inputs(database, settings, chosen, design, category)
    return [_evaluate_or_explain(d, everyone, study, events, design, model, now) for d in chosen]


def evaluate_stored(
    database: Database,
    settings: Settings,
    chosen: Sequence[StoredDeployment],
    now: datetime,
    *,
    design: EvaluationDesign | None = None,
    model: str = DEFAULT_MODEL,
    category: str | None = None,
) -> list[DeploymentEvaluation]:
    """Evaluate each of ``chosen`` (already checked to have ended), in order; raise
    :class:`InvalidInput` for one that cannot be evaluated.

    Every deployment ever authorised is kept out of the matched controls where it overlaps.
    """
    if not chosen:
        return []
    design = design or EvaluationDesign()
    everyone, study, events = _inputs(database, settings, chosen, design, category)
    return [evaluate_one(d, everyone, study, events, design, model, now) for d in chosen]
