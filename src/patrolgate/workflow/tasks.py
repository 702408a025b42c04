"""What is owed on a deployment by a deadline, and oversight told when a deadline is missed.

Two kinds: ``superior-notice`` (an inspector's s60 authorisation is reported to a
superintendent, s60(3A)) and ``debrief`` (an ended deployment is debriefed within the
profile's period). A task is opened in the transaction that makes it owed, closed in the one
that does it, and flagged to oversight (an ``oversight.notified`` entry) by the sweeper once
its deadline passes undone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from patrolgate.policy import PolicyProfile
from patrolgate.store.audit_repository import append_entry
from patrolgate.store.deployment_repository import open_tasks, task
from patrolgate.store.workflow_tables import DeploymentRow, TaskRow
from patrolgate.workflow.context import WorkflowContext
from patrolgate.workflow.lifecycle import State

SUPERIOR_NOTICE = "superior-notice"
DEBRIEF = "debrief"
#: The audit action of an oversight notification.
NOTIFIED = "oversight.notified"

_WHAT = {
    SUPERIOR_NOTICE: "report the authorisation to an officer of superintendent rank or above",
    DEBRIEF: "debrief the deployment",
}


def open_notice_task(
    session: Session, row: DeploymentRow, assignee: str, within_hours: float, now: datetime
) -> TaskRow:
    """The senior officer must be told of this authorisation within ``within_hours``."""
    owed = TaskRow(
        deployment_id=row.id,
        kind=SUPERIOR_NOTICE,
        assignee=assignee,
        due_at=now + timedelta(hours=within_hours),
        created_at=now,
    )
    session.add(owed)
    return owed


def open_debrief_task(session: Session, row: DeploymentRow, now: datetime) -> TaskRow | None:
    """Once a deployment has ended, its debrief is owed by its authoriser within the period
    its profile sets (nothing if the profile sets none, or if one is open already)."""
    if row.state != State.ENDED.value or row.authorised_at is None:
        return None
    rule = PolicyProfile.model_validate(row.profile).debrief
    if rule is None or task(session, row.id, DEBRIEF) is not None:
        return None
    ended = min(row.ended_at or row.end, row.end)
    owed = TaskRow(
        deployment_id=row.id,
        kind=DEBRIEF,
        assignee=row.ratified_by or row.authorised_by,
        due_at=ended + timedelta(hours=rule.within_hours),
        created_at=now,
    )
    session.add(owed)
    session.flush()
    return owed


def close_task(
    session: Session, deployment_id: str, kind: str, by: str, now: datetime, note: str | None
) -> TaskRow | None:
    """Mark a deployment's task of ``kind`` done (None if there is none open)."""
    owed = task(session, deployment_id, kind)
    if owed is None or owed.done_at is not None:
        return None
    owed.done_at = now
    owed.done_by = by
    owed.note = note
    return owed


@dataclass(frozen=True)
class Missed:
    """A task whose deadline passed undone, as flagged to oversight."""

    deployment_id: str
    kind: str
    due_at: datetime

    def as_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {
            "deployment_id": self.deployment_id,
            "kind": self.kind,
            "due_at": self.due_at.isoformat(),
        }


def flag_missed(context: WorkflowContext) -> list[Missed]:
    """Tell oversight of every task past its deadline, once each, on the audit trail."""
    now = context.now()
    with context.database.reads() as session:
        due = [(t.id, t.deployment_id, t.kind) for t in open_tasks(session, due_by=now)]
    flagged: list[Missed] = []
    for task_id, deployment_id, kind in due:
        with context.database.transaction() as session:
            owed = session.get(TaskRow, task_id)
            if owed is None or owed.done_at is not None or owed.flagged_at is not None:
                continue
            owed.flagged_at = now
            append_entry(
                session,
                recorded_at=now,
                actor=None,
                action=NOTIFIED,
                deployment_id=deployment_id,
                subject=f"task:{kind}",
                reason=f"deadline missed: {_WHAT.get(kind, kind)} was due by "
                f"{owed.due_at.isoformat()} ({owed.assignee or 'unassigned'})",
                payload={"task": kind, "due_at": owed.due_at, "assignee": owed.assignee},
            )
            flagged.append(Missed(deployment_id, kind, owed.due_at))
    return flagged


def describe_task(owed: TaskRow, now: datetime) -> dict[str, Any]:
    """A task as a page shows it."""
    if owed.done_at is not None:
        status = "done"
    elif owed.due_at <= now:
        status = "overdue"
    else:
        status = "open"
    return {
        "kind": owed.kind,
        "what": _WHAT.get(owed.kind, owed.kind),
        "assignee": owed.assignee,
        "due_at": owed.due_at,
        "status": status,
        "done_at": owed.done_at,
        "done_by": owed.done_by,
        "note": owed.note,
        "flagged_to_oversight_at": owed.flagged_at,
    }


def overdue_tasks(context: WorkflowContext) -> list[dict[str, Any]]:
    """Every task past its deadline and not done, oldest deadline first (the oversight
    dashboard lists them: an overdue debrief, an s60(3A) notice not recorded)."""
    now = context.now()
    with context.database.reads() as session:
        return [
            {"deployment_id": t.deployment_id, **describe_task(t, now)}
            for t in open_tasks(session)
            if t.due_at <= now
        ]
