"""picture: backtest records with their full settings (issue 15)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

#: The settings of a recorded backtest, as columns (the document holds them too).
_COLUMNS = (
    ("purpose", sa.String(length=40)),
    ("models", sa.JSON()),
    ("categories", sa.JSON()),
    ("cell_size", sa.Float()),
    ("window", sa.String(length=20)),
    ("refit", sa.String(length=20)),
    ("coverage", sa.Float()),
    ("period_from", sa.String(length=40)),
    ("period_to", sa.String(length=40)),
    ("data_digest", sa.String(length=64)),
    ("winner", sa.String(length=40)),
)


def upgrade() -> None:
    """Backtest records gain their settings and the purpose they were run for."""
    with op.batch_alter_table("backtest_records") as batch:
        for name, kind in _COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    op.create_index(
        "ix_backtest_records_purpose", "backtest_records", ["purpose", "recorded_at"], unique=False
    )


def downgrade() -> None:
    """Drop the settings columns."""
    op.drop_index("ix_backtest_records_purpose", table_name="backtest_records")
    with op.batch_alter_table("backtest_records") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
