"""``patrolgate forecast`` and ``patrolgate backtest``: the intelligence picture, its accuracy."""

from __future__ import annotations

import re
import sys
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from patrolgate.cli.context import console, error_console, open_database, print_json, settings_of
from patrolgate.errors import InvalidInput
from patrolgate.events.points import EventPoints
from patrolgate.events.taxonomy import parse_category_filter
from patrolgate.forecast import DEFAULT_MODEL, MODELS, Forecaster, backtest, make_model
from patrolgate.forecast.backtest import CURVE_LEVELS
from patrolgate.forecast.maps import forecast_png
from patrolgate.forecast.results import BASELINE, result_document, why_sentence
from patrolgate.forecast.windows import MONTH, SHIFT
from patrolgate.geo.areas import AreaIndex
from patrolgate.geo.grid import Grid
from patrolgate.geo.projection import Projection
from patrolgate.oversight.algorithm import record_backtest
from patrolgate.picture.accuracy import data_version
from patrolgate.settings import Settings
from patrolgate.store.database import Database
from patrolgate.store.event_queries import load_area_index, load_event_points, study_crs
from patrolgate.timekeeping import local_midnight, parse_day, parse_time, window_at

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(h|d|w)\s*$")


class ForecastFormat(StrEnum):
    """Output formats of ``forecast``."""

    TABLE = "table"
    JSON = "json"
    GEOJSON = "geojson"
    PNG = "png"


class BacktestFormat(StrEnum):
    """Output formats of ``backtest``."""

    TABLE = "table"
    JSON = "json"


def register(app: typer.Typer) -> None:
    """Add the ``forecast`` and ``backtest`` commands."""
    app.command("forecast")(forecast_command)
    app.command("backtest")(backtest_command)


#: Window names for the local windows: shifts (07–15, 15–23, 23–07), days, weeks, months.
_LOCAL_WINDOWS = {
    "shift": SHIFT,
    "8h": SHIFT,
    "day": "day",
    "1d": "day",
    "week": "week",
    "1w": "week",
    "month": MONTH,
    "1m": MONTH,
    "1month": MONTH,
    "1mo": MONTH,
}


def parse_window(text: str, option: str = "--window") -> timedelta | str:
    """A local window (``shift`` or ``8h``, ``day`` or ``1d``, ``week`` or ``1w``, ``month``)
    or any other length (``12h``, ``2d``, ``2w``) as a timedelta."""
    local = _LOCAL_WINDOWS.get(text.strip().lower())
    if local is not None:
        return local
    match = _DURATION.match(text.lower())
    if not match:
        raise InvalidInput(f"{option}: {text!r} is not a duration such as 8h, 1d, 2w or month")
    value, unit = float(match.group(1)), match.group(2)
    length = (
        timedelta(hours=value) if unit == "h" else timedelta(days=value * (7 if unit == "w" else 1))
    )
    if length <= timedelta(0):
        raise InvalidInput(f"{option}: {text!r} must be longer than zero")
    return length


def _local(text: str, option: str, settings: Settings) -> datetime:
    return parse_time(text, settings.tz, option)


def _day(text: str, option: str, settings: Settings) -> datetime:
    return local_midnight(parse_day(text, option), settings.tz)


def _categories(category: str | None) -> Any:
    try:
        return parse_category_filter(category)
    except ValueError as error:
        raise InvalidInput(f"--category: {error}") from None


def _study(database: Database, settings: Settings, cell: float | None) -> tuple[AreaIndex, Grid]:
    try:
        areas = load_area_index(database)
        crs = study_crs(database)
    except ValueError as error:
        raise InvalidInput(str(error)) from None
    grid = Grid.from_polygon(areas.union(), crs=crs, cell_size=cell or settings.cell_size)
    return areas, grid


def _model(name: str, settings: Settings, window: timedelta | str) -> Forecaster:
    if name not in MODELS:
        raise InvalidInput(f"unknown model {name!r}; known models: {', '.join(MODELS)}")
    params: dict[str, Any] = {}
    if name in ("ensemble", "learned"):
        params["window_days"] = _days(window)
    return make_model(name, timezone=settings.timezone, **params)


def _days(window: timedelta | str) -> float:
    if isinstance(window, str):
        return {SHIFT: 1 / 3, "day": 1.0, "week": 7.0}.get(window, 30.0)
    return window.total_seconds() / 86_400


def _require_events(events: EventPoints, what: str) -> None:
    if len(events) == 0:
        raise InvalidInput(f"no located events {what}; import events first")


def forecast_command(
    ctx: typer.Context,
    model: Annotated[str, typer.Option("--model", help=f"One of: {', '.join(MODELS)}.")] = (
        DEFAULT_MODEL
    ),
    window: Annotated[str, typer.Option("--window", help="8h, 1d, 1w or month.")] = "1d",
    at: Annotated[
        str | None,
        typer.Option("--at", help="Window start, local ISO time (default: now, by the clock)."),
    ] = None,
    cell: Annotated[float | None, typer.Option("--cell", help="Cell size in metres.")] = None,
    category: Annotated[
        str | None,
        typer.Option(
            "--category", help="Categories (comma separated) or all; default serious violence."
        ),
    ] = None,
    top: Annotated[
        float, typer.Option("--top", help="Share of the study area to recommend (0-1].")
    ] = 0.05,
    output_format: Annotated[ForecastFormat, typer.Option("--format")] = ForecastFormat.TABLE,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File for --format png.")
    ] = None,
) -> None:
    """Forecast expected events per grid cell for one window, ranked."""
    settings = settings_of(ctx)
    if not 0 < top <= 1:
        raise InvalidInput(f"--top must be in (0, 1], not {top}")
    parsed = parse_window(window)
    start = _local(at, "--at", settings) if at else settings.clock_now()
    if isinstance(parsed, str):  # a local window: the shift, day, week or month holding --at
        start, following = window_at(start, parsed, settings.tz)
        length = following - start
    else:
        length = parsed
    categories = _categories(category)
    fitted_model = _model(model, settings, length)
    with open_database(settings) as database:
        areas, grid = _study(database, settings, cell)
        events = load_event_points(database, categories=categories, end=start)
    _require_events(events, "before --at")
    fitted_model.fit(events, grid)
    result = fitted_model.predict(start, length)
    chosen = result.top(grid.area, top)
    probability = result.probability
    x, y = grid.centroids()
    lon, lat = Projection(grid.crs).to_lonlat(x[chosen], y[chosen])
    cells = [
        {
            "rank": rank,
            "cell": int(c),
            "lon": round(float(lo), 6),
            "lat": round(float(la), 6),
            "expected": round(float(result.expected[c]), 6),
            "probability": round(float(probability[c]), 6),
            "area_m2": round(float(grid.area[c]), 1),
        }
        for rank, (c, lo, la) in enumerate(zip(chosen, lon, lat, strict=True), start=1)
    ]
    summary: dict[str, Any] = {
        "model": model,
        "params": {k: v for k, v in fitted_model.get_params().items() if not isinstance(v, dict)},
        "start": start.isoformat(),
        "end": (start + length).isoformat(),
        "crs": grid.crs,
        "cell_size": grid.cell_size,
        "n_cells": grid.n_cells,
        "top": top,
        "expected_total": round(float(result.expected.sum()), 4),
        "expected_in_top": round(float(result.expected[chosen].sum()), 4),
        "trained_on_events": len(events),
    }
    places = getattr(fitted_model, "places_", None)
    if places is not None:  # the kinds of place whose rhythms the model learnt
        summary["place_types"] = [p for p in places if p]
    triggering = getattr(fitted_model, "triggering_", None)
    if triggering is not None:
        summary["triggering"] = dict(vars(triggering))
    if output_format is ForecastFormat.JSON:
        print_json({**summary, "cells": cells})
    elif output_format is ForecastFormat.GEOJSON:
        ranks = np.zeros(grid.n_cells, dtype=np.int64)
        ranks[chosen] = np.arange(1, len(chosen) + 1)
        collection = grid.geojson(
            chosen,
            {
                "rank": ranks,
                "expected": np.round(result.expected, 6),
                "probability": np.round(probability, 6),
            },
        )
        print_json({**collection, "properties": summary})
    elif output_format is ForecastFormat.PNG:
        image = forecast_png(
            result,
            grid,
            top=chosen,
            boundaries=list(areas.geometries),
            title=f"{model}: {start:%Y-%m-%d %H:%M} + {window} (top {top:.0%} outlined)",
        )
        target = output or Path(f"forecast-{model}-{start:%Y%m%dT%H%M}.png")
        target.write_bytes(image)
        console.print(f"map written to {target}", highlight=False)
    else:
        table = Table(
            "rank",
            "cell",
            "lon",
            "lat",
            "expected",
            "P(≥1)",
            title=f"{model}: {summary['start']} to {summary['end']}, top {top:.0%} of the area "
            f"({len(chosen)} cells, {summary['expected_in_top']} of "
            f"{summary['expected_total']} expected events)",
        )
        for row in cells[:50]:
            table.add_row(
                str(row["rank"]),
                str(row["cell"]),
                f"{row['lon']:.5f}",
                f"{row['lat']:.5f}",
                f"{row['expected']:.4f}",
                f"{row['probability']:.3f}",
            )
        console.print(table)
        if len(cells) > 50:
            console.print(f"… {len(cells) - 50} more cells (use --format json)", highlight=False)


def _refit(text: str) -> timedelta | str:
    """``month`` for each calendar month, else a length such as ``30d``."""
    if text.strip().lower() in {"month", "1m", "1month", "1mo"}:
        return MONTH
    cadence = parse_window(text, "--refit")
    if isinstance(cadence, str):
        raise InvalidInput(f"--refit: {text!r} is not a length such as 30d, or month")
    return cadence


def backtest_command(
    ctx: typer.Context,
    models: Annotated[
        str, typer.Option("--models", help="Comma-separated model names.")
    ] = "naive,kde,prospective,sepp,rhythm,ensemble",
    window: Annotated[
        str, typer.Option("--window", help="shift (8h), day (1d), week (1w), month, or a length.")
    ] = "1d",
    start_day: Annotated[str, typer.Option("--from", help="First day (local), YYYY-MM-DD.")] = (
        "2016-01-01"
    ),
    end_day: Annotated[str, typer.Option("--to", help="Last day (local, inclusive).")] = (
        "2017-12-31"
    ),
    cell: Annotated[float | None, typer.Option("--cell", help="Cell size in metres.")] = None,
    category: Annotated[
        str | None,
        typer.Option(
            "--category", help="Categories (comma separated) or all; default serious violence."
        ),
    ] = None,
    leading: Annotated[
        str | None,
        typer.Option(
            "--leading",
            help="Categories offered to the models as leading indicators (never scored), "
            "e.g. weapons-possession.",
        ),
    ] = None,
    coverage: Annotated[
        float,
        typer.Option(
            "--coverage",
            help="Share of the area scored: " + ", ".join(f"{c:g}" for c in CURVE_LEVELS) + ".",
        ),
    ] = 0.05,
    refit: Annotated[
        str, typer.Option("--refit", help="Refit cadence: a length such as 30d, or month.")
    ] = "month",
    workers: Annotated[
        int | None, typer.Option("--workers", help="Dask worker processes on 127.0.0.1.")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="An existing Dask scheduler, tcp://HOST:PORT.")
    ] = None,
    output_format: Annotated[BacktestFormat, typer.Option("--format")] = BacktestFormat.TABLE,
    record: Annotated[
        bool,
        typer.Option(
            "--record/--no-record",
            help="Keep the result, with its settings, for the algorithm record.",
        ),
    ] = True,
) -> None:
    """Rolling-origin backtest: forecast every window of the period from what was known before."""
    settings = settings_of(ctx)
    if workers is not None and scheduler is not None:
        raise InvalidInput("give --workers or --scheduler, not both")
    if workers is not None and workers < 1:
        raise InvalidInput(f"--workers must be at least 1, not {workers}")
    if not any(abs(coverage - level) < 1e-12 for level in CURVE_LEVELS):
        raise InvalidInput(
            f"--coverage must be one of {', '.join(f'{c:g}' for c in CURVE_LEVELS)}, not {coverage}"
        )
    length = parse_window(window)
    cadence = _refit(refit)
    start = _day(start_day, "--from", settings)
    end = local_midnight(parse_day(end_day, "--to") + timedelta(days=1), settings.tz)
    if end <= start:
        raise InvalidInput("--to must not be before --from")
    names = [n.strip() for n in models.split(",") if n.strip()]
    if not names:
        raise InvalidInput("--models: name at least one model")
    chosen = {name: _model(name, settings, length) for name in names}
    categories = _categories(category)
    led = _categories(leading) if leading else None
    with open_database(settings) as database:
        _, grid = _study(database, settings, cell)
        events = load_event_points(database, categories=categories, end=end)
        leading_events = (
            load_event_points(database, categories=led, end=end) if led is not None else None
        )
        version = data_version(database, categories) if categories else {"digest": None}
    _require_events(events, "in the study")
    with Progress(
        TextColumn("backtest"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=error_console,
        transient=True,
        disable=not sys.stderr.isatty(),
    ) as bar:
        task = bar.add_task("backtest", total=None)

        def advance(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        result = backtest(
            chosen,
            events,
            grid,
            start=start,
            end=end,
            window=length,
            refit=cadence,
            coverage=coverage,
            timezone=settings.timezone,
            leading=leading_events,
            workers=workers,
            scheduler=scheduler,
            progress=advance,
        )
    document = result_document(
        result,
        command="patrolgate " + " ".join(sys.argv[1:]),
        categories=sorted(c.value for c in categories) if categories else "all",
        cell_size=grid.cell_size,
        data=version,
        leading=sorted(c.value for c in led) if led else (),
        levels=sorted({0.01, 0.05, coverage}),
    )
    recorded = None
    if record:
        with open_database(settings) as database:
            recorded = record_backtest(database, document, settings.clock_now())
    if output_format is BacktestFormat.JSON:
        print_json(document)
        return
    table = Table(
        "model",
        "forecasts",
        "events",
        "hit rate",
        "PAI @1%",
        "PAI @5%",
        f"PAI − counts @{coverage:g} (95% CI)",
        "caught / catchable",
        "PEI*",
        "seconds",
        title=f"Backtest {start:%Y-%m-%d} to {end - timedelta(days=1):%Y-%m-%d}, window {window}, "
        f"refit {refit}, coverage {coverage:.1%}, {grid.n_cells} cells of {grid.cell_size:g} m",
    )
    for m in result.models:
        entry = next(e for e in document["models"] if e["name"] == m.name)
        interval = (entry.get("versus_baseline") or {}).get(f"{coverage:g}")
        versus = (
            f"{interval['estimate']:+.2f} ({interval['low']:+.2f}, {interval['high']:+.2f})"
            if interval is not None
            else ("baseline" if m.name == BASELINE else "—")
        )
        table.add_row(
            m.name,
            str(m.n_forecasts),
            f"{m.n_events:.0f}",
            f"{m.hit_rate:.3f}",
            f"{m.at(0.01).pai:.2f}",
            f"{m.at(0.05).pai:.2f}",
            versus,
            f"{m.pei:.3f}",
            f"{m.pei_star:.3f}",
            f"{m.seconds:.1f}",
        )
    console.print(table)
    console.print(why_sentence(document), highlight=False)
    if recorded is not None:
        console.print(
            f"Recorded as backtest {recorded}: `patrolgate report algorithm` now reports it.",
            highlight=False,
        )
