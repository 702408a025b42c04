"""``patrolgate serve``: the web service and browser UI (uvicorn).

The web stack (uvicorn, FastAPI, the app) is imported inside the commands that serve, so
every other command starts without it.
"""

from __future__ import annotations

import os
from typing import Annotated

import typer
from rich.table import Table

from patrolgate.cli.context import console, open_database, settings_of
from patrolgate.settings import Mode, Settings


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command."""
    app.command("serve")(serve)


def default_workers() -> int:
    """One worker process per CPU core this process may run on."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not on Linux
        return max(os.cpu_count() or 1, 1)


def run_service(settings: Settings, host: str, port: int, workers: int = 1) -> None:
    """Serve ``settings``' database at http://host:port until interrupted.

    With one worker the app runs in this process; with more, a supervisor starts that many
    processes, each building the app from the ``PATROLGATE_*`` variables set here, and logs
    each worker's start, death and restart (docs/operations.md, "Worker processes").
    """
    import uvicorn

    from patrolgate.server.app import create_app, settings_environment
    from patrolgate.server.workers import (
        WORKER_APP,
        WORKER_HEALTHCHECK_SECONDS,
        configure_logging,
        supervise,
    )

    configure_logging()
    console.print(
        f"PatrolGate at http://{host}:{port} ({workers} worker{'s' if workers > 1 else ''}; "
        "Ctrl-C to stop)",
        highlight=False,
    )
    if workers > 1:
        # Migrate once, here: workers migrating a fresh database at the same time race to
        # create the same tables, and the loser fails to start.
        with open_database(settings):
            pass
        os.environ.update(settings_environment(settings))
    config = uvicorn.Config(
        WORKER_APP if workers > 1 else create_app(settings, warm_picture=True),
        factory=workers > 1,
        workers=workers,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=False,  # the app believes proxies only from PATROLGATE_TRUSTED_PROXIES
        backlog=2048,
    )
    if workers > 1:
        supervise(config)
    else:
        uvicorn.Server(config).run()


def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            help="Worker processes (default: one per CPU core).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Serve the JSON API under /api/v1 and the browser UI."""
    run_service(settings_of(ctx), host, port, workers or default_workers())


def serve_demo(settings: Settings, *, serve_too: bool) -> None:
    """After ``patrolgate demo``: demo accounts (demo mode), printed, then the service."""
    from patrolgate.accounts.demo import DEMO_PASSWORD, ensure_demo_accounts

    if settings.mode is Mode.PRODUCTION:
        console.print("Production mode: no demo accounts; run `patrolgate serve`.")
        return
    demo_settings = settings.model_copy(update={"mode": Mode.DEMO})
    with open_database(demo_settings) as database:
        accounts = ensure_demo_accounts(database, demo_settings)
    table = Table("user", "role", "rank", title=f"Demo accounts (password: {DEMO_PASSWORD})")
    for login, role, rank in accounts:
        table.add_row(login, role, rank)
    console.print(table)
    if serve_too:
        run_service(demo_settings, "127.0.0.1", 8000, default_workers())
