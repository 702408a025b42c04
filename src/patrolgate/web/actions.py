"""Form posts from the browser: propose, act on a deployment, add or reveal intelligence.

Every handler identifies the actor (the dependency checks the CSRF token), builds the
workflow command from the form (:mod:`patrolgate.web.forms`) and gives it; refusals come
back through the single error handler, which shows the deployment page with the refusal.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from patrolgate.api.dependencies import IdentityDep, ServicesDep
from patrolgate.errors import NotFound
from patrolgate.web.forms import command_of, intelligence_of, proposal_of
from patrolgate.web.pages import intelligence_page_with
from patrolgate.workflow import DEPLOYMENT_COMMANDS

router = APIRouter(include_in_schema=False)


@router.post("/deployments/new")
async def propose(request: Request, services: ServicesDep, found: IdentityDep) -> Response:
    """Propose a deployment from the step-by-step form."""
    form = await request.form()
    command = proposal_of(form, services.settings.tz)
    # The forecast snapshot may fit a model for seconds: off the event loop.
    deployment_id = await run_in_threadpool(services.workflow.propose, found.actor, command)
    return RedirectResponse(f"/deployments/{deployment_id}", status_code=303)


@router.post("/deployments/{deployment_id}/{action}")
async def act(
    deployment_id: str,
    action: str,
    request: Request,
    services: ServicesDep,
    found: IdentityDep,
) -> Response:
    """One action on a deployment, by the signed-in user."""
    kind = DEPLOYMENT_COMMANDS.get(action)
    if kind is None:
        raise NotFound(f"no action {action!r}")
    command = command_of(kind, await request.form(), services.settings.tz)
    await run_in_threadpool(services.workflow.run, found.actor, deployment_id, command)
    return RedirectResponse(f"/deployments/{deployment_id}", status_code=303)


@router.post("/intelligence")
async def add_intelligence(request: Request, services: ServicesDep, found: IdentityDep) -> Response:
    """Add a graded, sanitised summary."""
    command = intelligence_of(await request.form(), services.settings.tz)
    await run_in_threadpool(services.workflow.add_intelligence, found.actor, command)
    return RedirectResponse("/intelligence", status_code=303)


@router.post("/intelligence/{intel_id}/reveal")
async def reveal_intelligence(
    intel_id: str, request: Request, services: ServicesDep, found: IdentityDep
) -> Response:
    """Show one summary's text: for handling code C, on the record, by the roles allowed."""
    revealed = await run_in_threadpool(services.workflow.reveal_intelligence, found.actor, intel_id)
    response = await run_in_threadpool(intelligence_page_with, request, services, found, revealed)
    response.headers["Cache-Control"] = "no-store"
    return response
