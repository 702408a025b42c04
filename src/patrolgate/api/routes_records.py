"""``/api/v1/audit`` and ``/api/v1/oversight``: the record and the aggregate figures."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select

from patrolgate.accounts import CsrfRefused, csrf_matches
from patrolgate.api.dependencies import CSRF_HEADER, ActorDep, IdentityDep, ServicesDep
from patrolgate.api.schemas import PROBLEM_RESPONSES
from patrolgate.audit import HeadSigner
from patrolgate.store.audit_tables import AuditEntryRow
from patrolgate.workflow import audit_trail

router = APIRouter(prefix="/api/v1", tags=["audit and oversight"], responses=PROBLEM_RESPONSES)


@router.get("/audit/verify", summary="Verify the audit chain")
def verify(services: ServicesDep, _actor: ActorDep) -> dict[str, object]:
    """Recompute every hash; says where the chain was edited, deleted, inserted or reordered."""
    return services.workflow.verify_audit().as_dict()


@router.get("/audit/head", summary="The audit chain head, signed, for publication")
def head(services: ServicesDep, _actor: ActorDep) -> dict[str, Any]:
    """Sequence number and hash of the latest entry, signed with the instance's key."""
    signer = HeadSigner(services.settings.secret_key)
    return audit_trail.signed_head(services.workflow, signer).as_dict()


@router.get("/audit/published-head", summary="The latest daily chain head (public)")
def published_head(services: ServicesDep) -> dict[str, Any]:
    """The chain as it stood at the end of yesterday, signed with the instance's key: keep it,
    and ask later (`patrolgate audit verify-head FILE`) whether the history still holds it."""
    signer = HeadSigner(services.settings.secret_key)
    return audit_trail.published_head(services.workflow, signer).as_dict()


@router.get(
    "/audit/export",
    summary="Export the audit trail as JSON lines (oversight and administrators)",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/x-ndjson": {}}}},
)
async def export(request: Request, services: ServicesDep, found: IdentityDep) -> StreamingResponse:
    """Every entry up to this export's own record, oldest first, one JSON object per line.

    Restricted (handling code C) intelligence text is withheld from a reader who may not
    read it, and the export is recorded; so a browser session must send its CSRF token
    (``X-CSRF-Token``) even on this GET, as on any request that writes.
    """
    if not found.via_token and not csrf_matches(found.csrf_token, request.headers.get(CSRF_HEADER)):
        raise CsrfRefused("an export is recorded: send the session's X-CSRF-Token header")
    exported = await run_in_threadpool(audit_trail.export_for, services.workflow, found.actor)

    def lines() -> Iterator[str]:
        for record in exported.records():
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
