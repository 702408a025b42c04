"""rulebook: installed policy profiles, deployment decision records, tasks (issue 12)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: the schema changes of this revision are added with their feature."""


def downgrade() -> None:
    """Nothing to undo yet."""
