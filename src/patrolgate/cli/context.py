"""What every command shares: settings, the database, output and error mapping."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console
from typer.core import TyperGroup

from patrolgate.errors import PatrolGateError

if TYPE_CHECKING:
    from patrolgate.settings import Settings
    from patrolgate.store import Database

console = Console()
error_console = Console(stderr=True)


class OutputFormat(StrEnum):
    """Machine or human output."""

    TABLE = "table"
    JSON = "json"


def load_settings() -> Settings:
    """Build the settings from the environment, failing with exit code 2 on a bad value."""
    # pydantic-settings: only when a command runs (``--help`` needs no settings).
    from pydantic import ValidationError

    from patrolgate.settings import Settings

    try:
        return Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"PATROLGATE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}"
            for e in error.errors()
        )
        fail(f"invalid settings: {problems}", 2)


def fail(message: str, exit_code: int) -> NoReturn:
    """Print ``message`` to standard error and exit with ``exit_code``."""
    error_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(exit_code)


@contextmanager
def open_database(settings: Settings) -> Iterator[Database]:
    """The migrated database named by the settings, disposed of afterwards."""
    from patrolgate.store import create_database  # SQLAlchemy and Alembic: only here

    database = create_database(settings.resolved_database_url)
    try:
        database.migrate()
        yield database
    finally:
        database.dispose()


def print_json(value: Any) -> None:
    """Print ``value`` as JSON on standard output, nothing else."""
    sys.stdout.write(json.dumps(value, indent=2, default=str, ensure_ascii=False) + "\n")


class ErrorMappingGroup(TyperGroup):
    """The root command group: maps domain errors to exit codes, once, for every command."""

    def invoke(self, ctx: Any) -> Any:  # typer's own vendored click Context
        try:
            return super().invoke(ctx)
        except PatrolGateError as error:
            error_console.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
            ctx.exit(error.exit_code)


def settings_of(ctx: typer.Context) -> Settings:
    """The settings the entry point built for this invocation."""
    from patrolgate.settings import Settings

    root = ctx.find_root()
    if not isinstance(root.obj, Settings):
        root.obj = load_settings()
    return root.obj
