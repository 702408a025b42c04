"""The ``patrolgate`` command line: one Typer app, commands grouped by concept.

Each module of this package adds its commands to ``app`` through ``register(app)``.
Settings are built here, once, by the entry point, and reach commands through
``context.obj`` (see :func:`patrolgate.cli.context.settings_of`).
"""

from __future__ import annotations

import typer

from patrolgate.cli import (
    areas,
    audit,
    backup,
    demo,
    deployments,
    evaluating,
    events,
    forecasting,
    importing,
    intelligence,
    oversight,
    profiles,
    records,
    reports,
    serve,
    users,
)
from patrolgate.cli.context import ErrorMappingGroup, load_settings

app = typer.Typer(
    name="patrolgate",
    help="PatrolGate: intelligence picture, authorisation, accountability and evaluation "
    "for exceptional, area-based police deployments.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=ErrorMappingGroup,
)


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Build the settings once, from PATROLGATE_* variables."""
    ctx.obj = load_settings()


for module in (
    importing,
    areas,
    events,
    demo,
    users,
    profiles,
    intelligence,
    records,
    deployments,
    audit,
    forecasting,
    serve,
    oversight,
    reports,
    evaluating,
    backup,
):
    module.register(app)


def main() -> None:
    """Console-script entry point."""
    app()
