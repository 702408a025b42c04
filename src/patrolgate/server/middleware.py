"""ASGI middleware of the service: security headers on every response, answers that wait
for the disk (SQLite serving mode)."""

from __future__ import annotations

import asyncio

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from patrolgate.api.headers import security_headers, with_credentials
from patrolgate.settings import Mode
from patrolgate.store.log_flusher import deferred_flushes


class DurableAnswers:
    """Sends no response before the changes it reports are on disk.

    SQLite serving mode (:mod:`patrolgate.store.log_flusher`): a request's commits do not
    wait for the disk on the request thread; they note the flush they owe, and this waits
    for it before the response starts, on the event loop's own executor, so the request
    threads serve other requests meanwhile and one flush answers many commits.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with deferred_flushes() as deferred:

            async def send_when_durable(message: Message) -> None:
                if message["type"] == "http.response.start" and deferred.owed:
                    await asyncio.to_thread(deferred.wait)
                await send(message)

            try:
                await self.app(scope, receive, send_when_durable)
            finally:
                if deferred.owed:  # a commit with no response after it (an unhandled error)
                    await asyncio.to_thread(deferred.wait)


class SecurityHeaders:
    """Adds the security headers (:mod:`patrolgate.api.headers`: ``no-store`` on the API,
    non-GETs and signed-in pages, HSTS in production) to every HTTP response, unless the
    response set them itself.

    A plain ASGI middleware: it only edits the response start message, where Starlette's
    ``BaseHTTPMiddleware`` would run each request through an extra task and stream.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = [
            (name.lower().encode(), value.encode())
            for name, value in security_headers(
                path=scope["path"],
                method=scope["method"],
                credentials=with_credentials(scope.get("headers", ())),
                production=_production(scope),
            ).items()
        ]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in added if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _production(scope: Scope) -> bool:
    app = scope.get("app")
    services = getattr(getattr(app, "state", None), "services", None)
    return services is not None and services.settings.mode is Mode.PRODUCTION
