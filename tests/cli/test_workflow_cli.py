"""The workflow from the command line: JSON ids, exit codes 0-5, audit verify catching tampering."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy
from tests.workflow.scenario import EXAMPLES, seed_areas
from typer.testing import CliRunner

from patrolgate.cli import app
from patrolgate.settings import Settings
from patrolgate.store import create_database

runner = CliRunner()
WARD = "E05000416"


def run(*args: str, code: int = 0) -> dict[str, object]:
    """Invoke the CLI; check the exit code; parse JSON output when there is some."""
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (
        args,
        result.output,
        result.stderr if result.stderr_bytes else "",
    )
    text = result.stdout.strip()
    return json.loads(text) if text.startswith("{") else {}


@pytest.fixture
def home(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A migrated SQLite home with the test areas and a fixed clock."""
    database = create_database(settings.resolved_database_url)
    database.migrate()
    seed_areas(database)
    database.dispose()
    monkeypatch.setenv("PATROLGATE_NOW", "2026-06-05T12:00:00+01:00")
    return settings


def test_lifecycle_from_the_command_line(home: Settings) -> None:
    """Users, intelligence, propose, refuse, consult, assess, authorise, extend, sweep, debrief."""
    assert (
        run("users", "add", "admin", "--role", "admin", "--rank", "staff", "--format", "json")["id"]
        == "admin"
    )
    for name, role, rank, *borough in (
        ("analyst1", "analyst", "staff"),
        ("proposer1", "proposer", "inspector"),
        ("bc.lambeth", "borough-commander", "chief superintendent", "--borough", "E09000022"),
        ("sfc.adams", "strategic-commander", "chief-superintendent"),
    ):
        run("users", "add", name, "--role", role, "--rank", rank, *borough, "--as", "admin")
    run("users", "add", "xx", "--role", "analyst", "--rank", "staff", "--as", "analyst1", code=3)
    run("users", "add", "yy", "--role", "analyst", "--rank", "general", "--as", "admin", code=2)
    intel = run(
        "intel",
        "add",
        "--as",
        "analyst1",
        "--area",
        WARD,
        "--source",
        "1",
        "--grade",
        "A",
        "--handling",
        "C",
        "--from",
        "2026-06-05T10:00",
        "--to",
        "2026-06-08T10:00",
        "--text",
        "Retaliation expected near the high street this weekend.",
        "--format",
        "json",
    )["id"]
    run(
        "intel",
        "add",
        "--as",
        "analyst1",
        "--area",
        WARD,
        "--source",
        "1",
        "--grade",
        "A",
        "--handling",
        "P",
        "--from",
        "2026-06-05T10:00",
        "--to",
        "2026-06-08T10:00",
        "--text",
        "Contact 07700 900123 for details.",
        code=2,
    )
    deployment = run(
        "deployment",
        "propose",
        "--as",
        "proposer1",
        "--profile",
        "armed-patrol",
        "--area",
        WARD,
        "--start",
        "2026-06-05T18:00",
        "--end",
        "2026-06-06T18:00",
        "--trigger",
        "imminent-intelligence",
        "--intel",
        str(intel),
        "--rationale",
        str(EXAMPLES / "rationale.toml"),
        "--format",
        "json",
    )["id"]
    assert str(deployment).startswith("dep-")
    run("deployment", "authorise", str(deployment), "--as", "sfc.adams", code=3)
    run("deployment", "authorise", "dep-nope", "--as", "sfc.adams", code=4)
    run(
        "deployment",
        "consult",
        str(deployment),
        "--as",
        "bc.lambeth",
        "--outcome",
        "support",
        "--notes",
        "Agreed.",
    )
    version = run("deployment", "show", str(deployment), "--as", "sfc.adams", "--format", "json")[
        "version"
    ]
    run(
        "deployment",
        "assess-impact",
        str(deployment),
        "--as",
        "sfc.adams",
        "--file",
        str(EXAMPLES / "impact-assessment.toml"),
    )
    run(
        "deployment",
        "authorise",
        str(deployment),
        "--as",
        "sfc.adams",
        "--expect-version",
        str(version),
        code=5,
    )
    out = run("deployment", "authorise", str(deployment), "--as", "sfc.adams", "--format", "json")
    assert out["id"] == deployment
    run(
        "deployment",
        "extend",
        str(deployment),
        "--as",
        "sfc.adams",
        "--until",
        "2026-06-07T22:00",
        "--reason",
        "More",
        code=3,
    )
    run(
        "deployment",
        "extend",
        str(deployment),
        "--as",
        "sfc.adams",
        "--until",
        "2026-06-07T18:00",
        "--reason",
        "Threat continues",
    )
    run("intel", "show", str(intel), "--as", "sfc.adams")
    result = runner.invoke(app, ["sweep"], env={"PATROLGATE_NOW": "2026-06-08T12:00:00+01:00"})
    assert result.exit_code == 0 and "expired" in result.stdout
    run(
        "deployment",
        "debrief",
        str(deployment),
        "--as",
        "sfc.adams",
        "--file",
        str(EXAMPLES / "debrief.toml"),
    )
    shown = run("deployment", "show", str(deployment), "--as", "sfc.adams", "--format", "json")
    assert shown["state"] == "debriefed"
    listed = runner.invoke(
        app, ["deployment", "list", "--state", "debriefed", "--format", "json", "--as", "sfc.adams"]
    )
    assert [d["id"] for d in json.loads(listed.stdout)] == [deployment]
    verified = run("audit", "verify", "--format", "json")
    assert verified["ok"] is True
    exported = runner.invoke(app, ["audit", "export", "--format", "jsonl", "--as", "admin"])
    lines = [json.loads(line) for line in exported.stdout.splitlines()]
    assert len(lines) == verified["entries"] and lines[-1]["hash"] == verified["head_hash"]
    assert any(line["action"] == "intelligence.read" for line in lines)


def test_audit_verify_catches_tampering(home: Settings) -> None:
    """After an admin drops the triggers and edits an entry, verify fails and names it."""
    run("users", "add", "admin", "--role", "admin", "--rank", "staff")
    run("users", "add", "analyst1", "--role", "analyst", "--rank", "staff", "--as", "admin")
    run("users", "add", "analyst2", "--role", "analyst", "--rank", "staff", "--as", "admin")
    assert run("audit", "verify", "--format", "json")["ok"] is True
    engine = sqlalchemy.create_engine(home.resolved_database_url)
    with engine.begin() as connection, pytest.raises(sqlalchemy.exc.DBAPIError):
        connection.execute(
            sqlalchemy.text("UPDATE audit_entries SET actor = 'nobody' WHERE seq = 2")
        )
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text("DROP TRIGGER audit_entries_refuse_update"))
        connection.execute(
            sqlalchemy.text("UPDATE audit_entries SET actor = 'nobody' WHERE seq = 2")
        )
    engine.dispose()
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1
    assert "entry 2 was edited" in result.stderr


def test_workflow_documents_are_checked(home: Settings, tmp_path: Path) -> None:
    """A rationale naming a person's details is invalid input (exit 2)."""
    run("users", "add", "admin", "--role", "admin", "--rank", "staff")
    run("users", "add", "proposer1", "--role", "proposer", "--rank", "inspector", "--as", "admin")
    bad = tmp_path / "rationale.toml"
    bad.write_text(
        (EXAMPLES / "rationale.toml")
        .read_text()
        .replace("Two reliable", "DOB 01/02/2001; two reliable")
    )
    run(
        "deployment",
        "propose",
        "--as",
        "proposer1",
        "--profile",
        "armed-patrol",
        "--area",
        WARD,
        "--start",
        "2026-06-05T18:00",
        "--end",
        "2026-06-06T18:00",
        "--trigger",
        "imminent-intelligence",
        "--rationale",
        str(bad),
        code=2,
    )
