"""The sweeper: records the clock's transitions (activation, expiry, lapse) even if nobody
looks, opens the debrief owed by each deployment that ended, and tells oversight of every
deadline missed (an s60(3A) notice, a debrief)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm.exc import StaleDataError

from patrolgate.store.deployment_repository import deployment_ids
from patrolgate.store.workflow_tables import DeploymentRow
from patrolgate.workflow.acting import apply_clock, audit_clock
from patrolgate.workflow.context import WorkflowContext
from patrolgate.workflow.lifecycle import LIVE
from patrolgate.workflow.tasks import NOTIFIED, flag_missed, open_debrief_task


@dataclass(frozen=True)
class SweptEvent:
    """One transition the sweeper recorded (or, as ``oversight.notified``, a deadline
    missed: ``effective_at`` is the deadline)."""

    deployment_id: str
    action: str
    effective_at: datetime

    def as_dict(self) -> dict[str, str]:
        """JSON-ready form."""
        return {
            "deployment_id": self.deployment_id,
            "action": self.action,
            "effective_at": self.effective_at.isoformat(),
        }


def sweep(context: WorkflowContext) -> list[SweptEvent]:
    """Record every due clock transition, one deployment per transaction, then flag every
    task past its deadline to oversight (after the transitions, in the list returned)."""
    with context.database.sessions() as session:
        candidates = deployment_ids(session, [s.value for s in LIVE])
    swept: list[SweptEvent] = []
    for deployment_id in candidates:
        events = []
        try:
            with context.database.transaction() as session:
                row = session.get(DeploymentRow, deployment_id)
                if row is None:
                    continue
                now = context.now()
                events = apply_clock(row, now)
                if not events:
                    continue
                row.updated_at = now
                session.flush()
                audit_clock(session, row, events, now)
                open_debrief_task(session, row, now)
            swept += [SweptEvent(deployment_id, e.action, e.effective_at) for e in events]
        except StaleDataError:
            continue  # someone acted on it at this moment; their action recorded the clock
    swept += [SweptEvent(m.deployment_id, NOTIFIED, m.due_at) for m in flag_missed(context)]
    return swept
