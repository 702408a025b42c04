"""accounts: sign-in throttling, audit redaction records, chain heads (issues 12, 14)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:00:00
"""

from __future__ import annotations

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing yet: the schema changes of this revision are added with their feature."""


def downgrade() -> None:
    """Nothing to undo yet."""
