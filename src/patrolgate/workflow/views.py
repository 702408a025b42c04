"""What a deployment looks like to a reader: effective state (per the clock) and timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from patrolgate.audit import jsonable
from patrolgate.store.audit_repository import load_entries
from patrolgate.store.deployment_repository import (
    approvals,
    area_names,
    consultations,
    deployment_ids,
    deployment_stamp,
    extensions,
    linked_intelligence,
    responses,
    tasks,
)
from patrolgate.store.tables import AreaRow
from patrolgate.store.workflow_tables import (
    ConsultationRow,
    DeploymentEvaluationRow,
    DeploymentRow,
    ExtensionRow,
    IntelligenceRow,
    OversightApprovalRow,
    ResponseRow,
)
from patrolgate.workflow.acting import facts_from, profile_of
from patrolgate.workflow.actors import Actor, ActorRef, load_actor
from patrolgate.workflow.context import WorkflowContext
from patrolgate.workflow.deployment_reads import LoadedDeployment, Stamp
from patrolgate.workflow.errors import NotFound
from patrolgate.workflow.intelligence_records import describe, grading_of, restricted
from patrolgate.workflow.lifecycle import State, clock_events, effective_state
from patrolgate.workflow.rarity_count import rarity_facts
from patrolgate.workflow.rules import NO_RARITY, DeploymentFacts, RarityFacts
from patrolgate.workflow.tasks import SUPERIOR_NOTICE, describe_task


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
    #: The rarity counts around it while it awaits authorisation (empty afterwards).
    rarity: RarityFacts = NO_RARITY
    #: Whether a notice to a senior officer is owed and not recorded yet.
    notice_open: bool = False


def summary_of(
    context: WorkflowContext,
    row: DeploymentRow,
    names: dict[str, str],
    now: datetime | None = None,
) -> dict[str, Any]:
    """The facts of a deployment a list shows, with its state by the clock at ``now``."""
    now = now or context.now()
    events = clock_events(row, now)
    state = effective_state(row, now)
    end_reason = row.end_reason
    if events and events[-1].end_reason is not None:
        end_reason = events[-1].end_reason.value
    return {
        "id": row.id,
        "profile": row.profile_name,
        "power": (row.profile or {}).get("title") or row.profile_name,
        "wards": [names.get(code, code) for code in row.area_codes],
        "profile_version": row.profile_version,
        "profile_sha256": row.profile_sha256,
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
        "escalation_reason": row.escalation_reason,
        "grounds": row.grounds,
        "version": row.version,
        "unrecorded_clock_transitions": [e.action for e in events],
    }


def actual_period(
    context: WorkflowContext, row: DeploymentRow, now: datetime, timeline: list[dict[str, Any]]
) -> dict[str, Any]:
    """When the deployment actually began and ended (``None``: not, or not yet), and whether
    it ended before its authorised end (a stand-down, revocation or lapse)."""
    pending = {e.action: e.effective_at for e in clock_events(row, now)}
    activated = any(t["action"] == "deployment.activated" for t in timeline)
    began = row.start if activated or "deployment.activated" in pending else None
    ended = row.ended_at
    if ended is None:
        ended = next((at for act, at in pending.items() if act != "deployment.activated"), None)
    return {
        "started": began,
        "started_local": context.local(began) if began is not None else None,
        "ended": ended,
        "ended_local": context.local(ended) if ended is not None else None,
        "early": ended is not None and ended < row.end,
        "ended_by": row.ended_by,
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
        # Other deployments change the counts without changing this one's stamp: counted
        # afresh on every read while this one awaits its decision.
        rarity = (
            rarity_facts(session, loaded.row, profile_of(loaded.row), now, lock=False)
            if loaded.row.authorised_at is None and loaded.row.state == State.SUBMITTED.value
            else NO_RARITY
        )
        # Read on every view, not kept with the rows: retention may redact a summary's text
        # without touching the deployment's stamp.
        intelligence = [
            _intelligence(context, i, loaded.names)
            for i in linked_intelligence(session, deployment_id)
        ]
    view = jsonable(summary_of(context, loaded.row, loaded.names, now))
    view.update(loaded.details)
    view["intelligence"] = jsonable(intelligence)
    view["borough_names"] = [loaded.names.get(b, b) for b in loaded.row.borough_codes]
    view["actual"] = jsonable(actual_period(context, loaded.row, now, loaded.details["timeline"]))
    view["tasks"] = [jsonable(describe_task(t, now)) for t in loaded.tasks]
    notice_open = any(t.kind == SUPERIOR_NOTICE and t.done_at is None for t in loaded.tasks)
    return Dossier(view, actor, loaded.row, loaded.facts, now, rarity, notice_open)


def _load(
    session: Session, context: WorkflowContext, deployment_id: str, stamp: Stamp
) -> LoadedDeployment:
    row = session.get(DeploymentRow, deployment_id)
    if row is None:
        raise NotFound(f"no deployment {deployment_id!r}")
    intelligence = linked_intelligence(session, row.id)
    codes = [*row.borough_codes, *row.area_codes, *(c for i in intelligence for c in i.area_codes)]
    names = area_names(session, list(dict.fromkeys(codes)))
    consulted = consultations(session, row.id)
    extended = extensions(session, row.id)
    responded = responses(session, row.id)
    approved = approvals(session, row.id)
    owed = tasks(session, row.id)
    details = _details(session, context, row, intelligence, consulted, extended)
    details["areas"] = _areas(session, row.area_codes)
    details["area_names"] = names
    details.update(_decision_details(session, responded, approved))
    facts = facts_from(
        row,
        names=names,
        intelligence=intelligence,
        consulted=consulted,
        extension_count=len(extended),
        responded=responded,
        approved=approved,
    )
    return LoadedDeployment(stamp, row, names, facts, jsonable(details), tuple(owed))


def _areas(session: Session, codes: list[str]) -> list[dict[str, Any]]:
    """The deployment's areas by name, each with its borough's name."""
    if not codes:
        return []
    rows = {r.code: r for r in session.scalars(select(AreaRow).where(AreaRow.code.in_(codes)))}
    parents = area_names(session, [r.parent_code for r in rows.values() if r.parent_code])
    found = []
    for code in codes:
        area = rows.get(code)
        found.append(
            {
                "code": code,
                "name": area.name if area else code,
                "level": area.level if area else None,
                "borough_code": area.parent_code if area else None,
                "borough": parents.get(area.parent_code or "", None) if area else None,
            }
        )
    return found


def _intelligence(
    context: WorkflowContext, row: IntelligenceRow, names: dict[str, str]
) -> dict[str, Any]:
    """A linked summary as every reader of the page may see it: handling code C without
    its text (revealed only by an explicit, recorded reveal)."""
    shown = describe(row, with_text=not restricted(row))
    shown["areas"] = [names.get(c, c) for c in row.area_codes]
    shown["valid_from_local"] = context.local(row.valid_from)
    shown["valid_to_local"] = context.local(row.valid_to) if row.valid_to else None
    return shown


def _decision_details(
    session: Session, responded: list[ResponseRow], approved: list[OversightApprovalRow]
) -> dict[str, Any]:
    return {
        "responses": [
            {
                "responder": r.responder,
                "concerning": r.concerning,
                "consultation_id": r.consultation_id,
                "text": r.text,
                "at": r.recorded_at,
            }
            for r in responded
        ],
        "pre_approvals": [
            {"by": a.approved_by, "reason": a.reason, "at": a.recorded_at} for a in approved
        ],
    }


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
                "id": c.id,
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
        "evaluation": _evaluation_record(session, row.id),
    }


def _evaluation_record(session: Session, deployment_id: str) -> dict[str, Any] | None:
    found = session.get(DeploymentEvaluationRow, deployment_id)
    if found is None:
        return None
    return {"at": found.evaluated_at, "verdict": found.verdict, "summary": found.summary}


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
            names = area_names(session, [*row.borough_codes, *row.area_codes])
            summary = summary_of(context, row, names)
            if wanted is None or summary["state"] == wanted.value:
                result.append(jsonable(summary))
        return result
