"""Exporting a deployment's decision record, signed, and putting the export on the record.

The record holds what the decision rested on and who decided what, when and at what rank:
the grounds (rationale, the authoriser's own grounds, conditions, the linked intelligence
and the forecast outlook), every audit entry of the deployment with its actor's role and
rank, the consultations, the profile's hash and the audit chain head at export. Handling
code C intelligence text is never in it (a file leaves the system's access control). The
export is appended to the audit trail in the same transaction that reads the head.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from patrolgate.audit import HeadSigner, sha256
from patrolgate.audit.signed_record import RECORD_FORMAT, SignedRecord, sign_record
from patrolgate.store.audit_repository import append_entry, load_head
from patrolgate.store.audit_tables import AuditEntryRow
from patrolgate.store.workflow_tables import UserRow
from patrolgate.workflow.actors import ActorRef, load_actor
from patrolgate.workflow.context import WorkflowContext
from patrolgate.workflow.views import deployment_dossier

#: The audit action of an export.
EXPORTED = "deployment.record-exported"


def _decisions(view: dict[str, Any], people: dict[str, UserRow]) -> list[dict[str, Any]]:
    decisions = []
    for entry in view.get("timeline", []):
        who = people.get(entry.get("actor") or "")
        decisions.append(
            {
                "seq": entry["seq"],
                "at": entry["at"],
                "at_local": entry["at_local"],
                "actor": entry.get("actor") or "the clock",
                "role": who.role.replace("-", " ") if who else None,
                "rank": who.rank.replace("-", " ") if who else None,
                "action": entry["action"],
                "reason": entry.get("reason"),
            }
        )
    return decisions


def _intelligence(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": i["id"],
            "grading": i["grading"],
            "valid": f"{i.get('valid_from_local')} to {i.get('valid_to_local')}",
            "author": i.get("author"),
            "areas": ", ".join(i.get("areas") or i.get("area_codes") or []),
            "text": "withheld: handling code C (reveal it in PatrolGate, on the record)"
            if i.get("restricted")
            else i.get("text"),
        }
        for i in view.get("intelligence", [])
    ]


def record_payload(
    view: dict[str, Any],
    people: dict[str, UserRow],
    forecast: list[str],
    head: tuple[int, str, str | None],
    exported: dict[str, Any],
) -> dict[str, Any]:
    """The record's content from a deployment's view (as its page shows it)."""
    actual = view.get("actual") or {}
    rationale = view.get("rationale") or {}
    return {
        "format": RECORD_FORMAT,
        "deployment": {
            "id": view["id"],
            "profile": view["profile"],
            "profile_version": view.get("profile_version"),
            "profile_sha256": view.get("profile_sha256"),
            "trigger": view["trigger"],
            "state": view["state"] + (f" ({view['end_reason']})" if view.get("end_reason") else ""),
            "areas": view.get("areas", []),
            "boroughs": view.get("borough_names", []),
            "area_km2": view.get("area_km2"),
            "start_local": view["start_local"],
            "end_local": view["end_local"],
            "actual_start_local": actual.get("started_local") or "not begun",
            "actual_end_local": actual.get("ended_local") or "not ended",
        },
        "grounds": {
            "summary": rationale.get("summary"),
            # Pairs, not an object: the record keeps the model's order of steps.
            "ndm": [[k, v] for k, v in (rationale.get("ndm") or {}).items()],
            "authoriser_grounds": view.get("grounds"),
            "conditions": view.get("conditions"),
            "intelligence": _intelligence(view),
            "forecast": forecast,
        },
        "decisions": _decisions(view, people),
        "consultations": [
            {k: c.get(k) for k in ("consultee", "role", "outcome", "notes")}
            for c in view.get("consultations", [])
        ],
        "audit_head": {"seq": head[0], "hash": head[1], "recorded_at": head[2]},
        "exported": exported,
    }


def export_record(
    context: WorkflowContext,
    acting_as: ActorRef,
    deployment_id: str,
    signer: HeadSigner,
    forecast: list[str],
) -> SignedRecord:
    """The deployment's decision record signed with the instance's key; the export is
    recorded in the audit trail (with the record's digest and the head it names)."""
    view = deployment_dossier(context, acting_as, deployment_id).view
    logins = {t["actor"] for t in view.get("timeline", []) if t.get("actor")}
    with context.database.transaction() as session:
        actor = load_actor(session, acting_as)
        people = {
            u.login: u for u in session.scalars(select(UserRow).where(UserRow.login.in_(logins)))
        }
        seq, hash_ = load_head(session)
        at = session.scalar(select(AuditEntryRow.recorded_at).where(AuditEntryRow.seq == seq))
        now = context.now()
        exported = {
            "at": now.isoformat(),
            "at_local": context.local(now),
            "by": f"{actor.login} ({actor.describe()})",
        }
        head = (seq, hash_, at.isoformat() if at is not None else None)
        record = sign_record(signer, record_payload(view, people, forecast, head, exported))
        append_entry(
            session,
            recorded_at=now,
            actor=actor.login,
            action=EXPORTED,
            deployment_id=deployment_id,
            payload={
                "format": RECORD_FORMAT,
                "record_sha256": sha256(record.signed_part()),
                "audit_head": {"seq": seq, "hash": hash_},
                "public_key": record.public_key,
            },
        )
    return record
