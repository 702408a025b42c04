"""Each user's inbox: the deployments awaiting an action only they (or their role and
borough) can take, from the same rule evaluation that decides (:mod:`.guide`)."""

from __future__ import annotations

from typing import Any

from patrolgate.audit import jsonable
from patrolgate.policy import Role
from patrolgate.store.deployment_repository import area_names, deployment_ids, open_tasks
from patrolgate.store.workflow_tables import DeploymentRow
from patrolgate.workflow.actors import Actor
from patrolgate.workflow.guide import AWAITING, evaluate_in, owed
from patrolgate.workflow.lifecycle import State
from patrolgate.workflow.service import Workflow
from patrolgate.workflow.tasks import DEBRIEF, describe_task
from patrolgate.workflow.views import summary_of


def inbox_of(workflow: Workflow, actor: Actor) -> list[dict[str, Any]]:
    """Deployments with an action awaiting ``actor``, oldest first (sweep first to have the
    clock's transitions on the record); for oversight, every deadline missed as well."""
    now = workflow.now()
    items: list[dict[str, Any]] = []
    with workflow.database.reads() as session:
        deadlines = {t.deployment_id: t for t in open_tasks(session) if t.kind == DEBRIEF}
        overdue = [t for t in open_tasks(session) if t.due_at <= now]
        for deployment_id in reversed(deployment_ids(session)):
            row = session.get(DeploymentRow, deployment_id)
            if row is None or row.state == State.DEBRIEFED.value:
                continue
            evaluation = evaluate_in(session, actor, row, now)
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
                {"deployment": summary, "actions": due, "why": why, "ready": evaluation.ready}
            )
        if actor.role is Role.OVERSIGHT:
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
