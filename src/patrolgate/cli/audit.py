"""``patrolgate audit verify|export|head|verify-head|verify-record``: the tamper-evident trail."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from patrolgate.audit import HeadSigner, Verification, read_signed_head
from patrolgate.audit.signed_record import read_record, record_problems
from patrolgate.cli.acting import ActingUser, acting_user, workflow_of
from patrolgate.cli.context import OutputFormat, console, error_console, print_json, settings_of
from patrolgate.errors import InvalidInput
from patrolgate.timekeeping import parse_day
from patrolgate.workflow import audit_trail

audit_app = typer.Typer(help="The append-only, hash-chained audit trail.", no_args_is_help=True)

#: Exit code when the chain does not verify: a failure, not a refusal (codes 2-5 mean those).
TAMPERED = 1


class ExportFormat(StrEnum):
    """Export formats."""

    JSONL = "jsonl"


def register(app: typer.Typer) -> None:
    """Add the ``audit`` group."""
    app.add_typer(audit_app, name="audit")


def _report(result: Verification, output: OutputFormat) -> None:
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


@audit_app.command("verify")
def verify(
    ctx: typer.Context,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
    published: Annotated[
        str | None,
        typer.Option("--published-head", help="SEQ:HASH of a head published earlier."),
    ] = None,
) -> None:
    """Check the whole chain; name the first entry edited, deleted, inserted, reordered,
    erased without a recorded redaction, or cut off the end."""
    head: tuple[int, str] | None = None
    if published is not None:
        seq, _, hash_ = published.partition(":")
        if not seq.isdigit() or len(hash_) != 64:
            raise InvalidInput("--published-head: SEQ:HASH, as printed by `patrolgate audit head`")
        head = (int(seq), hash_)
    with workflow_of(ctx) as workflow:
        result = workflow.verify_audit(head)
    _report(result, output)


@audit_app.command("export")
def export(
    ctx: typer.Context,
    actor: ActingUser = None,
    output: Annotated[ExportFormat, typer.Option("--format")] = ExportFormat.JSONL,
) -> None:
    """Export the entries as JSON lines, oldest first (oversight and administrators); restricted
    text is withheld from a reader who may not see it, and the export is itself recorded."""
    with workflow_of(ctx) as workflow:
        exported = audit_trail.export_for(workflow, acting_user(ctx, actor))
        for record in exported.records():
            sys.stdout.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


@audit_app.command("head")
def head(
    ctx: typer.Context,
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
    day: Annotated[
        str | None,
        typer.Option("--day", help="YYYY-MM-DD: the head as it stood at the end of that day."),
    ] = None,
) -> None:
    """Print the chain head signed with the instance's key, for publication (the current head,
    or the daily head of --day); keep the JSON to check later with `audit verify-head`."""
    signer = HeadSigner(settings_of(ctx).secret_key)
    with workflow_of(ctx) as workflow:
        if day is None:
            signed = audit_trail.signed_head(workflow, signer)
        else:
            signed = audit_trail.daily_head(workflow, signer, parse_day(day, "--day"))
    if output is OutputFormat.JSON:
        print_json(signed.as_dict())
        return
    console.print(
        f"audit chain head: entry {signed.seq}, hash {signed.hash}\n"
        f"as of {signed.as_of}; signed by key {signed.public_key}\n"
        f"check later: patrolgate audit verify --published-head {signed.seq}:{signed.hash}",
        highlight=False,
    )


@audit_app.command("verify-head")
def verify_head(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A head saved from `audit head --format json`.")],
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """Check a published head: its signature, that this instance signed it, and that the chain
    still holds it (a truncated or rewritten history exits 1)."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{file}: cannot read it ({error})") from error
    published = read_signed_head(text, str(file))
    if not published.signature_valid():
        error_console.print(
            f"[bold red]{file}: the signature does not verify[/]: the head was altered or "
            "was not signed by the key it names",
            highlight=False,
        )
        raise typer.Exit(TAMPERED)
    own = HeadSigner(settings_of(ctx).secret_key).public_key
    if published.public_key != own:
        error_console.print(
            f"[bold red]{file}: signed by another key[/] ({published.public_key}); this "
            f"instance signs with {own}",
            highlight=False,
        )
        raise typer.Exit(TAMPERED)
    with workflow_of(ctx) as workflow:
        result = workflow.verify_audit((published.seq, published.hash))
    _report(result, output)


@audit_app.command("verify-record")
def verify_record(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A decision record exported from a deployment.")],
    output: Annotated[OutputFormat, typer.Option("--format")] = OutputFormat.TABLE,
) -> None:
    """Check an exported decision record: its signature, that this instance signed it, that
    the page is exactly the signed content, and that the chain still holds its head."""
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{file}: cannot read it ({error})") from error
    record = read_record(text, str(file))
    problems = record_problems(record, text, HeadSigner(settings_of(ctx).secret_key).public_key)
    if problems:
        for problem in problems:
            error_console.print(f"[bold red]{file}: {problem}[/]", highlight=False)
        raise typer.Exit(TAMPERED)
    head = record.payload.get("audit_head") or {}
    with workflow_of(ctx) as workflow:
        result = workflow.verify_audit((int(head.get("seq", 0)), str(head.get("hash", ""))))
    _report(result, output)
