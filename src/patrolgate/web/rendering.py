"""Rendering pages: the templates, the page frame every page shares, errors as pages."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from patrolgate.accounts import Identity
from patrolgate.api.dependencies import services_of
from patrolgate.errors import PatrolGateError
from patrolgate.workflow.inbox import navigation_of

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
_DEPLOYMENT_ACTION = re.compile(r"^/deployments/(dep[-_][A-Za-z0-9_-]+)/[a-z-]+$")


def page(
    request: Request,
    name: str,
    identity: Identity | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """Render ``name`` with the signed-in user, their CSRF token and the navigation."""
    services = services_of(request)
    return TEMPLATES.TemplateResponse(
        request,
        name,
        {
            "actor": identity.actor if identity else None,
            "nav": navigation_of(services.workflow, identity.actor) if identity else None,
            "csrf_token": identity.csrf_token if identity else None,
            "path": request.url.path,
            "clock_banner": services.clock_banner,
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
            from patrolgate.web.deployment_pages import deployment_page_with

            return deployment_page_with(
                request, services, found, match.group(1), status=status, error=(title, detail)
            )
        except PatrolGateError:
            pass
    return page(request, "error.html", found, status=status, title=title, detail=detail)
