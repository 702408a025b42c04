"""rulebook: installed policy profiles, deployment decision records, tasks (issue 12)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 05:00:00

Installed profiles (each version with the SHA-256 of its TOML text; the shipped ones are
installed here, at set-up, as version 1), the profile version and hash each deployment is
decided under, the authoriser's grounds, responses to objections and high residual risk,
tasks with deadlines (s60(3A) notice, debrief), oversight pre-approvals beyond a profile's
ceiling, and the automatic evaluation of ended deployments.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from patrolgate.policy import profile_from_toml, shipped_profile_names, shipped_profile_text
from patrolgate.store.column_types import UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _deployment_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("profile_version", sa.Integer(), nullable=True),
        sa.Column("profile_sha256", sa.String(length=64), nullable=True),
        sa.Column("grounds", sa.Text(), nullable=True),
        sa.Column("escalation_reason", sa.Text(), nullable=True),
    ]


def upgrade() -> None:
    for column in _deployment_columns():
        op.add_column("deployments", column)
    profiles = op.create_table(
        "policy_profiles",
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("installed_by", sa.String(length=64), nullable=True),
        sa.Column("installed_at", UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", "version", name=op.f("pk_policy_profiles")),
    )
    op.create_table(
        "responses",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("deployment_id", sa.String(length=20), nullable=False),
        sa.Column("responder", sa.String(length=64), nullable=False),
        sa.Column("concerning", sa.String(length=40), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_responses_consultation_id_consultations"),
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_responses_deployment_id_deployments"),
        ),
        sa.ForeignKeyConstraint(
            ["responder"], ["users.login"], name=op.f("fk_responses_responder_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_responses")),
    )
    op.create_index(op.f("ix_responses_deployment_id"), "responses", ["deployment_id"])
    op.create_table(
        "tasks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("deployment_id", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("due_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("flagged_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["deployment_id"], ["deployments.id"], name=op.f("fk_tasks_deployment_id_deployments")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tasks")),
        sa.UniqueConstraint("deployment_id", "kind", name=op.f("uq_tasks_deployment_id")),
    )
    op.create_index(op.f("ix_tasks_deployment_id"), "tasks", ["deployment_id"])
    op.create_table(
        "oversight_approvals",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("deployment_id", sa.String(length=20), nullable=False),
        sa.Column("approved_by", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["approved_by"], ["users.login"], name=op.f("fk_oversight_approvals_approved_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_oversight_approvals_deployment_id_deployments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oversight_approvals")),
    )
    op.create_index(
        op.f("ix_oversight_approvals_deployment_id"), "oversight_approvals", ["deployment_id"]
    )
    op.create_table(
        "deployment_evaluations",
        sa.Column("deployment_id", sa.String(length=20), nullable=False),
        sa.Column("evaluated_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("verdict", sa.String(length=40), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["deployment_id"],
            ["deployments.id"],
            name=op.f("fk_deployment_evaluations_deployment_id_deployments"),
        ),
        sa.PrimaryKeyConstraint("deployment_id", name=op.f("pk_deployment_evaluations")),
    )
    _install_shipped(profiles)


def _install_shipped(profiles: sa.Table) -> None:
    """The shipped profiles, as this release ships them, become version 1 (set-up)."""
    now = datetime.now(UTC)
    rows = []
    for name in shipped_profile_names():
        text = shipped_profile_text(name)
        profile = profile_from_toml(text, f"{name}.toml", installing=True)
        rows.append(
            {
                "name": name,
                "version": 1,
                "sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                "source": text,
                "body": profile.model_dump(mode="json"),
                "origin": f"shipped with PatrolGate ({name}.toml), installed at set-up",
                "installed_by": None,
                "installed_at": now,
            }
        )
    op.bulk_insert(profiles, rows)


def downgrade() -> None:
    op.drop_table("deployment_evaluations")
    op.drop_index(op.f("ix_oversight_approvals_deployment_id"), table_name="oversight_approvals")
    op.drop_table("oversight_approvals")
    op.drop_index(op.f("ix_tasks_deployment_id"), table_name="tasks")
    op.drop_table("tasks")
    op.drop_index(op.f("ix_responses_deployment_id"), table_name="responses")
    op.drop_table("responses")
    op.drop_table("policy_profiles")
    with op.batch_alter_table("deployments") as batch:
        for column in reversed(_deployment_columns()):
            batch.drop_column(column.name)
