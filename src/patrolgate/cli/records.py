"""``patrolgate sweep`` and ``patrolgate retention``: the clock's transitions and redaction."""

from __future__ import annotations

import time
from typing import Annotated

import typer

from patrolgate.cli.acting import ActingUser, Format, acting_user, workflow_of
from patrolgate.cli.context import OutputFormat, console, print_json, settings_of

retention_app = typer.Typer(help="Retention periods and redaction.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    """Add the ``sweep`` command and the ``retention`` group."""
    app.add_typer(retention_app, name="retention")
    app.command("sweep")(sweep)


def sweep(
    ctx: typer.Context,
    every: Annotated[
        float | None, typer.Option("--every", help="Keep sweeping every this many seconds.")
    ] = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Record due activations, expiries, lapses and missed deadlines in the audit trail, and
    evaluate the ended deployments whose evaluation is due (run from a timer)."""
    from patrolgate.oversight.automatic_evaluation import evaluate_due  # SciPy: only here

    while True:
        with workflow_of(ctx) as workflow:
            events = workflow.sweep()
            evaluated = evaluate_due(workflow.database, settings_of(ctx), workflow.now())
        if output is OutputFormat.JSON:
            print_json(
                {
                    "recorded": [e.as_dict() for e in events],
                    "evaluated": [e.as_dict() for e in evaluated],
                }
            )
        else:
            for e in events:
                console.print(f"{e.deployment_id}: {e.action} at {e.effective_at.isoformat()}")
            for done in evaluated:
                console.print(f"{done.deployment_id}: evaluated, {done.verdict}", highlight=False)
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
        report = workflow.apply_retention(acting_user(ctx, actor))
    if output is OutputFormat.JSON:
        print_json(report.as_dict())
    else:
        console.print(
            f"redacted {len(report.intelligence)} intelligence summaries and "
            f"{len(report.deployments)} deployments ({report.audit_payloads} audit payloads); "
            "the chain still verifies",
            highlight=False,
        )
