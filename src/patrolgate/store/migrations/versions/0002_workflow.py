"""deployment workflow: users, intelligence, deployments, append-only audit trail

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 04:30:00

Triggers refuse UPDATE and DELETE on ``audit_entries`` (and anything but a recorded
redaction on ``audit_payloads``) on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from patrolgate.audit import GENESIS
from patrolgate.store.column_types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_SQLITE_TRIGGERS = (
    """CREATE TRIGGER audit_entries_refuse_update BEFORE UPDATE ON audit_entries
    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: UPDATE refused'); END""",
    """CREATE TRIGGER audit_entries_refuse_delete BEFORE DELETE ON audit_entries
    BEGIN SELECT RAISE(ABORT, 'audit entries are append-only: DELETE refused'); END""",
    """CREATE TRIGGER audit_payloads_refuse_delete BEFORE DELETE ON audit_payloads
    BEGIN SELECT RAISE(ABORT, 'audit payloads are append-only: DELETE refused'); END""",
    """CREATE TRIGGER audit_payloads_redact_only BEFORE UPDATE ON audit_payloads
    WHEN OLD.redacted_by IS NOT NULL OR NEW.redacted_by IS NULL OR NEW.body IS NOT NULL
      OR NEW.seq != OLD.seq
    BEGIN SELECT RAISE(ABORT, 'audit payloads change only by a recorded redaction'); END""",
)

_POSTGRES_TRIGGERS = (
    """CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit entries are append-only: % refused', TG_OP;
    END $$""",
    """CREATE FUNCTION audit_payload_redact_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' OR OLD.redacted_by IS NOT NULL OR NEW.redacted_by IS NULL
         OR NEW.body IS NOT NULL OR NEW.seq <> OLD.seq THEN
        RAISE EXCEPTION 'audit payloads change only by a recorded redaction: % refused', TG_OP;
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER audit_entries_refuse_change BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()""",
    """CREATE TRIGGER audit_entries_refuse_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()""",
    """CREATE TRIGGER audit_payloads_redact_only BEFORE UPDATE OR DELETE ON audit_payloads
    FOR EACH ROW EXECUTE FUNCTION audit_payload_redact_only()""",
    """CREATE TRIGGER audit_payloads_refuse_truncate BEFORE TRUNCATE ON audit_payloads
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()""",
)


def upgrade() -> None:
    op.create_table(
        "audit_entries",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=True),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("deployment_id", sa.String(length=20), nullable=True),
        sa.Column("subject", sa.String(length=60), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("payload_digest", sa.String(length=64), nullable=False),
        sa.Column("previous_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entries")),
        sa.UniqueConstraint("hash", name=op.f("uq_audit_entries_hash")),
    )
    op.create_index("ix_audit_entries_deployment", "audit_entries", ["deployment_id"], unique=False)
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "users",
        sa.Column("login", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("rank", sa.String(length=40), nullable=False),
        sa.Column("borough_code", sa.String(length=32), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("login", name=op.f("pk_users")),
    )
    op.create_table(
        "audit_payloads",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("redacted_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["seq"], ["audit_entries.seq"], name=op.f("fk_audit_payloads_seq_audit_entries")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_payloads")),
    )
    op.create_table(
        "deployments",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("profile_name", sa.String(length=60), nullable=False),
        sa.Column("profile", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("end_reason", sa.String(length=20), nullable=True),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.Column("area_codes", sa.JSON(), nullable=False),
        sa.Column("borough_codes", sa.JSON(), nullable=False),
        sa.Column("geometry", sa.JSON(), nullable=False),
        sa.Column("area_km2", sa.Float(), nullable=False),
        sa.Column("start", UTCDateTime(timezone=True), nullable=False),
        sa.Column("end", UTCDateTime(timezone=True), nullable=False),
        sa.Column("requested_end", UTCDateTime(timezone=True), nullable=False),
        sa.Column("proposer", sa.String(length=64), nullable=False),
        sa.Column("rationale", sa.JSON(), nullable=False),
        sa.Column("forecast_snapshot", sa.JSON(), nullable=True),
        sa.Column("impact_assessment", sa.JSON(), nullable=True),
        sa.Column("impact_assessed_by", sa.String(length=64), nullable=True),
        sa.Column("impact_assessed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("authorised_by", sa.String(length=64), nullable=True),
        sa.Column("authorised_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("conditions", sa.Text(), nullable=True),
        sa.Column("escalated", sa.Boolean(), nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("ratification_due", UTCDateTime(timezone=True), nullable=True),
        sa.Column("ratified_by", sa.String(length=64), nullable=True),
        sa.Column("ratified_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_by", sa.String(length=64), nullable=True),
        sa.Column("end_note", sa.Text(), nullable=True),
        sa.Column("debrief", sa.JSON(), nullable=True),
        sa.Column("debriefed_by", sa.String(length=64), nullable=True),
        sa.Column("debriefed_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("redacted_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["proposer"], ["users.login"], name=op.f("fk_deployments_proposer_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deployments")),
    )
    op.create_index(op.f("ix_deployments_state"), "deployments", ["state"], unique=False)
    op.create_table(
        "intelligence",
        sa.Column("id", sa.String(length=20), nullable=False),
        sa.Column("area_codes", sa.JSON(), nullable=False),
        sa.Column("valid_from", UTCDateTime(timezone=True), nullable=False),
        sa.Column("valid_to", UTCDateTime(timezone=True), nullable=False),
        sa.Column("source_evaluation", sa.Integer(), nullable=False),
        sa.Column("assessment", sa.String(length=1), nullable=False),
        sa.Column("handling", sa.String(length=1), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("redacted_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author"], ["users.login"], name=op.f("fk_intelligence_author_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intelligence")),
    )
    op.create_table(
        "consultations",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("deployment_id", sa.String(length=20), nullable=False),
        sa.Column("consultee", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("borough_code", sa.String(length=32), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultee"], ["users.login"], name=op.f("fk_consultations_consultee_users")
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_consultations_deployment_id_deployments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
    )
    op.create_index(
        op.f("ix_consultations_deployment_id"), "consultations", ["deployment_id"], unique=False
    )
    op.create_table(
        "deployment_intelligence",
        sa.Column("deployment_id", sa.String(length=20), nullable=False),
        sa.Column("intelligence_id", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_deployment_intelligence_deployment_id_deployments"),
        ),
        sa.ForeignKeyConstraint(
            ["intelligence_id"],
            ["intelligence.id"],
            name=op.f("fk_deployment_intelligence_intelligence_id_intelligence"),
        ),
        sa.PrimaryKeyConstraint(
            "deployment_id", "intelligence_id", name=op.f("pk_deployment_intelligence")
        ),
    )
    op.create_table(
        "extensions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("deployment_id", sa.String(length=20), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("previous_end", UTCDateTime(timezone=True), nullable=False),
        sa.Column("new_end", UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("extended_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_extensions_deployment_id_deployments"),
        ),
        sa.ForeignKeyConstraint(
            ["extended_by"], ["users.login"], name=op.f("fk_extensions_extended_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_extensions")),
    )
    op.create_index(
        op.f("ix_extensions_deployment_id"), "extensions", ["deployment_id"], unique=False
    )

    op.bulk_insert(
        sa.table("audit_head", sa.column("id"), sa.column("seq"), sa.column("hash")),
        [{"id": 1, "seq": 0, "hash": GENESIS}],
    )
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        for statement in _SQLITE_TRIGGERS:
            op.execute(statement)
    elif dialect == "postgresql":
        for statement in _POSTGRES_TRIGGERS:
            op.execute(statement)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER audit_payloads_refuse_truncate ON audit_payloads")
        op.execute("DROP TRIGGER audit_payloads_redact_only ON audit_payloads")
        op.execute("DROP TRIGGER audit_entries_refuse_truncate ON audit_entries")
        op.execute("DROP TRIGGER audit_entries_refuse_change ON audit_entries")
        op.execute("DROP FUNCTION audit_payload_redact_only()")
        op.execute("DROP FUNCTION audit_refuse_change()")
    op.drop_index(op.f("ix_extensions_deployment_id"), table_name="extensions")
    op.drop_table("extensions")
    op.drop_table("deployment_intelligence")
    op.drop_index(op.f("ix_consultations_deployment_id"), table_name="consultations")
    op.drop_table("consultations")
    op.drop_table("intelligence")
    op.drop_index(op.f("ix_deployments_state"), table_name="deployments")
    op.drop_table("deployments")
    op.drop_table("audit_payloads")
    op.drop_table("users")
    op.drop_table("audit_head")
    op.drop_index("ix_audit_entries_deployment", table_name="audit_entries")
    op.drop_table("audit_entries")
