"""What a deployment looks like to a reader: effective state (per the clock) and timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from patrolgate.audit import jsonable
from patrolgate.store.audit_repository import load_entries
from patrolgate.store.deployment_repository import (
    area_names,
    consultations,
    deployment_ids,
    deployment_stamp,
    extensions,
    linked_intelligence,
)
from patrolgate.store.workflow_tables import (
    ConsultationRow,
    DeploymentRow,
    ExtensionRow,
    IntelligenceRow,
)
from patrolgate.workflow.acting import facts_from
from patrolgate.workflow.actors import Actor, ActorRef, load_actor
from patrolgate.workflow.context import WorkflowContext
from patrolgate.workflow.deployment_reads import LoadedDeployment, Stamp
from patrolgate.workflow.errors import NotFound
from patrolgate.workflow.intelligence_records import grading_of
from patrolgate.workflow.lifecycle import State, clock_events, effective_state
from patrolgate.workflow.rules import DeploymentFacts


@dataclass(frozen=True)
class Dossier:
    """One deployment as a reader sees it, with what its page needs to say what is next.

    Everything is loaded in one session: the view (JSON-ready), and the actor, the row and
    the rules' facts at the same instant, for the checklist and the actions on offer.
    """

    view: dict[str, Any]
    actor: Actor
    row: DeploymentRow
    facts: DeploymentFacts
    now: datetime


def _summary(
    context: WorkflowContext,
    row: DeploymentRow,
    names: dict[str, str],
    now: datetime | None = None,
) -> dict[str, Any]:
    now = now or context.now()
    events = clock_events(row, now)
    state = effective_state(row, now)
    end_reason = row.end_reason
    if events and events[-1].end_reason is not None:
        end_reason = events[-1].end_reason.value
    return {
        "id": row.id,
        "profile": row.profile_name,
        "state": state.value,
        "end_reason": end_reason,
        "trigger": row.trigger,
        "area_codes": row.area_codes,
        "boroughs": [f"{names.get(b, b)} ({b})" for b in row.borough_codes],
        "area_km2": row.area_km2,
        "start": row.start,
        "end": row.end,
        "start_local": context.local(row.start),
        "end_local": context.local(row.end),
        "proposer": row.proposer,
        "authorised_by": row.authorised_by,
        "urgent": row.urgent,
        "ratification_due": row.ratification_due,
        "ratified_by": row.ratified_by,
        "escalated": row.escalated,
        "version": row.version,
        "unrecorded_clock_transitions": [e.action for e in events],
    }


def show_deployment(
    context: WorkflowContext, acting_as: ActorRef, deployment_id: str
) -> dict[str, Any]:
    """State, documents, consultations, extensions and the audit timeline of one deployment."""
    return deployment_dossier(context, acting_as, deployment_id).view


def deployment_dossier(
    context: WorkflowContext, acting_as: ActorRef, deployment_id: str
) -> Dossier:
    """The view of one deployment and its rules' facts, in one session: the stamp first
    and, unless the rows it guards were read already at that stamp, the rows themselves."""
    with context.database.reads() as session:
        actor = load_actor(session, acting_as)
        stamp = deployment_stamp(session, deployment_id)
        if stamp is None:
            raise NotFound(f"no deployment {deployment_id!r}")
        loaded = context.loaded.get(deployment_id, stamp)
        if loaded is None:
            loaded = _load(session, context, deployment_id, stamp)
            context.loaded.put(deployment_id, loaded)
    now = context.now()
    view = jsonable(_summary(context, loaded.row, loaded.names, now))
    view.update(loaded.details)
    return Dossier(view, actor, loaded.row, loaded.facts, now)


def _load(
    session: Session, context: WorkflowContext, deployment_id: str, stamp: Stamp
) -> LoadedDeployment:
    row = session.get(DeploymentRow, deployment_id)
    if row is None:
        raise NotFound(f"no deployment {deployment_id!r}")
    names = area_names(session, row.borough_codes)
    intelligence = linked_intelligence(session, row.id)
    consulted = consultations(session, row.id)
    extended = extensions(session, row.id)
    details = _details(session, context, row, intelligence, consulted, extended)
    facts = facts_from(
        row,
        names=names,
        intelligence=intelligence,
        consulted=consulted,
        extension_count=len(extended),
    )
    return LoadedDeployment(stamp, row, names, facts, jsonable(details))


def _details(
    session: Session,
    context: WorkflowContext,
    row: DeploymentRow,
    intelligence: list[IntelligenceRow],
    consulted: list[ConsultationRow],
    extended: list[ExtensionRow],
) -> dict[str, Any]:
    timeline = []
    last_refusal = None
    for entry in load_entries(session, deployment_id=row.id):
        h = entry.header
        item = {
            "seq": entry.seq,
            "at": h.recorded_at,
            "at_local": context.local(h.recorded_at),
            "actor": h.actor,
            "action": h.action,
            "reason": h.reason,
        }
        if entry.payload and "effective_at" in entry.payload:
            item["effective_at"] = entry.payload["effective_at"]
        timeline.append(item)
        if h.action == "refused":
            last_refusal = h.reason
    return {
        "conditions": row.conditions,
        "rationale": row.rationale,
        "impact_assessment": row.impact_assessment,
        "forecast_snapshot": row.forecast_snapshot,
        "debrief": row.debrief,
        "end_note": row.end_note,
        "intelligence": [
            {"id": i.id, "grading": grading_of(i).code, "area_codes": i.area_codes}
            for i in intelligence
        ],
        "consultations": [
            {
                "consultee": c.consultee,
                "role": c.role,
                "borough_code": c.borough_code,
                "outcome": c.outcome,
                "notes": c.notes,
                "at": c.recorded_at,
            }
            for c in consulted
        ],
        "extensions": [
            {
                "step": e.step + 1,
                "from": e.previous_end,
                "to": e.new_end,
                "by": e.extended_by,
                "reason": e.reason,
            }
            for e in extended
        ],
        "last_refusal": last_refusal,
        "timeline": timeline,
    }


def list_deployments(
    context: WorkflowContext, acting_as: ActorRef, *, state: State | str | None = None
) -> list[dict[str, Any]]:
    """Deployments, newest first, filtered by their effective state."""
    wanted = State(state) if state is not None else None
    with context.database.reads() as session:
        load_actor(session, acting_as)
        result = []
        for deployment_id in deployment_ids(session):
            row = session.get(DeploymentRow, deployment_id)
            if row is None:
                continue
            summary = _summary(context, row, area_names(session, row.borough_codes))
            if wanted is None or summary["state"] == wanted.value:
                result.append(jsonable(summary))
        return result
