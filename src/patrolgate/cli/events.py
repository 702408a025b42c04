"""``patrolgate events summary``: counts by year, month, borough or category."""

from __future__ import annotations

import sys
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.table import Table

from patrolgate.cli.context import console, open_database, print_json, settings_of
from patrolgate.csv_export import write_records
from patrolgate.errors import InvalidInput
from patrolgate.events.taxonomy import parse_category_filter
from patrolgate.store.event_summary import EventFilter, GroupBy, summarise, year_to_date

events_app = typer.Typer(help="What the stored events hold.", no_args_is_help=True)


class SummaryFormat(StrEnum):
    """Output formats of the summary."""

    TABLE = "table"
    JSON = "json"
    CSV = "csv"


def register(app: typer.Typer) -> None:
    """Add the ``events`` group."""
    app.add_typer(events_app, name="events")


def _parse_by(text: str) -> list[GroupBy]:
    keys = []
    for part in text.split(","):
        try:
            keys.append(GroupBy(part.strip()))
        except ValueError:
            known = ", ".join(g.value for g in GroupBy)
            raise InvalidInput(f"--by: unknown grouping {part.strip()!r}; use {known}") from None
    return keys


def _parse_day(text: str | None, option: str, tz: Any) -> datetime | None:
    if text is None:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{option}: {text!r} is not a date (YYYY-MM-DD)") from None
    return datetime(day.year, day.month, day.day, tzinfo=tz)


@events_app.command("summary")
def summary(
    ctx: typer.Context,
    by: Annotated[
        str, typer.Option("--by", help="year, month, borough, category (comma separated)")
    ] = "year",
    category: Annotated[
        str, typer.Option("--category", help="Category names, 'serious-violence' or 'all'.")
    ] = "all",
    start: Annotated[
        str | None, typer.Option("--from", help="First local day (YYYY-MM-DD).")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Day after the last (YYYY-MM-DD).")
    ] = None,
    output: Annotated[SummaryFormat, typer.Option("--format")] = SummaryFormat.TABLE,
) -> None:
    """Count events per group, with this year so far against last year."""
    settings = settings_of(ctx)
    keys = _parse_by(by)
    try:
        categories = parse_category_filter(category)
    except ValueError as error:
        raise InvalidInput(f"--category: {error}") from None
    where = EventFilter(
        categories=categories,
        start=_parse_day(start, "--from", settings.tz),
        end=_parse_day(end, "--to", settings.tz),
    )
    with open_database(settings) as database:
        groups = summarise(database, keys, where)
        # Only the table prints the year-to-date line: JSON and CSV do not pay its counts.
        ytd = year_to_date(database, where) if output is SummaryFormat.TABLE else None
    if output is SummaryFormat.JSON:
        print_json(groups)
        return
    columns = [c for c in (groups[0].keys() if groups else ["count"]) if c != "borough_code"]
    if output is SummaryFormat.CSV:
        # Imported names (boroughs, categories) never reach a spreadsheet as formulas.
        write_records(sys.stdout, columns, groups)
        return
    table = Table(*columns, title=f"Events ({category}) by {by}")
    for group in groups:
        table.add_row(*(str(group[c]) for c in columns))
    console.print(table)
    if ytd is not None:
        month = date(2000, ytd["through_month"], 1).strftime("%B")
        console.print(
            f"Year to date: {ytd['so_far']} in {ytd['year']} (January–{month}) against "
            f"{ytd['last_year_same_months']} in the same months of {ytd['year'] - 1} "
            f"and {ytd['last_year_whole']} in the whole of {ytd['year'] - 1}.",
            highlight=False,
        )
