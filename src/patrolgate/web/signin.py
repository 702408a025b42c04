"""Signing in and out of the browser UI.

The password check (argon2, memory-hard on purpose) and the database work run on a thread,
never on the event loop, so a burst of sign-ins does not stall other requests. A failed
sign-in changes nothing about the browser's current session: only a successful one replaces
it (with a fresh id, so no fixation).
"""

from __future__ import annotations

import asyncio
import secrets
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from patrolgate.accounts import (
    CsrfRefused,
    DemoAccountRefused,
    NotSignedIn,
    TooManyAttempts,
    csrf_matches,
)
from patrolgate.api.dependencies import (
    IdentityDep,
    OptionalIdentityDep,
    ServicesDep,
    client_address,
    cookie_secure,
    services_of,
)
from patrolgate.api.services import KNOWN_BROWSER_COOKIE, LOGIN_CSRF_COOKIE, SESSION_COOKIE
from patrolgate.web.forms import text
from patrolgate.web.rendering import page

router = APIRouter(include_in_schema=False)

#: How long a browser is remembered as one that signed in to an account before.
KNOWN_BROWSER_DAYS = 180


#: Where signing in never leads: back to the form, or straight out again.
_NOT_NEXT = ("/login", "/logout")


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site other than the sign-in form itself,
    else the map (an absolute or scheme-relative address would send the user elsewhere)."""
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(c) < 32 for c in target)
        and urlsplit(target).path.rstrip("/") not in _NOT_NEXT
    ):
        return target
    return "/map"


def _form(
    request: Request,
    next: str | None,
    *,
    status: int = 200,
    error: str | None = None,
    login: str = "",
    signed_in_as: str | None = None,
) -> Response:
    """The sign-in form with a fresh double-submit CSRF token (and the refusal, if any)."""
    token = secrets.token_urlsafe(32)
    response = page(
        request,
        "login.html",
        None,
        status=status,
        login_csrf=token,
        next=safe_next(next),
        error=error,
        login=login,
        signed_in_as=signed_in_as,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=cookie_secure(request, services_of(request)),
        path="/login",
    )
    return response


@router.get("/login")
def login_form(request: Request, found: OptionalIdentityDep, next: str | None = None) -> Response:
    """The sign-in form (also to switch user); someone already signed in is offered the way
    on to ``next`` first."""
    return _form(request, next, signed_in_as=found.actor.login if found else None)


@router.post("/login")
async def login(request: Request, services: ServicesDep) -> Response:
    """Check the password (throttled); on success end any old session and start a new one."""
    form = await request.form()
    typed, target = text(form, "login"), text(form, "next")
    browser = "text/html" in request.headers.get("accept", "")
    if not csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE), text(form, "csrf_token")):
        if not browser:  # a script gets the problem document
            raise CsrfRefused("the sign-in form expired or came from elsewhere; reload it")
        return _form(
            request,
            target,
            status=CsrfRefused.http_status,
            error="The sign-in form expired or came from elsewhere. Please try again.",
            login=typed,
        )
    try:
        # On the event loop's own executor, not the request threads: a burst of argon2
        # checks then queues there and leaves the request threads (and /healthz) free.
        signed = await asyncio.to_thread(
            services.accounts.sign_in,
            typed,
            text(form, "password"),
            client_address(request),
            request.cookies.get(KNOWN_BROWSER_COOKIE),
        )
    except (NotSignedIn, TooManyAttempts, DemoAccountRefused) as refused:
        if not browser:
            raise
        # A browser sees the refusal on the form itself, never a redirect to an empty one.
        response = _form(
            request, target, status=refused.http_status, error=str(refused), login=typed
        )
        if isinstance(refused, TooManyAttempts):
            response.headers["Retry-After"] = str(refused.retry_after)
        return response
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        await asyncio.to_thread(services.accounts.sign_out, old)
    secure = cookie_secure(request, services)
    response = RedirectResponse(safe_next(target), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signed.session_id,
        httponly=True,
        samesite="lax",
        secure=secure,
        max_age=int(services.accounts.session_policy.lifetime.total_seconds()),
        path="/",
    )
    response.set_cookie(
        KNOWN_BROWSER_COOKIE,
        signed.known_browser,
        httponly=True,
        samesite="strict",
        secure=secure,
        max_age=KNOWN_BROWSER_DAYS * 86_400,
        path="/login",
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request, services: ServicesDep, _found: IdentityDep) -> Response:
    """End the session (the CSRF token is checked by the dependency)."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        await asyncio.to_thread(services.accounts.sign_out, cookie)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
