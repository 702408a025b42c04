"""Every setting and every command is documented in README.md."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer

from patrolgate.cli import app
from patrolgate.settings import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _command_paths(command: Any, prefix: str) -> Iterator[str]:
    # Typer vendors its own click, so groups are recognised by their sub-commands; the root
    # loads its commands on demand, so they are asked for by name.
    if hasattr(command, "list_commands"):
        for name in command.list_commands(None):
            yield from _command_paths(command.get_command(None, name), f"{prefix} {name}")
    else:
        yield prefix


def test_every_setting_is_documented() -> None:
    """Each PATROLGATE_* variable appears in the README's settings table."""
    missing = [
        f"PATROLGATE_{name.upper()}"
        for name in Settings.model_fields
        if f"`PATROLGATE_{name.upper()}`" not in README
    ]
    assert missing == []


def test_every_command_is_documented() -> None:
    """Each command (e.g. `patrolgate import police-uk`) appears in README.md."""
    root = typer.main.get_command(app)
    paths = list(_command_paths(root, "patrolgate"))
    assert "patrolgate import police-uk" in paths
    missing = [path for path in paths if f"`{path}" not in README]
    assert missing == []
