"""A real service on loopback over London boundaries and events, and Debian's chromium."""

from __future__ import annotations

import shutil
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from patrolgate.accounts import Accounts
from patrolgate.demo.build import import_london_boundaries, import_london_points
from patrolgate.geo.areas import AreaLevel
from patrolgate.picture import MapWindow
from patrolgate.server import create_app
from patrolgate.settings import Settings
from patrolgate.store import Database, create_database
from patrolgate.workflow import Workflow

REPOSITORY = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPOSITORY / "tests" / "workflow"))
import scenario  # noqa: E402 - the workflow tests' cast, shared on purpose

DATA = REPOSITORY / "data"
SCREENSHOTS = REPOSITORY / "test-artifacts" / "screenshots"
DOC_IMAGES = REPOSITORY / "docs" / "images"
PASSWORD = "correct horse battery"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@dataclass
class LiveService:
    """The running service, its clock and database."""

    url: str
    clock: scenario.Clock
    database: Database
    workflow: Workflow


def _london(database: Database) -> None:
    import_london_boundaries(
        database, DATA / "london-boundaries", (AreaLevel.BOROUGH, AreaLevel.WARD)
    )
    import_london_points(database, DATA / "london-robbery-weapons")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def live_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveService]:
    """The service on 127.0.0.1 with London, the cast and a clock the test moves.

    One per test module: deployments made by one module would otherwise count against
    another's under the profiles' rarity guard-rails (as they should in real use).
    """
    home = tmp_path_factory.mktemp("browser-home")
    settings = Settings(home=home)
    database = create_database(settings.resolved_database_url)
    database.migrate()
    _london(database)
    clock = scenario.Clock(datetime(2021, 1, 12, 9, 0, tzinfo=UTC))
    workflow = Workflow(database=database, clock=clock, timezone=settings.tz)
    scenario.seed_users(workflow)
    accounts = Accounts(database)
    for login in ["admin", *scenario.CAST]:
        accounts.set_password(None, login, PASSWORD)
    app = create_app(settings, database=database, clock=clock, sweep_every=1.0)
    app.state.services.picture.forecast_geojson(MapWindow.DAY)  # fit once, before the clock runs
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield LiveService(f"http://127.0.0.1:{port}", clock, database, workflow)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        database.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium through Playwright (never a downloaded browser)."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def shot(page: Any, name: str, *, docs: bool = False) -> Path:
    """Save a full-page screenshot; copy it into docs/images when the guides use it."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if docs:
        DOC_IMAGES.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, DOC_IMAGES / path.name)
    return path
