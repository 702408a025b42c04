"""``patrolgate evaluate``: did a deployment, and does the programme, reduce harm?"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import shapely
import typer
from rich.table import Table
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from patrolgate.cli.context import OutputFormat, console, open_database, print_json, settings_of
from patrolgate.errors import InvalidInput, NotFound
from patrolgate.evaluation import (
    DeploymentArea,
    DeploymentEvaluation,
    EvaluationDesign,
    ProgrammeEvaluation,
    evaluate_deployment,
    evaluate_programme,
)
from patrolgate.evaluation.plots import forest_png, series_png
from patrolgate.events.points import EventPoints
from patrolgate.events.taxonomy import Category, parse_category_filter
from patrolgate.forecast import DEFAULT_MODEL, MODELS, Forecast, make_model
from patrolgate.geo.grid import Grid
from patrolgate.geo.projection import Projection
from patrolgate.settings import Settings
from patrolgate.store.database import Database
from patrolgate.store.evaluation_queries import (
    StoredDeployment,
    authorised_deployments,
    load_deployment,
)
from patrolgate.store.event_queries import (
    EventFilter,
    date_range,
    load_area_index,
    load_event_points,
    study_crs,
)
from patrolgate.workflow.lifecycle import State, clock_events, effective_state

_ENDED = (State.ENDED, State.DEBRIEFED)


def register(app: typer.Typer) -> None:
    """Add the ``evaluate`` command."""
    app.command("evaluate")(evaluate_command)


@dataclass(frozen=True)
class _Study:
    grid: Grid
    projection: Projection
    categories: frozenset[Category] | None
    data_until: np.datetime64 | None


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
    return projected if projected.is_valid else shapely.make_valid(projected)


def _study(database: Database, settings: Settings, category: str | None) -> _Study:
    try:
        categories = parse_category_filter(category)
        areas = load_area_index(database)
        crs = study_crs(database)
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    grid = Grid.from_polygon(areas.union(), crs=crs, cell_size=settings.cell_size)
    _, last = date_range(database, EventFilter(categories=categories))
    until = None if last is None else _utc64(last.replace(tzinfo=last.tzinfo or UTC))
    return _Study(grid, Projection(crs), categories, until)


def _forecast(model: str, events: EventPoints, grid: Grid, area: DeploymentArea) -> Forecast | None:
    if model == "none":
        return None
    known = events.subset(events.t_end <= area.start)
    if len(known) == 0:
        return None
    fitted = make_model(model).fit(known, grid)
    days = float((area.end - area.start) / np.timedelta64(86_400, "s"))
    return fitted.predict(area.start, days, events=known)


def _evaluate(
    deployment: StoredDeployment,
    others: list[StoredDeployment],
    study: _Study,
    events: EventPoints,
    design: EvaluationDesign,
    model: str,
    now: datetime,
) -> DeploymentEvaluation:
    area = DeploymentArea(
        id=deployment.id,
        profile=deployment.profile,
        area=_projected(deployment.geometry, study.projection),
        start=_utc64(deployment.start),
        end=_utc64(effective_end(deployment, now)),
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
        forecast=_forecast(model, events, study.grid, area),
        avoid=avoid,
        data_until=until,
    )


def _load_events(
    database: Database,
    study: _Study,
    design: EvaluationDesign,
    starts: list[datetime],
    ends: list[datetime],
) -> EventPoints:
    first = min(starts) - design.gap - design.before - design.history - timedelta(days=1)
    last = max(ends) + design.after + timedelta(days=1)
    return load_event_points(database, categories=study.categories, start=first, end=last)


def evaluate_command(
    ctx: typer.Context,
    deployment_id: Annotated[
        str | None, typer.Argument(help="The deployment to evaluate (omit with --programme).")
    ] = None,
    programme: Annotated[
        bool, typer.Option("--programme", help="Pool every ended deployment.")
    ] = False,
    profile: Annotated[
        list[str] | None,
        typer.Option("--profile", help="With --programme: only this profile (repeatable)."),
    ] = None,
    output_format: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
    png: Annotated[
        Path | None,
        typer.Option("--png", help="Write the series (or, with --programme, forest) plot."),
    ] = None,
    category: Annotated[
        str | None,
        typer.Option(
            "--category", help="Categories or all; default victim-reported serious violence."
        ),
    ] = None,
    before: Annotated[float, typer.Option("--before", help="Days before.")] = 28.0,
    after: Annotated[float, typer.Option("--after", help="Days after.")] = 28.0,
    buffer: Annotated[float, typer.Option("--buffer", help="Ring width in metres.")] = 400.0,
    controls: Annotated[int, typer.Option("--controls", help="Control areas.")] = 5,
    model: Annotated[
        str, typer.Option("--model", help=f"Forecast model ({', '.join(MODELS)}) or none.")
    ] = DEFAULT_MODEL,
) -> None:
    """Evaluate an ended deployment, or the programme, against matched control areas."""
    settings = settings_of(ctx)
    if programme == (deployment_id is not None):
        raise InvalidInput("give either a DEPLOYMENT_ID or --programme")
    if model != "none" and model not in MODELS:
        raise InvalidInput(f"unknown model {model!r}; known: {', '.join(MODELS)}, none")
    design = EvaluationDesign(
        before=timedelta(days=before),
        after=timedelta(days=after),
        buffer_m=buffer,
        n_controls=controls,
    )
    now = settings.clock_now()
    with open_database(settings) as database:
        everyone = authorised_deployments(database)
        if programme:
            chosen = [
                d
                for d in authorised_deployments(database, profile)
                if effective_state(d, now) in _ENDED
            ]
        else:
            found = load_deployment(database, str(deployment_id))
            if found is None:
                raise NotFound(f"no deployment {deployment_id!r}")
            state = effective_state(found, now)
            if state not in _ENDED:
                raise InvalidInput(
                    f"deployment {found.id} is {state.value}; it can be evaluated once ended"
                )
            chosen = [found]
        if not chosen:
            raise InvalidInput("no ended deployment to evaluate")
        study = _study(database, settings, category)
        events = _load_events(
            database, study, design, [d.start for d in chosen], [d.end for d in chosen]
        )
    results = [_evaluate(d, everyone, study, events, design, model, now) for d in chosen]
    if programme:
        _report_programme(evaluate_programme(results), output_format, png)
    else:
        _report_deployment(results[0], output_format, png)


def _report_deployment(
    evaluation: DeploymentEvaluation, output_format: OutputFormat, png: Path | None
) -> None:
    if png is not None:
        png.write_bytes(series_png(evaluation))
    if output_format is OutputFormat.JSON:
        print_json(evaluation.to_dict())
        return
    console.print(
        f"[bold]{evaluation.deployment_id}[/] ({evaluation.profile}), "
        f"{evaluation.area_km2:.2f} km², ring {evaluation.buffer_km2:.2f} km², "
        f"{evaluation.n_controls} matched control area(s)",
        highlight=False,
    )
    table = Table("events", "before", "during", "after")
    for label, counts in (
        ("deployment area", evaluation.target),
        ("ring (displacement)", evaluation.buffer),
        ("controls (mean)", evaluation.control),
        ("control rings (mean)", evaluation.control_buffer),
    ):
        table.add_row(label, f"{counts.before:g}", f"{counts.during:g}", f"{counts.after:g}")
    console.print(table)
    for name in ("during", "after"):
        contrast = getattr(evaluation, name)
        if contrast is None:
            console.print(f"{name}: not available yet")
            continue
        low, high = contrast.wdd.interval
        wdq = "undefined" if contrast.wdq is None else f"{contrast.wdq:.2f}"
        console.print(
            f"{name}: WDD {contrast.wdd.estimate:+.2f} events (SE {contrast.wdd.se:.2f}, "
            f"95% CI {low:+.2f} to {high:+.2f}, z {contrast.wdd.z:.2f}, p "
            f"{contrast.wdd.p_value:.3f}; published Poisson SE {contrast.wdd.se_poisson:.2f}, "
            f"overdispersion ×{contrast.wdd.dispersion:.2f}); WDQ {wdq} ({contrast.wdq_meaning})",
            highlight=False,
        )
    if evaluation.forecast is not None:
        f = evaluation.forecast
        console.print(
            f"forecast ({f.model}): {f.expected:.2f} expected, {f.observed} observed, ratio "
            f"{f.ratio:.2f} (exact 95% CI {f.ratio_lower:.2f} to {f.ratio_upper:.2f}, "
            f"p {f.p_value:.3f})",
            highlight=False,
        )
    console.print(f"[bold]Verdict:[/] {evaluation.summary}", highlight=False)


def _report_programme(
    programme: ProgrammeEvaluation, output_format: OutputFormat, png: Path | None
) -> None:
    if png is not None:
        png.write_bytes(forest_png(programme))
    if output_format is OutputFormat.JSON:
        print_json(programme.to_dict())
        return
    table = Table("profile", "deployments", "pooled", "change", "95% CI", "net events", "verdict")
    for effect in programme.effects:
        change = "-" if effect.relative_change is None else f"{effect.relative_change:+.0%}"
        interval = (
            "-"
            if effect.lower is None or effect.upper is None
            else f"{effect.lower:+.0%} to {effect.upper:+.0%}"
        )
        net = "-" if effect.net_change is None else f"{effect.net_change:+.1f}"
        table.add_row(
            effect.profile,
            str(effect.deployments),
            str(effect.pooled),
            change,
            interval,
            net,
            effect.verdict.value,
        )
    console.print(table)
    for effect in programme.effects:
        console.print(f"{effect.profile}: {effect.summary}", highlight=False)
