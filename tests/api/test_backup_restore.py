"""docs/operations.md's backup and restore, tested: back up, wipe, restore, the chain verifies."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from sqlalchemy import inspect
from world import World

from patrolgate.store import create_database
from patrolgate.workflow import Workflow


def _schema_of(url: str) -> str:
    return unquote(urlparse(url).query).split("search_path=", 1)[1]


def _plain_postgres(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://").split("?", 1)[0]


def test_back_up_wipe_restore_and_the_audit_chain_verifies(
    world: World, database_url: str, tmp_path: Path
) -> None:
    """The documented commands for SQLite and PostgreSQL round-trip the whole record."""
    deployment = world.ready_deployment()
    world.workflow.authorise(
        "sfc.adams",
        deployment,
        grounds="Reliable intelligence of imminent serious violence in this ward.",
    )
    before = world.workflow.verify_audit()
    assert before.ok
    world.database.dispose()
    backup = tmp_path / "backup"
    if database_url.startswith("sqlite"):
        live = Path(database_url.split("///", 1)[1])
        with sqlite3.connect(live) as source, sqlite3.connect(backup) as target:
            source.backup(target)  # what `sqlite3 patrolgate.db ".backup backup.db"` does
        for suffix in ("", "-wal", "-shm"):
            Path(f"{live}{suffix}").unlink(missing_ok=True)
        assert not live.exists()
        shutil.copy(backup, live)
    else:
        if shutil.which("pg_dump") is None:
            pytest.skip("pg_dump is not installed")
        schema, server = _schema_of(database_url), _plain_postgres(database_url)
        subprocess.run(
            ["pg_dump", "--format=custom", f"--schema={schema}", f"--file={backup}", server],
            check=True,
        )
        subprocess.run(["psql", server, "-c", f"DROP SCHEMA {schema} CASCADE"], check=True)
        wiped = create_database(database_url)
        assert inspect(wiped.engine).get_table_names() == []
        wiped.dispose()
        subprocess.run(
            ["pg_restore", "--exit-on-error", f"--dbname={server}", str(backup)], check=True
        )
    restored = create_database(database_url)
    try:
        restored.migrate()
        workflow = Workflow(database=restored, clock=world.clock)
        after = workflow.verify_audit()
        assert after.ok, after.message
        assert (after.entries, after.head_hash) == (before.entries, before.head_hash)
        assert workflow.show_deployment("admin", deployment)["state"] == "authorised"
    finally:
        restored.dispose()
