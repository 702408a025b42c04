"""``/api/v1/deployments`` and ``/api/v1/intelligence``: the workflow, one route per action."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from patrolgate.api.dependencies import ActorDep, ServicesDep
from patrolgate.api.schemas import PROBLEM_RESPONSES
from patrolgate.api.workflow_schemas import (
    Authorisation,
    Consultation,
    Created,
    DebriefBody,
    ExtensionBody,
    ImpactBody,
    IntelligenceCreate,
    Proposal,
    ReasonBody,
    Transition,
    Versioned,
)
from patrolgate.errors import InvalidInput
from patrolgate.intelligence import Grading, IntelligenceSummary
from patrolgate.workflow import Debrief, ImpactAssessment, Rationale, State
from patrolgate.workflow.documents import parse_document
from patrolgate.workflow.guide import dossier_guide
from patrolgate.workflow.inbox import inbox_of

router = APIRouter(prefix="/api/v1", tags=["workflow"], responses=PROBLEM_RESPONSES)

StateFilter = Query(default=None, description="Only deployments in this effective state.")


@router.get("/deployments", summary="Deployments, newest first")
def list_deployments(
    services: ServicesDep, actor: ActorDep, state: State | None = StateFilter
) -> list[dict[str, Any]]:
    """Every deployment (by effective state, per the clock)."""
    return services.workflow.list_deployments(actor, state=state)


@router.post("/deployments", status_code=201, summary="Propose a deployment")
def propose(body: Proposal, services: ServicesDep, actor: ActorDep) -> Created:
    """Propose (and by default submit) a deployment; the forecast snapshot is attached."""
    rationale = parse_document(Rationale, body.rationale.model_dump(mode="json"), "rationale")
    if (body.area_codes is None) == (body.geojson is None):
        raise InvalidInput("give the area as area_codes or as geojson, not both")
    deployment_id = services.workflow.propose(
        actor,
        profile=body.profile,
        start=body.start,
        end=body.end,
        trigger=body.trigger,
        rationale=rationale,
        area_codes=body.area_codes,
        geojson=body.geojson,
        intelligence_ids=body.intelligence_ids,
        submit=body.submit,
    )
    return Created(id=deployment_id)


@router.get("/deployments/{deployment_id}", summary="One deployment with its timeline")
def show_deployment(deployment_id: str, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """State, documents, consultations, extensions, the audit timeline, and what it needs."""
    services.sweep()
    dossier = services.workflow.deployment_dossier(actor, deployment_id)
    return {**dossier.view, "guide": dossier_guide(dossier)}


@router.post("/deployments/{deployment_id}/submit", summary="Submit a draft")
def submit(deployment_id: str, services: ServicesDep, actor: ActorDep) -> Transition:
    """Submit a draft for consultation and authorisation."""
    version = services.workflow.submit(actor, deployment_id)
    return Transition(id=deployment_id, version=version)


@router.post("/deployments/{deployment_id}/consult", summary="Record a consultation")
def consult(
    deployment_id: str, body: Consultation, services: ServicesDep, actor: ActorDep
) -> Transition:
    """A borough commander (of an affected borough) or a community officer responds."""
    version = services.workflow.consult(
        actor,
        deployment_id,
        outcome=body.outcome,
        notes=body.notes,
        expected_version=body.expected_version,
    )
    return Transition(id=deployment_id, version=version)


@router.post(
    "/deployments/{deployment_id}/impact-assessment",
    summary="Record or review the community impact assessment",
)
def assess_impact(
    deployment_id: str, body: ImpactBody, services: ServicesDep, actor: ActorDep
) -> Transition:
    """The strategic commander or a community officer records the assessment."""
    assessment = parse_document(
        ImpactAssessment, body.assessment.model_dump(mode="json"), "assessment"
    )
    version = services.workflow.assess_impact(
        actor, deployment_id, assessment, expected_version=body.expected_version
    )
    return Transition(id=deployment_id, version=version)


@router.post("/deployments/{deployment_id}/authorise", summary="Authorise a deployment")
def authorise(
    deployment_id: str, body: Authorisation, services: ServicesDep, actor: ActorDep
) -> Transition:
    """Authorise (or urgently authorise, or ratify) a submitted deployment."""
    version = services.workflow.authorise(
        actor,
        deployment_id,
        conditions=body.conditions,
        expected_version=body.expected_version,
    )
    return Transition(id=deployment_id, version=version)


@router.post("/deployments/{deployment_id}/ratify", summary="Ratify an urgent authorisation")
def ratify(
    deployment_id: str, body: Versioned, services: ServicesDep, actor: ActorDep
) -> Transition:
    """The strategic commander ratifies an urgent authorisation within its window."""
    version = services.workflow.ratify(actor, deployment_id, expected_version=body.expected_version)
    return Transition(id=deployment_id, version=version)


@router.post("/deployments/{deployment_id}/extend", summary="Extend a live deployment")
def extend(
    deployment_id: str, body: ExtensionBody, services: ServicesDep, actor: ActorDep
) -> Transition:
    """Extend within the profile's steps and maximum."""
    if body.until.tzinfo is None:
        raise InvalidInput("until needs a time zone offset")
    version = services.workflow.extend(
        actor,
        deployment_id,
        until=body.until,
        reason=body.reason,
        expected_version=body.expected_version,
    )
    return Transition(id=deployment_id, version=version)


@router.post("/deployments/{deployment_id}/revoke", summary="Revoke a live deployment")
def revoke(
    deployment_id: str, body: ReasonBody, services: ServicesDep, actor: ActorDep
) -> Transition:
    """Revoke now, with a reason."""
    version = services.workflow.revoke(
        actor, deployment_id, reason=body.reason, expected_version=body.expected_version
    )
    return Transition(id=deployment_id, version=version)


@router.post("/deployments/{deployment_id}/complete", summary="Stand an active deployment down")
def complete(
    deployment_id: str, body: ReasonBody, services: ServicesDep, actor: ActorDep
) -> Transition:
    """Stand down early because the job is done."""
    version = services.workflow.complete(
        actor, deployment_id, reason=body.reason, expected_version=body.expected_version
    )
    return Transition(id=deployment_id, version=version)


@router.post("/deployments/{deployment_id}/debrief", summary="Debrief an ended deployment")
def debrief(
    deployment_id: str, body: DebriefBody, services: ServicesDep, actor: ActorDep
) -> Transition:
    """Record what happened, measured."""
    report = parse_document(Debrief, body.report.model_dump(mode="json"), "report")
    version = services.workflow.debrief(
        actor, deployment_id, report, expected_version=body.expected_version
    )
    return Transition(id=deployment_id, version=version)


@router.get("/inbox", summary="What awaits the signed-in user")
def inbox(services: ServicesDep, actor: ActorDep) -> list[dict[str, Any]]:
    """Consultations for my borough, authorisations, impact assessments, debriefs due."""
    services.sweep()
    return inbox_of(services.workflow, actor)


@router.get("/intelligence", summary="Intelligence summaries (without their text)")
def list_intelligence(services: ServicesDep, actor: ActorDep) -> list[dict[str, Any]]:
    """Graded, area-level summaries; read one to see its text."""
    return services.workflow.list_intelligence(actor)


@router.post("/intelligence", status_code=201, summary="Add an intelligence summary")
def add_intelligence(body: IntelligenceCreate, services: ServicesDep, actor: ActorDep) -> Created:
    """An analyst or proposer adds a sanitised, graded summary."""
    if body.valid_from.tzinfo is None or body.valid_to.tzinfo is None:
        raise InvalidInput("valid_from and valid_to need a time zone offset")
    summary = IntelligenceSummary(
        area_codes=tuple(body.area_codes),
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        grading=Grading.of(body.source, body.assessment, body.handling),
        text=body.text,
    )
    return Created(id=services.workflow.add_intelligence(actor, summary))


@router.get("/intelligence/{intel_id}", summary="One intelligence summary with its text")
def read_intelligence(intel_id: str, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """Reading handling-code-C text is recorded in the audit trail."""
    return services.workflow.read_intelligence(actor, intel_id)
