"""The command line starts at once: a command imports what it needs and nothing else."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from tests.cli.test_foundation_cli import HOMICIDES, home, import_boroughs, invoke

from patrolgate.cli.catalogue import CATALOGUE, load_command

__all__ = ["home"]  # the fixture, shared with the foundation tests

SOURCE = Path(__file__).resolve().parents[2] / "src"

#: Run the CLI in a fresh interpreter, then write the names of the loaded modules to argv[1].
PROBE = """
import json, sys
from patrolgate.cli import app
try:
    app(sys.argv[2:], prog_name="patrolgate")
except SystemExit:
    pass
with open(sys.argv[1], "w", encoding="utf-8") as handle:
    json.dump(sorted(sys.modules), handle)
"""

#: Never loaded by a command that neither serves, forecasts, evaluates nor migrates.
SERVICE_AND_SCIENCE = ("fastapi", "starlette", "uvicorn", "scipy", "sklearn", "matplotlib")


def loaded_by(tmp_path: Path, *args: str) -> tuple[set[str], subprocess.CompletedProcess[str]]:
    """The top-level packages a fresh ``patrolgate ARGS`` process has imported when it ends."""
    record = tmp_path / "modules.json"
    environment = {**os.environ, "PYTHONPATH": str(SOURCE), "COLUMNS": "120"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(record), *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )
    names = json.loads(record.read_text(encoding="utf-8"))
    return {name.split(".")[0] for name in names}, done


def test_help_imports_no_service_science_or_database(tmp_path: Path) -> None:
    """``patrolgate --help`` lists every command without importing any of their modules."""
    packages, done = loaded_by(tmp_path, "--help")
    assert done.returncode == 0, done.stderr
    for name in CATALOGUE:
        assert f" {name} " in done.stdout
    unwanted = {*SERVICE_AND_SCIENCE, "alembic", "sqlalchemy", "numpy"}
    assert packages.isdisjoint(unwanted), sorted(packages & unwanted)


def test_events_summary_imports_no_service_or_science(home: Path, tmp_path: Path) -> None:
    """``events summary --format json`` on a small database reads it without FastAPI, SciPy
    or the geometry libraries."""
    import_boroughs()
    code, _, err = invoke("import", "homicides", str(HOMICIDES))
    assert code == 0, err
    packages, done = loaded_by(tmp_path, "events", "summary", "--format", "json")
    assert done.returncode == 0, done.stderr
    assert sum(row["count"] for row in json.loads(done.stdout)) == 2912
    assert "sqlalchemy" in packages  # it did read the database
    unwanted = {*SERVICE_AND_SCIENCE, "numpy", "shapely", "pyproj"}  # no geometry either
    assert packages.isdisjoint(unwanted), sorted(packages & unwanted)


def test_importing_events_loads_no_forecasting(tmp_path: Path) -> None:
    """The ``import`` group (with oversight's importers in it) loads without SciPy."""
    packages, done = loaded_by(tmp_path, "import", "--help")
    assert done.returncode == 0, done.stderr
    for command in ("police-uk", "homicides", "pas", "imd", "pings"):
        assert command in done.stdout
    assert packages.isdisjoint(SERVICE_AND_SCIENCE), sorted(packages & set(SERVICE_AND_SCIENCE))


@pytest.mark.parametrize("group", ["report", "oversight", "deployment", "audit"])
def test_groups_that_neither_forecast_nor_evaluate_load_no_scipy(
    tmp_path: Path, group: str
) -> None:
    """Oversight's reports and monitor, the workflow and the audit trail load without the
    forecasting library (the algorithm record and exposure report load it when they run)."""
    packages, done = loaded_by(tmp_path, group, "--help")
    assert done.returncode == 0, done.stderr
    assert packages.isdisjoint(SERVICE_AND_SCIENCE), sorted(packages & set(SERVICE_AND_SCIENCE))


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_the_catalogue_shows_each_commands_own_help(name: str) -> None:
    """The line ``--help`` shows without loading a command is that command's first paragraph."""
    command = load_command(name)
    own = (command.short_help or command.help or "").split("\n\n")[0]
    assert CATALOGUE[name].help == " ".join(own.split())


def test_the_catalogue_names_every_command_each_module_registers() -> None:
    """No module registers a command the catalogue does not list (it could never run)."""
    modules = {entry.module for entry in CATALOGUE.values()}
    cli = SOURCE / "patrolgate" / "cli"
    registering = {
        path.stem for path in cli.glob("*.py") if "\ndef register(" in path.read_text("utf-8")
    }
    assert registering == modules
    for module in modules:
        holder = typer.Typer()
        __import__(f"patrolgate.cli.{module}", fromlist=["register"]).register(holder)
        group = typer.main.get_group(holder)
        listed = {name for name, entry in CATALOGUE.items() if entry.module == module}
        assert set(group.commands) == listed, module


def test_a_mistyped_command_is_offered_the_catalogues(tmp_path: Path) -> None:
    """``patrolgate evnts`` suggests ``events`` though no command module is loaded."""
    packages, done = loaded_by(tmp_path, "evnts")  # the probe keeps the exit to itself
    assert "Did you mean 'events'?" in done.stderr
    assert "sqlalchemy" not in packages
