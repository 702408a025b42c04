"""The browser pages: map, inbox, deployments, propose, intelligence."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from patrolgate.accounts import Identity
from patrolgate.api.dependencies import IdentityDep, OptionalIdentityDep, ServicesDep
from patrolgate.api.services import Services
from patrolgate.forecast import DEFAULT_MODEL
from patrolgate.picture import MAP_COVERAGE
from patrolgate.store.tables import AreaRow
from patrolgate.web.forms import NDM_STAGES, OPTION_ROWS, PLAN, AreaChoice, area_choices
from patrolgate.web.rendering import page
from patrolgate.workflow.inbox import NOTIFICATIONS_WINDOW, inbox_of
from patrolgate.workflow.intelligence_records import AUTHORS, CONDITIONAL_READERS

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(found: OptionalIdentityDep) -> Response:
    """The map when signed in, else the sign-in form."""
    return RedirectResponse("/map" if found else "/login", status_code=303)


@router.get("/map")
def map_page(request: Request, services: ServicesDep, found: IdentityDep) -> Response:
    """The intelligence picture."""
    return page(
        request,
        "map.html",
        found,
        model=DEFAULT_MODEL,
        coverage=MAP_COVERAGE,
        events_up_to_text=services.picture.events_up_to_text(),
    )


def _inbox(services: Services, found: Identity) -> list[dict[str, Any]]:
    services.sweep()
    return inbox_of(services.workflow, found.actor)


@router.get("/inbox")
def inbox_page(request: Request, services: ServicesDep, found: IdentityDep) -> Response:
    """What awaits me."""
    return page(
        request,
        "inbox.html",
        found,
        items=_inbox(services, found),
        notification_days=NOTIFICATIONS_WINDOW.days,
    )


@router.get("/deployments")
def deployments_page(request: Request, services: ServicesDep, found: IdentityDep) -> Response:
    """Every deployment, newest first."""
    services.sweep()
    rows = services.workflow.list_deployments(found.actor)
    return page(request, "deployments.html", found, deployments=rows)


def _areas(services: Services) -> dict[str, list[AreaChoice]]:
    with services.database.sessions() as session:
        rows = session.execute(
            select(AreaRow.level, AreaRow.code, AreaRow.name, AreaRow.parent_code)
            .where(AreaRow.level.in_(("borough", "ward")))
            .order_by(AreaRow.name)
        ).all()
    return area_choices([(level, code, name, parent) for level, code, name, parent in rows])


@router.get("/deployments/new")
def propose_page(request: Request, services: ServicesDep, found: IdentityDep) -> Response:
    """The step-by-step proposal form (National Decision Model), under installed profiles;
    for a role no profile lets propose, the reason instead of the form."""
    profiles = services.workflow.list_profiles(found.actor)
    allowed = [p for p in profiles if p.profile.propose.allows(found.actor.role, found.actor.rank)]
    return page(
        request,
        "propose.html",
        found,
        profiles=allowed,
        refused=[p for p in profiles if p not in allowed],
        areas=_areas(services),
        intelligence=services.workflow.list_intelligence(found.actor),
        ndm=NDM_STAGES,
        plan=PLAN,
        option_rows=range(OPTION_ROWS),
    )


def intelligence_page_with(
    request: Request,
    services: Services,
    found: Identity,
    revealed: dict[str, Any] | None = None,
) -> HTMLResponse:
    """The intelligence page, with one summary's text when it was just revealed."""
    return page(
        request,
        "intelligence.html",
        found,
        records=services.workflow.list_intelligence(found.actor),
        may_add=found.actor.role in AUTHORS,
        may_reveal=found.actor.role in CONDITIONAL_READERS,
        revealed=revealed,
        areas=_areas(services),
    )


@router.get("/intelligence")
def intelligence_page(request: Request, services: ServicesDep, found: IdentityDep) -> Response:
    """Graded summaries, and the form to add one (analysts and proposers). Showing the
    page writes nothing: restricted text is revealed only by a POST (on the record)."""
    return intelligence_page_with(request, services, found)
