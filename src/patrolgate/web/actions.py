"""Form posts from the browser: propose, act on a deployment, add intelligence.

Every handler identifies the actor (the dependency checks the CSRF token) and calls the
workflow service; refusals come back through the single error handler, which shows the
deployment page with the refusal.
"""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from patrolgate.api.dependencies import IdentityDep, ServicesDep
from patrolgate.errors import InvalidInput
from patrolgate.intelligence import Grading, IntelligenceSummary
from patrolgate.web.forms import (
    area_of,
    debrief_of,
    impact_assessment_of,
    local_time,
    optional,
    rationale_of,
    text,
)

router = APIRouter(include_in_schema=False)


def _version(raw: str) -> int | None:
    return int(raw) if raw.isdigit() else None


@router.post("/deployments/new")
async def propose(request: Request, services: ServicesDep, found: IdentityDep) -> Response:
    """Propose a deployment from the step-by-step form."""
    form = await request.form()
    zone = services.settings.tz
    codes, drawn = area_of(form)
    deployment_id = services.workflow.propose(
        found.actor,
        profile=text(form, "profile"),
        start=local_time(form, "start", zone),
        end=local_time(form, "end", zone),
        trigger=text(form, "trigger"),
        rationale=rationale_of(form),
        area_codes=codes,
        geojson=drawn,
        intelligence_ids=[i for i in form.getlist("intelligence_ids") if isinstance(i, str)],
        submit=text(form, "submit") != "draft",
    )
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
    form = await request.form()
    actor = found.actor
    version = _version(text(form, "expected_version"))
    workflow = services.workflow
    zone = services.settings.tz
    if action == "submit":
        workflow.submit(actor, deployment_id)
    elif action == "consult":
        workflow.consult(
            actor,
            deployment_id,
            outcome=text(form, "outcome"),
            notes=text(form, "notes"),
            expected_version=version,
        )
    elif action == "assess-impact":
        workflow.assess_impact(
            actor, deployment_id, impact_assessment_of(form, zone), expected_version=version
        )
    elif action == "authorise":
        workflow.authorise(
            actor, deployment_id, conditions=optional(form, "conditions"), expected_version=version
        )
    elif action == "ratify":
        workflow.ratify(actor, deployment_id, expected_version=version)
    elif action == "extend":
        workflow.extend(
            actor,
            deployment_id,
            until=local_time(form, "until", zone),
            reason=text(form, "reason"),
            expected_version=version,
        )
    elif action == "revoke":
        workflow.revoke(actor, deployment_id, reason=text(form, "reason"), expected_version=version)
    elif action == "complete":
        workflow.complete(
            actor, deployment_id, reason=text(form, "reason"), expected_version=version
        )
    elif action == "debrief":
        workflow.debrief(actor, deployment_id, debrief_of(form), expected_version=version)
    else:
        raise InvalidInput(f"no action {action!r}")
    return RedirectResponse(f"/deployments/{deployment_id}", status_code=303)


@router.post("/intelligence")
async def add_intelligence(request: Request, services: ServicesDep, found: IdentityDep) -> Response:
    """Add a graded, sanitised summary."""
    form = await request.form()
    zone = services.settings.tz
    grade = text(form, "grade")
    if len(grade) != 2:
        raise InvalidInput("grade: source (1-3) and assessment (A-E), e.g. 1B")
    valid_from = local_time(form, "valid_from", zone)
    hours = text(form, "valid_hours") or "72"
    if not hours.isdigit() or not 1 <= int(hours) <= 24 * 90:
        raise InvalidInput("valid for: a whole number of hours, 1 to 2160")
    summary = IntelligenceSummary(
        area_codes=tuple(c for c in form.getlist("area_codes") if isinstance(c, str) and c),
        valid_from=valid_from,
        valid_to=valid_from + timedelta(hours=int(hours)),
        grading=Grading.of(grade[0], grade[1], text(form, "handling") or "P"),
        text=text(form, "text"),
    )
    services.workflow.add_intelligence(found.actor, summary)
    return RedirectResponse("/intelligence", status_code=303)
