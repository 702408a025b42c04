"""``patrolgate deployment ...``: propose, consult, assess, authorise, extend, revoke, debrief."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from patrolgate.cli.acting import ActingUser, Format, acting_user, workflow_of
from patrolgate.cli.context import OutputFormat, console, print_json, settings_of
from patrolgate.errors import InvalidInput
from patrolgate.timekeeping import parse_time
from patrolgate.workflow import (
    Debrief,
    ImpactAssessment,
    Rationale,
    State,
    read_document,
)

deployment_app = typer.Typer(help="Exceptional area deployments.", no_args_is_help=True)

Expect = Annotated[
    int | None,
    typer.Option("--expect-version", help="Refuse with a conflict unless the version is this."),
]
DeploymentId = Annotated[str, typer.Argument(metavar="ID", help="Deployment id")]


def register(app: typer.Typer) -> None:
    """Add the ``deployment`` group."""
    app.add_typer(deployment_app, name="deployment")


def _done(output: OutputFormat, deployment_id: str, what: str, version: int) -> None:
    if output is OutputFormat.JSON:
        print_json({"id": deployment_id, "done": what, "version": version})
    else:
        console.print(f"{deployment_id}: {what} (version {version})", highlight=False)


def _geojson(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise InvalidInput(f"{path}: no such file") from error
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InvalidInput(f"{path}: not GeoJSON ({error})") from error
    if not isinstance(document, dict):
        raise InvalidInput(f"{path}: not a GeoJSON object")
    return document


@deployment_app.command("propose")
def propose(
    ctx: typer.Context,
    profile: Annotated[str, typer.Option("--profile", help="Profile name or a .toml path")],
    start: Annotated[str, typer.Option("--start", help="ISO time (local if no offset)")],
    end: Annotated[str, typer.Option("--end", help="ISO time (local if no offset)")],
    trigger: Annotated[
        str, typer.Option("--trigger", help="imminent-intelligence|serious-assault")
    ],
    rationale: Annotated[Path, typer.Option("--rationale", help="NDM rationale (TOML)")],
    area: Annotated[
        str | None, typer.Option("--area", help="Area code(s), comma-separated")
    ] = None,
    geojson: Annotated[
        Path | None, typer.Option("--geojson", help="A GeoJSON polygon file")
    ] = None,
    intel: Annotated[
        list[str] | None, typer.Option("--intel", help="Intelligence id (repeat)")
    ] = None,
    draft: Annotated[bool, typer.Option("--draft", help="Keep as a draft; do not submit")] = False,
    actor: ActingUser = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Propose a deployment for an area and period."""
    settings = settings_of(ctx)
    if (area is None) == (geojson is None):
        raise InvalidInput("give --area CODE[,CODE...] or --geojson FILE (one of them)")
    document = read_document(Rationale, rationale)
    with workflow_of(ctx) as workflow:
        deployment_id = workflow.propose(
            acting_user(ctx, actor),
            profile=profile,
            start=parse_time(start, settings.tz, "--start"),
            end=parse_time(end, settings.tz, "--end"),
            trigger=trigger,
            rationale=document,
            area_codes=area.split(",") if area is not None else None,
            geojson=_geojson(geojson) if geojson is not None else None,
            intelligence_ids=list(intel or []),
            submit=not draft,
        )
        view = workflow.show_deployment(acting_user(ctx, actor), deployment_id)
    if output is OutputFormat.JSON:
        print_json({"id": deployment_id, "state": view["state"], "version": view["version"]})
    else:
        console.print(
            f"proposed {deployment_id} ({view['profile']}, {view['state']}): "
            f"{', '.join(view['boroughs'])}, {view['start_local']} → {view['end_local']}",
            highlight=False,
        )


@deployment_app.command("consult")
def consult(
    ctx: typer.Context,
    deployment_id: DeploymentId,
    outcome: Annotated[str, typer.Option("--outcome", help="support, concerns or object")],
    notes: Annotated[str, typer.Option("--notes", help="What was said")],
    actor: ActingUser = None,
    expect: Expect = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Record the consultation response of the acting borough commander or community officer."""
    with workflow_of(ctx) as workflow:
        version = workflow.consult(
            acting_user(ctx, actor),
            deployment_id,
            outcome=outcome,
            notes=notes,
            expected_version=expect,
        )
    _done(output, deployment_id, f"consultation recorded ({outcome})", version)


@deployment_app.command("assess-impact")
def assess_impact(
    ctx: typer.Context,
    deployment_id: DeploymentId,
    file: Annotated[Path, typer.Option("--file", help="Community impact assessment (TOML)")],
    actor: ActingUser = None,
    expect: Expect = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Record or review the community impact assessment."""
    assessment = read_document(ImpactAssessment, file)
    with workflow_of(ctx) as workflow:
        version = workflow.assess_impact(
            acting_user(ctx, actor), deployment_id, assessment, expected_version=expect
        )
    _done(output, deployment_id, "impact assessment recorded", version)


@deployment_app.command("authorise")
def authorise(
    ctx: typer.Context,
    deployment_id: DeploymentId,
    conditions: Annotated[str | None, typer.Option("--conditions", help="Conditions")] = None,
    actor: ActingUser = None,
    expect: Expect = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Authorise (or, for an urgent authorisation, ratify) a deployment."""
    with workflow_of(ctx) as workflow:
        version = workflow.authorise(
            acting_user(ctx, actor), deployment_id, conditions=conditions, expected_version=expect
        )
        view = workflow.show_deployment(acting_user(ctx, actor), deployment_id)
    what = f"{view['state']}"
    if view["urgent"] and not view["ratified_by"]:
        what += f" urgently; ratification due by {view['ratification_due']}"
    elif view["ratified_by"]:
        what += f", ratified by {view['ratified_by']}"
    _done(output, deployment_id, what, version)


@deployment_app.command("ratify")
def ratify(
    ctx: typer.Context,
    deployment_id: DeploymentId,
    actor: ActingUser = None,
    expect: Expect = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Ratify an urgent authorisation (the strategic commander, within the window)."""
    with workflow_of(ctx) as workflow:
        version = workflow.ratify(acting_user(ctx, actor), deployment_id, expected_version=expect)
    _done(output, deployment_id, "ratified", version)


@deployment_app.command("extend")
def extend(
    ctx: typer.Context,
    deployment_id: DeploymentId,
    until: Annotated[str, typer.Option("--until", help="New end (ISO time)")],
    reason: Annotated[str, typer.Option("--reason", help="Why")],
    actor: ActingUser = None,
    expect: Expect = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Extend a live deployment within the profile's limits."""
    settings = settings_of(ctx)
    new_end = parse_time(until, settings.tz, "--until")
    with workflow_of(ctx) as workflow:
        version = workflow.extend(
            acting_user(ctx, actor),
            deployment_id,
            until=new_end,
            reason=reason,
            expected_version=expect,
        )
    _done(output, deployment_id, f"extended until {new_end.isoformat()}", version)


@deployment_app.command("revoke")
def revoke(
    ctx: typer.Context,
    deployment_id: DeploymentId,
    reason: Annotated[str, typer.Option("--reason", help="Why")],
    actor: ActingUser = None,
    expect: Expect = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Revoke a live authorisation now."""
    with workflow_of(ctx) as workflow:
        version = workflow.revoke(
            acting_user(ctx, actor), deployment_id, reason=reason, expected_version=expect
        )
    _done(output, deployment_id, "revoked", version)


@deployment_app.command("complete")
def complete(
    ctx: typer.Context,
    deployment_id: DeploymentId,
    reason: Annotated[str, typer.Option("--reason", help="Why it can stand down")],
    actor: ActingUser = None,
    expect: Expect = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Stand an active deployment down early (completed)."""
    with workflow_of(ctx) as workflow:
        version = workflow.complete(
            acting_user(ctx, actor), deployment_id, reason=reason, expected_version=expect
        )
    _done(output, deployment_id, "completed", version)


@deployment_app.command("debrief")
def debrief(
    ctx: typer.Context,
    deployment_id: DeploymentId,
    file: Annotated[Path, typer.Option("--file", help="Debrief (TOML)")],
    actor: ActingUser = None,
    expect: Expect = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Record the debrief of an ended deployment."""
    report = read_document(Debrief, file)
    with workflow_of(ctx) as workflow:
        version = workflow.debrief(
            acting_user(ctx, actor), deployment_id, report, expected_version=expect
        )
    _done(output, deployment_id, "debriefed", version)


@deployment_app.command("show")
def show(
    ctx: typer.Context,
    deployment_id: DeploymentId,
    actor: ActingUser = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """State and timeline of one deployment."""
    with workflow_of(ctx) as workflow:
        view = workflow.show_deployment(acting_user(ctx, actor), deployment_id)
    if output is OutputFormat.JSON:
        print_json(view)
        return
    state = view["state"] + (f" ({view['end_reason']})" if view["end_reason"] else "")
    console.print(
        f"[bold]{view['id']}[/] {view['profile']} — [bold]{state}[/] (version {view['version']})\n"
        f"area: {', '.join(view['area_codes']) or 'drawn polygon'} in "
        f"{', '.join(view['boroughs'])}, {view['area_km2']:.2f} km²; trigger {view['trigger']}\n"
        f"period: {view['start_local']} → {view['end_local']}\n"
        f"proposed by {view['proposer']}; authorised by {view['authorised_by'] or '—'}"
        + (f"; conditions: {view['conditions']}" if view["conditions"] else ""),
        highlight=False,
    )
    if view["last_refusal"]:
        console.print(f"last refusal: {view['last_refusal']}", highlight=False)
    table = Table("#", "when (local)", "who", "what", "reason", title="timeline")
    for item in view["timeline"]:
        what = item["action"].removeprefix("deployment.")
        if "effective_at" in item:
            what += f" (effective {item['effective_at']})"
        table.add_row(
            str(item["seq"]),
            item["at_local"],
            item["actor"] or "the clock",
            what,
            item["reason"] or "",
        )
    console.print(table)


@deployment_app.command("list")
def list_deployments(
    ctx: typer.Context,
    state: Annotated[State | None, typer.Option("--state", help="Effective state")] = None,
    actor: ActingUser = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Deployments, newest first, by their state now."""
    with workflow_of(ctx) as workflow:
        rows = workflow.list_deployments(acting_user(ctx, actor), state=state)
    if output is OutputFormat.JSON:
        print_json(rows)
        return
    table = Table("id", "profile", "state", "boroughs", "start (local)", "end (local)")
    for r in rows:
        state_text = r["state"] + (f" ({r['end_reason']})" if r["end_reason"] else "")
        table.add_row(
            r["id"],
            r["profile"],
            state_text,
            ", ".join(r["boroughs"]),
            r["start_local"],
            r["end_local"],
        )
    console.print(table)
