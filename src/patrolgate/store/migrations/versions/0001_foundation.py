"""events, areas, import runs and crime counts

Revision ID: 0001
Revises:
Create Date: 2026-11-22 03:39:10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from patrolgate.store.column_types import EpochSeconds, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "areas",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("level", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_code", sa.String(length=32), nullable=True),
        sa.Column("geometry", sa.JSON(), nullable=False),
        sa.Column("area_m2", sa.Float(), nullable=False),
        sa.Column("crs", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_areas")),
    )
    op.create_index(op.f("ix_areas_level"), "areas", ["level"], unique=False)
    op.create_index(op.f("ix_areas_parent_code"), "areas", ["parent_code"], unique=False)
    op.create_table(
        "crime_counts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=60), nullable=False),
        sa.Column("area_code", sa.String(length=32), nullable=True),
        sa.Column("area_name", sa.String(length=200), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("major_category", sa.String(length=100), nullable=False),
        sa.Column("minor_category", sa.String(length=100), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crime_counts")),
    )
    op.create_index(op.f("ix_crime_counts_area_code"), "crime_counts", ["area_code"], unique=False)
    op.create_index(
        "uq_crime_counts_key",
        "crime_counts",
        ["source", "area_name", "period", "major_category", "minor_category"],
        unique=True,
    )
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
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_runs")),
    )
    op.create_index(
        op.f("ix_import_runs_file_sha256"), "import_runs", ["file_sha256"], unique=False
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
            ["import_runs.id"],
            name=op.f("fk_events_import_run_id_import_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
    )
    op.create_index("ix_events_category_time", "events", ["category", "t_start"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_events_category_time", table_name="events")
    op.drop_table("events")
    op.drop_index(op.f("ix_import_runs_file_sha256"), table_name="import_runs")
    op.drop_table("import_runs")
    op.drop_index("uq_crime_counts_key", table_name="crime_counts")
    op.drop_index(op.f("ix_crime_counts_area_code"), table_name="crime_counts")
    op.drop_table("crime_counts")
    op.drop_index(op.f("ix_areas_parent_code"), table_name="areas")
    op.drop_index(op.f("ix_areas_level"), table_name="areas")
    op.drop_table("areas")
