"""Building the demo database from the shipped data, importing each file at most once."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from rich.console import Console
from sqlalchemy import func, select

from patrolgate.demo.clock import demo_moment
from patrolgate.errors import InvalidInput
from patrolgate.events.crime_counts import parse_crime_counts
from patrolgate.events.generic_csv import CsvLayout, parse_generic_csv
from patrolgate.events.homicides import parse_homicides
from patrolgate.events.police_uk import parse_police_uk
from patrolgate.events.records import ParsedSource
from patrolgate.events.source_file import file_sha256
from patrolgate.geo.areas import AreaLevel, areas_from_geojson, normalise_name
from patrolgate.ingest import AreaAssigner, store_parsed_file
from patrolgate.oversight.seed import seed_demo_oversight
from patrolgate.picture import MapWindow, Picture
from patrolgate.settings import Settings
from patrolgate.store import Database
from patrolgate.store.area_repository import crs_for_areas, load_areas, save_areas
from patrolgate.store.crime_count_store import insert_counts
from patrolgate.store.event_queries import (
    EventFilter,
    GroupBy,
    date_range,
    summarise,
)
from patrolgate.store.tables import AreaRow, CrimeCountRow, ImportRun
from patrolgate.timekeeping import local_text
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
    # The demo runs at its data's own date: the day after the last event (demo/clock.py).
    if settings.now is None:
        moment = demo_moment(database, settings)
        if moment is not None:
            settings = settings.model_copy(update={"now": moment})
            console.print(
                f"demo clock: {local_text(moment, settings.tz)}, the day after the last event",
                highlight=False,
            )
    picture = _record_map_backtests(database, settings, console)
    # Seeded after the map's backtests, so that the recent proposals carry the picture's
    # snapshot (area rank, cells, recorded accuracy) as a real proposal would.
    deployments = seed_demo_deployments(database, settings, forecast=picture.snapshot)
    # Pings are made up for the seeded deployments, so the deployments come first.
    oversight = seed_demo_oversight(database, settings)
    if oversight.pas_rows or oversight.lsoas or oversight.pings:
        console.print(
            f"oversight data: {oversight.pas_rows:,} survey results, {oversight.lsoas:,} LSOA "
            f"deprivation ranks, {oversight.pings:,} patrol pings",
            highlight=False,
        )
    summary = _summary(database, imported)
    summary.deployments = len(deployments)
    return summary


def _record_map_backtests(database: Database, settings: Settings, console: Console) -> Picture:
    """Backtest the map's windows at the demo's clock, so every window shows measured
    accuracy and the algorithm record shows the same backtests (skipped when recorded);
    returns the picture, fitted."""
    picture = Picture(database, settings, settings.clock_now)
    picture.refresh(progress=lambda text: console.print(f"{text}…", highlight=False))
    for window in MapWindow:
        found = picture.accuracy(window)
        if found.get("measured"):
            console.print(
                f"  {window.value}: {found['model']} caught {found['hit_rate']:.1%} of events "
                f"in the top {found['coverage']:.0%} (PAI {found['pai']:.2f})",
                highlight=False,
            )
    return picture


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
