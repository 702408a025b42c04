"""The intake's schema (issue 16), brought about idempotently: migration 0006 runs it, and
so does every ``Database.migrate`` after the migrations, so a database stamped at a later
revision by a build whose 0006 was still a placeholder is put right too.

* On an SQLite file, the imported data (``import_runs``, ``events``, ``unit_pings``) lives in
  the event store file beside the database, attached as ``event_store``.
* ``import_runs`` records conflicting rows and the fields the importer kept.
* Events stored under the old whole-row hashes (rows without a source id) are re-keyed from
  their kept fields, so that no stored id is a function of a column the importers drop.
* ``idempotency_keys`` exists.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, MetaData, inspect, text

from patrolgate.events.allow_list import KeptFieldIds, police_uk_force
from patrolgate.store.tables import NAMING, Base

EVENT_SCHEMA = "event_store"
EVENT_TABLES = ("import_runs", "events", "unit_pings")
_ACCOUNTING = {
    "rows_conflicting": "INTEGER NOT NULL DEFAULT '0'",
    "fields_kept": "VARCHAR(500)",
}


def event_store_attached(connection: Connection) -> bool:
    """Whether this SQLite connection has the event store attached."""
    if connection.dialect.name != "sqlite":
        return False
    names = {row[1] for row in connection.exec_driver_sql("PRAGMA database_list")}
    return EVENT_SCHEMA in names


def _has_table(connection: Connection, schema: str | None, table: str) -> bool:
    return table in inspect(connection).get_table_names(schema=schema)


def _columns(connection: Connection, schema: str | None, table: str) -> list[str]:
    return [c["name"] for c in inspect(connection).get_columns(table, schema=schema)]


def bring_about(connection: Connection) -> None:
    """Make the schema the intake's, whatever state it is in (idempotent)."""
    if event_store_attached(connection):
        _into_event_store(connection)
        schema: str | None = EVENT_SCHEMA
    else:
        schema = None
    missing = [
        (name, ddl)
        for name, ddl in _ACCOUNTING.items()
        if name not in _columns(connection, schema, "import_runs")
    ]
    qualified = f"{schema}.import_runs" if schema else "import_runs"
    for name, ddl in missing:
        connection.exec_driver_sql(f"ALTER TABLE {qualified} ADD COLUMN {name} {ddl}")
    Base.metadata.create_all(
        connection, tables=[Base.metadata.tables["idempotency_keys"]], checkfirst=True
    )
    _rekey_whole_row_hashes(connection)


def _into_event_store(connection: Connection) -> None:
    """Create the event tables in the store if missing, and move main's rows into them."""
    if not all(_has_table(connection, EVENT_SCHEMA, t) for t in EVENT_TABLES):
        # The models' names, which their label-based index convention would otherwise prefix
        # with the schema (ix_event_store_import_runs_...).
        naming = {**NAMING, "ix": "ix_%(table_name)s_%(column_0_name)s"}
        copies = MetaData(schema=EVENT_SCHEMA, naming_convention=naming)
        for name in EVENT_TABLES:
            Base.metadata.tables[name].to_metadata(copies, schema=EVENT_SCHEMA)
        copies.create_all(connection, checkfirst=True)
    if not _has_table(connection, "main", "events"):
        return
    for table in EVENT_TABLES:
        if not _has_table(connection, "main", table):
            continue
        wanted = set(_columns(connection, EVENT_SCHEMA, table))
        columns = ", ".join(c for c in _columns(connection, "main", table) if c in wanted)
        connection.exec_driver_sql(f"DELETE FROM {EVENT_SCHEMA}.{table}")
        connection.exec_driver_sql(
            f"INSERT INTO {EVENT_SCHEMA}.{table} ({columns}) SELECT {columns} FROM main.{table}"
        )
    for table in reversed(EVENT_TABLES):
        if _has_table(connection, "main", table):
            connection.exec_driver_sql(f"DROP TABLE main.{table}")


def _rekey_whole_row_hashes(connection: Connection) -> None:
    """Ids of rows without a source id, made from the kept fields as the importers now make
    them (the old ones hashed the whole row, dropped columns included)."""
    rows = connection.execute(
        text(
            "SELECT e.id, e.source, e.t_start, e.t_end, e.lon, e.lat, e.source_category,"
            " r.file_name FROM events e LEFT JOIN import_runs r ON r.id = e.import_run_id"
            " WHERE e.id LIKE :hashed AND (e.source IN ('police-uk-street',"
            " 'police-uk-stop-search') OR e.source LIKE :csv) ORDER BY e.id"
        ),
        {"hashed": "h%", "csv": "csv:%"},
    ).all()
    grouped: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for row in rows:
        police = row.source.startswith("police-uk")
        identity = police_uk_force(Path(row.file_name or "")) if police else ""
        grouped[(row.source, identity)].append(row)
    changes: list[dict[str, Any]] = []
    for (source, identity), members in grouped.items():
        make = KeptFieldIds(source, identity)
        for row in members:
            start = _epoch(row.t_start)
            lon = float("nan") if row.lon is None else float(row.lon)
            lat = float("nan") if row.lat is None else float(row.lat)
            if source.startswith("police-uk"):
                new = make(start, lon, lat, row.source_category)
            else:
                new = make(start, _epoch(row.t_end), lon, lat, row.source_category)
            changes.append({"old": row.id, "new": new})
    if changes:
        connection.execute(text("UPDATE events SET id = :new WHERE id = :old"), changes)


def _epoch(value: Any) -> int:
    if hasattr(value, "timestamp"):
        return int(value.timestamp())
    return int(value)
