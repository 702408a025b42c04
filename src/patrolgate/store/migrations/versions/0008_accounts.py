"""accounts: sign-in throttling, audit redaction records, chain heads (issues 12, 14)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 05:00:00

- Audit chain format 2: an entry's reason is kept beside its payload (``audit_payloads.reason``)
  and chained by its digest (``audit_entries.reason_digest``), so retention can redact it.
- The payload triggers now refuse any change but a redaction by a retention entry recorded
  in the same transaction (PostgreSQL: the entry's row was written by the current
  transaction; SQLite, which has no transaction ids: the entry is the chain's head) that
  lists the payload; a retention entry's own record is never redacted.
- Sign-in attempts keep keyed hashes of the login and the client, never the typed name: the
  old table, which kept typed names, is dropped. Throttles shared by every worker.
- Demo accounts are marked, so that they sign in in demo mode only; passwords of a database
  built by ``patrolgate demo`` that still are the demo password are marked here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from patrolgate.store.column_types import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

#: The demo password as ``patrolgate demo`` set it when this revision was written.
_DEMO_PASSWORD = "patrolgate-demo"

_REFUSAL = (
    "audit payloads change only by a recorded redaction "
    "(a retention entry of the same transaction that lists them)"
)

_SQLITE_REDACT_ONLY = (
    """CREATE TRIGGER audit_payloads_redact_only BEFORE UPDATE ON audit_payloads
    WHEN OLD.redacted_by IS NOT NULL OR NEW.redacted_by IS NULL OR NEW.body IS NOT NULL
      OR NEW.reason IS NOT NULL OR NEW.seq != OLD.seq OR NEW.redacted_by <= OLD.seq
      OR NEW.redacted_by != (SELECT seq FROM audit_head WHERE id = 1)
      OR NOT EXISTS (
        SELECT 1 FROM audit_entries
        WHERE seq = NEW.redacted_by AND action = 'retention.redacted')
      OR EXISTS (
        SELECT 1 FROM audit_entries WHERE seq = OLD.seq AND action = 'retention.redacted')
      OR NOT EXISTS (
        SELECT 1 FROM audit_payloads AS claim, json_each(claim.body, '$.redacted_entries') AS listed
        WHERE claim.seq = NEW.redacted_by AND listed.value = OLD.seq)
    BEGIN SELECT RAISE(ABORT, '"""
    + _REFUSAL
    + """'); END"""
)

_SQLITE_REDACT_ONLY_0002 = """CREATE TRIGGER audit_payloads_redact_only
    BEFORE UPDATE ON audit_payloads
    WHEN OLD.redacted_by IS NOT NULL OR NEW.redacted_by IS NULL OR NEW.body IS NOT NULL
      OR NEW.seq != OLD.seq
    BEGIN SELECT RAISE(ABORT, 'audit payloads change only by a recorded redaction'); END"""

_POSTGRES_REDACT_ONLY = """CREATE OR REPLACE FUNCTION audit_payload_redact_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    DECLARE
      claim_action text;
      claim_body text;
      claim_xmin text;
      target_action text;
    BEGIN
      IF TG_OP = 'DELETE' OR OLD.redacted_by IS NOT NULL OR NEW.redacted_by IS NULL
         OR NEW.body IS NOT NULL OR NEW.reason IS NOT NULL OR NEW.seq <> OLD.seq
         OR NEW.redacted_by <= OLD.seq THEN
        RAISE EXCEPTION 'audit payloads change only by a recorded redaction: % refused', TG_OP;
      END IF;
      SELECT e.action, e.xmin::text, p.body INTO claim_action, claim_xmin, claim_body
        FROM audit_entries e JOIN audit_payloads p ON p.seq = e.seq
        WHERE e.seq = NEW.redacted_by;
      SELECT action INTO target_action FROM audit_entries WHERE seq = OLD.seq;
      IF claim_action IS DISTINCT FROM 'retention.redacted'
         OR target_action = 'retention.redacted'
         OR claim_xmin IS DISTINCT FROM (pg_current_xact_id()::text::numeric % 4294967296)::text
         OR claim_body IS NULL
         OR NOT ((claim_body::jsonb -> 'redacted_entries') @> to_jsonb(OLD.seq)) THEN
        RAISE EXCEPTION
          'audit payloads change only by a recorded redaction (a retention entry of the same '
          'transaction that lists them): % refused', TG_OP;
      END IF;
      RETURN NEW;
    END $$"""

_POSTGRES_REDACT_ONLY_0002 = """CREATE OR REPLACE FUNCTION audit_payload_redact_only()
    RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' OR OLD.redacted_by IS NOT NULL OR NEW.redacted_by IS NULL
         OR NEW.body IS NOT NULL OR NEW.seq <> OLD.seq THEN
        RAISE EXCEPTION 'audit payloads change only by a recorded redaction: % refused', TG_OP;
      END IF;
      RETURN NEW;
    END $$"""


def upgrade() -> None:
    op.add_column("audit_entries", sa.Column("reason_digest", sa.String(length=64), nullable=True))
    op.add_column("audit_payloads", sa.Column("reason", sa.Text(), nullable=True))
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER audit_payloads_redact_only")
        op.execute(_SQLITE_REDACT_ONLY)
    elif dialect == "postgresql":
        op.execute(_POSTGRES_REDACT_ONLY)

    op.drop_index("ix_account_login_attempts_client_at", table_name="account_login_attempts")
    op.drop_index("ix_account_login_attempts_login_at", table_name="account_login_attempts")
    op.drop_table("account_login_attempts")
    op.create_table(
        "account_login_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("login_key", sa.String(length=64), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=False),
        sa.Column("known_login", sa.Boolean(), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_login_attempts")),
    )
    op.create_index(
        "ix_account_login_attempts_login_key_at", "account_login_attempts", ["login_key", "at"]
    )
    op.create_index(
        "ix_account_login_attempts_client_key_at", "account_login_attempts", ["client_key", "at"]
    )
    op.create_table(
        "account_throttles",
        sa.Column("key", sa.String(length=80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", UTCDateTime(), nullable=True),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_account_throttles")),
    )
    op.add_column(
        "account_passwords",
        sa.Column("demo", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    _mark_demo_passwords()


def _mark_demo_passwords() -> None:
    """Mark the accounts whose password is still the demo one (a demo-built database)."""
    bind = op.get_bind()
    passwords = sa.table(
        "account_passwords",
        sa.column("login", sa.String),
        sa.column("password_hash", sa.String),
        sa.column("demo", sa.Boolean),
    )
    hasher = PasswordHasher()
    demo = []
    for login, hashed in bind.execute(sa.select(passwords.c.login, passwords.c.password_hash)):
        try:
            if hasher.verify(hashed, _DEMO_PASSWORD):
                demo.append(login)
        except (VerificationError, InvalidHashError):
            continue
    if demo:
        bind.execute(passwords.update().where(passwords.c.login.in_(demo)).values(demo=True))


def downgrade() -> None:
    with op.batch_alter_table("account_passwords") as batch:
        batch.drop_column("demo")
    op.drop_table("account_throttles")
    op.drop_index("ix_account_login_attempts_client_key_at", table_name="account_login_attempts")
    op.drop_index("ix_account_login_attempts_login_key_at", table_name="account_login_attempts")
    op.drop_table("account_login_attempts")
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
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        op.execute("DROP TRIGGER audit_payloads_redact_only")
        op.execute(_SQLITE_REDACT_ONLY_0002)
    elif dialect == "postgresql":
        op.execute(_POSTGRES_REDACT_ONLY_0002)
    with op.batch_alter_table("audit_payloads") as batch:
        batch.drop_column("reason")
    with op.batch_alter_table("audit_entries") as batch:
        batch.drop_column("reason_digest")
