"""Retention: redact content past its period, record each redaction, keep the chain verifiable.

Each redaction is one retention entry that lists the audit entries it redacted, with one
digest over what they held; their payloads and their reasons (the free text: rationale,
consultation notes, extension and revocation reasons, intelligence text) are removed in the
same transaction, and only there: the database's triggers refuse any other redaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from patrolgate.audit import REDACTION_ACTION, redaction_claim
from patrolgate.policy import Role
from patrolgate.store.audit_repository import append_entry, redact_payloads, redaction_targets
from patrolgate.store.workflow_tables import (
    ConsultationRow,
    DeploymentRow,
    ExtensionRow,
    IntelligenceRow,
)
from patrolgate.workflow.actors import ActorRef, load_actor
from patrolgate.workflow.context import WorkflowContext
from patrolgate.workflow.errors import NotAuthorised
from patrolgate.workflow.lifecycle import State
from patrolgate.workflow.sweeper import sweep

REDACTED = "[redacted under the retention schedule]"


@dataclass
class RetentionReport:
    """What one run redacted."""

    intelligence: list[str] = field(default_factory=list)
    deployments: list[str] = field(default_factory=list)
    audit_payloads: int = 0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "intelligence": self.intelligence,
            "deployments": self.deployments,
            "audit_payloads_redacted": self.audit_payloads,
        }


def apply_retention(context: WorkflowContext, acting_as: ActorRef = None) -> RetentionReport:
    """Redact what is past its retention period; an admin or the scheduled job (no actor)."""
    schedule = context.retention
    now = context.now()
    actor: str | None = None
    if acting_as is not None:
        with context.database.sessions() as session:
            who = load_actor(session, acting_as)
        if who.role is not Role.ADMIN:
            raise NotAuthorised(f"retention is applied by an admin (you are a {who.describe()})")
        actor = who.login
    sweep(context)  # so that deployments past their end are recorded as ended first
    report = RetentionReport()
    intel_cutoff = now - timedelta(days=schedule.intelligence_text_days)
    with context.database.sessions() as session:
        intel_ids = list(
            session.scalars(
                select(IntelligenceRow.id).where(
                    IntelligenceRow.redacted_at.is_(None), IntelligenceRow.valid_to < intel_cutoff
                )
            )
        )
        candidates = list(
            session.scalars(select(DeploymentRow).where(DeploymentRow.redacted_at.is_(None)))
        )
    for intel_id in intel_ids:
        with context.database.transaction() as session:
            intel = session.get(IntelligenceRow, intel_id)
            if intel is None or intel.redacted_at is not None:
                continue
            intel.text = REDACTED
            intel.redacted_at = now
            subject = f"intelligence:{intel_id}"
            targets = redaction_targets(session, subjects=[subject])
            seq = append_entry(
                session,
                recorded_at=now,
                actor=actor,
                action=REDACTION_ACTION,
                subject=subject,
                reason=(
                    f"intelligence text kept {schedule.intelligence_text_days} days after its "
                    "validity ended"
                ),
                payload=redaction_claim(subject, targets),
            )
            report.audit_payloads += redact_payloads(session, targets, seq)
        report.intelligence.append(intel_id)
    for candidate in candidates:
        reason = _deployment_due(context, candidate, now)
        if reason is None:
            continue
        with context.database.transaction() as session:
            row = session.get(DeploymentRow, candidate.id)
            if row is None or row.redacted_at is not None:
                continue
            _redact_deployment(session, row)
            row.redacted_at = now
            row.updated_at = now
            session.flush()
            targets = redaction_targets(session, deployment_id=row.id)
            seq = append_entry(
                session,
                recorded_at=now,
                actor=actor,
                action=REDACTION_ACTION,
                deployment_id=row.id,
                subject=f"deployment:{row.id}",
                reason=reason,
                payload=redaction_claim(f"deployment:{row.id}", targets),
            )
            report.audit_payloads += redact_payloads(session, targets, seq)
        report.deployments.append(candidate.id)
    return report


def _deployment_due(context: WorkflowContext, row: DeploymentRow, now: Any) -> str | None:
    schedule = context.retention
    if row.state in (State.ENDED.value, State.DEBRIEFED.value):
        ended = row.ended_at or row.end
        if ended + timedelta(days=schedule.deployment_narrative_days) < now:
            return (
                f"deployment narrative kept {schedule.deployment_narrative_days} days after "
                "the deployment ended"
            )
        return None
    unauthorised = row.state in (State.DRAFT.value, State.SUBMITTED.value)
    if unauthorised and row.created_at + timedelta(days=schedule.unauthorised_proposal_days) < now:
        return f"a proposal never authorised is kept {schedule.unauthorised_proposal_days} days"
    return None


def _redact_deployment(session: Any, row: DeploymentRow) -> None:
    marker = {"redacted": True}
    row.rationale = {**marker, "criterion": (row.rationale or {}).get("criterion")}
    row.impact_assessment = marker if row.impact_assessment is not None else None
    row.debrief = marker if row.debrief is not None else None
    row.forecast_snapshot = marker if row.forecast_snapshot is not None else None
    row.conditions = REDACTED if row.conditions else None
    row.end_note = REDACTED if row.end_note else None
    for consultation in session.scalars(
        select(ConsultationRow).where(ConsultationRow.deployment_id == row.id)
    ):
        consultation.notes = REDACTED
    for extension in session.scalars(
        select(ExtensionRow).where(ExtensionRow.deployment_id == row.id)
    ):
        extension.reason = REDACTED
