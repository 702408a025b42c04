"""The browser pages: sign in and out, map, inbox, deployments, propose, intelligence."""

from __future__ import annotations

import re
import secrets
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select

from patrolgate.api.accounts import CsrfRefused, Identity, csrf_matches
from patrolgate.api.dependencies import (
    IdentityDep,
    OptionalIdentityDep,
    ServicesDep,
    client_address,
    cookie_secure,
    services_of,
)
from patrolgate.api.guide import dossier_guide
from patrolgate.api.inbox import inbox_of
from patrolgate.api.picture import MAP_COVERAGE
from patrolgate.api.services import LOGIN_CSRF_COOKIE, SESSION_COOKIE, Services
from patrolgate.errors import PatrolGateError
from patrolgate.forecast import DEFAULT_MODEL
from patrolgate.policy import Role, shipped_profile_names
from patrolgate.policy.loading import load_profile
from patrolgate.store.tables import AreaRow
from patrolgate.store.workflow_tables import UserRow
from patrolgate.web.forms import NDM_STAGES, OPTION_ROWS, PLAN, text
from patrolgate.workflow.intelligence_records import AUTHORS

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)
_DEPLOYMENT_ACTION = re.compile(r"^/deployments/(dep[-_][A-Za-z0-9_-]+)/[a-z-]+$")


def page(
    request: Request,
    name: str,
    identity: Identity | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render ``name`` with the signed-in user, their CSRF token and the navigation."""
    return TEMPLATES.TemplateResponse(
        request,
        name,
        {
            "actor": identity.actor if identity else None,
            "csrf_token": identity.csrf_token if identity else None,
            "path": request.url.path,
            **context,
        },
        status_code=status,
    )


def render_error(request: Request, status: int, title: str, detail: str) -> Response:
    """An error as a page; a refused deployment action shows the deployment with the refusal."""
    services = services_of(request)
    found: Identity | None = getattr(request.state, "identity", None)
    match = _DEPLOYMENT_ACTION.match(request.url.path)
    if match and found is not None and request.method == "POST" and status != 404:
        try:
            return _deployment_page(
                request, services, found, match.group(1), status=status, error=(title, detail)
            )
        except PatrolGateError:
            pass
    return page(request, "error.html", found, status=status, title=title, detail=detail)


# -- sign in and out ---------------------------------------------------------------------


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/map"


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    """The sign-in form (also to switch user), with a double-submit CSRF token."""
    token = secrets.token_urlsafe(32)
    response = page(request, "login.html", None, login_csrf=token, next=_safe_next(next))
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request, services_of(request)),
        path="/login",
    )
    return response


@router.post("/login")
async def login(request: Request, services: ServicesDep) -> Response:
    """Check the password (throttled), end any old session, start a new one."""
    form = await request.form()
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE), text(form, "csrf_token")):
        raise CsrfRefused("the sign-in form expired or came from elsewhere; reload it")
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        services.accounts.sign_out(old)  # a fresh session id at every sign-in: no fixation
    signed = services.accounts.sign_in(
        text(form, "login"), text(form, "password"), client_address(request)
    )
    response = RedirectResponse(_safe_next(text(form, "next")), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed.session_id,
        httponly=True,
        samesite="lax",
        secure=cookie_secure(request, services),
        max_age=int(services.accounts.session_policy.lifetime.total_seconds()),
        path="/",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request, services: ServicesDep, _found: IdentityDep) -> Response:
    """End the session (the CSRF token is checked by the dependency)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        services.accounts.sign_out(cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# -- pages -------------------------------------------------------------------------------


@router.get("/")
def home(found: OptionalIdentityDep) -> Response:
    """The map when signed in, else the sign-in form."""
    return RedirectResponse("/map" if found else "/login", status_code=303)


@router.get("/map")
def map_page(request: Request, found: IdentityDep) -> Response:
    """The intelligence picture."""
    return page(request, "map.html", found, model=DEFAULT_MODEL, coverage=MAP_COVERAGE)


@router.get("/inbox")
def inbox_page(request: Request, services: ServicesDep, found: IdentityDep) -> Response:
    """What awaits me."""
    return page(request, "inbox.html", found, items=inbox_of(services, found.actor))


@router.get("/deployments")
def deployments_page(request: Request, services: ServicesDep, found: IdentityDep) -> Response:
    """Every deployment, newest first."""
    services.sweep()
    rows = services.workflow.list_deployments(found.actor)
    return page(request, "deployments.html", found, deployments=rows)


def _areas(services: Services) -> dict[str, list[tuple[str, str]]]:
    with services.database.sessions() as session:
        rows = session.execute(
            select(AreaRow.level, AreaRow.code, AreaRow.name)
            .where(AreaRow.level.in_(("borough", "ward")))
            .order_by(AreaRow.name)
        ).all()
    return {
        "borough": [(c, n) for level, c, n in rows if level == "borough"],
        "ward": [(c, n) for level, c, n in rows if level == "ward"],
    }


@router.get("/deployments/new")
def propose_page(request: Request, services: ServicesDep, found: IdentityDep) -> Response:
    """The step-by-step proposal form (National Decision Model)."""
    profiles = [load_profile(n) for n in shipped_profile_names()]
    return page(
        request,
        "propose.html",
        found,
        profiles=profiles,
        areas=_areas(services),
        intelligence=services.workflow.list_intelligence(found.actor),
        ndm=NDM_STAGES,
        plan=PLAN,
        option_rows=range(OPTION_ROWS),
    )


def _strategic_commanders(services: Services) -> list[str]:
    with services.database.sessions() as session:
        return list(
            session.scalars(
                select(UserRow.login)
                .where(UserRow.role == Role.STRATEGIC_COMMANDER.value, UserRow.active.is_(True))
                .order_by(UserRow.login)
            )
        )


def _deployment_page(
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
    return _deployment_page(request, services, found, deployment_id)


@router.get("/intelligence")
def intelligence_page(request: Request, services: ServicesDep, found: IdentityDep) -> Response:
    """Graded summaries, and the form to add one (analysts and proposers)."""
    return page(
        request,
        "intelligence.html",
        found,
        records=services.workflow.list_intelligence(found.actor),
        may_add=found.actor.role in AUTHORS,
        areas=_areas(services),
    )
