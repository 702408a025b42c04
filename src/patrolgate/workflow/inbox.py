"""Each user's inbox: the deployments awaiting an action only they (or their role) can take."""

from __future__ import annotations

from typing import Any

from patrolgate.workflow.actors import Actor
from patrolgate.workflow.guide import guide
from patrolgate.workflow.service import Workflow

#: Actions that mean "this awaits you"; extend, complete and revoke are offered, never owed.
AWAITING = {
    "submit": "submit the draft",
    "consult": "consultation for your borough",
    "assess-impact": "community impact assessment",
    "authorise": "authorisation",
    "ratify": "ratification of an urgent authorisation",
    "debrief": "debrief due",
}


def inbox_of(workflow: Workflow, actor: Actor) -> list[dict[str, Any]]:
    """Deployments with an action awaiting ``actor``, oldest first (sweep first to have the
    clock's transitions on the record)."""
    now = workflow.now()
    items: list[dict[str, Any]] = []
    for summary in reversed(workflow.list_deployments(actor)):
        if summary["state"] == "debriefed":
            continue
        found = guide(workflow.database, actor, summary["id"], now)
        owed = [a for a in found["actions"] if a in AWAITING]
        if "assess-impact" in owed and _assessed(found):
            owed.remove("assess-impact")
        if "consult" in owed and actor.role.value == "community-officer":
            owed.remove("consult")  # community officers may respond; they are not owed
        if owed:
            items.append(
                {
                    "deployment": summary,
                    "actions": owed,
                    "why": [AWAITING[a] for a in owed],
                    "ready": found["ready"],
                }
            )
    return items


def _assessed(found: dict[str, Any]) -> bool:
    return any(
        item["label"].startswith("Community impact assessment") and item["done"]
        for item in found["checklist"]
    )
