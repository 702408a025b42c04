"""How every deployment action runs: one transaction, clock first, rules, write, audit.

The deployment row is written (with its version check) before the audit head is locked,
and each transaction touches one deployment, so concurrent actions cannot deadlock; the
loser of a race gets :class:`Conflict` and nothing is written. A refusal is recorded in
the audit trail in a transaction of its own, then raised.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified
from sqlalchemy.orm.exc import StaleDataError

from patrolgate.policy import PolicyProfile, Role, Trigger
from patrolgate.store.audit_repository import append_entry
from patrolgate.store.deployment_repository import (
    approvals,
    area_names,
    consultations,
    extensions,
    linked_intelligence,
    responses,
)
from patrolgate.store.workflow_tables import (
    ConsultationRow,
    DeploymentRow,
    IntelligenceRow,
    OversightApprovalRow,
    ResponseRow,
)
from patrolgate.workflow.actors import Actor, ActorRef, load_actor, login_of
from patrolgate.workflow.commands import DeploymentCommand
from patrolgate.workflow.context import WorkflowContext
from patrolgate.workflow.errors import (
    Conflict,
    InvalidTransition,
    NotAuthorised,
    NotFound,
    PolicyViolation,
    WorkflowError,
)
from patrolgate.workflow.lifecycle import ALLOWED_FROM, ClockEvent, State, clock_events
from patrolgate.workflow.rules import ConsultationFact, DeploymentFacts, IntelFact, ResponseFact
from patrolgate.workflow.tasks import open_debrief_task


@dataclass
class Outcome:
    """What an action did, for its audit entry."""

    action: str
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    extra_entries: list[tuple[str, str | None, dict[str, Any]]] = field(default_factory=list)


Action = Callable[[Session, Actor, DeploymentRow, PolicyProfile, datetime], Outcome]


def snapshot(row: DeploymentRow) -> dict[str, Any]:
    """The parts of a deployment an audit entry shows before and after."""
    return {
        "state": row.state,
        "end_reason": row.end_reason,
        "start": row.start,
        "end": row.end,
        "version": row.version,
    }


def profile_of(row: DeploymentRow) -> PolicyProfile:
    """The profile frozen into the deployment when it was proposed."""
    return PolicyProfile.model_validate(row.profile)


def facts_of(session: Session, row: DeploymentRow) -> DeploymentFacts:
    """Everything the rules need to know about a deployment."""
    return facts_from(
        row,
        names=area_names(session, row.borough_codes),
        intelligence=linked_intelligence(session, row.id),
        consulted=consultations(session, row.id),
        extension_count=len(extensions(session, row.id)),
        responded=responses(session, row.id),
        approved=approvals(session, row.id),
    )


def row_facts(session: Session, row: DeploymentRow) -> DeploymentFacts:
    """The facts the deployment row gives by itself (with its boroughs' names), without
    its intelligence, consultations and extensions: three queries fewer, for a rule that
    reads no more, such as :func:`~patrolgate.workflow.rules.check_consultee`."""
    return facts_from(
        row,
        names=area_names(session, row.borough_codes),
        intelligence=(),
        consulted=(),
        extension_count=0,
    )


def facts_from(
    row: DeploymentRow,
    *,
    names: dict[str, str],
    intelligence: Sequence[IntelligenceRow],
    consulted: Sequence[ConsultationRow],
    extension_count: int,
    responded: Sequence[ResponseRow] = (),
    approved: Sequence[OversightApprovalRow] = (),
) -> DeploymentFacts:
    """The facts of a deployment from rows already loaded (a page shows them too)."""
    rationale = row.rationale or {}
    impact = row.impact_assessment or {}
    review = impact.get("next_review")
    return DeploymentFacts(
        proposer=row.proposer,
        trigger=Trigger(row.trigger),
        start=row.start,
        end=row.end,
        borough_codes=tuple(row.borough_codes),
        borough_names=names,
        intelligence=tuple(
            IntelFact(i.id, i.source_evaluation, i.assessment, i.valid_from, i.valid_to, i.author)
            for i in intelligence
        ),
        consultations=tuple(
            ConsultationFact(c.consultee, Role(c.role), c.borough_code, c.outcome, c.id)
            for c in consulted
        ),
        impact_assessed=row.impact_assessment is not None,
        public_notice_before=bool(
            impact.get("public_notice_before") or impact.get("public_notice_not_practicable")
        ),
        investigators=tuple((rationale.get("investigation") or {}).get("officers") or ()),
        extensions=extension_count,
        authorised_by=row.authorised_by,
        ratified_by=row.ratified_by,
        impact_residual_risk=impact.get("residual_risk"),
        impact_next_review=datetime.fromisoformat(review) if isinstance(review, str) else None,
        impact_assessed_at=row.impact_assessed_at,
        responses=tuple(
            ResponseFact(r.responder, r.concerning, r.consultation_id, r.recorded_at)
            for r in responded
        ),
        pre_approved_by=approved[0].approved_by if approved else None,
        awaiting_ratification=row.urgent and row.ratified_at is None,
    )


def require_state(profile: PolicyProfile, row: DeploymentRow, action: str) -> None:
    """Refuse an action the lifecycle does not allow from the current state."""
    allowed = ALLOWED_FROM[action]
    if State(row.state) not in allowed:
        now_words = row.state + (f" ({row.end_reason})" if row.end_reason else "")
        raise InvalidTransition(
            profile.refusal(
                f"deployment {row.id} is {now_words}; {action} needs it "
                + " or ".join(s.value for s in allowed)
            )
        )


def apply_clock(row: DeploymentRow, now: datetime) -> list[ClockEvent]:
    """Make the transitions the clock has made; returns them for the audit trail."""
    events = clock_events(row, now)
    for event in events:
        row.state = event.state.value
        if event.end_reason is not None:
            row.end_reason = event.end_reason.value
            row.ended_at = event.effective_at
    return events


def audit_clock(
    session: Session, row: DeploymentRow, events: list[ClockEvent], now: datetime
) -> None:
    """One audit entry per clock transition, stating when it took effect."""
    for event in events:
        append_entry(
            session,
            recorded_at=now,
            actor=None,
            action=event.action,
            deployment_id=row.id,
            reason="the clock: "
            + ("start reached" if event.action.endswith("activated") else "end reached"),
            payload={"effective_at": event.effective_at, "state": event.state.value},
        )


def record_refusal(
    context: WorkflowContext,
    *,
    actor: ActorRef,
    attempted: str,
    error: WorkflowError,
    deployment_id: str | None = None,
    subject: str | None = None,
) -> None:
    """Put a refusal on the record, in its own transaction."""
    with context.database.transaction() as session:
        append_entry(
            session,
            recorded_at=context.now(),
            actor=login_of(actor),
            action="refused",
            deployment_id=deployment_id,
            subject=subject,
            reason=str(error),
            payload={"attempted": attempted, "refusal": type(error).__name__},
        )


def act(
    context: WorkflowContext,
    acting_as: ActorRef,
    deployment_id: str,
    attempted: str,
    action: Action,
    *,
    expected_version: int | None = None,
) -> int:
    """Run ``action`` on a deployment in one transaction; returns the new version."""
    try:
        with context.database.transaction() as session:
            actor = load_actor(session, acting_as)
            row = session.get(DeploymentRow, deployment_id)
            if row is None:
                raise NotFound(f"no deployment {deployment_id!r}")
            if expected_version is not None and row.version != expected_version:
                raise Conflict(
                    f"deployment {deployment_id} changed (version {row.version}, you saw "
                    f"{expected_version}); nothing was written: look again"
                )
            now = context.now()
            earlier = apply_clock(row, now)
            before = snapshot(row)
            outcome = action(session, actor, row, profile_of(row), now)
            after = snapshot(row)
            later = apply_clock(row, now)
            row.updated_at = now
            flag_modified(row, "updated_at")  # every action bumps the version, even at one instant
            session.flush()  # the version check: a concurrent change raises StaleDataError
            open_debrief_task(session, row, now)
            audit_clock(session, row, earlier, now)
            append_entry(
                session,
                recorded_at=now,
                actor=actor.login,
                action=outcome.action,
                deployment_id=row.id,
                reason=outcome.reason,
                payload={"before": before, "after": after, **outcome.details},
            )
            for name, reason, payload in outcome.extra_entries:
                append_entry(
                    session,
                    recorded_at=now,
                    actor=actor.login,
                    action=name,
                    deployment_id=row.id,
                    reason=reason,
                    payload=payload,
                )
            audit_clock(session, row, later, now)
            return row.version
    except StaleDataError as error:
        raise Conflict(
            f"deployment {deployment_id} was changed by someone else at the same moment; "
            "nothing was written: look again"
        ) from error
    except REFUSALS as error:
        record_refusal(
            context,
            actor=acting_as,
            attempted=attempted,
            error=error,
            deployment_id=deployment_id,
        )
        raise


def act_on(
    context: WorkflowContext,
    acting_as: ActorRef,
    deployment_id: str,
    command: DeploymentCommand,
    action: Action,
) -> int:
    """:func:`act` for a command: its name is what was attempted, its expected version
    guards the change."""
    return act(
        context,
        acting_as,
        deployment_id,
        command.action,
        action,
        expected_version=command.expected_version,
    )


REFUSALS = (InvalidTransition, NotAuthorised, PolicyViolation)
