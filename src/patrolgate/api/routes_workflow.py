"""``/api/v1/deployments``, ``/api/v1/intelligence`` and ``/api/v1/profiles``: the workflow.

Every action on a deployment is one route, derived from its command
(:data:`patrolgate.workflow.DEPLOYMENT_COMMANDS`): ``POST /deployments/{id}/{action}`` with
the command itself as the body. Reading never writes: the text of handling-code-C
intelligence is given only by ``POST /intelligence/{id}/reveal`` (a browser session sends
its CSRF token), which is recorded.
"""

from __future__ import annotations

import inspect
from typing import Any

from fastapi import APIRouter, Query

from patrolgate.api.dependencies import ActorDep, ServicesDep
from patrolgate.api.schemas import PROBLEM_RESPONSES
from patrolgate.api.workflow_schemas import Created, ProfileInstalled, Transition
from patrolgate.workflow import (
    DEPLOYMENT_COMMANDS,
    AddIntelligence,
    AssessImpact,
    DeploymentCommand,
    InstallProfile,
    Propose,
    State,
)
from patrolgate.workflow.guide import dossier_guide
from patrolgate.workflow.inbox import inbox_of

router = APIRouter(prefix="/api/v1", tags=["workflow"], responses=PROBLEM_RESPONSES)

StateFilter = Query(default=None, description="Only deployments in this effective state.")

#: The path segment of an action whose route predates its command's name.
ROUTE_NAMES: dict[type[DeploymentCommand], str] = {AssessImpact: "impact-assessment"}


@router.get("/deployments", summary="Deployments, newest first")
def list_deployments(
    services: ServicesDep, actor: ActorDep, state: State | None = StateFilter
) -> list[dict[str, Any]]:
    """Every deployment (by effective state, per the clock)."""
    return services.workflow.list_deployments(actor, state=state)


@router.post("/deployments", status_code=201, summary="Propose a deployment")
def propose(body: Propose, services: ServicesDep, actor: ActorDep) -> Created:
    """Propose (and by default submit) a deployment under an installed profile, by name;
    the forecast snapshot is taken first and attached with the time it was taken."""
    return Created(id=services.workflow.propose(actor, body))


@router.get("/deployments/{deployment_id}", summary="One deployment with its timeline")
def show_deployment(deployment_id: str, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """State, documents, consultations, responses, tasks, extensions, the audit timeline,
    and ``guide``: the rules' evaluation for the caller (the checklist, a verdict on every
    action with its reason or warnings, and the rarity position)."""
    services.sweep()
    dossier = services.workflow.deployment_dossier(actor, deployment_id)
    return {**dossier.view, "guide": dossier_guide(dossier)}


def _action_route(kind: type[DeploymentCommand]) -> None:
    """``POST /deployments/{id}/{action}`` for one command, its body the command."""

    def endpoint(
        deployment_id: str, body: DeploymentCommand, services: ServicesDep, actor: ActorDep
    ) -> Transition:
        return Transition(
            id=deployment_id, version=services.workflow.run(actor, deployment_id, body)
        )

    signature = inspect.signature(endpoint)
    endpoint.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[
            p.replace(annotation=kind) if p.name == "body" else p
            for p in signature.parameters.values()
        ]
    )
    endpoint.__name__ = kind.action.replace("-", "_")
    endpoint.__doc__ = f"{kind.__doc__} Who: {kind.who}."
    router.post(
        f"/deployments/{{deployment_id}}/{ROUTE_NAMES.get(kind, kind.action)}",
        summary=(kind.__doc__ or kind.action).split(".")[0],
        response_model=Transition,
    )(endpoint)


for _kind in DEPLOYMENT_COMMANDS.values():
    _action_route(_kind)


@router.get("/inbox", summary="What awaits the signed-in user")
def inbox(services: ServicesDep, actor: ActorDep) -> list[dict[str, Any]]:
    """Consultations for my borough, authorisations, responses, notices and debriefs due
    (to whoever owes them); for oversight, every deadline missed."""
    services.sweep()
    return inbox_of(services.workflow, actor)


@router.get("/intelligence", summary="Intelligence summaries (without their text)")
def list_intelligence(services: ServicesDep, actor: ActorDep) -> list[dict[str, Any]]:
    """Graded, area-level summaries; read one to see its text."""
    return services.workflow.list_intelligence(actor)


@router.post("/intelligence", status_code=201, summary="Add an intelligence summary")
def add_intelligence(body: AddIntelligence, services: ServicesDep, actor: ActorDep) -> Created:
    """An analyst or proposer adds a sanitised, graded summary."""
    return Created(id=services.workflow.add_intelligence(actor, body))


@router.get("/intelligence/{intel_id}", summary="One intelligence summary")
def read_intelligence(intel_id: str, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """The summary; the text of handling code C is withheld (``restricted``): reveal it.
    Writes nothing, so no link can put a read on anyone's record."""
    return services.workflow.read_intelligence(actor, intel_id)


@router.post("/intelligence/{intel_id}/reveal", summary="Reveal a summary's text (recorded)")
def reveal_intelligence(intel_id: str, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """The summary with its text. Revealing handling code C is for the roles allowed and is
    recorded in the audit trail; a browser session must send its CSRF token."""
    return services.workflow.reveal_intelligence(actor, intel_id)


@router.get("/profiles", summary="Installed policy profiles")
def list_profiles(services: ServicesDep, actor: ActorDep) -> list[dict[str, Any]]:
    """Each installed profile in its version in force, with its SHA-256."""
    return [p.as_dict() for p in services.workflow.list_profiles(actor)]


@router.get("/profiles/{name}", summary="One installed policy profile")
def show_profile(name: str, services: ServicesDep, actor: ActorDep) -> dict[str, Any]:
    """The rules in force, the TOML text they were installed from, and every version."""
    installed, text, versions = services.workflow.show_profile(actor, name)
    return {
        **installed.as_dict(with_rules=True),
        "source": text,
        "versions": [v.as_dict() for v in versions],
    }


@router.post("/profiles", status_code=201, summary="Install a policy profile (administrators)")
def install_profile(
    body: InstallProfile, services: ServicesDep, actor: ActorDep
) -> ProfileInstalled:
    """Validate the TOML text and install it as the profile's next version (unchanged text
    stores nothing new); audited. The text is sent, never a path."""
    installed, new = services.workflow.install_profile(actor, body)
    return ProfileInstalled(
        name=installed.profile.name,
        version=installed.version,
        sha256=installed.sha256,
        new_version=new,
    )
