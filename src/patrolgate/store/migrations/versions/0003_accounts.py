"""web accounts: password hashes, browser sessions, API tokens, sign-in attempts

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from patrolgate.store.column_types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_passwords",
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["login"], ["users.login"], name=op.f("fk_account_passwords_login_users")
        ),
        sa.PrimaryKeyConstraint("login", name=op.f("pk_account_passwords")),
    )
    op.create_table(
        "account_sessions",
        sa.Column("id_digest", sa.String(length=64), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("idle_until", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["login"], ["users.login"], name=op.f("fk_account_sessions_login_users")
        ),
        sa.PrimaryKeyConstraint("id_digest", name=op.f("pk_account_sessions")),
    )
    op.create_index(op.f("ix_account_sessions_login"), "account_sessions", ["login"])
    op.create_table(
        "account_tokens",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("secret_digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["login"], ["users.login"], name=op.f("fk_account_tokens_login_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_tokens")),
        sa.UniqueConstraint("secret_digest", name=op.f("uq_account_tokens_secret_digest")),
    )
    op.create_index(op.f("ix_account_tokens_login"), "account_tokens", ["login"])
    op.create_table(
        "account_login_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("client", sa.String(length=64), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_login_attempts")),
    )
    op.create_index("ix_account_login_attempts_login_at", "account_login_attempts", ["login", "at"])
    op.create_index(
        "ix_account_login_attempts_client_at", "account_login_attempts", ["client", "at"]
    )


def downgrade() -> None:
    op.drop_table("account_login_attempts")
    op.drop_table("account_tokens")
    op.drop_table("account_sessions")
    op.drop_table("account_passwords")
