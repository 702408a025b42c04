"""``patrolgate profile ...``: install, list and show policy profiles (administrators install).

The file named to ``profile install`` is read here, by the administrator's own command;
the service never reads a path: proposals name an installed profile.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from patrolgate.cli.acting import ActingUser, Format, acting_user, workflow_of
from patrolgate.cli.context import OutputFormat, console, print_json
from patrolgate.errors import InvalidInput
from patrolgate.workflow import InstallProfile
from patrolgate.workflow.commands import build

profile_app = typer.Typer(help="Policy profiles: the rules of each power.", no_args_is_help=True)

#: A profile file larger than this is not a profile.
MAX_PROFILE_BYTES = 100_000


def register(app: typer.Typer) -> None:
    """Add the ``profile`` group."""
    app.add_typer(profile_app, name="profile")


def _read(path: Path) -> str:
    try:
        if path.stat().st_size > MAX_PROFILE_BYTES:
            raise InvalidInput(f"{path}: larger than {MAX_PROFILE_BYTES:,} bytes; not a profile")
        return path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise InvalidInput(f"{path}: no such file") from error
    except IsADirectoryError as error:
        raise InvalidInput(f"{path}: a folder, not a profile file") from error
    except UnicodeDecodeError as error:
        raise InvalidInput(f"{path}: not UTF-8 text") from error


@profile_app.command("install")
def install(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(metavar="FILE", help="The profile (TOML)")],
    actor: ActingUser = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """Validate and install a profile as its next version (administrators; audited)."""
    command = build(InstallProfile, {"text": _read(file), "origin": file.name}, "profile install")
    with workflow_of(ctx) as workflow:
        installed, new = workflow.install_profile(acting_user(ctx, actor), command)
    if output is OutputFormat.JSON:
        print_json({**installed.as_dict(), "new_version": new})
        return
    what = "installed" if new else "unchanged (already in force)"
    console.print(
        f"{installed.profile.name} version {installed.version} {what}; sha256 {installed.sha256}",
        highlight=False,
    )


@profile_app.command("list")
def list_profiles(
    ctx: typer.Context, actor: ActingUser = None, output: Format = OutputFormat.TABLE
) -> None:
    """The installed profiles, each in its version in force."""
    with workflow_of(ctx) as workflow:
        installed = workflow.list_profiles(acting_user(ctx, actor))
    if output is OutputFormat.JSON:
        print_json([p.as_dict() for p in installed])
        return
    table = Table("name", "version", "sha256", "installed", "by")
    for p in installed:
        table.add_row(
            p.profile.name,
            str(p.version),
            p.sha256[:16] + "…",
            p.installed_at.isoformat(timespec="minutes"),
            p.installed_by or "set-up",
        )
    console.print(table)


@profile_app.command("show")
def show_profile(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME")],
    actor: ActingUser = None,
    output: Format = OutputFormat.TABLE,
) -> None:
    """One installed profile: its rules as installed, its hash and every version."""
    with workflow_of(ctx) as workflow:
        installed, text, versions = workflow.show_profile(acting_user(ctx, actor), name)
    if output is OutputFormat.JSON:
        print_json(
            {
                **installed.as_dict(with_rules=True),
                "source": text,
                "versions": [v.as_dict() for v in versions],
            }
        )
        return
    console.print(
        f"[bold]{installed.profile.name}[/] version {installed.version}: "
        f"{installed.profile.title}\nsha256 {installed.sha256}\n",
        highlight=False,
    )
    console.print(text, highlight=False, markup=False)
    for v in versions:
        console.print(
            f"version {v.version}: {v.sha256[:16]}… {v.installed_at.isoformat(timespec='minutes')}"
            f" by {v.installed_by or 'set-up'} ({v.origin})",
            highlight=False,
            markup=False,
        )
