"""``patrolgate users``: the people who act, with their role, rank and borough."""

from __future__ import annotations

from typing import Annotated

import typer

from patrolgate.cli.acting import ActingUser, Format, acting_user, workflow_of
from patrolgate.cli.context import OutputFormat, console, print_json

users_app = typer.Typer(help="Users of the system (role, rank, borough).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``users`` group."""
    app.add_typer(users_app, name="users")


@users_app.command("add")
def add_user(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Login name, e.g. sfc.adams")],
    role: Annotated[str, typer.Option("--role", help="analyst, proposer, borough-commander, ...")],
    rank: Annotated[str, typer.Option("--rank", help="constable ... commissioner, or staff")],
    borough: Annotated[str | None, typer.Option("--borough", help="Borough code")] = None,
    actor: ActingUser = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Add a user; the first user is an admin and needs no --as."""
    with workflow_of(ctx) as workflow:
        user = workflow.add_user(
            acting_user(ctx, actor), name, role=role, rank=rank, borough_code=borough
        )
    if output is OutputFormat.JSON:
        print_json({"id": user.login, **user.as_dict()})
    else:
        console.print(f"added {user.login} ({user.describe()})", highlight=False)
