"""Request dependencies: they identify the actor and check CSRF, and decide nothing else.

Permission checks live in the workflow services; these only say who is asking (a browser
session cookie or an ``Authorization: Bearer`` API token) and refuse a state-changing
browser request whose CSRF token is missing or wrong.
"""

from __future__ import annotations

from ipaddress import ip_address
from typing import Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool

from patrolgate.accounts import CsrfRefused, Identity, NotSignedIn, csrf_matches
from patrolgate.api.services import SESSION_COOKIE, Services
from patrolgate.settings import Mode
from patrolgate.workflow import Actor

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"


def services_of(request: Request) -> Services:
    """The services the app was built with."""
    services: Services = request.app.state.services
    return services


async def _services(request: Request) -> Services:
    # Async, like every dependency that does no I/O: FastAPI runs a sync one in the thread
    # pool, a hop that costs more than the dependency itself.
    return services_of(request)


ServicesDep = Annotated[Services, Depends(_services)]


def _identify(request: Request, services: Services) -> Identity | None:
    cached: Identity | None = getattr(request.state, "identity", None)
    if cached is not None:
        return cached
    identity: Identity | None = None
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        identity = services.accounts.token_identity(header[7:].strip())
        if identity is None:
            raise NotSignedIn("the API token is unknown, revoked or its user deactivated")
    else:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            identity = services.accounts.session_identity(cookie)
    request.state.identity = identity
    return identity


def optional_identity(request: Request, services: ServicesDep) -> Identity | None:
    """The signed-in user, if any."""
    return _identify(request, services)


async def _form_token(request: Request) -> str | None:
    content_type = request.headers.get("content-type", "")
    if not content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        return None
    form = await request.form()
    value = form.get(CSRF_FIELD)
    return value if isinstance(value, str) else None


async def identity(request: Request, services: ServicesDep) -> Identity:
    """The signed-in user; a browser's state-changing request must carry its CSRF token."""
    # The session or token lookup queries the database: off the event loop.
    found = await run_in_threadpool(_identify, request, services)
    if found is None:
        raise NotSignedIn("sign in first")
    if request.method not in SAFE_METHODS and not found.via_token:
        given = request.headers.get(CSRF_HEADER) or await _form_token(request)
        if not csrf_matches(found.csrf_token, given):
            raise CsrfRefused("the form's CSRF token is missing or wrong; reload the page")
    return found


IdentityDep = Annotated[Identity, Depends(identity)]
OptionalIdentityDep = Annotated[Identity | None, Depends(optional_identity)]


async def current_actor(found: IdentityDep) -> Actor:
    """The acting user."""
    return found.actor


ActorDep = Annotated[Actor, Depends(current_actor)]


def client_address(request: Request) -> str:
    """The client's address (the direct peer; a reverse proxy should set it via uvicorn)."""
    return request.client.host if request.client else "unknown"


def cookie_secure(request: Request, services: Services) -> bool:
    """Secure cookies, except over plain http to a loopback address outside production."""
    if services.settings.mode is Mode.PRODUCTION or request.url.scheme == "https":
        return True
    host = request.url.hostname or ""
    try:
        loopback = host == "localhost" or ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return not loopback
