"""intake: event intake accounting, live feed, idempotency keys (issue 16)

* ``import_runs`` records conflicting rows and the fields the importer kept.
* On an SQLite file, the imported data (``import_runs``, ``events``, ``unit_pings``) moves
  into the event store file beside the database (attached as ``event_store``), so that an
  import's long transaction never holds the workflow's writer lock.
* Events stored under the old whole-row hashes (rows without a source id) are re-keyed
  from their kept fields, so that no stored id is a function of a column the importers drop.
* ``idempotency_keys``: the first answer to each ``Idempotency-Key`` of a user.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from patrolgate.store.column_types import EpochSeconds, UTCDateTime
from patrolgate.store.intake_layout import bring_about, event_store_attached

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

EVENT_SCHEMA = "event_store"
MOVED = ("import_runs", "events", "unit_pings")


def _event_store_attached() -> bool:
    return event_store_attached(op.get_bind())


def _tables(schema: str | None) -> None:
    op.create_table(
        "import_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("importer", sa.String(length=40), nullable=False),
        sa.Column("file_name", sa.String(length=500), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("rows_stored", sa.Integer(), nullable=False),
        sa.Column("rows_duplicate", sa.Integer(), nullable=False),
        sa.Column("rows_rejected", sa.Integer(), nullable=False),
        sa.Column("crs", sa.String(length=32), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=False),
        sa.Column("rows_conflicting", sa.Integer(), server_default="0", nullable=False),
        sa.Column("fields_kept", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
        schema=schema,
    )
    op.create_index(
        op.f("ix_import_runs_file_sha256"),
        "import_runs",
        ["file_sha256"],
        unique=False,
        schema=schema,
    )
    op.create_table(
        "events",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("source_category", sa.String(length=200), nullable=False),
        sa.Column("victim_reported", sa.Boolean(), nullable=False),
        sa.Column("t_start", EpochSeconds(), nullable=False),
        sa.Column("t_end", EpochSeconds(), nullable=False),
        sa.Column("local_year", sa.Integer(), nullable=False),
        sa.Column("local_month", sa.Integer(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("x", sa.Float(), nullable=True),
        sa.Column("y", sa.Float(), nullable=True),
        sa.Column("borough_code", sa.String(length=32), nullable=True),
        sa.Column("ward_code", sa.String(length=32), nullable=True),
        sa.Column("lsoa_code", sa.String(length=32), nullable=True),
        sa.Column("district_code", sa.String(length=32), nullable=True),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            [f"{schema}.import_runs.id" if schema else "import_runs.id"],
            name=op.f("fk_events_import_run_id_import_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        schema=schema,
    )
    op.create_index(
        "ix_events_category_time", "events", ["category", "t_start"], unique=False, schema=schema
    )
    op.create_table(
        "unit_pings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("unit", sa.String(length=40), nullable=False),
        sa.Column("at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("deployment_id", sa.String(length=20), nullable=True),
        sa.Column("import_run_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_run_id"],
            [f"{schema}.import_runs.id" if schema else "import_runs.id"],
            name=op.f("fk_unit_pings_import_run_id_import_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_pings")),
        schema=schema,
    )
    op.create_index(
        "uq_unit_pings_unit_at", "unit_pings", ["unit", "at"], unique=True, schema=schema
    )
    op.create_index("ix_unit_pings_at", "unit_pings", ["at"], unique=False, schema=schema)


def _columns(schema: str, table: str) -> list[str]:
    rows = op.get_bind().exec_driver_sql(f"PRAGMA {schema}.table_info({table})").all()
    return [row[1] for row in rows]


def upgrade() -> None:
    """The event store (SQLite), accounting columns, re-keyed ids, idempotency keys: all in
    :func:`patrolgate.store.intake_layout.bring_about`, which ``Database.migrate`` also runs
    after every upgrade (it is idempotent)."""
    bring_about(op.get_bind())


def downgrade() -> None:
    """Back to one database file; the accounting columns and idempotency keys go."""
    op.drop_index(op.f("ix_idempotency_keys_created_at"), table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
    if _event_store_attached():
        # The store may be attached read-only here: copy into main and leave the file.
        _tables(None)
        bind = op.get_bind()
        for table in MOVED:
            columns = ", ".join(_columns("main", table))
            bind.exec_driver_sql(
                f"INSERT INTO main.{table} ({columns}) SELECT {columns} FROM {EVENT_SCHEMA}.{table}"
            )
    with op.batch_alter_table("import_runs") as batch:
        batch.drop_column("fields_kept")
        batch.drop_column("rows_conflicting")
