"""Each user's inbox: the deployments awaiting an action only they (or their role and
borough) can take, from the same rule evaluation that decides (:mod:`.guide`); and the
navigation each role sees (what it may open, how much awaits it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from patrolgate.audit import jsonable
from patrolgate.policy import Role
from patrolgate.store.audit_repository import load_head
from patrolgate.store.audit_tables import AuditEntryRow, AuditPayloadRow
from patrolgate.store.deployment_repository import area_names, deployment_ids, open_tasks
from patrolgate.store.workflow_tables import DeploymentRow
from patrolgate.workflow.actors import Actor
from patrolgate.workflow.guide import AWAITING, evaluate_in, inbox_evaluation, owed
from patrolgate.workflow.lifecycle import State
from patrolgate.workflow.service import Workflow
from patrolgate.workflow.tasks import DEBRIEF, NOTIFIED, describe_task
from patrolgate.workflow.views import summary_of

#: How far back oversight's inbox lists the notifications sent to it.
NOTIFICATIONS_WINDOW = timedelta(days=30)


def inbox_of(workflow: Workflow, actor: Actor, *, exhaustive: bool = False) -> list[dict[str, Any]]:
    """Deployments with an action awaiting ``actor``, oldest first (sweep first to have the
    clock's transitions on the record); for oversight, every deadline missed as well.

    Rarity is counted only where it can change what is owed
    (:func:`~patrolgate.workflow.guide.inbox_evaluation`); ``exhaustive`` counts it for
    every deployment (the same answer, slower: for tests).
    """
    now = workflow.now()
    items: list[dict[str, Any]] = []
    with workflow.database.reads() as session:
        deadlines = {t.deployment_id: t for t in open_tasks(session) if t.kind == DEBRIEF}
        overdue = [t for t in open_tasks(session) if t.due_at <= now]
        for deployment_id in reversed(deployment_ids(session)):
            row = session.get(DeploymentRow, deployment_id)
            if row is None or row.state == State.DEBRIEFED.value:
                continue
            evaluation = (
                evaluate_in(session, actor, row, now)
                if exhaustive
                else inbox_evaluation(session, actor, row, now)
            )
            due = owed(evaluation, actor, row)
            if not due:
                continue
            summary = jsonable(
                summary_of(workflow, row, area_names(session, row.borough_codes), now)
            )
            why = [AWAITING[a] for a in due]
            task = deadlines.get(row.id)
            if "debrief" in due and task is not None:
                status = describe_task(task, now)
                why[due.index("debrief")] = (
                    f"debrief {'overdue since' if status['status'] == 'overdue' else 'due by'} "
                    f"{workflow.local(task.due_at)}"
                )
            items.append(
                {
                    "deployment": summary,
                    **_named(session, row),
                    "actions": due,
                    "why": why,
                    "ready": evaluation.ready,
                }
            )
        if actor.role is Role.OVERSIGHT:
            # A missed deadline still open is listed once, as overdue, not again as notified.
            still_open = {t.deployment_id for t in overdue}
            items += [
                n
                for n in _notifications(workflow, session, now)
                if not (
                    n["notification"]["subject"].startswith("task:")
                    and n["notification"]["deployment_id"] in still_open
                )
            ]
            items += [
                {
                    "deployment": jsonable(
                        summary_of(
                            workflow,
                            found,
                            area_names(session, found.borough_codes),
                            now,
                        )
                    ),
                    **_named(session, found),
                    "actions": [],
                    "why": [
                        f"deadline missed: {describe_task(t, now)['what']} was due by "
                        f"{workflow.local(t.due_at)} ({t.assignee or 'unassigned'})"
                    ],
                    "ready": False,
                }
                for t in overdue
                if (found := session.get(DeploymentRow, t.deployment_id)) is not None
            ]
    return items


def _named(session: Session, row: DeploymentRow) -> dict[str, Any]:
    """The power and the wards of a deployment, in words."""
    wards = area_names(session, row.area_codes)
    return {
        "power": (row.profile or {}).get("title") or row.profile_name,
        "where": [wards.get(code, code) for code in row.area_codes],
    }


def _notifications(workflow: Workflow, session: Session, now: datetime) -> list[dict[str, Any]]:
    """Oversight's notifications of the last :data:`NOTIFICATIONS_WINDOW`, newest first."""
    rows = session.execute(
        select(
            AuditEntryRow.seq,
            AuditEntryRow.recorded_at,
            AuditEntryRow.deployment_id,
            AuditEntryRow.subject,
            func.coalesce(AuditEntryRow.reason, AuditPayloadRow.reason),
        )
        .outerjoin(AuditPayloadRow, AuditPayloadRow.seq == AuditEntryRow.seq)
        .where(
            AuditEntryRow.action == NOTIFIED,
            AuditEntryRow.recorded_at >= now - NOTIFICATIONS_WINDOW,
        )
        .order_by(AuditEntryRow.seq.desc())
    ).all()
    return [
        {
            "notification": {
                "seq": int(seq),
                "at_local": workflow.local(at),
                "deployment_id": deployment_id,
                "subject": subject or "",
                "reason": reason or "(reason removed under the retention schedule)",
            },
            "actions": [],
            "why": [f"notification: {reason or 'reason removed under retention'}"],
            "ready": False,
        }
        for seq, at, deployment_id, subject, reason in rows
    ]


@dataclass(frozen=True)
class Navigation:
    """What the navigation offers someone: the pages their role opens, and their inbox count."""

    may_propose: bool
    oversight: bool
    inbox_count: int


def may_propose(workflow: Workflow, actor: Actor) -> bool:
    """Whether any installed profile's ``[propose]`` authority admits ``actor`` (the same
    declaration :func:`patrolgate.workflow.rules.require_authority` checks on a proposal)."""
    installed = workflow.list_profiles(actor)
    return any(p.profile.propose.allows(actor.role, actor.rank) for p in installed)


def navigation_of(workflow: Workflow, actor: Actor) -> Navigation:
    """The navigation for ``actor``; computed again only when the audit trail (every change
    of state is on it) or the minute changes."""
    with workflow.database.reads() as session:
        head, _ = load_head(session)
    minute = workflow.now().replace(second=0, microsecond=0)
    return _navigation(
        _NavigationKey(
            workflow, id(workflow), str(workflow.database.engine.url), actor, head, minute
        )
    )


@dataclass(frozen=True)
class _NavigationKey:
    """What a navigation depends on (the workflow is carried, not compared)."""

    workflow: Workflow = field(compare=False, hash=False)
    identity: int
    database: str
    actor: Actor
    head: int
    minute: datetime


@lru_cache(maxsize=256)
def _navigation(key: _NavigationKey) -> Navigation:
    workflow, actor = key.workflow, key.actor
    return Navigation(
        may_propose=may_propose(workflow, actor),
        oversight=actor.role is Role.OVERSIGHT,
        inbox_count=len(inbox_of(workflow, actor)),
    )
