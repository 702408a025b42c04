"""Building the demo database from the shipped data, importing each file at most once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
from rich.console import Console
from sqlalchemy import func, select

from patrolgate.errors import InvalidInput
from patrolgate.events.crime_counts import parse_crime_counts
from patrolgate.events.generic_csv import CsvLayout, parse_generic_csv
from patrolgate.events.homicides import parse_homicides
from patrolgate.events.police_uk import parse_police_uk
from patrolgate.events.records import ParsedSource
from patrolgate.events.source_file import file_sha256
from patrolgate.events.taxonomy import SERIOUS_VIOLENCE
from patrolgate.forecast import backtest, make_model
from patrolgate.forecast.backtest import MONTH
from patrolgate.geo.areas import AreaLevel, areas_from_geojson, normalise_name
from patrolgate.geo.grid import Grid
from patrolgate.ingest import AreaAssigner, store_parsed_file
from patrolgate.oversight.algorithm import latest_backtest, record_backtest
from patrolgate.oversight.seed import seed_demo_oversight
from patrolgate.settings import Settings
from patrolgate.store import Database
from patrolgate.store.area_repository import crs_for_areas, load_areas, save_areas
from patrolgate.store.crime_count_store import insert_counts
from patrolgate.store.event_queries import (
    EventFilter,
    GroupBy,
    date_range,
    load_area_index,
    load_event_points,
    study_crs,
    summarise,
)
from patrolgate.store.tables import AreaRow, CrimeCountRow, ImportRun
from patrolgate.workflow.demo_seed import seed_demo_deployments

BOUNDARIES = (
    ("london_boroughs.geojson.gz", AreaLevel.BOROUGH, "gss_code", "name", None),
    ("london_wards_2014.geojson.gz", AreaLevel.WARD, "GSS_CODE", "NAME", "LB_GSS_CD"),
    ("london_lsoa_2011.geojson.gz", AreaLevel.LSOA, "LSOA11CD", "LSOA11NM", "LAD11CD"),
)
ROBBERY_WEAPONS = CsvLayout(
    time="month",
    lat="latitude",
    lon="longitude",
    category="crime_type",
    time_format="%Y-%m",
    timezone="Europe/London",
    source="police-uk-api",
)


@dataclass
class DemoSummary:
    """What the demo database holds."""

    areas: dict[str, int]
    events_total: int
    first_day: date | None
    last_day: date | None
    by_category_year: dict[str, dict[int, int]] = field(default_factory=dict)
    years: list[int] = field(default_factory=list)
    imported_files: int = 0
    deployments: int = 0


def _already_imported(database: Database, path: Path) -> bool:
    digest = file_sha256(path)
    with database.sessions() as session:
        return (
            session.scalar(select(ImportRun.id).where(ImportRun.file_sha256 == digest).limit(1))
            is not None
        )


def build_demo(database: Database, settings: Settings, *, console: Console) -> DemoSummary:
    """Import the shipped London data (skipping what is already there) and summarise it."""
    data = settings.demo_data
    if not (data / "london-boundaries").is_dir():
        raise InvalidInput(f"{data}: the shipped demo data is not there (set PATROLGATE_DEMO_DATA)")
    import_london_boundaries(database, data / "london-boundaries", console=console)
    borough_codes = {normalise_name(a.name): a.code for a in load_areas(database, "borough")}
    police = data / "police-uk"
    jobs: list[tuple[Path, Callable[[Path], ParsedSource]]] = [
        (
            data / "mps-homicide" / "mps_homicide_victims_2003-01_2023-12.csv.gz",
            lambda p: parse_homicides(p, borough_codes),
        ),
    ]
    for folder in (
        "city-of-london-street",
        "metropolitan-street-burglary",
        "metropolitan-stop-and-search",
    ):
        jobs += [(p, parse_police_uk) for p in sorted((police / folder).glob("*.csv.gz"))]
    jobs += [
        (p, lambda q: parse_generic_csv(q, ROBBERY_WEAPONS))
        for p in sorted((data / "london-robbery-weapons").glob("*.csv.gz"))
    ]
    assigner = AreaAssigner(database)
    imported = 0
    for path, parse in jobs:
        if _already_imported(database, path):
            continue
        report = store_parsed_file(database, parse(path), assigner)
        imported += 1
        console.print(
            f"imported {path.name}: {report.stored:,} events"
            + (f", {len(report.rejected)} rows rejected" if report.rejected else ""),
            highlight=False,
        )
    _import_counts(database, data / "mps-recorded-crime", console)
    deployments = seed_demo_deployments(database, settings)
    oversight = seed_demo_oversight(database, settings)
    if oversight.pas_rows or oversight.lsoas or oversight.pings:
        console.print(
            f"oversight data: {oversight.pas_rows:,} survey results, {oversight.lsoas:,} LSOA "
            f"deprivation ranks, {oversight.pings:,} patrol pings",
            highlight=False,
        )
    _record_demo_backtest(database, settings, console)
    summary = _summary(database, imported)
    summary.deployments = len(deployments)
    return summary


#: The demo's backtest: a year of monthly forecasts of the London points, 250 m cells.
DEMO_BACKTEST_MODELS = ("naive", "kde", "sepp")
DEMO_BACKTEST_MONTHS = 12
DEMO_BACKTEST_CELL = 250.0


def _record_demo_backtest(database: Database, settings: Settings, console: Console) -> None:
    """Backtest once on the last year of data, so the algorithm record has measured accuracy."""
    if latest_backtest(database) is not None:
        return
    events = load_event_points(database, categories=SERIOUS_VIOLENCE)
    if len(events) == 0:
        return
    last = datetime.fromtimestamp(int(events.t_start.max().astype("int64")), UTC)
    local = last.astimezone(settings.tz)
    months = local.year * 12 + local.month  # the month after the last event's
    end = datetime(months // 12, months % 12 + 1, 1, tzinfo=settings.tz)
    first = months - DEMO_BACKTEST_MONTHS
    start = datetime(first // 12, first % 12 + 1, 1, tzinfo=settings.tz)
    if events.t_start.min() >= np.datetime64(start.astimezone(UTC).replace(tzinfo=None), "s"):
        return  # no history before the period to learn from
    grid = Grid.from_polygon(
        load_area_index(database).union(), crs=study_crs(database), cell_size=DEMO_BACKTEST_CELL
    )
    models = {name: make_model(name, timezone=settings.timezone) for name in DEMO_BACKTEST_MODELS}
    console.print(
        f"backtesting {', '.join(models)} on the {DEMO_BACKTEST_MONTHS} months from {start:%Y-%m}"
        " (monthly windows)…",
        highlight=False,
    )
    result = backtest(
        models, events, grid, start=start, end=end, window=MONTH, timezone=settings.timezone
    )
    document = result.as_dict()
    document["from"], document["to"] = start.isoformat(), end.isoformat()
    document["category"] = sorted(c.value for c in SERIOUS_VIOLENCE)
    record_backtest(database, document, settings.clock_now())
    for model in result.models:
        console.print(f"  {model.name}: PAI {model.pai:.2f} at 5% coverage", highlight=False)


def import_london_boundaries(
    database: Database,
    folder: Path,
    levels: tuple[AreaLevel, ...] = (AreaLevel.BOROUGH, AreaLevel.WARD, AreaLevel.LSOA),
    console: Console | None = None,
) -> None:
    """Import the shipped London boundaries of the given levels, skipping levels present."""
    for file_name, level, code_field, name_field, parent_field in BOUNDARIES:
        if level not in levels:
            continue
        with database.sessions() as session:
            present = session.scalar(
                select(func.count()).select_from(AreaRow).where(AreaRow.level == level.value)
            )
        if present:
            continue
        areas = areas_from_geojson(
            folder / file_name,
            level=level,
            code_field=code_field,
            name_field=name_field,
            parent_field=parent_field,
        )
        with database.transaction() as session:
            save_areas(session, areas, crs_for_areas(areas))
        if console is not None:
            console.print(f"imported {len(areas)} {level.value} boundaries", highlight=False)


def import_london_points(database: Database, folder: Path) -> None:
    """Import the shipped London robbery and weapons-possession points (each file once)."""
    assigner = AreaAssigner(database)
    for path in sorted(folder.glob("*.csv.gz")):
        if not _already_imported(database, path):
            store_parsed_file(database, parse_generic_csv(path, ROBBERY_WEAPONS), assigner)


def _import_counts(database: Database, folder: Path, console: Console) -> None:
    with database.sessions() as session:
        sources = set(session.scalars(select(CrimeCountRow.source).distinct()).all())
    for path in sorted(folder.glob("*.csv.gz")):
        parsed = parse_crime_counts(path)
        if parsed.source in sources and parsed.source != "mps-borough-monthly":
            continue
        with database.transaction() as session:
            stored = insert_counts(session, parsed.source, parsed.counts)
        if stored:
            console.print(f"imported {path.name}: {stored:,} published counts", highlight=False)


def _summary(database: Database, imported: int) -> DemoSummary:
    everything = EventFilter()
    groups = summarise(database, [GroupBy.CATEGORY, GroupBy.YEAR], everything)
    by_category_year: dict[str, dict[int, int]] = defaultdict(dict)
    for group in groups:
        by_category_year[group["category"]][group["year"]] = group["count"]
    first, last = date_range(database, everything)
    with database.sessions() as session:
        areas = dict(
            session.execute(select(AreaRow.level, func.count()).group_by(AreaRow.level)).all()
        )
    return DemoSummary(
        areas={k: int(v) for k, v in areas.items()},
        events_total=sum(g["count"] for g in groups),
        first_day=first.date() if first else None,
        last_day=last.date() if last else None,
        by_category_year=dict(by_category_year),
        years=sorted({g["year"] for g in groups}),
        imported_files=imported,
    )
