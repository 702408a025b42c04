"""``patrolgate deployment ...``: propose, consult, assess, respond, authorise, extend, revoke,
debrief. Each command only builds the workflow command (:mod:`patrolgate.workflow.commands`)
from its options and gives it as the acting user."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.table import Table

from patrolgate.cli.acting import ActingUser, Format, NotNames, acting_user, workflow_of
from patrolgate.cli.context import OutputFormat, console, print_json, settings_of
from patrolgate.errors import InvalidInput
from patrolgate.timekeeping import parse_time
from patrolgate.workflow import (
    AssessImpact,
    Authorise,
    Complete,
    Consult,
    Debrief,
    DeploymentCommand,
    Extend,
    ImpactAssessment,
    PreApprove,
    Propose,
    Ratify,
    Rationale,
    RecordDebrief,
    RecordNotice,
    Respond,
    Revoke,
    State,
    read_document,
)
from patrolgate.workflow.areas import parse_geojson
from patrolgate.workflow.commands import build

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
        text = path.read_bytes()
    except FileNotFoundError as error:
        raise InvalidInput(f"{path}: no such file") from error
    except OSError as error:
        raise InvalidInput(f"{path}: cannot be read ({error.strerror})") from error
    try:
        return parse_geojson(text)  # bounded: depth, size, finite numbers
    except InvalidInput as error:
        raise InvalidInput(f"{path}: {error}") from None


def period_of(start: str, end: str, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The proposed period from ``--start`` and ``--end``, read as the web form reads them."""
    return parse_time(start, zone, "--start"), parse_time(end, zone, "--end")


@deployment_app.command("propose")
def propose(
    ctx: typer.Context,
    profile: Annotated[
        str, typer.Option("--profile", help="An installed profile's name (profile list)")
    ],
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
    """Propose a deployment for an area and period, under an installed profile."""
    settings = settings_of(ctx)
    if (area is None) == (geojson is None):
        raise InvalidInput("give --area CODE[,CODE...] or --geojson FILE (one of them)")
    period = period_of(start, end, settings.tz)
    command = build(
        Propose,
        {
            "profile": profile,
            "start": period[0],
            "end": period[1],
            "trigger": trigger,
            "rationale": read_document(Rationale, rationale),
            "area_codes": area.split(",") if area is not None else None,
            "geojson": _geojson(geojson) if geojson is not None else None,
            "intelligence_ids": list(intel or []),
            "submit": not draft,
        },
        "propose",
    )
    with workflow_of(ctx) as workflow:
        who = acting_user(ctx, actor)
        deployment_id = workflow.propose(who, command)
        view = workflow.show_deployment(who, deployment_id)
    if output is OutputFormat.JSON:
        print_json({"id": deployment_id, "state": view["state"], "version": view["version"]})
    else:
        console.print(
            f"proposed {deployment_id} ({view['profile']} v{view['profile_version']}, "
            f"{view['state']}): {', '.join(view['boroughs'])}, "
            f"{view['start_local']} → {view['end_local']}",
            highlight=False,
        )


def _run(
    ctx: typer.Context,
    actor: str | None,
    deployment_id: str,
    kind: type[DeploymentCommand],
    fields: dict[str, Any],
) -> tuple[int, dict[str, Any]]:
    """Build ``kind`` from ``fields``, give it as the acting user; the new version and view."""
    command = build(kind, fields, kind.action)
    with workflow_of(ctx) as workflow:
        who = acting_user(ctx, actor)
        version = workflow.run(who, deployment_id, command)
        return version, workflow.show_deployment(who, deployment_id)


@deployment_app.command("consult")
def consult(
    ctx: typer.Context,
    deployment_id: DeploymentId,
    outcome: Annotated[str, typer.Option("--outcome", help="support, concerns or object")],
    notes: Annotated[str, typer.Option("--notes", help="What was said")],
    actor: ActingUser = None,
    expect: Expect = None,
    not_names: NotNames = False,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Record the consultation response of the acting borough commander or community officer."""
    fields = {"outcome": outcome, "notes": notes, "expected_version": expect}
    version, _ = _run(ctx, actor, deployment_id, Consult, {**fields, "names_confirmed": not_names})
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
    fields = {"assessment": assessment, "expected_version": expect}
    version, _ = _run(ctx, actor, deployment_id, AssessImpact, fields)
    _done(output, deployment_id, "impact assessment recorded", version)


@deployment_app.command("respond")
def respond(
    ctx: typer.Context,
    deployment_id: DeploymentId,
    text: Annotated[str, typer.Option("--text", help="The written response")],
    objection: Annotated[
        int | None,
        typer.Option("--objection", help="The objecting consultation's id (deployment show)"),
    ] = None,
    residual_risk: Annotated[
        bool, typer.Option("--residual-risk", help="Answer the high residual risk instead")
    ] = False,
    actor: ActingUser = None,
    expect: Expect = None,
    not_names: NotNames = False,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Answer an objection or a high residual risk in writing, before deciding."""
    if (objection is None) == (not residual_risk):
        raise InvalidInput("give --objection ID or --residual-risk (one of them)")
    fields = {
        "concerning": "residual-risk" if residual_risk else "objection",
        "consultation_id": objection,
        "text": text,
        "expected_version": expect,
        "names_confirmed": not_names,
    }
    version, _ = _run(ctx, actor, deployment_id, Respond, fields)
    _done(output, deployment_id, "response recorded", version)


@deployment_app.command("authorise")
def authorise(
    ctx: typer.Context,
    deployment_id: DeploymentId,
    grounds: Annotated[
        str, typer.Option("--grounds", help="Your own written grounds (s60(9), s34(4))")
    ],
    conditions: Annotated[str | None, typer.Option("--conditions", help="Conditions")] = None,
    actor: ActingUser = None,
    expect: Expect = None,
    not_names: NotNames = False,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Authorise (or, for an urgent authorisation, ratify) a deployment, with your grounds."""
    fields = {
        "grounds": grounds,
        "conditions": conditions,
        "expected_version": expect,
        "names_confirmed": not_names,
    }
    version, view = _run(ctx, actor, deployment_id, Authorise, fields)
    what = f"{view['state']}"
    if view["urgent"] and not view["ratified_by"]:
        what += f" urgently; ratification due by {view['ratification_due']}"
    elif view["ratified_by"]:
        what += f", ratified by {view['ratified_by']}"
    if view["escalated"]:
        what += f"; escalated, oversight notified ({view['escalation_reason']})"
    owed = [t for t in view["tasks"] if t["status"] != "done"]
    for task in owed:
        what += f"; {task['what']} by {task['due_at']}"
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
    version, _ = _run(ctx, actor, deployment_id, Ratify, {"expected_version": expect})
    _done(output, deployment_id, "ratified", version)


@deployment_app.command("record-notice")
def record_notice(
    ctx: typer.Context,
    deployment_id: DeploymentId,
    informed: Annotated[str, typer.Option("--informed", help="Login of the officer told")],
    note: Annotated[str | None, typer.Option("--note", help="How and when")] = None,
    actor: ActingUser = None,
    expect: Expect = None,
    not_names: NotNames = False,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Record that a superintendent (or above) was told of an inspector's s60 authorisation."""
    fields = {
        "informed": informed,
        "note": note,
        "expected_version": expect,
        "names_confirmed": not_names,
    }
    version, _ = _run(ctx, actor, deployment_id, RecordNotice, fields)
    _done(output, deployment_id, f"notice to {informed} recorded", version)


@deployment_app.command("extend")
def extend(
    ctx: typer.Context,
    deployment_id: DeploymentId,
    until: Annotated[str, typer.Option("--until", help="New end (ISO time)")],
    reason: Annotated[str, typer.Option("--reason", help="Why")],
    actor: ActingUser = None,
    expect: Expect = None,
    not_names: NotNames = False,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Extend a live deployment within the profile's limits."""
    settings = settings_of(ctx)
    new_end = parse_time(until, settings.tz, "--until")
    fields = {
        "until": new_end,
        "reason": reason,
        "expected_version": expect,
        "names_confirmed": not_names,
    }
    version, _ = _run(ctx, actor, deployment_id, Extend, fields)
    _done(output, deployment_id, f"extended until {new_end.isoformat()}", version)


def _with_a_reason(kind: type[Revoke | Complete | PreApprove], done: str) -> None:
    """``deployment revoke|complete|pre-approve ID --reason TEXT``: one command each."""

    def command(
        ctx: typer.Context,
        deployment_id: DeploymentId,
        reason: Annotated[str, typer.Option("--reason", help="Why")],
        actor: ActingUser = None,
        expect: Expect = None,
        not_names: NotNames = False,
        output: Format = OutputFormat.TABLE,
    ) -> None:
        fields = {"reason": reason, "expected_version": expect, "names_confirmed": not_names}
        version, _ = _run(ctx, actor, deployment_id, kind, fields)
        _done(output, deployment_id, done, version)

    command.__doc__ = f"{kind.__doc__} Who: {kind.who}."
    deployment_app.command(kind.action)(command)


_with_a_reason(Revoke, "revoked")
_with_a_reason(Complete, "completed")
_with_a_reason(PreApprove, "pre-approved beyond the ceiling")


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
    fields = {"report": report, "expected_version": expect}
    version, _ = _run(ctx, actor, deployment_id, RecordDebrief, fields)
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
        f"profile {view['profile']} version {view['profile_version']} "
        f"(sha256 {(view['profile_sha256'] or '—')[:16]}…)\n"
        f"proposed by {view['proposer']}; authorised by {view['authorised_by'] or '—'}"
        + (f"; conditions: {view['conditions']}" if view["conditions"] else "")
        + (f"\ngrounds: {view['grounds']}" if view["grounds"] else ""),
        highlight=False,
    )
    for task in view["tasks"]:
        console.print(
            f"task: {task['what']} by {task['due_at']} ({task['status']}"
            + (f", done by {task['done_by']}" if task["done_by"] else "")
            + ")",
            highlight=False,
        )
    for consulted in view["consultations"]:
        console.print(
            f"consultation {consulted['id']}: {consulted['consultee']} "
            f"({consulted['outcome']}): {consulted['notes']}",
            highlight=False,
        )
    for response in view["responses"]:
        console.print(
            f"response by {response['responder']} to the {response['concerning']}: "
            f"{response['text']}",
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
