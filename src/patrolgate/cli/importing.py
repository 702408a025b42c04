"""``patrolgate import ...``: data.police.uk, MPS homicides and any city's CSV."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress

from patrolgate.cli.context import (
    OutputFormat,
    console,
    error_console,
    open_database,
    print_json,
    settings_of,
)
from patrolgate.errors import InvalidInput
from patrolgate.events.crime_counts import parse_crime_counts
from patrolgate.events.generic_csv import CsvLayout, parse_generic_csv
from patrolgate.events.homicides import parse_homicides
from patrolgate.events.police_uk import parse_police_uk
from patrolgate.events.records import ParsedSource
from patrolgate.geo.areas import normalise_name
from patrolgate.ingest import AreaAssigner, ImportReport, store_parsed_file
from patrolgate.store import Database
from patrolgate.store.area_repository import load_areas
from patrolgate.store.crime_count_store import insert_counts

import_app = typer.Typer(
    help="Import event data (each file in one transaction).", no_args_is_help=True
)

Strict = Annotated[
    bool, typer.Option("--strict", help="Store nothing from a file with any bad row.")
]
Format = Annotated[OutputFormat, typer.Option("--format", help="table or json")]


#: How much an import steps back for the service on a shared machine (``nice`` increment):
#: a batch import is not in a hurry, a commander's click is. Its writer process inherits it.
IMPORT_NICENESS = 10


def register(app: typer.Typer) -> None:
    """Add the ``import`` group."""
    app.add_typer(import_app, name="import", callback=_step_back)


def _step_back() -> None:
    """Imports run at a lower CPU priority than the web service (on an idle machine this
    changes nothing; on a busy one the service's requests go first)."""
    with contextlib.suppress(OSError, AttributeError):
        os.nice(IMPORT_NICENESS)


def _report(reports: list[ImportReport], output: OutputFormat) -> None:
    for report in reports:
        problems = sorted([*report.rejected, *report.conflicts], key=lambda e: e.row)
        for problem in problems:
            error_console.print(str(problem), highlight=False, markup=False, soft_wrap=True)
        if report.conflicting > len(report.conflicts):
            error_console.print(
                f"{report.path}: {report.conflicting - len(report.conflicts):,} more conflicting"
                " rows not listed",
                highlight=False,
            )
        for warning in report.warnings:
            error_console.print(
                f"[yellow]warning:[/] {report.path}: {warning}", highlight=False, soft_wrap=True
            )
    if output is OutputFormat.JSON:
        print_json([r.as_dict() for r in reports])
    else:
        for report in reports:
            console.print(report.summary(), highlight=False, soft_wrap=True)
    refused = [r for r in reports if r.rows_read and len(r.rejected) == r.rows_read]
    if refused:
        raise InvalidInput(
            "; ".join(
                f"{r.path}: every one of its {r.rows_read:,} rows was rejected" for r in refused
            )
        )


def _import_files(
    database: Database, paths: list[Path], parse: object, strict: bool
) -> list[ImportReport]:
    assigner = AreaAssigner(database)
    reports: list[ImportReport] = []
    with Progress(console=error_console, transient=True) as progress:
        task = progress.add_task("importing", total=len(paths))
        for path in paths:
            progress.update(task, description=f"importing {path.name}")
            parsed: ParsedSource = parse(path)  # type: ignore[operator]
            reports.append(store_parsed_file(database, parsed, assigner, strict=strict))
            progress.advance(task)
    return reports


@import_app.command("police-uk")
def import_police_uk(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help="Street-level or stop-and-search CSVs (.csv or .csv.gz).")
    ],
    strict: Strict = False,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Import data.police.uk street-level crime and stop-and-search files, any force."""
    settings = settings_of(ctx)
    with open_database(settings) as database:
        _report(_import_files(database, paths, parse_police_uk, strict), output)


@import_app.command("homicides")
def import_homicides(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="MPS 'Homicide victims' CSV (either vintage).")],
    strict: Strict = False,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Import the MPS homicide victims dataset: one event per victim, located to the borough."""
    settings = settings_of(ctx)
    with open_database(settings) as database:
        codes = {normalise_name(a.name): a.code for a in load_areas(database, "borough")}
        _report(
            _import_files(database, [path], lambda p: parse_homicides(p, codes), strict), output
        )


@import_app.command("csv")
def import_csv(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A CSV of events with time and coordinates.")],
    time: Annotated[str, typer.Option("--time", help="Column holding the date and time.")],
    lat: Annotated[str, typer.Option("--lat", help="Column holding the latitude (WGS84).")],
    lon: Annotated[str, typer.Option("--lon", help="Column holding the longitude (WGS84).")],
    category: Annotated[
        str | None, typer.Option("--category", help="Column holding the category.")
    ] = None,
    category_value: Annotated[
        str | None, typer.Option("--category-value", help="One category for every row.")
    ] = None,
    id_column: Annotated[
        str | None, typer.Option("--id", help="Column holding a unique id.")
    ] = None,
    place_column: Annotated[
        str | None,
        typer.Option(
            "--place-column",
            help="Column holding the kind of place (street, residence, open space, ...: a "
            "closed list; any other value rejects its row).",
        ),
    ] = None,
    delimiter: Annotated[str, typer.Option("--delimiter", help="Field separator.")] = ",",
    decimal: Annotated[str, typer.Option("--decimal", help="Decimal mark: . or ,")] = ".",
    time_format: Annotated[
        str | None, typer.Option("--time-format", help="strptime format; ISO 8601 when not given.")
    ] = None,
    timezone: Annotated[
        str | None, typer.Option("--timezone", help="Zone of times without an offset.")
    ] = None,
    source: Annotated[
        str | None, typer.Option("--source", help="Source name (default: file stem).")
    ] = None,
    strict: Strict = False,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Import any city's open data from a CSV with a time, a latitude and a longitude column."""
    settings = settings_of(ctx)
    stem = path.name.split(".")[0]
    layout = CsvLayout(
        time=time,
        lat=lat,
        lon=lon,
        category=category,
        category_value=category_value,
        id=id_column,
        place_type=place_column,
        delimiter=delimiter.encode().decode("unicode_escape") if delimiter == "\\t" else delimiter,
        decimal=decimal,
        time_format=time_format,
        timezone=timezone or settings.timezone,
        source=f"csv:{source or stem}",
    )
    layout.validate()
    if not path.exists():
        raise InvalidInput(f"{path}: no such file")
    with open_database(settings) as database:
        _report(
            _import_files(database, [path], lambda p: parse_generic_csv(p, layout), strict), output
        )


@import_app.command("mps-counts")
def import_mps_counts(
    ctx: typer.Context,
    paths: Annotated[
        list[Path], typer.Argument(help="MPS borough-level or LSOA-level crime CSVs.")
    ],
    output: Format = OutputFormat.TABLE,
) -> None:
    """Import MPS recorded-crime aggregates (published counts, not events)."""
    settings = settings_of(ctx)
    results = []
    with open_database(settings) as database:
        for path in paths:
            parsed = parse_crime_counts(path)
            for problem in parsed.rejected:
                error_console.print(str(problem), highlight=False, markup=False, soft_wrap=True)
            with database.transaction() as session:
                stored = insert_counts(session, parsed.source, parsed.counts)
            results.append(
                {
                    "file": str(path),
                    "source": parsed.source,
                    "counts_read": len(parsed.counts),
                    "stored": stored,
                    "rejected": len(parsed.rejected),
                }
            )
    if output is OutputFormat.JSON:
        print_json(results)
        return
    for result in results:
        console.print(
            f"{result['file']}: {result['counts_read']} counts read, {result['stored']} stored, "
            f"{result['rejected']} rejected",
            highlight=False,
        )


class WatchImporter(StrEnum):
    """What the files dropped into a watch folder are."""

    POLICE_UK = "police-uk"
    HOMICIDES = "homicides"


@import_app.command("watch")
def watch(
    ctx: typer.Context,
    folder: Annotated[
        Path, typer.Argument(help="The folder to watch (done/ and rejected/ in it).")
    ],
    importer: Annotated[
        WatchImporter, typer.Option("--importer", help="What the files are.")
    ] = WatchImporter.POLICE_UK,
    interval: Annotated[float, typer.Option("--interval", help="Seconds between looks.")] = 5.0,
    once: Annotated[
        bool, typer.Option("--once", help="Import what is there now (settled or not), then stop.")
    ] = False,
    strict: Strict = False,
) -> None:
    """Import files as they appear in FOLDER, moving each to done/ or rejected/ with a report."""
    from patrolgate.ingest.watch import WatchFolder

    settings = settings_of(ctx)
    if not folder.is_dir():
        raise InvalidInput(f"{folder}: no such folder")
    with open_database(settings) as database:
        if importer is WatchImporter.HOMICIDES:
            codes = {normalise_name(a.name): a.code for a in load_areas(database, "borough")}
            parse: Callable[[Path], ParsedSource] = lambda p: parse_homicides(p, codes)  # noqa: E731
        else:
            parse = parse_police_uk
        watched = WatchFolder(folder, parse, database, strict=strict, settle=0.0 if once else 2.0)
        console.print(f"watching {folder} for {importer.value} files", highlight=False)
        try:
            while True:
                for outcome in watched.import_ready():
                    report = outcome.report
                    said = report.get("error") or (
                        f"{report['stored']:,} stored, {report['already_stored']:,} already "
                        f"stored, {report['conflicting']:,} conflicting, "
                        f"{report['rejected']:,} rejected"
                    )
                    console.print(
                        f"{outcome.file.name} -> {report['moved_to']}: {said}", highlight=False
                    )
                if once:
                    return
                time.sleep(interval)
        except KeyboardInterrupt:
            console.print("stopped", highlight=False)
