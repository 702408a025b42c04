"""One place maps every error to RFC 9457 problem details (or an HTML page for browsers)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from patrolgate.accounts import NotSignedIn, TooManyAttempts
from patrolgate.api.headers import security_headers, with_credentials
from patrolgate.errors import PatrolGateError
from patrolgate.settings import Mode

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("patrolgate.api")

#: Renders an error page for a browser: (request, status, title, detail) -> response.
HtmlErrors = Callable[[Request, int, str, str], Response]


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


def problem(
    request: Request,
    status: int,
    title: str,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """A problem+json response."""
    body: dict[str, Any] = {
        "type": f"/problems/{_slug(title)}" if status != 500 else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
    }
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def install(app: FastAPI, html: HtmlErrors | None = None) -> None:
    """Register the handlers: domain errors by their attributes, then framework errors."""

    def respond(
        request: Request,
        status: int,
        title: str,
        detail: str,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> Response:
        if html is not None and _wants_html(request):
            if status == 401:
                return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
            page = html(request, status, title, detail)
            for key, value in (headers or {}).items():
                page.headers[key] = value
            return page
        return problem(request, status, title, detail, headers=headers, extra=extra)

    async def domain(request: Request, error: Exception) -> Response:
        assert isinstance(error, PatrolGateError)
        headers: dict[str, str] = {}
        if isinstance(error, TooManyAttempts):
            headers["Retry-After"] = str(error.retry_after)
        if isinstance(error, NotSignedIn):
            headers["WWW-Authenticate"] = "Bearer"
        if error.http_status >= 500:
            log.exception("internal error", exc_info=error)
        return respond(request, error.http_status, error.title, str(error), headers)

    async def validation(request: Request, error: Exception) -> Response:
        assert isinstance(error, RequestValidationError)
        problems = [
            {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", ""))}
            for e in error.errors()
        ]
        detail = "; ".join(f"{'.'.join(p['loc'])}: {p['msg']}" for p in problems)
        return respond(request, 422, "Invalid input", detail, extra={"errors": problems})

    async def http(request: Request, error: Exception) -> Response:
        assert isinstance(error, StarletteHTTPException)
        title = {404: "Not found", 405: "Method not allowed"}.get(error.status_code, "Error")
        return respond(
            request, error.status_code, title, str(error.detail), dict(error.headers or {})
        )

    async def unexpected(request: Request, error: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path, exc_info=error)
        detail = "an unexpected error; it has been logged"
        response = respond(request, 500, "Internal error", detail)
        # Starlette sends this answer from outside every middleware: add the headers here.
        services = getattr(request.app.state, "services", None)
        for name, value in security_headers(
            path=request.url.path,
            method=request.method,
            credentials=with_credentials(request.scope.get("headers", ())),
            production=services is not None and services.settings.mode is Mode.PRODUCTION,
        ).items():
            response.headers.setdefault(name, value)
        return response

    app.add_exception_handler(PatrolGateError, domain)
    app.add_exception_handler(RequestValidationError, validation)
    app.add_exception_handler(StarletteHTTPException, http)
    app.add_exception_handler(Exception, unexpected)
