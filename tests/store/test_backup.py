"""Backup under load and restore with the chain verified, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select
from tests.conftest import SHIPPED_DATA
from typer.testing import CliRunner

from patrolgate.cli import app
from patrolgate.errors import InvalidInput
from patrolgate.events.police_uk import parse_police_uk
from patrolgate.ingest import AreaAssigner, store_parsed_file
from patrolgate.store import Database, create_database
from patrolgate.store import backup as backup_module
from patrolgate.store.tables import EventRow
from patrolgate.store.workflow_tables import IntelligenceRow

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "workflow"))
import scenario  # the workflow tests' cast and areas

runner = CliRunner()
CITY = SHIPPED_DATA / "police-uk" / "city-of-london-street"


def _count(database: Database, table: type) -> int:
    with database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(table)) or 0)


def invoke(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


class Load(threading.Thread):
    """The service's writes: intelligence summaries added one after another, each with its
    audit entry, through a database connection of its own."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.stop = threading.Event()
        self.writes: list[float] = []
        self.errors: list[BaseException] = []

    def run(self) -> None:
        database = create_database(self.url)
        clock = scenario.Clock()
        workflow = scenario.Workflow(database=database, clock=clock)
        try:
            while not self.stop.is_set():
                scenario.add_intel(workflow, clock)
                self.writes.append(time.monotonic())
        except BaseException as error:
            self.errors.append(error)
        finally:
            database.dispose()


def test_backup_under_load_then_restore_verifies_the_chain(
    database: Database, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Writers keep writing while the backup runs; the restore brings back exactly the
    backed-up record (later writes gone), events included, and the chain verifies."""
    if not database.is_sqlite and backup_module.shutil.which("pg_dump") is None:
        pytest.skip("pg_dump is not installed")
    monkeypatch.setenv("PATROLGATE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PATROLGATE_DATABASE_URL", database_url)
    clock = scenario.Clock()
    workflow = scenario.make_workflow(database, clock)
    scenario.ready_deployment(workflow, clock)
    store_parsed_file(
        database,
        parse_police_uk(CITY / "2017-01-city-of-london-street.csv.gz"),
        AreaAssigner(database),
    )
    events = _count(database, EventRow)
    load = Load(database_url)
    load.start()
    while len(load.writes) < 3:
        time.sleep(0.05)
    before = workflow.verify_audit().entries
    began = time.monotonic()
    code, out, err = invoke("backup", str(tmp_path / "backup"), "--format", "json")
    ended = time.monotonic()
    during = [t for t in load.writes if began <= t <= ended]
    load.stop.set()
    load.join(30)
    assert code == 0, err
    assert load.errors == []
    assert during, "the service's writes went on while the backup ran"
    made = json.loads(out)
    assert set(made["files"]) == (
        {"patrolgate.db", "patrolgate.events.db"} if database.is_sqlite else {"patrolgate.pgdump"}
    )
    if database.is_sqlite:
        assert made["audit"]["ok"]
    after = workflow.verify_audit().entries
    # After the backup: more writes, and an event store emptied by mistake.
    scenario.add_intel(workflow, clock)
    with database.event_transaction() as session:
        session.execute(EventRow.__table__.delete())
    code, out, err = invoke("restore", str(tmp_path / "backup"), "--format", "json")
    assert code == 0, err
    restored = json.loads(out)["audit"]
    assert restored["ok"]
    assert before <= restored["entries"] <= after  # the record as it was during the backup
    if database.is_sqlite:
        assert (restored["entries"], restored["head_hash"]) == (
            made["audit"]["entries"],
            made["audit"]["head_hash"],
        )
    fresh = create_database(database_url)
    try:
        assert _count(fresh, EventRow) == events
        intel = _count(fresh, IntelligenceRow)
        assert intel <= len(load.writes) + 1
        assert scenario.Workflow(database=fresh, clock=clock).verify_audit().ok
    finally:
        fresh.dispose()


def test_a_damaged_or_foreign_backup_is_refused(database: Database, tmp_path: Path) -> None:
    """A file changed after the backup, or a folder that is no backup: refused, nothing done."""
    if not database.is_sqlite:
        pytest.skip("the SQLite files are the ones a person could damage by hand")
    made = backup_module.back_up(database, tmp_path / "b")
    with (made.folder / "patrolgate.db").open("r+b") as handle:
        handle.seek(200)
        handle.write(b"\xff\xff")
    with pytest.raises(InvalidInput, match="digest differs"):
        backup_module.read_backup(made.folder)
    with pytest.raises(InvalidInput, match="not a PatrolGate backup"):
        backup_module.read_backup(tmp_path)
    with pytest.raises(InvalidInput, match="new or empty"):
        backup_module.back_up(database, made.folder)


def test_without_pg_dump_the_message_says_what_to_install(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL without the client tools: a clear message, no traceback."""
    if database.is_sqlite:
        pytest.skip("PostgreSQL only")
    monkeypatch.setattr(backup_module.shutil, "which", lambda _name: None)
    with pytest.raises(InvalidInput, match=r"pg_dump is not installed.*postgresql-client"):
        backup_module.back_up(database, tmp_path / "b")
