"""The deployment page: what it needs, what the signed-in user may do (and why not), its
timeline. The checklist and the actions come from the rules' own evaluation
(:mod:`patrolgate.workflow.guide`): an action the rules would refuse is shown with the
refusal before the button, never offered silently."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from patrolgate.accounts import Identity
from patrolgate.api.dependencies import IdentityDep, ServicesDep
from patrolgate.api.services import Services
from patrolgate.policy import Rank, Role
from patrolgate.store.workflow_tables import UserRow
from patrolgate.web.rendering import page
from patrolgate.workflow.guide import dossier_evaluation
from patrolgate.workflow.rules import COMMANDERS

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


def _senior_officers(services: Services, at_least: Rank) -> list[str]:
    """Commanders of ``at_least`` rank or above: whom an s60(3A) notice may go to."""
    with services.database.sessions() as session:
        rows = session.scalars(
            select(UserRow)
            .where(UserRow.role.in_([r.value for r in COMMANDERS]), UserRow.active.is_(True))
            .order_by(UserRow.login)
        )
        return [u.login for u in rows if Rank(u.rank) >= at_least]


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
    evaluation = dossier_evaluation(dossier)
    guide = evaluation.as_dict()
    offered = guide["offered"]
    # Only the impact assessment form lists the strategic commanders (its owner).
    owners = _strategic_commanders(services) if "assess-impact" in offered else []
    notice = dossier.row.profile.get("superior_notice") or {}
    senior = (
        _senior_officers(services, Rank.parse(notice["notify_min_rank"]))
        if "record-notice" in offered and notice
        else []
    )
    return page(
        request,
        "deployment.html",
        found,
        status=status,
        d=dossier.view,
        guide=guide,
        verdict={v["action"]: v for v in guide["verdicts"]},
        offered=offered,
        objections=[c for c in dossier.view["consultations"] if c["outcome"] == "object"],
        high_risk=evaluation.facts.high_risk,
        now=dossier.now.isoformat(),
        owners=owners,
        senior=senior,
        error=error,
    )


@router.get("/deployments/{deployment_id}")
def deployment_page(
    deployment_id: str, request: Request, services: ServicesDep, found: IdentityDep
) -> Response:
    """One deployment: checklist, countdown, my actions, timeline."""
    return deployment_page_with(request, services, found, deployment_id)
