"""``patrolgate users|intel|sweep|retention``: the people who act, intelligence, the clock."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.table import Table

from patrolgate.cli.context import OutputFormat, console, open_database, print_json, settings_of
from patrolgate.intelligence import Grading, IntelligenceSummary
from patrolgate.workflow import Workflow, parse_time

users_app = typer.Typer(help="Users of the system (role, rank, borough).", no_args_is_help=True)
intel_app = typer.Typer(help="Graded, sanitised, area-level intelligence.", no_args_is_help=True)
retention_app = typer.Typer(help="Retention periods and redaction.", no_args_is_help=True)

ActingUser = Annotated[
    str | None,
    typer.Option("--as", envvar="PATROLGATE_AS", help="The user acting (login)."),
]
Format = Annotated[OutputFormat, typer.Option("--format", help="table or json")]


def register(app: typer.Typer) -> None:
    """Add the ``users``, ``intel`` and ``retention`` groups and the ``sweep`` command."""
    app.add_typer(users_app, name="users")
    app.add_typer(intel_app, name="intel")
    app.add_typer(retention_app, name="retention")
    app.command("sweep")(sweep)


@contextmanager
def workflow_of(ctx: typer.Context) -> Iterator[Workflow]:
    """The workflow over the configured database, with the settings' clock."""
    settings = settings_of(ctx)
    with open_database(settings) as database:
        yield Workflow.from_settings(database, settings)


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
        user = workflow.add_user(actor, name, role=role, rank=rank, borough_code=borough)
    if output is OutputFormat.JSON:
        print_json({"id": user.login, **user.as_dict()})
    else:
        console.print(f"added {user.login} ({user.describe()})", highlight=False)


@intel_app.command("add")
def add_intel(
    ctx: typer.Context,
    area: Annotated[str, typer.Option("--area", help="Area code(s), comma-separated")],
    source: Annotated[str, typer.Option("--source", help="Source evaluation 1, 2 or 3")],
    grade: Annotated[str, typer.Option("--grade", help="Intelligence assessment A-E")],
    handling: Annotated[str, typer.Option("--handling", help="Handling code P or C")],
    valid_from: Annotated[str, typer.Option("--from", help="Valid from (ISO time)")],
    valid_to: Annotated[str, typer.Option("--to", help="Valid to (ISO time)")],
    text: Annotated[str, typer.Option("--text", help="Sanitised, area-level summary")],
    actor: ActingUser = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Add a graded intelligence summary (analyst or proposer)."""
    settings = settings_of(ctx)
    summary = IntelligenceSummary(
        area_codes=tuple(c.strip() for c in area.split(",") if c.strip()),
        valid_from=parse_time(valid_from, settings.tz, "--from"),
        valid_to=parse_time(valid_to, settings.tz, "--to"),
        grading=Grading.of(source, grade, handling),
        text=text,
    )
    with workflow_of(ctx) as workflow:
        intel_id = workflow.add_intelligence(actor, summary)
    if output is OutputFormat.JSON:
        print_json({"id": intel_id, "grading": summary.grading.code})
    else:
        console.print(f"intelligence {intel_id} ({summary.grading.code}) added", highlight=False)


@intel_app.command("show")
def show_intel(
    ctx: typer.Context,
    intel_id: Annotated[str, typer.Argument(metavar="ID")],
    actor: ActingUser = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Show a summary with its text; reads of handling code C are recorded."""
    with workflow_of(ctx) as workflow:
        record = workflow.read_intelligence(actor, intel_id)
    if output is OutputFormat.JSON:
        print_json(record)
        return
    console.print(
        f"{record['id']} {record['grading']} {', '.join(record['area_codes'])} "
        f"{record['valid_from']} → {record['valid_to']} by {record['author']}\n{record['text']}",
        highlight=False,
    )


@intel_app.command("list")
def list_intel(
    ctx: typer.Context, actor: ActingUser = None, output: Format = OutputFormat.TABLE
) -> None:
    """List summaries (without their text)."""
    with workflow_of(ctx) as workflow:
        records = workflow.list_intelligence(actor)
    if output is OutputFormat.JSON:
        print_json(records)
        return
    table = Table("id", "grading", "areas", "valid from", "valid to", "author")
    for r in records:
        table.add_row(
            r["id"],
            r["grading"],
            ", ".join(r["area_codes"]),
            str(r["valid_from"]),
            str(r["valid_to"]),
            r["author"],
        )
    console.print(table)


def sweep(
    ctx: typer.Context,
    every: Annotated[
        float | None, typer.Option("--every", help="Keep sweeping every this many seconds.")
    ] = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Record due activations, expiries and lapses in the audit trail (run from a timer)."""
    while True:
        with workflow_of(ctx) as workflow:
            events = workflow.sweep()
        if output is OutputFormat.JSON:
            print_json({"recorded": [e.as_dict() for e in events]})
        else:
            for e in events:
                console.print(f"{e.deployment_id}: {e.action} at {e.effective_at.isoformat()}")
            console.print(f"{len(events)} transition(s) recorded", highlight=False)
        if every is None:
            return
        time.sleep(every)


@retention_app.command("apply")
def apply_retention(
    ctx: typer.Context, actor: ActingUser = None, output: Format = OutputFormat.TABLE
) -> None:
    """Redact content past its retention period; each redaction goes on the record."""
    with workflow_of(ctx) as workflow:
        report = workflow.apply_retention(actor)
    if output is OutputFormat.JSON:
        print_json(report.as_dict())
    else:
        console.print(
            f"redacted {len(report.intelligence)} intelligence summaries and "
            f"{len(report.deployments)} deployments ({report.audit_payloads} audit payloads); "
            "the chain still verifies",
            highlight=False,
        )
