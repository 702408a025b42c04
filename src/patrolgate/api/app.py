"""The FastAPI application factory: everything is built here, from the settings, never on import."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from patrolgate.api import (
    evaluation_routes,
    oversight_routes,
    problems,
    routes_accounts,
    routes_picture,
    routes_records,
    routes_workflow,
)
from patrolgate.api.accounts import wall_clock
from patrolgate.api.dependencies import services_of
from patrolgate.api.picture import MapWindow
from patrolgate.api.services import Services
from patrolgate.settings import Settings
from patrolgate.store import Database, create_database
from patrolgate.store.log_flusher import deferred_flushes

log = logging.getLogger("patrolgate.api")

#: How often the service records the clock's transitions (activation, expiry, lapse).
SWEEP_SECONDS = 30.0

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}


#: How often the service checkpoints SQLite's write-ahead log, off the request threads.
#: Often, so each checkpoint writes little: measured at 100 transitions/s, once a second
#: made the commits' own flushes stall behind the checkpoint's (up to 230 ms), every
#: quarter second seldom did.
CHECKPOINT_SECONDS = 0.25

#: How often, and how far ahead, the service fits the map's next forecast window.
PREFIT_SECONDS = 60.0
PREFIT_LEAD = timedelta(minutes=5)


async def _prefit_forever(services: Services, every: float) -> None:
    while True:
        await asyncio.sleep(every)
        try:
            fitted = await run_in_threadpool(services.picture.prefit, PREFIT_LEAD)
            if fitted:
                log.info("fitted %d forecast window(s) ahead of time", fitted)
        except Exception:  # the loop must outlive a failed fit; a request would refit
            log.exception("prefit failed")


async def _sweep_forever(services: Services, every: float) -> None:
    while True:
        try:
            swept = await run_in_threadpool(services.workflow.sweep)
            if swept:
                log.info("sweeper recorded %d clock transition(s)", len(swept))
        except Exception:  # the loop must outlive a failed sweep; the next one retries
            log.exception("sweep failed")
        await asyncio.sleep(every)


async def _checkpoint_forever(database: Database, every: float) -> None:
    # On a thread of the event loop's own executor, not a request thread: a checkpoint
    # that syncs the database file may take a few hundred milliseconds, and SQLite
    # releases the interpreter lock meanwhile.
    while True:
        await asyncio.sleep(every)
        try:
            await asyncio.to_thread(database.checkpoint)
        except Exception:  # the loop must outlive a failed checkpoint; the next one retries
            log.exception("checkpoint failed")


def create_app_from_environment() -> FastAPI:
    """The service as ``patrolgate serve --workers N`` builds it in each worker process.

    A factory for uvicorn's multi-process mode: the settings come from the ``PATROLGATE_*``
    variables the parent process set (:func:`settings_environment`).
    """
    return create_app(Settings(), warm_picture=True)


def settings_environment(settings: Settings) -> dict[str, str]:
    """``settings`` as the ``PATROLGATE_*`` variables that rebuild them in a worker."""
    values = settings.model_dump(mode="json")
    return {
        f"PATROLGATE_{name.upper()}": str(value)
        for name, value in values.items()
        if value is not None
    }


def create_app(
    settings: Settings,
    *,
    database: Database | None = None,
    clock: Callable[[], datetime] | None = None,
    security_clock: Callable[[], datetime] = wall_clock,
    sweep_every: float | None = SWEEP_SECONDS,
    warm_picture: bool = False,
) -> FastAPI:
    """Build the web service: JSON API under ``/api/v1``, browser UI, health checks.

    ``clock`` replaces the settings' clock for the workflow (tests move it by hand);
    ``security_clock`` times sessions and sign-in throttling (the wall clock by default).
    """
    own_database = database is None
    db = database or create_database(settings.resolved_database_url, serving=True)
    db.migrate()
    services = Services.build(settings, db, clock=clock, security_clock=security_clock)
    #: Not ready until the picture is warm, so a load balancer (or a benchmark) sends no
    #: request to a worker still fitting the forecast.
    warming = threading.Event()
    if warm_picture:
        warming.set()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Requests' database work runs on this many threads. They share the interpreter
        # lock: with anyio's default of 40, a thread back from a database round trip waits
        # behind dozens of others (on PostgreSQL while holding the audit head's row lock),
        # and a loaded worker spends a third more CPU per request; a few threads keep the
        # cores busy and the rest of the requests queue, cheaply, on the event loop.
        to_thread.current_default_thread_limiter().total_tokens = settings.request_threads
        tasks = []
        if sweep_every:
            tasks.append(asyncio.create_task(_sweep_forever(services, sweep_every)))
        if db.checkpoints_in_background:
            tasks.append(asyncio.create_task(_checkpoint_forever(db, CHECKPOINT_SECONDS)))
        if warm_picture:

            def warm() -> None:
                # Fit, serialise and gzip once at start-up, so no request pays for it.
                try:
                    services.picture.forecast_serialised(MapWindow.DAY)
                    for level in ("borough", "ward"):
                        services.picture.boundaries_serialised(level)
                finally:
                    # What start-up built (areas, the fitted picture, the app itself) lives
                    # as long as the worker: keep it out of the garbage collector's full
                    # passes, which would otherwise pause requests for tens of milliseconds.
                    gc.freeze()
                    warming.clear()

            tasks.append(asyncio.create_task(asyncio.to_thread(warm)))
            tasks.append(asyncio.create_task(_prefit_forever(services, PREFIT_SECONDS)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if own_database:
                db.dispose()

    app = FastAPI(
        title="PatrolGate",
        version="1",
        summary="Governs exceptional, area-based police deployments.",
        description=(
            "Intelligence picture, authorisation workflow and accountability for exceptional, "
            "area-based police deployments. Areas, never people. Sign in with a browser "
            "session or send `Authorization: Bearer <token>`; errors are RFC 9457 problem "
            "details."
        ),
        lifespan=lifespan,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.services = services
    problems.install(app, html=_html_errors())
    for module in (routes_accounts, routes_picture, routes_workflow, routes_records):
        app.include_router(module.router)
    app.include_router(oversight_routes.router)  # public transparency pages, MOPAC's dashboard
    app.include_router(evaluation_routes.router)  # deployment and programme evaluation plots
    _health(app, warming)
    _mount_web(app)

    if db.log_flusher is not None:
        app.add_middleware(DurableAnswers)
    app.add_middleware(SecurityHeaders)
    return app


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
    """Adds :data:`SECURITY_HEADERS` (and ``no-store`` on the API and non-GETs) to every
    HTTP response, unless the response set them itself.

    A plain ASGI middleware: it only edits the response start message, where Starlette's
    ``BaseHTTPMiddleware`` would run each request through an extra task and stream.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._headers = [(k.lower().encode(), v.encode()) for k, v in SECURITY_HEADERS.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        no_store = scope["path"].startswith("/api/") or scope["method"] != "GET"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in self._headers if h[0] not in present)
                if no_store and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _health(app: FastAPI, warming: threading.Event) -> None:
    @app.get("/healthz", tags=["health"], summary="Liveness")
    def healthz() -> dict[str, str]:
        """The process answers."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], summary="Readiness: the database answers")
    def readyz(request: Request) -> Response:
        """The database answers and is migrated, and the map's picture is warm."""
        services = services_of(request)
        if warming.is_set():
            return JSONResponse({"status": "warming"}, status_code=503)
        try:
            with services.database.engine.connect() as connection:
                connection.execute(text("SELECT 1 FROM audit_head"))
        except Exception as error:  # any failure means not ready; say which
            return JSONResponse(
                {"status": "unavailable", "detail": type(error).__name__}, status_code=503
            )
        return JSONResponse({"status": "ready", "database": services.database.engine.dialect.name})


def _html_errors() -> problems.HtmlErrors:
    from patrolgate.web.pages import render_error

    return render_error


def _mount_web(app: FastAPI) -> None:
    from patrolgate.web import mount

    mount(app)
