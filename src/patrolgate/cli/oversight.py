"""``patrolgate oversight ...``: what MOPAC watches (its importers: :mod:`.oversight_imports`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from patrolgate.cli.context import (
    OutputFormat,
    console,
    open_database,
    print_json,
    settings_of,
)
from patrolgate.oversight import (
    monitor,
    notifications,
    record_breaches,
    track_all,
    track_one,
)
from patrolgate.oversight.charts import trend_png
from patrolgate.oversight.facts import load_deployed

oversight_app = typer.Typer(
    help="Oversight: rarity monitor, notifications, trends, patrol tracking.",
    no_args_is_help=True,
)
Format = Annotated[OutputFormat, typer.Option("--format", help="table or json")]


def register(app: typer.Typer) -> None:
    """Add the ``oversight`` group."""
    app.add_typer(oversight_app, name="oversight")


@oversight_app.command("monitor")
def monitor_command(
    ctx: typer.Context,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Report breaches without notifying.")
    ] = False,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Rarity per borough and area over 28, 90 and 365 days; notify oversight of new breaches."""
    settings = settings_of(ctx)
    with open_database(settings) as database:
        report = monitor(database, settings.clock_now())
        recorded = [] if dry_run else record_breaches(database, report)
    if output is OutputFormat.JSON:
        print_json({**report.as_dict(), "notified_entries": recorded})
        return
    table = Table(
        "scope",
        "place",
        "days",
        "profile",
        "deployments",
        "hours",
        "area-time",
        "repeats",
        "limit",
        "breach",
        title=f"Rarity at {report.now:%Y-%m-%d %H:%M} UTC",
    )
    for f in report.figures:
        table.add_row(
            f.scope,
            f"{f.name} ({f.code})",
            str(f.window_days),
            f.profile,
            str(f.deployments),
            f"{f.hours:.1f}",
            f"{f.coverage:.3%}",
            str(f.repeats),
            f"{f.limit_deployments:g} / {f.limit_hours:g} h",
            "BREACH" if f.breach else "",
        )
    console.print(table)
    console.print(
        f"{len(report.breaches)} breach(es); {len(recorded)} new oversight notification(s) "
        "recorded in the audit trail" + (" (dry run)" if dry_run else ""),
        highlight=False,
    )


@oversight_app.command("notifications")
def notifications_command(ctx: typer.Context, output: Format = OutputFormat.TABLE) -> None:
    """Oversight notifications on the audit trail, newest first."""
    settings = settings_of(ctx)
    with open_database(settings) as database:
        found = notifications(database)
    if output is OutputFormat.JSON:
        print_json(found)
        return
    table = Table("entry", "at", "deployment", "from", "reason")
    for n in found:
        table.add_row(
            str(n["seq"]), n["at"][:16], n["deployment_id"] or "", n["source"], n["reason"] or ""
        )
    console.print(table)


@oversight_app.command("trends")
def trends_command(
    ctx: typer.Context,
    output: Annotated[Path, typer.Option("--output", "-o", help="PNG file to write.")],
    borough: Annotated[str | None, typer.Option("--borough", help="Borough code.")] = None,
    months: Annotated[int, typer.Option("--months", min=1, max=60)] = 12,
) -> None:
    """Trend chart (PNG): hours under each power and deployments started, per month."""
    settings = settings_of(ctx)
    now = settings.clock_now()
    with open_database(settings) as database:
        deployed = load_deployed(database, now)
    image = trend_png(
        deployed, now, settings.tz, months=months, borough=borough, title=borough or "London"
    )
    output.write_bytes(image)
    console.print(f"chart written to {output}", highlight=False)


@oversight_app.command("tracking")
def tracking_command(
    ctx: typer.Context,
    deployment_id: Annotated[
        str | None, typer.Argument(help="One deployment (default: every one started).")
    ] = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Dosage (minutes of presence in the area) and compliance flags from unit pings."""
    settings = settings_of(ctx)
    now = settings.clock_now()
    with open_database(settings) as database:
        results = (
            [track_one(database, deployment_id, now)] if deployment_id else track_all(database, now)
        )
    if output is OutputFormat.JSON:
        print_json([r.as_dict() for r in results])
        return
    table = Table(
        "deployment", "units", "pings", "window min", "dosage min", "share", "unit-min", "flags"
    )
    for r in results:
        d = r.as_dict()
        share = d["dosage_share"]
        table.add_row(
            r.deployment_id,
            ", ".join(r.units) or "—",
            str(r.pings),
            f"{d['window_minutes']:.0f}",
            f"{d['dosage_minutes']:.0f}",
            "—" if share is None else f"{share:.0%}",
            f"{d['unit_minutes']:.0f}",
            f"{d['outside_area']} outside area, {d['outside_time']} outside time",
        )
    console.print(table)
