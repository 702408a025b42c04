"""Proposing a deployment, consulting on it, assessing its community impact and answering
objections: the handlers of :class:`~patrolgate.workflow.commands.Propose`,
:class:`~patrolgate.workflow.commands.Submit`, :class:`~patrolgate.workflow.commands.Consult`,
:class:`~patrolgate.workflow.commands.AssessImpact` and
:class:`~patrolgate.workflow.commands.Respond`."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from patrolgate.audit import jsonable
from patrolgate.errors import InvalidInput
from patrolgate.policy import PolicyProfile, Role
from patrolgate.store.audit_repository import append_entry
from patrolgate.store.deployment_repository import new_id
from patrolgate.store.workflow_tables import (
    ConsultationRow,
    DeploymentIntelligenceRow,
    DeploymentRow,
    IntelligenceRow,
    ResponseRow,
    UserRow,
)
from patrolgate.workflow.acting import (
    REFUSALS,
    Outcome,
    act_on,
    facts_of,
    record_refusal,
    require_state,
    row_facts,
)
from patrolgate.workflow.actors import Actor, ActorRef, load_actor, same_person
from patrolgate.workflow.areas import AreaSelection, overlaps, select_codes, select_geojson
from patrolgate.workflow.commands import AssessImpact, Consult, Propose, Respond, Submit
from patrolgate.workflow.context import WorkflowContext
from patrolgate.workflow.errors import NotFound, PolicyViolation
from patrolgate.workflow.lifecycle import State
from patrolgate.workflow.profiles import profile_for_proposal
from patrolgate.workflow.rules import (
    check_assessor,
    check_consultee,
    check_proposal,
    check_responder,
    check_submit,
)


def _area(
    session: Session, area_codes: list[str] | None, geojson: dict[str, Any] | None
) -> AreaSelection:
    if (area_codes is None) == (geojson is None):
        raise InvalidInput("give the area either as area codes or as a GeoJSON polygon, not both")
    return (
        select_codes(session, area_codes)
        if area_codes is not None
        else select_geojson(session, geojson or {})
    )


def _link_intelligence(
    session: Session, deployment_id: str, area: AreaSelection, intelligence_ids: list[str]
) -> list[IntelligenceRow]:
    rows = []
    for intel_id in dict.fromkeys(intelligence_ids):
        intel = session.get(IntelligenceRow, intel_id)
        if intel is None:
            raise NotFound(f"no intelligence summary {intel_id!r}")
        intel_area = select_codes(session, intel.area_codes)
        if not overlaps(intel_area.geometry, area.geometry):
            raise InvalidInput(
                f"intelligence {intel_id} is about {', '.join(intel.area_codes)}, outside the "
                "deployment's area"
            )
        session.add(
            DeploymentIntelligenceRow(deployment_id=deployment_id, intelligence_id=intel_id)
        )
        rows.append(intel)
    return rows


def _snapshot(
    context: WorkflowContext, area: AreaSelection, command: Propose
) -> dict[str, Any] | None:
    """The forecast for the area and period, computed before any write transaction: a
    fit may take seconds and must not hold the writer lock (nor the map's)."""
    if context.forecast is None:
        return None
    began = time.monotonic()
    snapshot = context.forecast(
        area.geometry, area.area_codes or area.borough_codes, command.start, command.end
    )
    if snapshot is None:
        return None
    return {
        **jsonable(snapshot),
        "taken_at": context.now().isoformat(),
        "computed_in_seconds": round(time.monotonic() - began, 3),
    }


def propose(context: WorkflowContext, acting_as: ActorRef, command: Propose) -> str:
    """Propose a deployment (submitted at once unless ``submit`` is false); returns its id."""
    rationale = command.rationale
    try:
        with context.database.reads() as session:
            area = _area(session, command.area_codes, command.geojson)
        snapshot = _snapshot(context, area, command)
        with context.database.transaction() as session:
            actor = load_actor(session, acting_as)
            now = context.now()
            installed = profile_for_proposal(session, command.profile)
            chosen = installed.profile
            check_proposal(
                chosen,
                actor,
                trigger=command.trigger,
                start=command.start,
                end=command.end,
                now=now,
                area_km2=area.area_km2,
                criterion=rationale.criterion,
                rights_considered=bool(rationale.rights_consideration),
                borough_codes=area.borough_codes,
            )
            deployment_id = new_id("dep")
            row = DeploymentRow(
                id=deployment_id,
                profile_name=chosen.name,
                profile=chosen.model_dump(mode="json"),
                profile_version=installed.version,
                profile_sha256=installed.sha256,
                state=State.DRAFT.value,
                trigger=command.trigger.value,
                area_codes=list(area.area_codes),
                borough_codes=list(area.borough_codes),
                geometry=area.geometry,
                area_km2=area.area_km2,
                start=command.start,
                end=command.end,
                requested_end=command.end,
                proposer=actor.login,
                rationale=rationale.model_dump(mode="json"),
                forecast_snapshot=snapshot,
                escalated=False,
                urgent=False,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            linked = _link_intelligence(session, deployment_id, area, command.intelligence_ids)
            payload = {
                "profile": chosen.name,
                "profile_version": installed.version,
                "profile_sha256": installed.sha256,
                "trigger": command.trigger.value,
                "area_codes": list(area.area_codes),
                "borough_codes": list(area.borough_codes),
                "area_km2": area.area_km2,
                "start": command.start,
                "end": command.end,
                "intelligence": [i.id for i in linked],
                "rationale": row.rationale,
                "forecast_snapshot": row.forecast_snapshot is not None,
            }
            append_entry(
                session,
                recorded_at=now,
                actor=actor.login,
                action="deployment.proposed",
                deployment_id=deployment_id,
                reason=rationale.summary,
                payload=payload,
            )
            if command.submit:
                row.state = State.SUBMITTED.value
                session.flush()
                append_entry(
                    session,
                    recorded_at=now,
                    actor=actor.login,
                    action="deployment.submitted",
                    deployment_id=deployment_id,
                    payload={"before": {"state": "draft"}, "after": {"state": "submitted"}},
                )
            return deployment_id
    except REFUSALS as error:
        record_refusal(context, actor=acting_as, attempted="propose", error=error)
        raise


def submit(
    context: WorkflowContext, acting_as: ActorRef, deployment_id: str, command: Submit
) -> int:
    """Submit a draft for consultation and authorisation."""

    def action(
        session: Session, actor: Actor, row: DeploymentRow, profile: PolicyProfile, now: datetime
    ) -> Outcome:
        require_state(profile, row, "submit")
        check_submit(profile, actor, row_facts(session, row))
        row.state = State.SUBMITTED.value
        return Outcome("deployment.submitted")

    return act_on(context, acting_as, deployment_id, command, action)


def consult(
    context: WorkflowContext, acting_as: ActorRef, deployment_id: str, command: Consult
) -> int:
    """Record the actor's consultation response."""
    notes = command.notes.strip()

    def action(
        session: Session, actor: Actor, row: DeploymentRow, profile: PolicyProfile, now: datetime
    ) -> Outcome:
        require_state(profile, row, "consult")
        borough = check_consultee(profile, actor, row_facts(session, row))
        consultation = ConsultationRow(
            deployment_id=row.id,
            consultee=actor.login,
            role=actor.role.value,
            borough_code=borough,
            outcome=command.outcome,
            notes=notes,
            recorded_at=now,
        )
        session.add(consultation)
        session.flush()
        return Outcome(
            "deployment.consulted",
            reason=notes,
            details={
                "outcome": command.outcome,
                "borough_code": borough,
                "role": actor.role.value,
                "consultation_id": consultation.id,
            },
        )

    return act_on(context, acting_as, deployment_id, command, action)


def _strategic_owner(session: Session, login: str) -> UserRow | None:
    owner = session.get(UserRow, login)
    if owner is not None:
        return owner
    # The login as typed may differ from the stored one in case or invisible characters.
    for candidate in session.scalars(
        select(UserRow).where(UserRow.role == Role.STRATEGIC_COMMANDER.value)
    ):
        if same_person(candidate.login, login):
            return candidate
    return None


def assess_impact(
    context: WorkflowContext, acting_as: ActorRef, deployment_id: str, command: AssessImpact
) -> int:
    """Record (or review) the community impact assessment."""
    assessment = command.assessment

    def action(
        session: Session, actor: Actor, row: DeploymentRow, profile: PolicyProfile, now: datetime
    ) -> Outcome:
        require_state(profile, row, "assess-impact")
        check_assessor(profile, actor, row_facts(session, row))
        owner = _strategic_owner(session, assessment.owner)
        if owner is None or owner.role != Role.STRATEGIC_COMMANDER.value:
            raise PolicyViolation(
                profile.refusal(
                    f"the impact assessment's owner {assessment.owner!r} must be a strategic "
                    "commander user"
                )
            )
        if assessment.next_review <= now:
            raise PolicyViolation(
                profile.refusal("the impact assessment's next review is already past")
            )
        review = row.impact_assessment is not None
        row.impact_assessment = assessment.model_copy(update={"owner": owner.login}).model_dump(
            mode="json"
        )
        row.impact_assessed_by = actor.login
        row.impact_assessed_at = now
        return Outcome(
            "deployment.impact-reviewed" if review else "deployment.impact-assessed",
            details={"impact_assessment": row.impact_assessment},
        )

    return act_on(context, acting_as, deployment_id, command, action)


def respond(
    context: WorkflowContext, acting_as: ActorRef, deployment_id: str, command: Respond
) -> int:
    """Record the decision-maker's written answer to an objection or a high residual risk."""
    if command.concerning == "objection" and command.consultation_id is None:
        raise InvalidInput("respond: name the objecting consultation (consultation_id)")
    if command.concerning == "residual-risk" and command.consultation_id is not None:
        raise InvalidInput("respond: a response to the residual risk names no consultation")
    text = command.text.strip()

    def action(
        session: Session, actor: Actor, row: DeploymentRow, profile: PolicyProfile, now: datetime
    ) -> Outcome:
        require_state(profile, row, "respond")
        facts = facts_of(session, row)
        check_responder(profile, actor, facts)
        if command.concerning == "objection":
            if command.consultation_id not in {c.id for c in facts.objections}:
                raise PolicyViolation(
                    profile.refusal(
                        f"consultation {command.consultation_id} is not an objection on this "
                        "deployment"
                    )
                )
        elif not facts.high_risk:
            raise PolicyViolation(
                profile.refusal("the impact assessment does not leave a high residual risk")
            )
        session.add(
            ResponseRow(
                deployment_id=row.id,
                responder=actor.login,
                concerning=command.concerning,
                consultation_id=command.consultation_id,
                text=text,
                recorded_at=now,
            )
        )
        return Outcome(
            "deployment.responded",
            reason=text,
            details={
                "concerning": command.concerning,
                "consultation_id": command.consultation_id,
            },
        )

    return act_on(context, acting_as, deployment_id, command, action)
