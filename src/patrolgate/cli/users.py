"""``patrolgate users`` and ``patrolgate tokens``: the people who act, their passwords and
their API tokens."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table
from sqlalchemy import select

from patrolgate.accounts import Accounts
from patrolgate.cli.acting import (
    ActingUser,
    Format,
    acting_identity,
    acting_user,
    command_line_client,
    workflow_of,
)
from patrolgate.cli.context import OutputFormat, console, print_json, settings_of
from patrolgate.store.workflow_tables import UserRow
from patrolgate.workflow import Workflow
from patrolgate.workflow.actors import actor_of, login_of

users_app = typer.Typer(help="Users of the system (role, rank, borough).", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for scripts and the command line.", no_args_is_help=True)

Login = Annotated[str, typer.Argument(help="The user's login, e.g. sfc.adams")]


def register(app: typer.Typer) -> None:
    """Add the ``users`` and ``tokens`` groups."""
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")


def _accounts(ctx: typer.Context, workflow: Workflow) -> Accounts:
    settings = settings_of(ctx)
    return Accounts(workflow.database, secret_key=settings.secret_key, mode=settings.mode)


def _new_password(prompt: str) -> str:
    password: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=True, err=True)
    return password


def _print_records(records: list[dict[str, Any]], output: OutputFormat, title: str) -> None:
    if output is OutputFormat.JSON:
        print_json(records)
        return
    columns = list(records[0]) if records else ["(none)"]
    table = Table(*columns, title=title)
    for record in records:
        table.add_row(*("" if record[c] is None else str(record[c]) for c in columns))
    console.print(table)


@users_app.command("add")
def add_user(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="Login name, e.g. sfc.adams")],
    role: Annotated[str, typer.Option("--role", help="analyst, proposer, borough-commander, ...")],
    rank: Annotated[str, typer.Option("--rank", help="constable ... commissioner, or staff")],
    borough: Annotated[str | None, typer.Option("--borough", help="Borough code")] = None,
    set_password: Annotated[
        bool, typer.Option("--set-password", help="Ask for the new user's first password.")
    ] = False,
    actor: ActingUser = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Add a user; the first user is an admin and needs no --as. Logins are compared ignoring
    case, spaces and invisible characters: `TFC1 ` is refused when tfc1 exists."""
    with workflow_of(ctx) as workflow:
        by = acting_user(ctx, actor)
        user = workflow.add_user(by, name, role=role, rank=rank, borough_code=borough)
        if set_password:
            password = _new_password(f"first password for {user.login}")
            _accounts(ctx, workflow).set_password(login_of(by), user.login, password)
    if output is OutputFormat.JSON:
        print_json({"id": user.login, **user.as_dict()})
    else:
        console.print(f"added {user.login} ({user.describe()})", highlight=False)


@users_app.command("list")
def list_users(
    ctx: typer.Context, actor: ActingUser = None, output: Format = OutputFormat.TABLE
) -> None:
    """Every user with role, rank, borough and whether they may act."""
    with workflow_of(ctx) as workflow:
        acting_identity(ctx, actor, workflow)
        with workflow.database.sessions() as session:
            records = [
                {**actor_of(row).as_dict(), "active": row.active}
                for row in session.scalars(select(UserRow).order_by(UserRow.login))
            ]
    _print_records(records, output, "users")


def _set_active(
    ctx: typer.Context, login: str, actor: str | None, *, active: bool
) -> dict[str, Any]:
    with workflow_of(ctx) as workflow:
        identity = acting_identity(ctx, actor, workflow)
        return _accounts(ctx, workflow).set_active(identity.actor, login, active=active)


@users_app.command("deactivate")
def deactivate(
    ctx: typer.Context, login: Login, actor: ActingUser = None, output: Format = OutputFormat.TABLE
) -> None:
    """Stop a user acting (administrators): their sessions end, their tokens are revoked."""
    done = _set_active(ctx, login, actor, active=False)
    if output is OutputFormat.JSON:
        print_json(done)
    else:
        console.print(
            f"deactivated {done['login']}: {done['sessions_ended']} session(s) ended, "
            f"{done['tokens_revoked']} token(s) revoked",
            highlight=False,
        )


@users_app.command("activate")
def activate(
    ctx: typer.Context, login: Login, actor: ActingUser = None, output: Format = OutputFormat.TABLE
) -> None:
    """Let a deactivated user act again (administrators)."""
    done = _set_active(ctx, login, actor, active=True)
    if output is OutputFormat.JSON:
        print_json(done)
    else:
        console.print(f"reactivated {done['login']}", highlight=False)


@users_app.command("reset-password")
def reset_password(ctx: typer.Context, login: Login, actor: ActingUser = None) -> None:
    """Set another user's password (administrators): all their sessions end and all their
    tokens are revoked. The new password is asked for at a prompt."""
    with workflow_of(ctx) as workflow:
        identity = acting_identity(ctx, actor, workflow)
        password = _new_password(f"new password for {login}")
        _accounts(ctx, workflow).reset_password(identity.actor, login, password)
    console.print(f"password of {login} reset; their sessions and tokens ended", highlight=False)


@users_app.command("change-password")
def change_password(ctx: typer.Context, actor: ActingUser = None) -> None:
    """Change your own password: the current one is asked for first; your sessions end and
    your tokens are revoked."""
    with workflow_of(ctx) as workflow:
        identity = acting_identity(ctx, actor, workflow)
        current: str = typer.prompt("current password", hide_input=True, err=True)
        new = _new_password("new password")
        _accounts(ctx, workflow).change_password(identity, current, new, command_line_client())
    console.print(
        f"password of {identity.actor.login} changed; its sessions and tokens ended",
        highlight=False,
    )


@tokens_app.command("create")
def create_token(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. nightly-retention")],
    actor: ActingUser = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """A token acting as you, shown once (keep it in PATROLGATE_TOKEN); a token cannot
    create tokens: in production sign in with your password (--as, then the prompt)."""
    with workflow_of(ctx) as workflow:
        identity = acting_identity(ctx, actor, workflow)
        token, record = _accounts(ctx, workflow).create_token(identity, name)
    if output is OutputFormat.JSON:
        print_json({**record, "token": token})
    else:
        console.print(
            f"token {record['id']} for {record['login']} (shown once, keep it secret):\n{token}",
            highlight=False,
            soft_wrap=True,
        )


@tokens_app.command("list")
def list_tokens(
    ctx: typer.Context,
    user: Annotated[
        str | None, typer.Option("--user", help="Another user's tokens (administrators).")
    ] = None,
    actor: ActingUser = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Your tokens (or, for an administrator, another user's), revoked ones included."""
    with workflow_of(ctx) as workflow:
        identity = acting_identity(ctx, actor, workflow)
        records = _accounts(ctx, workflow).list_tokens(identity.actor, user)
    _print_records(records, output, "tokens")


@tokens_app.command("revoke")
def revoke_token(
    ctx: typer.Context,
    token_id: Annotated[str, typer.Argument(help="The token's id, e.g. tok_0123456789ab")],
    actor: ActingUser = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Revoke a token (yours, or anyone's for an administrator): it stops working at once."""
    with workflow_of(ctx) as workflow:
        identity = acting_identity(ctx, actor, workflow)
        record = _accounts(ctx, workflow).revoke_token(identity.actor, token_id)
    if output is OutputFormat.JSON:
        print_json(record)
    else:
        console.print(f"token {record['id']} of {record['login']} revoked", highlight=False)
