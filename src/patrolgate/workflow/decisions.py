"""Decisions on a deployment: authorise (or urgently), ratify, extend, revoke, complete, debrief."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from patrolgate.errors import InvalidInput
from patrolgate.policy import PolicyProfile
from patrolgate.store.deployment_repository import authorised_overlapping
from patrolgate.store.workflow_tables import DeploymentRow, ExtensionRow
from patrolgate.timekeeping import hours
from patrolgate.workflow.acting import Outcome, act, facts_of, require_state
from patrolgate.workflow.actors import Actor, ActorRef
from patrolgate.workflow.context import WorkflowContext
from patrolgate.workflow.documents import Debrief
from patrolgate.workflow.errors import InvalidTransition
from patrolgate.workflow.lifecycle import EndReason, State
from patrolgate.workflow.rules import (
    RarityFacts,
    check_authorisation,
    check_debrief,
    check_extension,
    check_ratification,
    check_stand_down,
)


def rarity_facts(session: Session, row: DeploymentRow, profile: PolicyProfile) -> RarityFacts:
    """Earlier authorised deployments in the same boroughs within the rolling period."""
    window_start = row.start - timedelta(days=profile.rarity.period_days)
    others = authorised_overlapping(session, row.borough_codes, window_start, row.start, row.id)
    total = sum(
        hours(min(o.ended_at or o.end, row.start) - max(o.start, window_start)) for o in others
    )
    return RarityFacts(deployments=len(others), hours=max(total, 0.0))


def _reason(text: str | None, what: str) -> str:
    if text is None or len(text.strip()) < 3:
        raise InvalidInput(f"{what}: give a reason (--reason)")
    return text.strip()


def authorise(
    context: WorkflowContext,
    acting_as: ActorRef,
    deployment_id: str,
    *,
    conditions: str | None = None,
    expected_version: int | None = None,
) -> int:
    """Authorise a submitted deployment, or ratify an urgent one (the strategic commander)."""

    def action(
        session: Session, actor: Actor, row: DeploymentRow, profile: PolicyProfile, now: datetime
    ) -> Outcome:
        if (
            row.urgent
            and row.ratified_at is None
            and State(row.state) in (State.AUTHORISED, State.ACTIVE)
        ):
            return _ratify(session, actor, row, profile, now)
        require_state(profile, row, "authorise")
        facts = facts_of(session, row)
        decision = check_authorisation(
            profile, actor, facts, now, rarity_facts(session, row, profile)
        )
        row.state = State.AUTHORISED.value
        row.authorised_by = actor.login
        row.authorised_at = now
        row.conditions = (conditions or "").strip() or None
        row.escalated = decision.escalated
        if row.start < now:  # a period cannot start before it was authorised
            row.start = now
        extra: list[tuple[str, str | None, dict[str, Any]]] = []
        if decision.urgent:
            row.urgent = True
            row.ratification_due = now + timedelta(hours=profile.urgent.window_hours)
        if decision.escalated and profile.rarity.notify_oversight:
            extra.append(
                (
                    "oversight.notified",
                    decision.escalation_reason,
                    {"profile": profile.name, "boroughs": row.borough_codes, "escalated": True},
                )
            )
        return Outcome(
            "deployment.urgently-authorised" if decision.urgent else "deployment.authorised",
            reason=row.conditions,
            details={
                "conditions": row.conditions,
                "urgent": decision.urgent,
                "ratification_due": row.ratification_due,
                "escalated": decision.escalated,
            },
            extra_entries=extra,
        )

    return act(
        context, acting_as, deployment_id, "authorise", action, expected_version=expected_version
    )


def _ratify(
    session: Session, actor: Actor, row: DeploymentRow, profile: PolicyProfile, now: datetime
) -> Outcome:
    if not row.urgent or row.ratified_at is not None or row.ratification_due is None:
        raise InvalidTransition(profile.refusal(f"deployment {row.id} has nothing to ratify"))
    require_state(profile, row, "ratify")
    check_ratification(profile, actor, facts_of(session, row), now, row.ratification_due)
    row.ratified_by = actor.login
    row.ratified_at = now
    return Outcome("deployment.ratified", details={"ratified_within_window": True})


def ratify(
    context: WorkflowContext,
    acting_as: ActorRef,
    deployment_id: str,
    *,
    expected_version: int | None = None,
) -> int:
    """Ratify an urgent authorisation within the profile's window."""
    return act(
        context, acting_as, deployment_id, "ratify", _ratify, expected_version=expected_version
    )


def extend(
    context: WorkflowContext,
    acting_as: ActorRef,
    deployment_id: str,
    *,
    until: datetime,
    reason: str,
    expected_version: int | None = None,
) -> int:
    """Extend a live deployment's end, within the profile's steps and maximum."""
    why = _reason(reason, "extend")
    if until.tzinfo is None:
        raise InvalidInput("--until needs a time zone")

    def action(
        session: Session, actor: Actor, row: DeploymentRow, profile: PolicyProfile, now: datetime
    ) -> Outcome:
        require_state(profile, row, "extend")
        if row.urgent and row.ratified_at is None:
            raise InvalidTransition(
                profile.refusal("an urgent authorisation must be ratified before it is extended")
            )
        step = check_extension(profile, actor, facts_of(session, row), until, now)
        session.add(
            ExtensionRow(
                deployment_id=row.id,
                step=step,
                previous_end=row.end,
                new_end=until,
                reason=why,
                extended_by=actor.login,
                recorded_at=now,
            )
        )
        previous = row.end
        row.end = until
        return Outcome(
            "deployment.extended",
            reason=why,
            details={"step": step + 1, "previous_end": previous, "new_end": until},
        )

    return act(
        context, acting_as, deployment_id, "extend", action, expected_version=expected_version
    )


def _stand_down(
    context: WorkflowContext,
    acting_as: ActorRef,
    deployment_id: str,
    reason: str,
    end_reason: EndReason,
    expected_version: int | None,
) -> int:
    verb = "revoke" if end_reason is EndReason.REVOKED else "complete"
    why = _reason(reason, verb)

    def action(
        session: Session, actor: Actor, row: DeploymentRow, profile: PolicyProfile, now: datetime
    ) -> Outcome:
        require_state(profile, row, verb)
        check_stand_down(profile, actor, facts_of(session, row), verb)
        row.state = State.ENDED.value
        row.end_reason = end_reason.value
        row.ended_at = now
        row.ended_by = actor.login
        row.end_note = why
        return Outcome(f"deployment.{end_reason.value}", reason=why)

    return act(context, acting_as, deployment_id, verb, action, expected_version=expected_version)


def revoke(
    context: WorkflowContext,
    acting_as: ActorRef,
    deployment_id: str,
    *,
    reason: str,
    expected_version: int | None = None,
) -> int:
    """Revoke a live authorisation now."""
    return _stand_down(
        context, acting_as, deployment_id, reason, EndReason.REVOKED, expected_version
    )


def complete(
    context: WorkflowContext,
    acting_as: ActorRef,
    deployment_id: str,
    *,
    reason: str,
    expected_version: int | None = None,
) -> int:
    """Stand an active deployment down early because its job is done."""
    return _stand_down(
        context, acting_as, deployment_id, reason, EndReason.COMPLETED, expected_version
    )


def debrief(
    context: WorkflowContext,
    acting_as: ActorRef,
    deployment_id: str,
    report: Debrief,
    *,
    expected_version: int | None = None,
) -> int:
    """Record the debrief of an ended deployment; community complaints may notify oversight."""

    def action(
        session: Session, actor: Actor, row: DeploymentRow, profile: PolicyProfile, now: datetime
    ) -> Outcome:
        require_state(profile, row, "debrief")
        check_debrief(profile, actor, facts_of(session, row), bool(report.public_notice_after))
        row.state = State.DEBRIEFED.value
        row.debrief = report.model_dump(mode="json")
        row.debriefed_by = actor.login
        row.debriefed_at = now
        extra: list[tuple[str, str | None, dict[str, Any]]] = []
        trigger = profile.debrief_community_trigger
        if trigger and report.complaints_received >= trigger:
            extra.append(
                (
                    "oversight.notified",
                    f"{profile.name}: {report.complaints_received} community complaint(s) "
                    f"recorded at debrief (trigger {trigger})",
                    {"profile": profile.name, "complaints": report.complaints_received},
                )
            )
        return Outcome(
            "deployment.debriefed", details={"debrief": row.debrief}, extra_entries=extra
        )

    return act(
        context, acting_as, deployment_id, "debrief", action, expected_version=expected_version
    )
