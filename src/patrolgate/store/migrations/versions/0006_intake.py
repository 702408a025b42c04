"""intake: event intake accounting, live feed, idempotency keys (issue 16)

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: the schema changes of this revision are added with their feature."""


def downgrade() -> None:
    """Nothing to undo yet."""
