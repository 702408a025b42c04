"""Every top-level command, by name, and the module that implements it: loaded on first use.

``patrolgate --help`` lists the commands from this table alone, so it imports none of them
(FastAPI, SciPy, scikit-learn, Alembic and SQLAlchemy stay out of a process that only asks
for help); running a command imports its module and no other. A test checks that each
entry's help is the implementing command's own first paragraph.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from difflib import get_close_matches
from typing import Any

import typer
from typer.core import TyperCommand

from patrolgate.cli.context import ErrorMappingGroup


@dataclass(frozen=True)
class Entry:
    """A top-level command: the ``patrolgate.cli`` module whose ``register(app)`` adds it,
    modules that add sub-commands to it when imported, and the line ``--help`` shows."""

    module: str
    help: str
    extends: tuple[str, ...] = ()


CATALOGUE: dict[str, Entry] = {
    "demo": Entry(
        "demo", "Build (or bring up to date) the demo database from the shipped London data."
    ),
    "sweep": Entry(
        "records",
        "Record due activations, expiries, lapses and missed deadlines in the audit trail, and "
        "evaluate the ended deployments whose evaluation is due (run from a timer).",
    ),
    "forecast": Entry(
        "forecasting", "Forecast expected events per grid cell for one window, ranked."
    ),
    "backtest": Entry(
        "forecasting",
        "Rolling-origin backtest: forecast every window of the period from what was known before.",
    ),
    "serve": Entry("serve", "Serve the JSON API under /api/v1 and the browser UI."),
    "evaluate": Entry(
        "evaluating",
        "Evaluate an ended deployment, or the programme, against matched control areas.",
    ),
    "backup": Entry(
        "backup",
        "Back up the whole database into PATH while the service runs (SQLite: VACUUM INTO, "
        "one consistent snapshot per file; PostgreSQL: pg_dump).",
    ),
    "restore": Entry(
        "backup",
        "Replace the database's content with the backup in PATH, then verify the audit chain.",
    ),
    # oversight_imports adds its importers (pas, imd, pings) to the import group.
    "import": Entry(
        "importing",
        "Import event data (each file in one transaction).",
        extends=("oversight_imports",),
    ),
    "areas": Entry("areas", "Boundaries of boroughs, wards, LSOAs and districts."),
    "events": Entry("events", "What the stored events hold."),
    "users": Entry("users", "Users of the system (role, rank, borough)."),
    "tokens": Entry("users", "API tokens for scripts and the command line."),
    "profile": Entry("profiles", "Policy profiles: the rules of each power."),
    "intel": Entry("intelligence", "Graded, sanitised, area-level intelligence."),
    "retention": Entry("records", "Retention periods and redaction."),
    "deployment": Entry("deployments", "Exceptional area deployments."),
    "audit": Entry("audit", "The append-only, hash-chained audit trail."),
    "oversight": Entry(
        "oversight", "Oversight: rarity monitor, notifications, trends, patrol tracking."
    ),
    "report": Entry(
        "reports",
        "Public and oversight reports: transparency, algorithm record, exposure, confidence.",
    ),
}


def load_command(name: str) -> Any:
    """The command ``name`` as Typer builds it, importing its module (and only its own)."""
    entry = CATALOGUE[name]
    for extension in entry.extends:
        importlib.import_module(f"patrolgate.cli.{extension}")
    module = importlib.import_module(f"patrolgate.cli.{entry.module}")
    holder = typer.Typer()
    module.register(holder)
    # A holder with one command becomes that command; with several, a group of them.
    built = typer.main.get_group(holder)
    command = built.get_command(None, name)  # type: ignore[arg-type]  # ctx is unused
    if command is None:
        raise LookupError(f"patrolgate.cli.{entry.module} does not register {name!r}")
    return command


class CatalogueGroup(ErrorMappingGroup):
    """The root group: commands come from :data:`CATALOGUE`, each module imported on first
    use; the help listing reads the catalogue's lines and imports nothing."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return [*self.commands, *(name for name in CATALOGUE if name not in self.commands)]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        entry = CATALOGUE.get(cmd_name)
        if entry is None:
            return None
        if self._listing:
            return TyperCommand(cmd_name, help=entry.help)
        command = load_command(cmd_name)
        self.commands[cmd_name] = command
        return command

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        try:
            return super().resolve_command(ctx, args)
        except Exception as error:  # typer's vendored click UsageError: "No such command"
            message = getattr(error, "message", None)
            if isinstance(message, str) and args and "Did you mean" not in message:
                matches = get_close_matches(args[0], self.list_commands(ctx))
                if matches:  # Typer suggests from the loaded commands only: offer them all
                    suggestions = ", ".join(f"{m!r}" for m in matches)
                    error.message = f"{message.rstrip('.')}. Did you mean {suggestions}?"  # type: ignore[attr-defined]
            raise

    def format_help(self, ctx: Any, formatter: Any) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
