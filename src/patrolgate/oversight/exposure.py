"""Exposure by deprivation: where forecasts and deployments fall, against where harm falls.

Each London LSOA has its national IMD 2019 decile (1 = the most deprived tenth of England).
Per decile the report gives the share of London's population, of victim-reported harm (MPS
published LSOA counts of violence and robbery for the years of the period, and PatrolGate's
own victim-reported serious-violence events with an LSOA), of the forecast's top cells, and
of deployment hours. The *exposure ratio* of a decile is its share of forecast area (or of
deployment hours) over its share of harm: 1 means attention follows harm; above 1, that
decile gets more police attention than its share of harm would justify — over-policing,
as a number; below 1, less.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import shapely
from shapely.geometry import shape
from sqlalchemy import func, select

from patrolgate.errors import InvalidInput
from patrolgate.events.taxonomy import SERIOUS_VIOLENCE
from patrolgate.forecast import DEFAULT_MODEL, make_model
from patrolgate.geo.grid import Grid
from patrolgate.oversight.facts import Deployed, load_deployed
from patrolgate.oversight.sources import deprivation_deciles
from patrolgate.store import Database
from patrolgate.store.event_queries import load_area_index, load_event_points, study_crs
from patrolgate.store.tables import AreaRow, CrimeCountRow, EventRow

#: Published LSOA count categories that are victim-reported harm (MPS ``recorded_crime_summary``).
HARM_COUNT_CATEGORIES = ("violence", "robbery")
LSOA_COUNT_SOURCE = "mps-lsoa-annual"
DECILES = tuple(range(1, 11))


def _share(values: dict[int, float]) -> dict[int, float | None]:
    total = sum(values.values())
    return {d: (values.get(d, 0.0) / total if total > 0 else None) for d in DECILES}


def _ratio(numerator: float | None, denominator: float | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def _harm_events(
    database: Database, start: datetime, end: datetime, deciles: dict[str, tuple[int, int | None]]
) -> dict[int, float]:
    with database.sessions() as session:
        rows = session.execute(
            select(EventRow.lsoa_code, func.count())
            .where(
                EventRow.category.in_([c.value for c in SERIOUS_VIOLENCE]),
                EventRow.lsoa_code.is_not(None),
                EventRow.t_start >= start,
                EventRow.t_start < end,
            )
            .group_by(EventRow.lsoa_code)
        ).all()
    result: dict[int, float] = defaultdict(float)
    for code, n in rows:
        if code in deciles:
            result[deciles[code][0]] += int(n)
    return result


def _harm_counts(
    database: Database, years: Sequence[int], deciles: dict[str, tuple[int, int | None]]
) -> dict[int, float]:
    with database.sessions() as session:
        rows = session.execute(
            select(CrimeCountRow.area_code, func.sum(CrimeCountRow.count))
            .where(
                CrimeCountRow.source == LSOA_COUNT_SOURCE,
                CrimeCountRow.major_category.in_(HARM_COUNT_CATEGORIES),
                CrimeCountRow.minor_category == "(all)",
                CrimeCountRow.period.in_([str(y) for y in years]),
            )
            .group_by(CrimeCountRow.area_code)
        ).all()
    result: dict[int, float] = defaultdict(float)
    for code, n in rows:
        if code in deciles:
            result[deciles[code][0]] += float(n or 0)
    return result


def _forecast_cells(
    database: Database,
    start: datetime,
    end: datetime,
    deciles: dict[str, tuple[int, int | None]],
    *,
    model_name: str,
    cell_size: float,
    coverage: float,
    timezone: str,
) -> tuple[dict[int, float], dict[str, Any]]:
    """Area (m²) of the forecast's top cells per decile, each cell placed by its centre."""
    events = load_event_points(database, categories=SERIOUS_VIOLENCE, end=start)
    if len(events) == 0:
        return {}, {"status": "no victim-reported serious-violence events before the period"}
    study = load_area_index(database)
    grid = Grid.from_polygon(study.union(), crs=study_crs(database), cell_size=cell_size)
    model = make_model(model_name, timezone=timezone)
    model.fit(events, grid)
    forecast = model.predict(start, end - start)
    chosen = forecast.top(grid.area, coverage)
    x, y = grid.centroids()
    lsoas = load_area_index(database, "lsoa").assign(x[chosen], y[chosen])
    result: dict[int, float] = defaultdict(float)
    unplaced = 0
    for code, area in zip(lsoas.tolist(), grid.area[chosen].tolist(), strict=True):
        if code in deciles:
            result[deciles[code][0]] += float(area)
        else:
            unplaced += 1
    return result, {
        "status": "computed",
        "model": model_name,
        "coverage": coverage,
        "cells": len(chosen),
        "cell_size_m": cell_size,
        "trained_on_events": len(events),
        "cells_without_decile": unplaced,
    }


def _deployment_hours(
    database: Database,
    deployed: Sequence[Deployed],
    start: datetime,
    end: datetime,
    deciles: dict[str, tuple[int, int | None]],
) -> dict[int, float]:
    """Hours under the power, each split over LSOAs by the share of its area in each."""
    chosen = [(d, d.hours_within(start, end)) for d in deployed]
    chosen = [(d, h) for d, h in chosen if h > 0]
    if not chosen:
        return {}
    with database.sessions() as session:
        rows = session.execute(
            select(AreaRow.code, AreaRow.geometry).where(AreaRow.level == "lsoa")
        ).all()
    codes = [str(c) for c, _ in rows]
    shapes = np.array([shape(g) for _, g in rows], dtype=object)
    tree = shapely.STRtree(shapes)
    result: dict[int, float] = defaultdict(float)
    for d, hours in chosen:
        area = shape(d.geometry)
        if area.area <= 0:
            continue
        for i in tree.query(area, predicate="intersects").tolist():
            share = shapely.intersection(area, shapes[i]).area / area.area
            if codes[i] in deciles and share > 0:
                result[deciles[codes[i]][0]] += hours * share
    return result


def exposure_report(
    database: Database,
    start: datetime,
    end: datetime,
    *,
    now: datetime,
    timezone: str,
    cell_size: float,
    model: str = DEFAULT_MODEL,
    coverage: float = 0.05,
    forecast: bool = True,
) -> dict[str, Any]:
    """Shares per IMD decile of population, harm, forecast top cells and deployment hours."""
    if end <= start:
        raise InvalidInput("the period must end after it starts")
    deciles = deprivation_deciles(database)
    if not deciles:
        raise InvalidInput(
            "no deprivation figures are stored: run `patrolgate import imd PATH` "
            "(the GLA's id2019_london_lsoa.xlsx) first"
        )
    population: dict[int, float] = defaultdict(float)
    lsoas: dict[int, int] = defaultdict(int)
    for decile, people in deciles.values():
        lsoas[decile] += 1
        population[decile] += float(people or 0)
    last = end - timedelta(microseconds=1)
    years = list(range(start.year, last.year + 1))
    counts = _harm_counts(database, years, deciles)
    events = _harm_events(database, start, end, deciles)
    cells, forecast_info = (
        _forecast_cells(
            database,
            start,
            end,
            deciles,
            model_name=model,
            cell_size=cell_size,
            coverage=coverage,
            timezone=timezone,
        )
        if forecast
        else ({}, {"status": "not computed"})
    )
    hours = _deployment_hours(database, load_deployed(database, now), start, end, deciles)
    harm = counts if sum(counts.values()) > 0 else events
    harm_name = "published counts" if harm is counts else "events"
    shares = {
        "population": _share(population),
        "harm_counts": _share(counts),
        "harm_events": _share(events),
        "forecast_area": _share(cells),
        "deployment_hours": _share(hours),
    }
    harm_share = _share(harm)
    rows = [
        {
            "decile": d,
            "lsoas": lsoas.get(d, 0),
            "population": int(population.get(d, 0)),
            "harm_counts": int(counts.get(d, 0)),
            "harm_events": int(events.get(d, 0)),
            "forecast_area_km2": round(cells.get(d, 0.0) / 1e6, 3),
            "deployment_hours": round(hours.get(d, 0.0), 2),
            **{f"{k}_share": _round(v[d]) for k, v in shares.items()},
            "forecast_exposure_ratio": _round(_ratio(shares["forecast_area"][d], harm_share[d])),
            "deployment_exposure_ratio": _round(
                _ratio(shares["deployment_hours"][d], harm_share[d])
            ),
        }
        for d in DECILES
    ]
    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "harm_measure": harm_name,
        "harm_count_years": years,
        "harm_count_categories": list(HARM_COUNT_CATEGORIES),
        "harm_event_categories": sorted(c.value for c in SERIOUS_VIOLENCE),
        "forecast": forecast_info,
        "deciles": rows,
        "most_deprived_fifth": _fifth(shares, harm_share),
        "reading": "exposure ratio = share of police attention / share of victim-reported harm; "
        "above 1 the decile gets more attention than its harm, below 1 less",
    }


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _fifth(
    shares: dict[str, dict[int, float | None]], harm: dict[int, float | None]
) -> dict[str, float | None]:
    def total(values: dict[int, float | None]) -> float | None:
        picked = [values[d] for d in (1, 2)]
        return None if any(v is None for v in picked) else sum(v or 0.0 for v in picked)

    result = {f"{k}_share": _round(total(v)) for k, v in shares.items()}
    harm_total = total(harm)
    result["forecast_exposure_ratio"] = _round(_ratio(total(shares["forecast_area"]), harm_total))
    result["deployment_exposure_ratio"] = _round(
        _ratio(total(shares["deployment_hours"]), harm_total)
    )
    return result
