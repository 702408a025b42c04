"""The ``patrolgate`` command line: one Typer app, commands grouped by concept.

Each module of this package adds its commands to an app through ``register(app)``; the root
group loads a module only when one of its commands runs (:mod:`patrolgate.cli.catalogue`),
so a command pays for its own imports and no other's, and ``--help`` for none.
Settings are built here, once, by the entry point, and reach commands through
``context.obj`` (see :func:`patrolgate.cli.context.settings_of`).
"""

from __future__ import annotations

import typer

from patrolgate.cli.catalogue import CatalogueGroup
from patrolgate.cli.context import load_settings

app = typer.Typer(
    name="patrolgate",
    help="PatrolGate: intelligence picture, authorisation, accountability and evaluation "
    "for exceptional, area-based police deployments.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=CatalogueGroup,
)


@app.callback()
def _root(ctx: typer.Context) -> None:
    """Build the settings once, from PATROLGATE_* variables."""
    ctx.obj = load_settings()


def main() -> None:
    """Console-script entry point."""
    app()
