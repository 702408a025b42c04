"""Request dependencies: they identify the actor and check CSRF, and decide nothing else.

Permission checks live in the workflow services; these only say who is asking (a browser
session cookie or an ``Authorization: Bearer`` API token) and refuse a state-changing
browser request whose CSRF token is missing or wrong.
"""

from __future__ import annotations

from functools import lru_cache
from ipaddress import ip_address, ip_network
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


@lru_cache(maxsize=16)
def _networks(trusted: tuple[str, ...]) -> tuple[object, ...]:
    return tuple(ip_network(n) for n in trusted)


@lru_cache(maxsize=16)
def _trusted_proxies(setting: str) -> tuple[str, ...]:
    return tuple(str(ip_network(n.strip(), strict=False)) for n in setting.split(",") if n.strip())


def _trusted(host: str, trusted: tuple[str, ...]) -> bool:
    try:
        address = ip_address(host.strip())
    except ValueError:
        return False
    return any(address in network for network in _networks(trusted))  # type: ignore[operator]


def _forwarded(request: Request, name: str) -> list[str]:
    """The comma-separated hops of every ``name`` header, in order."""
    return [
        hop.strip()
        for value in request.headers.getlist(name)
        for hop in value.split(",")
        if hop.strip()
    ]


def client_address(request: Request) -> str:
    """The real client: the direct peer, unless the peer is a configured trusted proxy
    (``PATROLGATE_TRUSTED_PROXIES``); then the nearest address in ``X-Forwarded-For`` that is
    not itself a trusted proxy. Anyone else's ``X-Forwarded-For`` is ignored."""
    peer = request.client.host if request.client else "unknown"
    trusted = _trusted_proxies(services_of(request).settings.trusted_proxies)
    if not trusted or not _trusted(peer, trusted):
        return peer
    hops = _forwarded(request, "x-forwarded-for")
    for hop in reversed(hops):
        if not _trusted(hop, trusted):
            return hop[:64]
    return hops[0][:64] if hops else peer


def request_scheme(request: Request) -> str:
    """``https`` or ``http`` as the client used it (``X-Forwarded-Proto`` from a trusted proxy)."""
    peer = request.client.host if request.client else ""
    trusted = _trusted_proxies(services_of(request).settings.trusted_proxies)
    if trusted and _trusted(peer, trusted):
        protos = _forwarded(request, "x-forwarded-proto")
        if protos and protos[-1].lower() in ("http", "https"):
            return protos[-1].lower()
    return request.url.scheme


def cookie_secure(request: Request, services: Services) -> bool:
    """Secure cookies, except over plain http to a loopback address outside production."""
    if services.settings.mode is Mode.PRODUCTION or request_scheme(request) == "https":
        return True
    host = request.url.hostname or ""
    try:
        loopback = host == "localhost" or ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return not loopback
