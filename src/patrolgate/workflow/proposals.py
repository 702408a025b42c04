"""Proposing a deployment, consulting on it and assessing its community impact."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from patrolgate.audit import jsonable
from patrolgate.errors import InvalidInput
from patrolgate.policy import PolicyProfile, Role, Trigger, load_profile
from patrolgate.store.audit_repository import append_entry
from patrolgate.store.deployment_repository import new_id
from patrolgate.store.workflow_tables import (
    ConsultationRow,
    DeploymentIntelligenceRow,
    DeploymentRow,
    IntelligenceRow,
    UserRow,
)
from patrolgate.workflow.acting import (
    REFUSALS,
    Outcome,
    act,
    record_refusal,
    require_state,
    row_facts,
)
from patrolgate.workflow.actors import Actor, ActorRef, load_actor
from patrolgate.workflow.areas import AreaSelection, overlaps, select_codes, select_geojson
from patrolgate.workflow.context import WorkflowContext
from patrolgate.workflow.documents import ImpactAssessment, Rationale
from patrolgate.workflow.errors import NotAuthorised, NotFound, PolicyViolation
from patrolgate.workflow.lifecycle import State
from patrolgate.workflow.rules import check_consultee, check_proposal


class ConsultationOutcome(StrEnum):
    """What the consultee said."""

    SUPPORT = "support"
    CONCERNS = "concerns"
    OBJECT = "object"


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


def propose(
    context: WorkflowContext,
    acting_as: ActorRef,
    *,
    profile: str | PolicyProfile,
    start: datetime,
    end: datetime,
    trigger: Trigger | str,
    rationale: Rationale,
    area_codes: list[str] | None = None,
    geojson: dict[str, Any] | None = None,
    intelligence_ids: list[str] | None = None,
    submit: bool = True,
) -> str:
    """Propose a deployment (submitted at once unless ``submit`` is false); returns its id."""
    chosen = profile if isinstance(profile, PolicyProfile) else load_profile(profile)
    try:
        trigger = Trigger(trigger)
    except ValueError:
        raise InvalidInput(
            f"trigger {trigger!r}: imminent-intelligence or serious-assault"
        ) from None
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("start and end need a time zone")
    try:
        with context.database.transaction() as session:
            actor = load_actor(session, acting_as)
            now = context.now()
            area = _area(session, area_codes, geojson)
            check_proposal(
                chosen,
                actor,
                trigger=trigger,
                start=start,
                end=end,
                now=now,
                area_km2=area.area_km2,
                criterion=rationale.criterion,
                rights_considered=bool(rationale.rights_consideration),
            )
            deployment_id = new_id("dep")
            snapshot = (
                context.forecast(area.geometry, area.area_codes or area.borough_codes, start, end)
                if context.forecast is not None
                else None
            )
            row = DeploymentRow(
                id=deployment_id,
                profile_name=chosen.name,
                profile=chosen.model_dump(mode="json"),
                state=State.DRAFT.value,
                trigger=trigger.value,
                area_codes=list(area.area_codes),
                borough_codes=list(area.borough_codes),
                geometry=area.geometry,
                area_km2=area.area_km2,
                start=start,
                end=end,
                requested_end=end,
                proposer=actor.login,
                rationale=rationale.model_dump(mode="json"),
                forecast_snapshot=jsonable(snapshot) if snapshot is not None else None,
                escalated=False,
                urgent=False,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            linked = _link_intelligence(session, deployment_id, area, intelligence_ids or [])
            payload = {
                "profile": chosen.name,
                "trigger": trigger.value,
                "area_codes": list(area.area_codes),
                "borough_codes": list(area.borough_codes),
                "area_km2": area.area_km2,
                "start": start,
                "end": end,
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
            if submit:
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


def submit(context: WorkflowContext, acting_as: ActorRef, deployment_id: str) -> int:
    """Submit a draft for consultation and authorisation."""

    def action(
        session: Session, actor: Actor, row: DeploymentRow, profile: PolicyProfile, now: datetime
    ) -> Outcome:
        require_state(profile, row, "submit")
        if actor.login != row.proposer:
            raise NotAuthorised(profile.refusal("only the proposer submits a draft"))
        row.state = State.SUBMITTED.value
        return Outcome("deployment.submitted")

    return act(context, acting_as, deployment_id, "submit", action)


def consult(
    context: WorkflowContext,
    acting_as: ActorRef,
    deployment_id: str,
    *,
    outcome: ConsultationOutcome | str,
    notes: str,
    expected_version: int | None = None,
) -> int:
    """Record the actor's consultation response."""
    try:
        said = ConsultationOutcome(outcome)
    except ValueError:
        raise InvalidInput(f"--outcome {outcome!r}: support, concerns or object") from None
    if len(notes.strip()) < 3:
        raise InvalidInput("--notes: say what was said")

    def action(
        session: Session, actor: Actor, row: DeploymentRow, profile: PolicyProfile, now: datetime
    ) -> Outcome:
        require_state(profile, row, "consult")
        borough = check_consultee(profile, actor, row_facts(session, row))
        session.add(
            ConsultationRow(
                deployment_id=row.id,
                consultee=actor.login,
                role=actor.role.value,
                borough_code=borough,
                outcome=said.value,
                notes=notes.strip(),
                recorded_at=now,
            )
        )
        return Outcome(
            "deployment.consulted",
            reason=notes.strip(),
            details={"outcome": said.value, "borough_code": borough, "role": actor.role.value},
        )

    return act(
        context, acting_as, deployment_id, "consult", action, expected_version=expected_version
    )


ASSESSORS = (Role.STRATEGIC_COMMANDER, Role.COMMUNITY_OFFICER)


def assess_impact(
    context: WorkflowContext,
    acting_as: ActorRef,
    deployment_id: str,
    assessment: ImpactAssessment,
    *,
    expected_version: int | None = None,
) -> int:
    """Record (or review) the community impact assessment."""

    def action(
        session: Session, actor: Actor, row: DeploymentRow, profile: PolicyProfile, now: datetime
    ) -> Outcome:
        require_state(profile, row, "assess-impact")
        if actor.role not in ASSESSORS:
            raise NotAuthorised(
                profile.refusal(
                    "the impact assessment is recorded by the strategic commander or a community "
                    f"officer (you are a {actor.describe()})"
                )
            )
        owner = session.get(UserRow, assessment.owner)
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
        row.impact_assessment = assessment.model_dump(mode="json")
        row.impact_assessed_by = actor.login
        row.impact_assessed_at = now
        return Outcome(
            "deployment.impact-reviewed" if review else "deployment.impact-assessed",
            details={"impact_assessment": row.impact_assessment},
        )

    return act(
        context,
        acting_as,
        deployment_id,
        "assess-impact",
        action,
        expected_version=expected_version,
    )
