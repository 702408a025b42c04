"""oversight: PAS survey results, IMD 2019 deprivation, patrol unit pings, backtest records

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from patrolgate.store.column_types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pas_results",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("borough_code", sa.String(length=32), nullable=False),
        sa.Column("borough_name", sa.String(length=100), nullable=False),
        sa.Column("period_end", sa.String(length=10), nullable=False),
        sa.Column("measure", sa.String(length=60), nullable=False),
        sa.Column("proportion", sa.Float(), nullable=False),
        sa.Column("london_proportion", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pas_results")),
    )
    op.create_index(
        "uq_pas_results_key",
        "pas_results",
        ["borough_code", "period_end", "measure"],
        unique=True,
    )
    op.create_table(
        "lsoa_deprivation",
        sa.Column("lsoa_code", sa.String(length=16), nullable=False),
        sa.Column("lsoa_name", sa.String(length=100), nullable=False),
        sa.Column("district_code", sa.String(length=16), nullable=False),
        sa.Column("district_name", sa.String(length=100), nullable=False),
        sa.Column("imd_score", sa.Float(), nullable=False),
        sa.Column("imd_rank", sa.Integer(), nullable=False),
        sa.Column("imd_decile", sa.Integer(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("lsoa_code", name=op.f("pk_lsoa_deprivation")),
    )
    op.create_index(
        op.f("ix_lsoa_deprivation_district_code"),
        "lsoa_deprivation",
        ["district_code"],
        unique=False,
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
            ["import_runs.id"],
            name=op.f("fk_unit_pings_import_run_id_import_runs"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unit_pings")),
    )
    op.create_index("uq_unit_pings_unit_at", "unit_pings", ["unit", "at"], unique=True)
    op.create_index("ix_unit_pings_at", "unit_pings", ["at"], unique=False)
    op.create_table(
        "backtest_records",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_backtest_records")),
        sa.UniqueConstraint("sha256", name=op.f("uq_backtest_records_sha256")),
    )


def downgrade() -> None:
    op.drop_table("backtest_records")
    op.drop_index("ix_unit_pings_at", table_name="unit_pings")
    op.drop_index("uq_unit_pings_unit_at", table_name="unit_pings")
    op.drop_table("unit_pings")
    op.drop_index(op.f("ix_lsoa_deprivation_district_code"), table_name="lsoa_deprivation")
    op.drop_table("lsoa_deprivation")
    op.drop_index("uq_pas_results_key", table_name="pas_results")
    op.drop_table("pas_results")
