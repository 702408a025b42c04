"""Tables of the deployment workflow: users, installed policy profiles, intelligence,
deployments and what is decided on them (consultations, responses, extensions, tasks,
oversight pre-approvals, evaluations). Users are system users (role, rank, borough), never
subjects."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from patrolgate.store.column_types import UTCDateTime
from patrolgate.store.tables import Base


class UserRow(Base):
    """A user of the system, by login name."""

    __tablename__ = "users"

    login: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(32))
    rank: Mapped[str] = mapped_column(String(40))
    borough_code: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class IntelligenceRow(Base):
    """A graded, sanitised, area-level intelligence summary."""

    __tablename__ = "intelligence"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    area_codes: Mapped[list[str]] = mapped_column(JSON)
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_to: Mapped[datetime] = mapped_column(UTCDateTime())
    source_evaluation: Mapped[int] = mapped_column(Integer)
    assessment: Mapped[str] = mapped_column(String(1))
    handling: Mapped[str] = mapped_column(String(1))
    text: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(ForeignKey("users.login"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class DeploymentRow(Base):
    """A proposed, authorised or past deployment; ``version`` guards concurrent changes."""

    __tablename__ = "deployments"

    id: Mapped[str] = mapped_column(String(20), primary_key=True)
    profile_name: Mapped[str] = mapped_column(String(60))
    #: The rules as installed when it was proposed (frozen), their version and SHA-256.
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    profile_version: Mapped[int | None] = mapped_column(Integer)
    profile_sha256: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(20), index=True)
    end_reason: Mapped[str | None] = mapped_column(String(20))
    trigger: Mapped[str] = mapped_column(String(40))
    area_codes: Mapped[list[str]] = mapped_column(JSON)
    borough_codes: Mapped[list[str]] = mapped_column(JSON)
    geometry: Mapped[dict[str, Any]] = mapped_column(JSON)
    area_km2: Mapped[float] = mapped_column(Float)
    start: Mapped[datetime] = mapped_column(UTCDateTime())
    end: Mapped[datetime] = mapped_column(UTCDateTime())
    requested_end: Mapped[datetime] = mapped_column(UTCDateTime())
    proposer: Mapped[str] = mapped_column(ForeignKey("users.login"))
    rationale: Mapped[dict[str, Any]] = mapped_column(JSON)
    forecast_snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    impact_assessment: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    impact_assessed_by: Mapped[str | None] = mapped_column(String(64))
    impact_assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    authorised_by: Mapped[str | None] = mapped_column(String(64))
    authorised_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    conditions: Mapped[str | None] = mapped_column(Text)
    #: The authoriser's own written grounds (s60(9), s34(4)).
    grounds: Mapped[str | None] = mapped_column(Text)
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    escalation_reason: Mapped[str | None] = mapped_column(Text)
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    ratification_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ratified_by: Mapped[str | None] = mapped_column(String(64))
    ratified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by: Mapped[str | None] = mapped_column(String(64))
    end_note: Mapped[str | None] = mapped_column(Text)
    debrief: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    debriefed_by: Mapped[str | None] = mapped_column(String(64))
    debriefed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy's declared form


class DeploymentIntelligenceRow(Base):
    """Which intelligence summaries a deployment relies on."""

    __tablename__ = "deployment_intelligence"

    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"), primary_key=True)
    intelligence_id: Mapped[str] = mapped_column(ForeignKey("intelligence.id"), primary_key=True)


class ConsultationRow(Base):
    """One consultation on a deployment (borough commander, community officer)."""

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"), index=True)
    consultee: Mapped[str] = mapped_column(ForeignKey("users.login"))
    role: Mapped[str] = mapped_column(String(32))
    borough_code: Mapped[str | None] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    notes: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ExtensionRow(Base):
    """One extension of a deployment's end."""

    __tablename__ = "extensions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    previous_end: Mapped[datetime] = mapped_column(UTCDateTime())
    new_end: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(Text)
    extended_by: Mapped[str] = mapped_column(ForeignKey("users.login"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PolicyProfileRow(Base):
    """One installed version of a policy profile: its TOML text and that text's SHA-256."""

    __tablename__ = "policy_profiles"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(Text)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    origin: Mapped[str] = mapped_column(String(200))
    installed_by: Mapped[str | None] = mapped_column(String(64))
    installed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ResponseRow(Base):
    """The authoriser's written answer to an objection or to a high residual risk."""

    __tablename__ = "responses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"), index=True)
    responder: Mapped[str] = mapped_column(ForeignKey("users.login"))
    concerning: Mapped[str] = mapped_column(String(40))
    consultation_id: Mapped[int | None] = mapped_column(ForeignKey("consultations.id"))
    text: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TaskRow(Base):
    """Something owed on a deployment by a deadline (a superintendent told, a debrief);
    ``flagged_at`` is when oversight was told it was missed."""

    __tablename__ = "tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    assignee: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
    flagged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("deployment_id", "kind"),)


class OversightApprovalRow(Base):
    """Oversight's recorded pre-approval for one deployment to exceed its profile's ceiling."""

    __tablename__ = "oversight_approvals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"), index=True)
    approved_by: Mapped[str] = mapped_column(ForeignKey("users.login"))
    reason: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class DeploymentEvaluationRow(Base):
    """The automatic evaluation of an ended deployment, once its after period has passed."""

    __tablename__ = "deployment_evaluations"

    deployment_id: Mapped[str] = mapped_column(ForeignKey("deployments.id"), primary_key=True)
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    verdict: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
