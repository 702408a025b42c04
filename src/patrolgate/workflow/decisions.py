"""Decisions on a deployment: authorise (or urgently), ratify, record the s60(3A) notice,
extend, revoke, complete, debrief, and oversight's pre-approval beyond a ceiling; each the
handler of one command of :mod:`patrolgate.workflow.commands`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from patrolgate.policy import PolicyProfile
from patrolgate.store.workflow_tables import (
    DeploymentRow,
    ExtensionRow,
    OversightApprovalRow,
    UserRow,
)
from patrolgate.workflow.acting import Outcome, act_on, facts_of, require_state
from patrolgate.workflow.actors import Actor, ActorRef, actor_of, same_person
from patrolgate.workflow.commands import (
    Authorise,
    Complete,
    Extend,
    PreApprove,
    Ratify,
    RecordDebrief,
    RecordNotice,
    Revoke,
)
from patrolgate.workflow.context import WorkflowContext
from patrolgate.workflow.errors import InvalidTransition, NotFound
from patrolgate.workflow.lifecycle import EndReason, State
from patrolgate.workflow.rarity_count import rarity_facts
from patrolgate.workflow.rules import (
    check_authorisation,
    check_debrief,
    check_extension,
    check_notice,
    check_pre_approver,
    check_ratification,
    check_stand_down,
    superior_notice_due,
)
from patrolgate.workflow.tasks import DEBRIEF, SUPERIOR_NOTICE, close_task, open_notice_task


def _ratifiable(row: DeploymentRow) -> bool:
    return (
        row.urgent
        and row.ratified_at is None
        and State(row.state) in (State.AUTHORISED, State.ACTIVE)
    )


def authorise(
    context: WorkflowContext, acting_as: ActorRef, deployment_id: str, command: Authorise
) -> int:
    """Authorise a submitted deployment with the authoriser's written grounds, or ratify an
    urgent one (the strategic commander). The rarity counts are taken under the locks of
    this transaction, and what they came to is recorded with the decision."""
    grounds = command.grounds.strip()
    conditions = (command.conditions or "").strip() or None

    def action(
        session: Session, actor: Actor, row: DeploymentRow, profile: PolicyProfile, now: datetime
    ) -> Outcome:
        if _ratifiable(row):
            return _ratify(session, actor, row, profile, now, grounds)
        require_state(profile, row, "authorise")
        facts = facts_of(session, row)
        rarity = rarity_facts(session, row, profile, now, lock=True)
        decision = check_authorisation(profile, actor, facts, now, rarity)
        row.state = State.AUTHORISED.value
        row.authorised_by = actor.login
        row.authorised_at = now
        row.grounds = grounds
        row.conditions = conditions
        row.escalated = decision.escalated
        row.escalation_reason = decision.escalation_reason
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
        notice_hours = superior_notice_due(profile, actor)
        notice_due = None
        if notice_hours is not None:
            notice_due = open_notice_task(session, row, actor.login, notice_hours, now).due_at
        return Outcome(
            "deployment.urgently-authorised" if decision.urgent else "deployment.authorised",
            reason=grounds,
            details={
                "grounds": grounds,
                "conditions": conditions,
                "urgent": decision.urgent,
                "ratification_due": row.ratification_due,
                "escalated": decision.escalated,
                "rarity": decision.rarity.as_dict() if decision.rarity else None,
                "rarity_counted": {
                    b.code: list(b.deployment_ids) for b in rarity.boroughs if b.deployment_ids
                },
                "pre_approved_by": facts.pre_approved_by,
                "superior_notice_due": notice_due,
            },
            extra_entries=extra,
        )

    return act_on(context, acting_as, deployment_id, command, action)


def _ratify(
    session: Session,
    actor: Actor,
    row: DeploymentRow,
    profile: PolicyProfile,
    now: datetime,
    grounds: str | None = None,
) -> Outcome:
    if not row.urgent or row.ratified_at is not None or row.ratification_due is None:
        raise InvalidTransition(profile.refusal(f"deployment {row.id} has nothing to ratify"))
    require_state(profile, row, "ratify")
    check_ratification(profile, actor, facts_of(session, row), now, row.ratification_due)
    row.ratified_by = actor.login
    row.ratified_at = now
    return Outcome(
        "deployment.ratified",
        reason=grounds,
        details={"ratified_within_window": True, "grounds": grounds},
    )


def ratify(
    context: WorkflowContext, acting_as: ActorRef, deployment_id: str, command: Ratify
) -> int:
    """Ratify an urgent authorisation within the profile's window."""

    def action(
        session: Session, actor: Actor, row: DeploymentRow, profile: PolicyProfile, now: datetime
    ) -> Outcome:
        return _ratify(session, actor, row, profile, now)

    return act_on(context, acting_as, deployment_id, command, action)


def _user(session: Session, login: str) -> Actor:
    row = session.get(UserRow, login)
    if row is None:
        row = next(
            (u for u in session.scalars(select(UserRow)) if same_person(u.login, login)), None
        )
    if row is None or not row.active:
        raise NotFound(f"no active user {login!r}")
    return actor_of(row)


def record_notice(
    context: WorkflowContext, acting_as: ActorRef, deployment_id: str, command: RecordNotice
) -> int:
    """Record that the senior officer the profile names was told (s60(3A))."""
    note = (command.note or "").strip() or None

    def action(
        session: Session, actor: Actor, row: DeploymentRow, profile: PolicyProfile, now: datetime
    ) -> Outcome:
        require_state(profile, row, "record-notice")
        informed = _user(session, command.informed)
        check_notice(profile, actor, facts_of(session, row), informed)
        owed = close_task(session, row.id, SUPERIOR_NOTICE, actor.login, now, note)
        if owed is None:
            raise InvalidTransition(
                profile.refusal(f"deployment {row.id} owes no notice to a senior officer now")
            )
        return Outcome(
            "deployment.superior-informed",
            reason=note,
            details={
                "informed": informed.login,
                "rank": informed.rank.value,
                "due_at": owed.due_at,
                "in_time": now <= owed.due_at,
            },
        )

    return act_on(context, acting_as, deployment_id, command, action)


def extend(
    context: WorkflowContext, acting_as: ActorRef, deployment_id: str, command: Extend
) -> int:
    """Extend a live deployment's end, within the profile's steps and maximum."""
    why = command.reason.strip()
    until = command.until

    def action(
        session: Session, actor: Actor, row: DeploymentRow, profile: PolicyProfile, now: datetime
    ) -> Outcome:
        require_state(profile, row, "extend")
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

    return act_on(context, acting_as, deployment_id, command, action)


def stand_down(
    context: WorkflowContext,
    acting_as: ActorRef,
    deployment_id: str,
    command: Revoke | Complete,
) -> int:
    """Revoke a live authorisation, or stand an active deployment down early (completed)."""
    end_reason = EndReason.REVOKED if isinstance(command, Revoke) else EndReason.COMPLETED
    verb = command.action
    why = command.reason.strip()

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

    return act_on(context, acting_as, deployment_id, command, action)


def debrief(
    context: WorkflowContext, acting_as: ActorRef, deployment_id: str, command: RecordDebrief
) -> int:
    """Record the debrief of an ended deployment; community complaints may notify oversight."""
    report = command.report

    def action(
        session: Session, actor: Actor, row: DeploymentRow, profile: PolicyProfile, now: datetime
    ) -> Outcome:
        require_state(profile, row, "debrief")
        check_debrief(profile, actor, facts_of(session, row), bool(report.public_notice_after))
        row.state = State.DEBRIEFED.value
        row.debrief = report.model_dump(mode="json")
        row.debriefed_by = actor.login
        row.debriefed_at = now
        owed = close_task(session, row.id, DEBRIEF, actor.login, now, None)
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
            "deployment.debriefed",
            details={
                "debrief": row.debrief,
                "due_at": owed.due_at if owed is not None else None,
                "in_time": owed is None or now <= owed.due_at,
            },
            extra_entries=extra,
        )

    return act_on(context, acting_as, deployment_id, command, action)


def pre_approve(
    context: WorkflowContext, acting_as: ActorRef, deployment_id: str, command: PreApprove
) -> int:
    """Oversight's recorded pre-approval for this deployment to go beyond the ceiling."""
    reason = command.reason.strip()

    def action(
        session: Session, actor: Actor, row: DeploymentRow, profile: PolicyProfile, now: datetime
    ) -> Outcome:
        require_state(profile, row, "pre-approve")
        check_pre_approver(profile, actor, facts_of(session, row))
        session.add(
            OversightApprovalRow(
                deployment_id=row.id, approved_by=actor.login, reason=reason, recorded_at=now
            )
        )
        return Outcome(
            "oversight.pre-approved",
            reason=reason,
            details={"profile": profile.name, "boroughs": row.borough_codes},
        )

    return act_on(context, acting_as, deployment_id, command, action)
