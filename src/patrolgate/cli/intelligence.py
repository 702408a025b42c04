"""``patrolgate intel``: graded, sanitised, area-level intelligence summaries."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from patrolgate.cli.acting import ActingUser, Format, NotNames, acting_user, workflow_of
from patrolgate.cli.context import OutputFormat, console, print_json, settings_of
from patrolgate.intelligence import Grading
from patrolgate.timekeeping import parse_time
from patrolgate.workflow import AddIntelligence
from patrolgate.workflow.commands import build

intel_app = typer.Typer(help="Graded, sanitised, area-level intelligence.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``intel`` group."""
    app.add_typer(intel_app, name="intel")


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
    not_names: NotNames = False,
    actor: ActingUser = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Add a graded intelligence summary (analyst or proposer)."""
    settings = settings_of(ctx)
    grading = Grading.of(source, grade, handling)
    command = build(
        AddIntelligence,
        {
            "area_codes": [c.strip() for c in area.split(",") if c.strip()],
            "valid_from": parse_time(valid_from, settings.tz, "--from"),
            "valid_to": parse_time(valid_to, settings.tz, "--to"),
            "source": int(grading.source),
            "assessment": grading.assessment.value,
            "handling": grading.handling.value,
            "text": text,
            "names_confirmed": not_names,
        },
        "intel add",
    )
    with workflow_of(ctx) as workflow:
        intel_id = workflow.add_intelligence(acting_user(ctx, actor), command)
    if output is OutputFormat.JSON:
        print_json({"id": intel_id, "grading": grading.code})
    else:
        console.print(f"intelligence {intel_id} ({grading.code}) added", highlight=False)


@intel_app.command("show")
def show_intel(
    ctx: typer.Context,
    intel_id: Annotated[str, typer.Argument(metavar="ID")],
    actor: ActingUser = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Show a summary; the text of handling code C is withheld (use intel reveal)."""
    _show(ctx, intel_id, actor, output, reveal=False)


@intel_app.command("reveal")
def reveal_intel(
    ctx: typer.Context,
    intel_id: Annotated[str, typer.Argument(metavar="ID")],
    actor: ActingUser = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Show a summary with its text; revealing handling code C is recorded in the audit trail."""
    _show(ctx, intel_id, actor, output, reveal=True)


def _show(
    ctx: typer.Context, intel_id: str, actor: str | None, output: OutputFormat, *, reveal: bool
) -> None:
    with workflow_of(ctx) as workflow:
        who = acting_user(ctx, actor)
        record = (
            workflow.reveal_intelligence(who, intel_id)
            if reveal
            else workflow.read_intelligence(who, intel_id)
        )
    if output is OutputFormat.JSON:
        print_json(record)
        return
    text = record.get("text")
    if text is None:
        text = (
            "(handling code C: the text is shown only when revealed, on the record: intel reveal)"
        )
    console.print(
        f"{record['id']} {record['grading']} {', '.join(record['area_codes'])} "
        f"{record['valid_from']} → {record['valid_to']} by {record['author']}\n{text}",
        highlight=False,
    )


@intel_app.command("list")
def list_intel(
    ctx: typer.Context, actor: ActingUser = None, output: Format = OutputFormat.TABLE
) -> None:
    """List summaries (without their text)."""
    with workflow_of(ctx) as workflow:
        records = workflow.list_intelligence(acting_user(ctx, actor))
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
