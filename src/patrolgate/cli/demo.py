"""``patrolgate demo``: build the London demo from the shipped data and say what it holds."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from patrolgate.cli.context import console, open_database, settings_of
from patrolgate.cli.serve import serve_demo
from patrolgate.demo import build_demo


def register(app: typer.Typer) -> None:
    """Add the ``demo`` command."""
    app.command("demo")(demo)


def demo(
    ctx: typer.Context,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Build the demo and exit, without the web service.")
    ] = False,
) -> None:
    """Build (or bring up to date) the demo database from the shipped London data."""
    settings = settings_of(ctx)
    with open_database(settings) as database:
        built = build_demo(database, settings, console=console)
    console.print(f"\n[bold]PatrolGate demo[/] in {database.url}")
    console.print(
        f"{built.events_total:,} events from {built.first_day} to {built.last_day}; "
        f"areas: " + ", ".join(f"{n} {level}" for level, n in built.areas.items()),
        highlight=False,
    )
    table = Table("category", "events", "years", title="Events by category and year")
    for category, by_year in sorted(built.by_category_year.items()):
        years = ", ".join(f"{year}: {count:,}" for year, count in sorted(by_year.items()))
        table.add_row(category, f"{sum(by_year.values()):,}", years)
    console.print(table)
    console.print(
        f"{built.deployments} example deployments (one active, one expired, one refused for a "
        "missing impact assessment): `patrolgate deployment list --as sfc.adams`",
        highlight=False,
    )
    serve_demo(settings, serve_too=not no_serve)
