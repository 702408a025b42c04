"""``/api/v1/audit`` and ``/api/v1/oversight``: the record and the aggregate figures."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select

from patrolgate.api.dependencies import ActorDep, ServicesDep
from patrolgate.api.schemas import PROBLEM_RESPONSES
from patrolgate.errors import Refused
from patrolgate.policy import Role
from patrolgate.store.audit_tables import AuditEntryRow

router = APIRouter(prefix="/api/v1", tags=["audit and oversight"], responses=PROBLEM_RESPONSES)

#: Who may export the whole audit trail (it holds intelligence text). The workflow's
#: export service has no actor check, so this adapter adds one.
EXPORTERS = (Role.OVERSIGHT, Role.ADMIN)


@router.get("/audit/verify", summary="Verify the audit chain")
def verify(services: ServicesDep, _actor: ActorDep) -> dict[str, object]:
    """Recompute every hash; says where the chain was edited, deleted, inserted or reordered."""
    return services.workflow.verify_audit().as_dict()


@router.get("/audit/head", summary="The audit chain head, for publication")
def head(services: ServicesDep, _actor: ActorDep) -> dict[str, Any]:
    """Sequence number and hash of the latest entry."""
    return services.workflow.chain_head()


@router.get(
    "/audit/export",
    summary="Export the audit trail as JSON lines (oversight and administrators)",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
def export(services: ServicesDep, actor: ActorDep) -> StreamingResponse:
    """Every entry, oldest first, one JSON object per line."""
    if actor.role not in EXPORTERS:
        raise Refused(
            f"the audit export is for oversight and administrators (you are a {actor.describe()})"
        )

    def lines() -> Iterator[str]:
        for record in services.workflow.export_audit():
            yield json.dumps(record, ensure_ascii=False, default=str) + "\n"

    return StreamingResponse(lines(), media_type="application/x-ndjson")


@router.get("/oversight/figures", summary="Aggregate figures for oversight")
def figures(services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """Deployments by state, power and borough; refusals, escalations and notifications."""
    services.sweep()
    deployments = services.workflow.list_deployments(actor)
    with services.database.sessions() as session:
        actions = dict(
            session.execute(
                select(AuditEntryRow.action, func.count())
                .where(AuditEntryRow.action.in_(("refused", "oversight.notified")))
                .group_by(AuditEntryRow.action)
            ).all()
        )
    return {
        "deployments": len(deployments),
        "by_state": dict(Counter(d["state"] for d in deployments)),
        "by_profile": dict(Counter(d["profile"] for d in deployments)),
        "by_borough": dict(Counter(b for d in deployments for b in d["boroughs"])),
        "hours_authorised": round(
            sum(_hours(d) for d in deployments if d["authorised_by"] is not None),
            1,
        ),
        "escalated": sum(1 for d in deployments if d["escalated"]),
        "urgent": sum(1 for d in deployments if d["urgent"]),
        "refusals": int(actions.get("refused", 0)),
        "oversight_notifications": int(actions.get("oversight.notified", 0)),
    }


def _hours(summary: dict[str, Any]) -> float:
    from datetime import datetime

    start = datetime.fromisoformat(summary["start"])
    end = datetime.fromisoformat(summary["end"])
    return max((end - start).total_seconds() / 3600, 0.0)
