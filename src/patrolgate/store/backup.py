"""Backups that complete while the service is busy, and restores that the chain verifies.

SQLite: each file (the database and its event store) is copied with ``VACUUM INTO``, which
reads one consistent snapshot in a single read transaction: in write-ahead-log mode writers
go on meanwhile, and nothing restarts the copy (the ``.backup`` command and the backup API
in steps start again after every write by another connection, so under load they never
finish). A restore copies the backup back through SQLite's backup API, in one step, while
holding the files' writer locks: the service's writers wait their turn and then see the
restored data; its readers never see a half-restored file.

PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot; the service goes on) and
``pg_restore --clean --if-exists --single-transaction`` (all or nothing; it takes the
tables' locks, so requests wait while it runs). Both need the PostgreSQL client tools; where
they are missing, the error says so and which package brings them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from patrolgate.errors import InvalidInput
from patrolgate.store.database import Database, event_store_path

MANIFEST = "manifest.json"
MAIN_FILE = "patrolgate.db"
DUMP_FILE = "patrolgate.pgdump"


@dataclass(frozen=True)
class BackupFiles:
    """What a backup folder holds, as its manifest says."""

    folder: Path
    kind: str
    files: dict[str, str]
    created_at: str

    @property
    def main(self) -> Path:
        """The database file (SQLite) or the dump (PostgreSQL)."""
        return self.folder / (MAIN_FILE if self.kind == "sqlite" else DUMP_FILE)


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _prepare_folder(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InvalidInput(f"{folder}: the backup folder must be new or empty")
    folder.mkdir(parents=True, exist_ok=True)


def back_up(database: Database, folder: Path) -> BackupFiles:
    """Copy the whole database into ``folder`` (new or empty), with a manifest."""
    _prepare_folder(folder)
    files: dict[str, Path] = {}
    if database.is_sqlite:
        main = folder / MAIN_FILE
        _vacuum_into(database, main, schema="main")
        files[main.name] = main
        if database.event_file is not None:
            events = event_store_path(str(main))
            _vacuum_into(database, events, schema="event_store")
            files[events.name] = events
        kind = "sqlite"
    else:
        dump = folder / DUMP_FILE
        _pg_dump(database, dump)
        files[dump.name] = dump
        kind = "postgresql"
    created = datetime.now(UTC).isoformat()
    manifest = {
        "kind": kind,
        "created_at": created,
        "files": {name: _digest(path) for name, path in files.items()},
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return BackupFiles(folder, kind, manifest["files"], created)  # type: ignore[arg-type]


def _vacuum_into(database: Database, target: Path, *, schema: str) -> None:
    """One consistent copy of one attached file, read in a single snapshot."""
    with database.engine.connect() as connection:
        driver = connection.connection.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        driver.execute(f"VACUUM {schema} INTO ?", (str(target),))


def read_backup(folder: Path) -> BackupFiles:
    """The backup in ``folder``, its files checked against the manifest's digests."""
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        kind, files, created = manifest["kind"], manifest["files"], manifest["created_at"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise InvalidInput(f"{folder}: not a PatrolGate backup (no readable {MANIFEST})") from error
    for name, digest in files.items():
        path = folder / name
        if not path.is_file():
            raise InvalidInput(f"{folder}: the backup lacks {name}")
        if _digest(path) != digest:
            raise InvalidInput(f"{path}: damaged: its digest differs from the manifest's")
    return BackupFiles(folder, kind, files, created)


def restore(database: Database, backup: BackupFiles) -> None:
    """Replace the database's content with the backup's (the same kind of database)."""
    kind = "sqlite" if database.is_sqlite else "postgresql"
    if backup.kind != kind:
        raise InvalidInput(f"{backup.folder}: a {backup.kind} backup cannot restore {kind}")
    if kind == "postgresql":
        _pg_restore(database, backup.main)
        return
    live = Path(str(database.engine.url.database).split("?", 1)[0])
    targets = [(backup.main, live, database.writer_lock)]
    events = event_store_path(str(backup.main))
    if database.event_file is not None and events.exists():
        targets.append((events, database.event_file, database.event_lock))
    database.engine.dispose()
    if database.event_engine is not None:
        database.event_engine.dispose()
    for source_path, target_path, lock in targets:
        with lock.held() if lock is not None else contextlib.nullcontext():
            source = sqlite3.connect(f"{source_path.resolve().as_uri()}?mode=ro", uri=True)
            target = sqlite3.connect(target_path, timeout=60)
            try:
                source.backup(target)  # one step: all pages, one write transaction
            finally:
                source.close()
                target.close()


def _pg_url(database: Database) -> tuple[str, str | None]:
    """A libpq URL for the client tools, and the schema the search path names (if any)."""
    url = database.engine.url
    schema = None
    options = url.query.get("options")
    if isinstance(options, tuple):
        options = options[0]
    if options and "search_path=" in unquote(options):
        schema = unquote(options).split("search_path=", 1)[1].split()[0].split(",")[0]
    plain = url.set(drivername="postgresql", query={})
    return plain.render_as_string(hide_password=False), schema


def _client_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise InvalidInput(
            f"{name} is not installed: PostgreSQL backups need the PostgreSQL client tools of "
            "the server's version or newer (Debian: apt-get install postgresql-client)"
        )
    return found


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise InvalidInput(f"{what} failed: {done.stderr.strip()[-2000:]}")


def _pg_dump(database: Database, dump: Path) -> None:
    url, schema = _pg_url(database)
    command = [_client_tool("pg_dump"), "--format=custom", f"--file={dump}"]
    if schema:
        command.append(f"--schema={schema}")
    _run([*command, url], "pg_dump")


def _pg_restore(database: Database, dump: Path) -> None:
    url, _schema = _pg_url(database)
    tool = _client_tool("pg_restore")
    database.engine.dispose()
    _run(
        [
            tool,
            "--clean",
            "--if-exists",
            "--single-transaction",
            "--exit-on-error",
            "--no-owner",
            f"--dbname={url}",
            str(dump),
        ],
        "pg_restore",
    )


def describe(backup: BackupFiles) -> dict[str, Any]:
    """JSON-ready form."""
    return {
        "folder": str(backup.folder),
        "kind": backup.kind,
        "created_at": backup.created_at,
        "files": backup.files,
    }
