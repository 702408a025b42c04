"""``patrolgate audit verify|export|head``: the tamper-evident trail."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from typing import Annotated

import typer

from patrolgate.cli.acting import workflow_of
from patrolgate.cli.context import OutputFormat, console, error_console, print_json
from patrolgate.errors import InvalidInput

audit_app = typer.Typer(help="The append-only, hash-chained audit trail.", no_args_is_help=True)

#: Exit code when the chain does not verify: a failure, not a refusal (codes 2-5 mean those).
TAMPERED = 1


class ExportFormat(StrEnum):
    """Export formats."""

    JSONL = "jsonl"


def register(app: typer.Typer) -> None:
    """Add the ``audit`` group."""
    app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
    published: Annotated[
        str | None,
        typer.Option("--published-head", help="SEQ:HASH of a head published earlier."),
    ] = None,
) -> None:
    """Check the whole chain; name the first entry edited, deleted, inserted or reordered."""
    head: tuple[int, str] | None = None
    if published is not None:
        seq, _, hash_ = published.partition(":")
        if not seq.isdigit() or len(hash_) != 64:
            raise InvalidInput("--published-head: SEQ:HASH, as printed by `patrolgate audit head`")
        head = (int(seq), hash_)
    with workflow_of(ctx) as workflow:
        result = workflow.verify_audit(head)
    if output is OutputFormat.JSON:
        print_json(result.as_dict())
    elif result.ok:
        console.print(
            f"audit chain OK: {result.entries} entries; head {result.head_hash}", highlight=False
        )
    else:
        error_console.print(
            f"[bold red]audit chain BROKEN[/] at entry {result.first_bad_seq} "
            f"({result.problem.value if result.problem else '?'}): {result.message}",
            highlight=False,
        )
    if not result.ok:
        raise typer.Exit(TAMPERED)


@audit_app.command("export")
def export(
    ctx: typer.Context,
    output: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.JSONL,
) -> None:
    """Export every entry as JSON lines, oldest first."""
    with workflow_of(ctx) as workflow:
        for record in workflow.export_audit():
            sys.stdout.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


@audit_app.command("head")
def head(ctx: typer.Context) -> None:
    """Print the chain head (sequence and hash) for publication."""
    with workflow_of(ctx) as workflow:
        print_json(workflow.chain_head())
