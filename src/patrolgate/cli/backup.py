"""``patrolgate backup PATH`` and ``patrolgate restore PATH``: whole-database copies that
complete under service load, and restores whose audit chain is verified."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated

import typer

from patrolgate.cli.context import (
    OutputFormat,
    console,
    error_console,
    open_database,
    print_json,
    settings_of,
)
from patrolgate.store import create_database
from patrolgate.store.backup import MAIN_FILE, back_up, describe, read_backup, restore
from patrolgate.workflow import Workflow

#: Exit code when the restored chain does not verify (as ``patrolgate audit verify``).
TAMPERED = 1


def register(app: typer.Typer) -> None:
    """Add ``backup`` and ``restore``."""
    app.command("backup")(backup_command)
    app.command("restore")(restore_command)


def backup_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A new or empty folder for the backup.")],
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """Back up the whole database into PATH while the service runs (SQLite: VACUUM INTO,
    one consistent snapshot per file; PostgreSQL: pg_dump)."""
    settings = settings_of(ctx)
    with open_database(settings) as database:
        made = back_up(database, path)
    result = describe(made)
    if made.kind == "sqlite":
        # Verified on a scratch copy: opening a file in WAL mode writes its header.
        with tempfile.TemporaryDirectory(prefix="patrolgate-verify-") as scratch:
            shutil.copyfile(path / MAIN_FILE, Path(scratch) / MAIN_FILE)
            copy = create_database(f"sqlite:///{Path(scratch) / MAIN_FILE}")
            try:
                verification = Workflow.from_settings(copy, settings).verify_audit()
            finally:
                copy.dispose()
        result["audit"] = verification.as_dict()
        if not verification.ok:
            error_console.print(
                f"[bold red]the backup's audit chain does not verify[/]: {verification.message}",
                highlight=False,
            )
            raise typer.Exit(TAMPERED)
    if output is OutputFormat.JSON:
        print_json(result)
    else:
        console.print(f"backed up to {path} ({made.kind}, {len(made.files)} files)")


def restore_command(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="A folder written by patrolgate backup.")],
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """Replace the database's content with the backup in PATH, then verify the audit chain."""
    settings = settings_of(ctx)
    backup = read_backup(path)
    with open_database(settings) as database:
        restore(database, backup)
    with open_database(settings) as database:
        verification = Workflow.from_settings(database, settings).verify_audit()
    result = {**describe(backup), "audit": verification.as_dict()}
    if output is OutputFormat.JSON:
        print_json(result)
    elif verification.ok:
        console.print(
            f"restored from {path}; audit chain OK: {verification.entries} entries, head "
            f"{verification.head_hash}",
            highlight=False,
        )
    if not verification.ok:
        error_console.print(
            f"[bold red]restored, but the audit chain does not verify[/]: {verification.message}",
            highlight=False,
        )
        raise typer.Exit(TAMPERED)
