"""The deployment page: what it needs, what the signed-in user may do, its timeline."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from patrolgate.accounts import Identity
from patrolgate.api.dependencies import IdentityDep, ServicesDep
from patrolgate.api.services import Services
from patrolgate.policy import Role
from patrolgate.store.workflow_tables import UserRow
from patrolgate.web.rendering import page
from patrolgate.workflow.guide import dossier_guide

router = APIRouter(include_in_schema=False)


def _strategic_commanders(services: Services) -> list[str]:
    with services.database.sessions() as session:
        return list(
            session.scalars(
                select(UserRow.login)
                .where(UserRow.role == Role.STRATEGIC_COMMANDER.value, UserRow.active.is_(True))
                .order_by(UserRow.login)
            )
        )


def deployment_page_with(
    request: Request,
    services: Services,
    found: Identity,
    deployment_id: str,
    *,
    status: int = 200,
    error: tuple[str, str] | None = None,
) -> HTMLResponse:
    services.sweep()
    dossier = services.workflow.deployment_dossier(found.actor, deployment_id)
    offered = dossier_guide(dossier)
    # Only the impact assessment form lists the strategic commanders (its owner).
    owners = _strategic_commanders(services) if "assess-impact" in offered["actions"] else []
    return page(
        request,
        "deployment.html",
        found,
        status=status,
        d=dossier.view,
        guide=offered,
        now=dossier.now.isoformat(),
        owners=owners,
        error=error,
    )


@router.get("/deployments/{deployment_id}")
def deployment_page(
    deployment_id: str, request: Request, services: ServicesDep, found: IdentityDep
) -> Response:
    """One deployment: checklist, countdown, my actions, timeline."""
    return deployment_page_with(request, services, found, deployment_id)
