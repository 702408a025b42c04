"""The FastAPI application factory: everything is built here, from the settings, never on import."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta

from anyio import to_thread
from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from sqlalchemy import text

from patrolgate import web
from patrolgate.accounts import wall_clock
from patrolgate.api import (
    evaluation_routes,
    problems,
    routes_accounts,
    routes_events,
    routes_picture,
    routes_records,
    routes_workflow,
)
from patrolgate.api.dependencies import services_of
from patrolgate.api.idempotency import IdempotencyKeys
from patrolgate.api.limits import HeavyWork, RequestLimits, StillWorking
from patrolgate.api.services import Services
from patrolgate.oversight.automatic_evaluation import evaluate_due
from patrolgate.picture import MapWindow
from patrolgate.server.middleware import DurableAnswers, SecurityHeaders
from patrolgate.server.workers import configure_logging
from patrolgate.settings import Settings
from patrolgate.store import Database, create_database

log = logging.getLogger("patrolgate.api")
workers_log = logging.getLogger("patrolgate.server")

#: How often the service records the clock's transitions (activation, expiry, lapse).
SWEEP_SECONDS = 30.0


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
            evaluated = await run_in_threadpool(
                evaluate_due, services.database, services.settings, services.clock()
            )
            if evaluated:
                log.info("evaluated %d ended deployment(s)", len(evaluated))
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
    configure_logging()
    started = time.monotonic()
    app = create_app(Settings(), warm_picture=True)
    workers_log.info("service built in %.1f s", time.monotonic() - started)
    return app


def settings_environment(settings: Settings) -> dict[str, str]:
    """``settings`` as the ``PATROLGATE_*`` variables that rebuild them in a worker."""
    values = settings.model_dump(mode="json")
    return {
        f"PATROLGATE_{name.upper()}": str(value)
        for name, value in values.items()
        if value is not None
    }


class Warmup:
    """What a worker still prepares after it started answering (``/readyz`` lists it)."""

    def __init__(self, *steps: str) -> None:
        self._pending = list(steps)
        self._lock = threading.Lock()

    def done(self, step: str) -> None:
        """``step`` is ready."""
        with self._lock:
            if step in self._pending:
                self._pending.remove(step)

    def pending(self) -> list[str]:
        """The steps not ready yet, in order."""
        with self._lock:
            return list(self._pending)


#: What a worker of ``patrolgate serve`` prepares before it calls itself ready.
WARM_STEPS = ("forecast", "borough boundaries", "ward boundaries", "places")


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
    warmup = Warmup(*WARM_STEPS) if warm_picture else Warmup()
    heavy = HeavyWork()

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
            workers_log.info("serving; warming %s", ", ".join(warmup.pending()))

            def warm() -> None:
                # Fit, serialise and gzip once at start-up, so no request pays for it.
                started = time.monotonic()
                try:
                    services.picture.forecast_serialised(MapWindow.DAY)
                    warmup.done("forecast")
                    for level in ("borough", "ward"):
                        services.picture.boundaries_serialised(level)
                        warmup.done(f"{level} boundaries")
                    services.picture.warm()  # places' counts; missing backtests run apart
                    warmup.done("places")
                except Exception:  # a request computes what is missing; say why it must
                    workers_log.exception("warming failed: %s", ", ".join(warmup.pending()))
                finally:
                    # What start-up built (areas, the fitted picture, the app itself) lives
                    # as long as the worker: keep it out of the garbage collector's full
                    # passes, which would otherwise pause requests for tens of milliseconds.
                    gc.freeze()
                    for step in warmup.pending():
                        warmup.done(step)
                    workers_log.info("warm after %.1f s", time.monotonic() - started)

            tasks.append(asyncio.create_task(asyncio.to_thread(warm)))
            tasks.append(asyncio.create_task(_prefit_forever(services, PREFIT_SECONDS)))
        try:
            yield
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            heavy.shutdown()
            if own_database:
                db.dispose()
            if warm_picture:
                workers_log.info("worker (pid %d) stopped", os.getpid())

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
    app.state.heavy = heavy  # the CPU-heavy answers' thread and time budget (api.limits)
    problems.install(app, html=web.render_error)
    app.add_exception_handler(StillWorking, _still_working)
    for module in (routes_accounts, routes_picture, routes_workflow, routes_records):
        app.include_router(module.router)
    app.include_router(evaluation_routes.router)  # deployment and programme evaluation plots
    app.include_router(routes_events.router)  # the live feed of events
    _health(app, warmup)
    web.mount(app)  # the browser UI, public transparency pages and MOPAC's dashboard

    if db.log_flusher is not None:
        app.add_middleware(DurableAnswers)
    app.add_middleware(IdempotencyKeys)  # a retried POST that creates gets the first answer
    # Outside the idempotency keys (the last added runs first): the body cap and JSON
    # limits hold before anything, a stored answer's lookup included, reads a body.
    app.add_middleware(RequestLimits)
    app.add_middleware(SecurityHeaders)
    return app


async def _still_working(request: Request, error: Exception) -> Response:
    assert isinstance(error, StillWorking)
    return problems.problem(
        request,
        error.http_status,
        error.title,
        str(error),
        headers={"Retry-After": str(error.retry_after)},
    )


def _health(app: FastAPI, warmup: Warmup) -> None:
    @app.get("/healthz", tags=["health"], summary="Liveness")
    async def healthz() -> dict[str, str]:
        """The process answers (on the event loop: never queued behind requests' threads)."""
        return {"status": "ok"}

    @app.get("/readyz", tags=["health"], summary="Readiness: the database answers")
    def readyz(request: Request) -> Response:
        """The database answers and is migrated, and the map's picture is warm; while it
        warms, ``warming`` lists what is not ready yet."""
        services = services_of(request)
        pending = warmup.pending()
        if pending:
            return JSONResponse({"status": "warming", "warming": pending}, status_code=503)
        try:
            with services.database.engine.connect() as connection:
                connection.execute(text("SELECT 1 FROM audit_head"))
        except Exception as error:  # any failure means not ready; say which
            return JSONResponse(
                {"status": "unavailable", "detail": type(error).__name__}, status_code=503
            )
        return JSONResponse({"status": "ready", "database": services.database.engine.dialect.name})
