"""Who acts in a command, and the workflow they act through.

Every command in which someone acts passes its ``--as USER`` (or ``PATROLGATE_AS``) through
:func:`acting_user`, the one place that decides who the acting user is:

- in development and demo mode, the ``--as`` login as given (for trying things out);
- in production, only a user who proved who they are: an API token in ``PATROLGATE_TOKEN``
  (made with ``patrolgate tokens create`` or in the web UI), or the password of the ``--as``
  user, asked for at a prompt (checked and throttled like a web sign-in, and recorded).
  ``--as`` alone names nobody there. With neither, the command acts as nobody, which only
  the very first ``users add`` (an administrator, on an empty database) accepts.
"""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

import typer

from patrolgate.accounts import Accounts, Identity
from patrolgate.cli.context import OutputFormat, open_database, settings_of
from patrolgate.errors import Refused
from patrolgate.settings import Mode
from patrolgate.workflow import Workflow
from patrolgate.workflow.actors import Actor, ActorRef, load_actor, same_person

#: The variable the command line reads an API token from (never an option: command lines
#: are visible to other users of the machine).
TOKEN_VARIABLE = "PATROLGATE_TOKEN"
_IDENTITY = "patrolgate.identity"

ActingUser = Annotated[
    str | None,
    typer.Option(
        "--as",
        envvar="PATROLGATE_AS",
        help="The user acting (login); in production also give PATROLGATE_TOKEN or the "
        "password at the prompt.",
    ),
]
Format = Annotated[OutputFormat, typer.Option("--format", help="table or json")]
#: Every command that takes free text takes this: the author's confirmation, recorded with
#: the text, that capitalised words the screening flags are not people's names.
NotNames = Annotated[
    bool,
    typer.Option(
        "--not-names", help="Confirm the capitalised words of the text are not people's names."
    ),
]


@contextmanager
def workflow_of(ctx: typer.Context) -> Iterator[Workflow]:
    """The workflow over the configured database, with the settings' clock."""
    settings = settings_of(ctx)
    with open_database(settings) as database:
        yield Workflow.from_settings(database, settings)


@dataclass(frozen=True)
class Acting:
    """Who a command acts as, and how they proved it (``None``: a development ``--as``)."""

    actor: ActorRef
    proof: str | None = None

    @property
    def via_token(self) -> bool:
        """Whether an API token names the actor."""
        return self.proof == "token"


def command_line_client() -> str:
    """The sign-in throttle's client for the command line: the local account and host."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no such user in the password database
        user = str(os.getuid())
    return f"cli:{user}@{socket.gethostname()}"


def _authenticated(ctx: typer.Context, given: str | None) -> Acting:
    settings = settings_of(ctx)
    if settings.mode is not Mode.PRODUCTION:
        return Acting(given)
    token = os.environ.get(TOKEN_VARIABLE, "").strip()
    if not token and not given:
        return Acting(None)
    with open_database(settings) as database:
        accounts = Accounts(database, secret_key=settings.secret_key, mode=settings.mode)
        if token:
            identity = accounts.token_identity(token)
            if identity is None:
                raise Refused(f"{TOKEN_VARIABLE} is unknown or revoked, or its user is deactivated")
            if given and not same_person(given, identity.actor.login):
                raise Refused(
                    f"--as {given} but {TOKEN_VARIABLE} is {identity.actor.login}'s token"
                )
            return Acting(identity.actor, "token")
        assert given is not None
        password = typer.prompt(f"password for {given}", hide_input=True, err=True)
        actor = accounts.authenticate(given, password, command_line_client())
        return Acting(actor, "password")


def acting(ctx: typer.Context, given: str | None) -> Acting:
    """Who the command acts as (asked once per command), and how they proved it."""
    found = ctx.meta.get(_IDENTITY)
    if isinstance(found, Acting):
        return found
    made = _authenticated(ctx, given)
    ctx.meta[_IDENTITY] = made
    return made


def acting_user(ctx: typer.Context, given: str | None) -> ActorRef:
    """The user a command acts as: in production a user proved by token or password (see the
    module's notes), elsewhere the ``--as`` login as given."""
    return acting(ctx, given).actor


def acting_identity(ctx: typer.Context, given: str | None, workflow: Workflow) -> Identity:
    """The acting user as an accounts identity (refusing nobody), for account commands."""
    found = acting(ctx, given)
    actor = found.actor
    if not isinstance(actor, Actor):
        if not actor:
            raise Refused("say who is acting (--as USER)")
        with workflow.database.sessions() as session:
            actor = load_actor(session, actor)
    return Identity(actor, via_token=found.via_token)
