"""The workflow's public face: one object per database and clock.

Actions are commands (:mod:`patrolgate.workflow.commands`) given through :meth:`Workflow.run`
(or :meth:`Workflow.propose`); the methods named after each action only build the command
from their keyword arguments. The CLI names the actor by login, the web service passes the
Actor it identified from the request; every permission check happens in the handlers and
the rules, never in the interface.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from patrolgate.audit import Verification
from patrolgate.intelligence import IntelligenceSummary
from patrolgate.policy import Rank, Role, load_retention
from patrolgate.settings import Settings
from patrolgate.store import Database
from patrolgate.workflow import (
    audit_trail,
    decisions,
    intelligence_records,
    profiles,
    proposals,
    retention,
    sweeper,
    users,
    views,
)
from patrolgate.workflow.actors import Actor, ActorRef
from patrolgate.workflow.commands import (
    AddIntelligence,
    AssessImpact,
    Authorise,
    Complete,
    Consult,
    DeploymentCommand,
    Extend,
    InstallProfile,
    PreApprove,
    Propose,
    Ratify,
    RecordDebrief,
    RecordNotice,
    Respond,
    Revoke,
    Submit,
    build,
)
from patrolgate.workflow.context import ForecastSnapshot, WorkflowContext
from patrolgate.workflow.documents import Debrief, ImpactAssessment
from patrolgate.workflow.lifecycle import State

#: The handler of each command on a deployment.
_HANDLERS: dict[type[DeploymentCommand], Callable[[Any, ActorRef, str, Any], int]] = {
    Submit: proposals.submit,
    Consult: proposals.consult,
    AssessImpact: proposals.assess_impact,
    Respond: proposals.respond,
    Authorise: decisions.authorise,
    Ratify: decisions.ratify,
    RecordNotice: decisions.record_notice,
    Extend: decisions.extend,
    Revoke: decisions.stand_down,
    Complete: decisions.stand_down,
    RecordDebrief: decisions.debrief,
    PreApprove: decisions.pre_approve,
}


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

    def add_intelligence(
        self, actor: ActorRef, summary: AddIntelligence | IntelligenceSummary
    ) -> str:
        """Store a graded, sanitised summary; returns its id."""
        if isinstance(summary, AddIntelligence):
            summary.screened()
        return intelligence_records.add_intelligence(self, actor, summary)

    def read_intelligence(self, actor: ActorRef, intel_id: str) -> dict[str, Any]:
        """Read a summary; the text of handling code C is withheld (reveal it). Writes
        nothing."""
        return intelligence_records.read_intelligence(self, actor, intel_id)

    def reveal_intelligence(
        self, actor: ActorRef, intel_id: str, *, deployment_id: str | None = None
    ) -> dict[str, Any]:
        """A summary with its text; revealing handling code C is recorded (on a deployment's
        dossier, only to the roles its profile names)."""
        return intelligence_records.reveal_intelligence(
            self, actor, intel_id, deployment_id=deployment_id
        )

    def list_intelligence(self, actor: ActorRef) -> list[dict[str, Any]]:
        """Summaries without text."""
        return intelligence_records.list_intelligence(self, actor)

    def install_profile(
        self, actor: ActorRef, command: InstallProfile
    ) -> tuple[profiles.InstalledProfile, bool]:
        """Install a policy profile (administrators); returns it and whether it is new."""
        return profiles.install_profile(self, actor, command)

    def list_profiles(self, actor: ActorRef) -> list[profiles.InstalledProfile]:
        """The installed profiles in force."""
        return profiles.list_profiles(self, actor)

    def show_profile(
        self, actor: ActorRef, name: str
    ) -> tuple[profiles.InstalledProfile, str, list[profiles.InstalledProfile]]:
        """One installed profile, its text and its versions."""
        return profiles.show_profile(self, actor, name)

    def run(self, actor: ActorRef, deployment_id: str, command: DeploymentCommand) -> int:
        """Give ``command`` on a deployment: its free text screened, then its handler in
        one transaction with its audit entry; returns the deployment's new version."""
        command.screened()
        handler = _HANDLERS[type(command)]
        return handler(self, actor, deployment_id, command)

    def propose(self, actor: ActorRef, command: Propose | None = None, **fields: Any) -> str:
        """Propose a deployment (a :class:`Propose` command, or its fields); returns its id."""
        proposal = command if command is not None else build(Propose, fields)
        proposal.screened()
        return proposals.propose(self, actor, proposal)

    def _act(
        self, kind: type[DeploymentCommand], actor: ActorRef, deployment_id: str, fields: Any
    ) -> int:
        return self.run(actor, deployment_id, build(kind, fields))

    # Each action by name, its keyword arguments the command's fields: for scripts and tests.

    def submit(self, actor: ActorRef, deployment_id: str, **fields: Any) -> int:
        """Submit a draft."""
        return self._act(Submit, actor, deployment_id, fields)

    def consult(self, actor: ActorRef, deployment_id: str, **fields: Any) -> int:
        """Record a consultation (``outcome``, ``notes``)."""
        return self._act(Consult, actor, deployment_id, fields)

    def assess_impact(
        self, actor: ActorRef, deployment_id: str, assessment: ImpactAssessment, **fields: Any
    ) -> int:
        """Record or review the community impact assessment."""
        return self._act(AssessImpact, actor, deployment_id, {"assessment": assessment, **fields})

    def respond(self, actor: ActorRef, deployment_id: str, **fields: Any) -> int:
        """Answer an objection or a high residual risk (``concerning``, ``text``)."""
        return self._act(Respond, actor, deployment_id, fields)

    def authorise(self, actor: ActorRef, deployment_id: str, **fields: Any) -> int:
        """Authorise (``grounds``, ``conditions``), or ratify an urgent authorisation."""
        return self._act(Authorise, actor, deployment_id, fields)

    def ratify(self, actor: ActorRef, deployment_id: str, **fields: Any) -> int:
        """Ratify an urgent authorisation."""
        return self._act(Ratify, actor, deployment_id, fields)

    def record_notice(self, actor: ActorRef, deployment_id: str, **fields: Any) -> int:
        """Record that a senior officer was told (``informed``)."""
        return self._act(RecordNotice, actor, deployment_id, fields)

    def extend(self, actor: ActorRef, deployment_id: str, **fields: Any) -> int:
        """Extend a live deployment (``until``, ``reason``)."""
        return self._act(Extend, actor, deployment_id, fields)

    def revoke(self, actor: ActorRef, deployment_id: str, **fields: Any) -> int:
        """Revoke a live deployment (``reason``)."""
        return self._act(Revoke, actor, deployment_id, fields)

    def complete(self, actor: ActorRef, deployment_id: str, **fields: Any) -> int:
        """Stand an active deployment down early (``reason``)."""
        return self._act(Complete, actor, deployment_id, fields)

    def debrief(self, actor: ActorRef, deployment_id: str, report: Debrief, **fields: Any) -> int:
        """Record the debrief of an ended deployment."""
        return self._act(RecordDebrief, actor, deployment_id, {"report": report, **fields})

    def pre_approve(self, actor: ActorRef, deployment_id: str, **fields: Any) -> int:
        """Oversight's pre-approval beyond the rarity ceiling (``reason``)."""
        return self._act(PreApprove, actor, deployment_id, fields)

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
        """Record due activations, expiries and lapses, and flag missed deadlines."""
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
