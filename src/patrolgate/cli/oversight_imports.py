"""``patrolgate import pas|imd|pings``: the sources oversight reads, joining the ``import`` group.

The oversight package imports the forecasting library (SciPy), so these commands import it
in their bodies: loading the ``import`` group for ``import police-uk`` costs none of it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from patrolgate.cli.context import (
    OutputFormat,
    console,
    error_console,
    open_database,
    print_json,
    settings_of,
)
from patrolgate.cli.importing import import_app

if TYPE_CHECKING:
    from patrolgate.oversight.sources import SourceReport

Format = Annotated[OutputFormat, typer.Option("--format", help="table or json")]


def _source_report(report: SourceReport, output: OutputFormat) -> None:
    for problem in report.rejected:
        error_console.print(problem, highlight=False, markup=False, soft_wrap=True)
    if output is OutputFormat.JSON:
        print_json(report.as_dict())
    else:
        console.print(
            f"{report.path}: {report.rows_read} rows read, {report.stored} stored, "
            f"{len(report.rejected)} rejected",
            highlight=False,
        )


@import_app.command("pas")
def import_pas_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="MOPAC PAS borough CSV (.csv or .csv.gz).")],
    output: Format = OutputFormat.TABLE,
) -> None:
    """Import MOPAC Public Attitude Survey results by borough (trust, fairness, confidence...)."""
    from patrolgate.oversight.sources import import_pas  # the oversight package: SciPy

    settings = settings_of(ctx)
    with open_database(settings) as database:
        _source_report(import_pas(database, path), output)


@import_app.command("imd")
def import_imd_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="GLA 'ID 2019 for London' LSOA workbook (.xlsx).")],
    output: Format = OutputFormat.TABLE,
) -> None:
    """Import the Index of Multiple Deprivation 2019 for London LSOAs."""
    from patrolgate.oversight.sources import import_imd  # the oversight package: SciPy

    settings = settings_of(ctx)
    with open_database(settings) as database:
        _source_report(import_imd(database, path), output)


@import_app.command("pings")
def import_pings_command(
    ctx: typer.Context,
    path: Annotated[
        Path, typer.Argument(help="CSV of unit, time, lat, lon [, deployment]; no names.")
    ],
    output: Format = OutputFormat.TABLE,
) -> None:
    """Import patrol unit location pings (unit pseudonyms only; name-like columns are refused)."""
    from patrolgate.oversight.tracking import import_pings  # the oversight package: SciPy

    settings = settings_of(ctx)
    with open_database(settings) as database:
        report = import_pings(database, path, settings.tz)
    for problem in report.rejected:
        error_console.print(problem, highlight=False, markup=False, soft_wrap=True)
    if output is OutputFormat.JSON:
        print_json(report.as_dict())
    else:
        console.print(
            f"{report.path}: {report.rows_read} rows read, {report.stored} stored, "
            f"{report.duplicates} already stored, {len(report.rejected)} rejected",
            highlight=False,
        )
