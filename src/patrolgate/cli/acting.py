"""Who acts in a command, and the workflow they act through.

Every command in which someone acts takes ``--as USER`` (or ``PATROLGATE_AS``) and passes
it through :func:`acting_user`, the one place that decides who the acting user is.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from patrolgate.cli.context import OutputFormat, open_database, settings_of
from patrolgate.workflow import Workflow
from patrolgate.workflow.actors import ActorRef

ActingUser = Annotated[
    str | None,
    typer.Option("--as", envvar="PATROLGATE_AS", help="The user acting (login)."),
]
Format = Annotated[OutputFormat, typer.Option("--format", help="table or json")]


@contextmanager
def workflow_of(ctx: typer.Context) -> Iterator[Workflow]:
    """The workflow over the configured database, with the settings' clock."""
    settings = settings_of(ctx)
    with open_database(settings) as database:
        yield Workflow.from_settings(database, settings)


def acting_user(ctx: typer.Context, given: str | None) -> ActorRef:
    """The user a command acts as: the ``--as`` login as given."""
    settings_of(ctx)
    return given
