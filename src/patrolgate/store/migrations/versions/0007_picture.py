"""picture: backtest records with their full settings (issue 15)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: the schema changes of this revision are added with their feature."""


def downgrade() -> None:
    """Nothing to undo yet."""
