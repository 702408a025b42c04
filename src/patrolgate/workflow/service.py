"""The workflow's public face: one object per database and clock, one method per action.

The CLI names the actor by login, the web service passes the Actor it identified from the
request; every permission check happens here, in the services, never in the interface.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from patrolgate.audit import Verification
from patrolgate.intelligence import IntelligenceSummary
from patrolgate.policy import PolicyProfile, Rank, Role, Trigger, load_retention
from patrolgate.settings import Settings
from patrolgate.store import Database
from patrolgate.workflow import (
    audit_trail,
    decisions,
    intelligence_records,
    proposals,
    retention,
    sweeper,
    users,
    views,
)
from patrolgate.workflow.actors import Actor, ActorRef
from patrolgate.workflow.context import ForecastSnapshot, WorkflowContext
from patrolgate.workflow.documents import Debrief, ImpactAssessment, Rationale
from patrolgate.workflow.lifecycle import State


class Workflow(WorkflowContext):
    """Deployment authorisation services over one database, with an injected clock."""

    @classmethod
    def from_settings(
        cls, database: Database, settings: Settings, *, forecast: ForecastSnapshot | None = None
    ) -> Workflow:
        """The workflow with the settings' clock and time zone."""
        return cls(
            database=database,
            clock=settings.clock_now,
            timezone=settings.tz,
            forecast=forecast,
            retention=load_retention(),
        )

    def add_user(
        self,
        actor: ActorRef,
        login: str,
        *,
        role: Role | str,
        rank: Rank | str,
        borough_code: str | None = None,
    ) -> Actor:
        """Add a user (the first one, an admin, needs no actor)."""
        return users.add_user(self, actor, login, role=role, rank=rank, borough_code=borough_code)

    def add_intelligence(self, actor: ActorRef, summary: IntelligenceSummary) -> str:
        """Store a graded, sanitised summary; returns its id."""
        return intelligence_records.add_intelligence(self, actor, summary)

    def read_intelligence(self, actor: ActorRef, intel_id: str) -> dict[str, Any]:
        """Read a summary with its text (audited for handling code C)."""
        return intelligence_records.read_intelligence(self, actor, intel_id)

    def list_intelligence(self, actor: ActorRef) -> list[dict[str, Any]]:
        """Summaries without text."""
        return intelligence_records.list_intelligence(self, actor)

    def propose(
        self,
        actor: ActorRef,
        *,
        profile: str | PolicyProfile,
        start: datetime,
        end: datetime,
        trigger: Trigger | str,
        rationale: Rationale,
        area_codes: list[str] | None = None,
        geojson: dict[str, Any] | None = None,
        intelligence_ids: list[str] | None = None,
        submit: bool = True,
    ) -> str:
        """Propose a deployment; returns its id."""
        return proposals.propose(
            self,
            actor,
            profile=profile,
            start=start,
            end=end,
            trigger=trigger,
            rationale=rationale,
            area_codes=area_codes,
            geojson=geojson,
            intelligence_ids=intelligence_ids,
            submit=submit,
        )

    def submit(self, actor: ActorRef, deployment_id: str) -> int:
        """Submit a draft."""
        return proposals.submit(self, actor, deployment_id)

    def consult(
        self,
        actor: ActorRef,
        deployment_id: str,
        *,
        outcome: str,
        notes: str,
        expected_version: int | None = None,
    ) -> int:
        """Record a consultation."""
        return proposals.consult(
            self,
            actor,
            deployment_id,
            outcome=outcome,
            notes=notes,
            expected_version=expected_version,
        )

    def assess_impact(
        self,
        actor: ActorRef,
        deployment_id: str,
        assessment: ImpactAssessment,
        *,
        expected_version: int | None = None,
    ) -> int:
        """Record or review the community impact assessment."""
        return proposals.assess_impact(
            self, actor, deployment_id, assessment, expected_version=expected_version
        )

    def authorise(
        self,
        actor: ActorRef,
        deployment_id: str,
        *,
        conditions: str | None = None,
        expected_version: int | None = None,
    ) -> int:
        """Authorise (or urgently authorise, or ratify) a deployment."""
        return decisions.authorise(
            self, actor, deployment_id, conditions=conditions, expected_version=expected_version
        )

    def ratify(
        self, actor: ActorRef, deployment_id: str, *, expected_version: int | None = None
    ) -> int:
        """Ratify an urgent authorisation."""
        return decisions.ratify(self, actor, deployment_id, expected_version=expected_version)

    def extend(
        self,
        actor: ActorRef,
        deployment_id: str,
        *,
        until: datetime,
        reason: str,
        expected_version: int | None = None,
    ) -> int:
        """Extend a live deployment."""
        return decisions.extend(
            self,
            actor,
            deployment_id,
            until=until,
            reason=reason,
            expected_version=expected_version,
        )

    def revoke(
        self,
        actor: ActorRef,
        deployment_id: str,
        *,
        reason: str,
        expected_version: int | None = None,
    ) -> int:
        """Revoke a live deployment."""
        return decisions.revoke(
            self, actor, deployment_id, reason=reason, expected_version=expected_version
        )

    def complete(
        self,
        actor: ActorRef,
        deployment_id: str,
        *,
        reason: str,
        expected_version: int | None = None,
    ) -> int:
        """Stand an active deployment down early."""
        return decisions.complete(
            self, actor, deployment_id, reason=reason, expected_version=expected_version
        )

    def debrief(
        self,
        actor: ActorRef,
        deployment_id: str,
        report: Debrief,
        *,
        expected_version: int | None = None,
    ) -> int:
        """Record the debrief of an ended deployment."""
        return decisions.debrief(
            self, actor, deployment_id, report, expected_version=expected_version
        )

    def show_deployment(self, actor: ActorRef, deployment_id: str) -> dict[str, Any]:
        """One deployment with its timeline."""
        return views.show_deployment(self, actor, deployment_id)

    def deployment_dossier(self, actor: ActorRef, deployment_id: str) -> views.Dossier:
        """One deployment with its timeline, and the facts that say what may happen next."""
        return views.deployment_dossier(self, actor, deployment_id)

    def list_deployments(
        self, actor: ActorRef, *, state: State | str | None = None
    ) -> list[dict[str, Any]]:
        """Deployments by effective state."""
        return views.list_deployments(self, actor, state=state)

    def sweep(self) -> list[sweeper.SweptEvent]:
        """Record due activations, expiries and lapses."""
        return sweeper.sweep(self)

    def apply_retention(self, actor: ActorRef = None) -> retention.RetentionReport:
        """Redact content past its retention period."""
        return retention.apply_retention(self, actor)

    def verify_audit(self, published: tuple[int, str] | None = None) -> Verification:
        """Verify the audit chain (and that it still holds a published head)."""
        return audit_trail.verify_audit(self, published)

    def export_audit(self) -> Iterator[dict[str, Any]]:
        """Export the audit chain."""
        return audit_trail.export_audit(self)

    def chain_head(self) -> dict[str, Any]:
        """The chain head for publication."""
        return audit_trail.chain_head(self)
